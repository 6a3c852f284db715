"""docs/user_guide.rst runs as written.

Blocks preceded by `.. tested-by: autotest/test_user_guide.py` are run in
order, in one folder holding a copy of the bundled sample air.nc, with the
built gdal_kerchunk on PATH (and example_1.nc, a NetCDF-3 sample) and the plugin on GDAL_DRIVER_PATH (bash blocks
with `set -euo pipefail`, python blocks with /usr/bin/python3). Every other
`gdal_kerchunk ...` command line of the guide is run too, and must not be
rejected for its arguments (it may fail for want of its files or servers).
"""
import os
import re
import shlex
import shutil
import subprocess

import netCDF4
import numpy as np
import pytest

from conftest import BUILD_DIR, DATA_DIR, KERCHUNK_CLI, PLUGIN_DIR, ROOT

GUIDE = ROOT / "docs" / "user_guide.rst"
MARK = ".. tested-by: autotest/test_user_guide.py"
# What the command says when it does not understand its arguments.
ARGUMENT_ERRORS = ("Usage:", "unknown option", "unexpected argument", "bad arguments",
                   "needs a value", "unknown command", "expected one of",
                   "cannot be used together", "only applies with")


def code_blocks(text):
    """(language, code, tested) of every code-block, in order."""
    lines = text.splitlines()
    blocks = []
    for i, line in enumerate(lines):
        m = re.match(r"^\.\. code-block::\s*(\S*)\s*$", line)
        if not m:
            continue
        prev = [x for x in lines[max(0, i - 3):i] if x.strip()]
        tested = bool(prev) and prev[-1].strip() == MARK
        body = []
        for follow in lines[i + 1:]:
            if follow.strip() and not follow.startswith("    "):
                break
            body.append(follow[4:])
        blocks.append((m.group(1), "\n".join(body).strip("\n") + "\n", tested))
    return blocks


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    work = tmp_path_factory.mktemp("guide")
    shutil.copy(DATA_DIR / "kerchunk_refs" / "air.nc", work / "air.nc")
    shutil.copy(DATA_DIR / "netcdf3" / "example_1.nc", work / "example_1.nc")
    env = dict(os.environ)
    env["PATH"] = f"{BUILD_DIR}:{env['PATH']}"
    env["GDAL_DRIVER_PATH"] = str(PLUGIN_DIR)
    env["KERCHUNK_CACHE_DIR"] = str(work / "cache")
    # Lines that reach for S3 fail at once instead of looking for credentials.
    env.update(AWS_S3_ENDPOINT="127.0.0.1:9", AWS_HTTPS="NO", AWS_NO_SIGN_REQUEST="YES",
               AWS_VIRTUAL_HOSTING="FALSE", GDAL_HTTP_MAX_RETRY="0")
    return work, env


def test_guide_has_tested_blocks():
    blocks = code_blocks(GUIDE.read_text())
    assert sum(1 for _, _, tested in blocks if tested) == 4
    assert "images/qgis_kerchunk.png" in GUIDE.read_text()


def test_tested_blocks_run(sandbox):
    work, env = sandbox
    outputs = []
    for lang, code, tested in code_blocks(GUIDE.read_text()):
        if not tested:
            continue
        if lang == "bash":
            cmd = ["bash", "-euo", "pipefail", "-c", code]
        else:
            assert lang == "python", lang
            cmd = ["/usr/bin/python3", "-c", code]
        r = subprocess.run(cmd, cwd=work, env=env, capture_output=True, text=True,
                           timeout=300)
        assert r.returncode == 0, f"{code}\n--- stdout\n{r.stdout}\n--- stderr\n{r.stderr}"
        outputs.append(r.stdout)
    quick, gdal_py, xarray_py, archive = outputs
    assert re.search(r"^ *KERCHUNK -raster", quick, re.M)
    assert (work / "air.tif").exists() and (work / "air.json").exists()
    assert "State:             valid" in quick
    assert gdal_py.splitlines()[0].startswith("21 11 124 ")
    with netCDF4.Dataset(work / "air.nc") as nc:
        expected = float(np.asarray(nc["air"][:], dtype="f8").mean())
    # xarray applies scale_factor: the mean of the unpacked values.
    assert float(xarray_py) == pytest.approx(expected, rel=1e-5)
    # The lazy open of the quick start generated air.nc; the archive run
    # found it up to date and generated example_1.nc.
    assert "Generations:      2 (2 ok, 0 failed)" in archive
    assert archive.endswith("2 entries: 2 ok, 0 stale, 0 source gone, 0 corrupt\n")


def command_lines(text):
    """Every gdal_kerchunk invocation in the untested blocks, as argv lists."""
    found = []
    for _, code, tested in code_blocks(text):
        if tested:
            continue
        code = code.replace("\\\n", " ")
        for line in code.splitlines():
            for m in re.finditer(r"(?:^|[|;&]\s*|\s)gdal_kerchunk\s+([^|>&#\n]*)", line):
                args = re.sub(r"\$\{?[A-Za-z_]+\}?", "2", m.group(1)).strip()
                found.append(shlex.split(args))
    return found


def test_other_command_lines_are_valid(sandbox):
    work, env = sandbox
    lines = command_lines(GUIDE.read_text())
    assert len(lines) >= 6, lines
    for args in lines:
        r = subprocess.run([str(KERCHUNK_CLI), *args], cwd=work, env=env, input="",
                           capture_output=True, text=True, timeout=120)
        bad = [e for e in ARGUMENT_ERRORS if e in r.stderr]
        assert not bad, f"gdal_kerchunk {' '.join(args)}: {r.stderr}"
