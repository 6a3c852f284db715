#!/usr/bin/python3
"""Opening a big JSON reference set: `gdalinfo KERCHUNK:<refs>` on a synthetic
version 1 file with 1,000,000 chunk keys (~39 MB), against Python's
`json.load` of the same file, measured in the same run.

Prints the wall time and peak RSS (/usr/bin/time -v) of both, their ratios,
and the resident bytes per chunk key once the references are loaded (RSS
after opening the 1M-key file minus RSS after opening a 1-key file, both
measured inside one Python process each, divided by the key count).

    KERCHUNK_BUILD_DIR=build /usr/bin/python3 bench/bench_big_references.py [--workdir DIR]
"""
import argparse
import json
import os
import pathlib
import re
import statistics
import subprocess
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
BUILD_DIR = pathlib.Path(os.environ.get("KERCHUNK_BUILD_DIR", ROOT / "build")).resolve()

# Loads references through the plugin and prints the RSS growth in bytes.
RSS_CHILD = r"""
import sys
from osgeo import gdal
gdal.UseExceptions()

def rss():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024

gdal.GetDriverByName("KERCHUNK")
before = rss()
ds = gdal.OpenEx("KERCHUNK:" + sys.argv[1], gdal.OF_MULTIDIM_RASTER)
array = ds.GetRootGroup().OpenMDArray("v")
start = [int(v) for v in sys.argv[2:5]]
value = array.ReadAsArray(array_start_idx=start, count=[1, 1, 1])
print(rss() - before, float(value.ravel()[0]))
"""


def write_references(path, data_path, n_side):
    """A v1 reference file for one float32 array of n_side^3 one-value chunks,
    each pointing into data_path (written too, value = linear index)."""
    import numpy as np
    n = n_side ** 3
    np.arange(n, dtype="<f4").tofile(data_path)
    zarray = {"chunks": [1, 1, 1], "compressor": None, "dtype": "<f4",
              "fill_value": None, "filters": None, "order": "C",
              "shape": [n_side] * 3, "zarr_format": 2}
    with open(path, "w") as f:
        f.write('{"version": 1, "refs": {')
        f.write('".zgroup": %s, ' % json.dumps(json.dumps({"zarr_format": 2})))
        f.write('"v/.zarray": %s, ' % json.dumps(json.dumps(zarray)))
        f.write('"v/.zattrs": %s' % json.dumps(json.dumps(
            {"_ARRAY_DIMENSIONS": ["z", "y", "x"]})))
        url = data_path.name
        lines = []
        for i in range(n_side):
            for j in range(n_side):
                base = (i * n_side + j) * n_side
                lines.append("".join(
                    ', "v/%d.%d.%d": ["%s", %d, 4]' % (i, j, k, url, (base + k) * 4)
                    for k in range(n_side)))
        f.write("".join(lines))
        f.write("}}")
    return n


def time_v(cmd, env):
    """Wall seconds and peak RSS (bytes) of cmd, from /usr/bin/time -v."""
    out = subprocess.run(["/usr/bin/time", "-v"] + cmd, env=env, capture_output=True,
                         text=True)
    if out.returncode != 0:
        raise SystemExit(f"{cmd} failed:\n{out.stderr[-2000:]}")
    wall = re.search(r"Elapsed \(wall clock\) time .*: (?:(\d+):)?(\d+):([\d.]+)", out.stderr)
    hours, minutes, seconds = wall.groups()
    t = int(hours or 0) * 3600 + int(minutes) * 60 + float(seconds)
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", out.stderr).group(1))
    return t, rss * 1024, out.stdout


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workdir", help="where the references are written (kept)")
    parser.add_argument("--side", type=int, default=100, help="chunks per dimension")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    workdir = pathlib.Path(args.workdir or tempfile.mkdtemp(prefix="bench_bigrefs_"))
    workdir.mkdir(parents=True, exist_ok=True)
    big = workdir / f"refs{args.side}.json"
    small = workdir / "refs1.json"
    if not big.exists():
        write_references(big, workdir / f"data{args.side}.bin", args.side)
    write_references(small, workdir / "data1.bin", 1)
    n_keys = args.side ** 3
    env = dict(os.environ, GDAL_DRIVER_PATH=str(BUILD_DIR / "gdalplugins"))
    print(f"references: {big} ({n_keys} chunk keys, {big.stat().st_size / 1e6:.1f} MB)")

    gdal_runs, py_runs = [], []
    for _ in range(args.repeat):
        t, rss, out = time_v(["gdalinfo", "KERCHUNK:" + str(big)], env)
        assert "Driver: KERCHUNK" in out or "SUBDATASET" in out or "Size is" in out, out
        gdal_runs.append((t, rss))
        py_runs.append(time_v(["/usr/bin/python3", "-c",
                               "import json, sys; json.load(open(sys.argv[1]))",
                               str(big)], env)[:2])

    # Resident bytes per key: RSS growth of the big open minus the small one.
    grown = {}
    for path, side in ((big, args.side), (small, 1)):
        start = [min(7, side - 1), min(8, side - 1), min(9, side - 1)]
        out = subprocess.run(["/usr/bin/python3", "-c", RSS_CHILD, str(path)] +
                             [str(v) for v in start], env=env,
                             capture_output=True, text=True, check=True).stdout.split()
        grown[path] = int(out[0])
        expected = float((start[0] * side + start[1]) * side + start[2])
        assert float(out[1]) == expected, f"read {out[1]}, expected {expected}"

    med = statistics.median
    t_gdal, t_py = med(r[0] for r in gdal_runs), med(r[0] for r in py_runs)
    m_gdal, m_py = max(r[1] for r in gdal_runs), max(r[1] for r in py_runs)
    per_key = (grown[big] - grown[small]) / n_keys
    print(f"gdalinfo KERCHUNK: (median of {args.repeat}): {t_gdal:7.3f} s, "
          f"peak RSS {m_gdal / 1e6:6.1f} MB")
    print(f"python3 json.load  (median of {args.repeat}): {t_py:7.3f} s, "
          f"peak RSS {m_py / 1e6:6.1f} MB")
    print(f"time ratio gdalinfo / json.load:         {t_gdal / t_py:7.2f}  (goal <= 0.3)")
    print(f"peak memory ratio gdalinfo / json.load:  {m_gdal / m_py:7.2f}")
    print(f"resident bytes per chunk key (opened):   {per_key:7.1f}  (goal <= 64)")


if __name__ == "__main__":
    main()
