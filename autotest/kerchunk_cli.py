"""Running `gdal_kerchunk generate` from the tests, and reading what it wrote."""
import json
import subprocess

from conftest import KERCHUNK_CLI


def generate(src, out, *args, check=True, quiet=True):
    cmd = [str(KERCHUNK_CLI), "generate", str(src), "-o", str(out)]
    if quiet:
        cmd.append("-q")
    r = subprocess.run(cmd + [str(a) for a in args], capture_output=True, text=True,
                       timeout=600)
    if check:
        assert r.returncode == 0, r.stderr
    return r


def load_refs(path):
    return json.load(open(path))["refs"]
