#!/usr/bin/python3
"""Multidimensional AdviseRead + Read against Read alone, on an ERA5-like
NetCDF-4 (240 x 181 x 360 float32, zlib+shuffle, one chunk per field), from
a local file and over loopback HTTP (autotest/http_range_server.py): the
KERCHUNK driver (whose advice is its planned batch fetch) and GDAL's Zarr
driver on ZARR:"/vsikerchunk/{refs}" (whose advice decodes the tiles ahead
on GDAL_NUM_THREADS worker threads), with ratios to netCDF4's read of the
same steps measured in the same run. Each read runs in a fresh process, best
of three, timed inside it from before AdviseRead to after Read. It shows
whether GDAL's decode ahead is worth calling after the driver's fetch
(docs/kerchunk.rst, "Network reads"). The load average is printed: the
machine may be shared.

    KERCHUNK_BUILD_DIR=build /usr/bin/python3 bench/bench_advise_read.py
"""
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "autotest"))
os.environ.setdefault("KERCHUNK_BUILD_DIR", str(ROOT / "build"))
import conftest  # noqa: E402,F401  (GDAL_DRIVER_PATH before osgeo is imported)
import netCDF4  # noqa: E402
import numpy as np  # noqa: E402
from http_range_server import RangeServer  # noqa: E402
from kerchunk_cli import generate  # noqa: E402

STEPS, NY, NX = 240, 181, 360
SELECTIONS = [(0, 24), (100, 60)]  # first step, number of steps

CHILD = r"""
import sys, time
from osgeo import gdal
gdal.UseExceptions()
name, advise, first, steps = sys.argv[1], sys.argv[2] == "1", int(sys.argv[3]), int(sys.argv[4])
arr = gdal.OpenEx(name, gdal.OF_MULTIDIM_RASTER).GetRootGroup().OpenMDArray("t2m")
start, count = [first, 0, 0], [steps] + [d.GetSize() for d in arr.GetDimensions()[1:]]
t0 = time.perf_counter()
if advise:
    assert arr.AdviseRead(start, count) == gdal.CE_None
values = arr.ReadAsArray(array_start_idx=start, count=count)
print(time.perf_counter() - t0, float(values.sum(dtype="f8")))
"""


def write_file(path):
    rng = np.random.default_rng(3)
    with netCDF4.Dataset(path, "w") as nc:
        nc.createDimension("time", STEPS)
        nc.createDimension("latitude", NY)
        nc.createDimension("longitude", NX)
        var = nc.createVariable("t2m", "f4", ("time", "latitude", "longitude"), zlib=True,
                                shuffle=True, chunksizes=(1, NY, NX))
        for t in range(STEPS):
            var[t] = (250 + 30 * rng.random((NY, NX))).astype("f4")


def timed_read(name, advise, first, steps):
    """Best of three fresh processes: (seconds, checksum)."""
    best = None
    for _ in range(3):
        r = subprocess.run([sys.executable, "-c", CHILD, name, "1" if advise else "0",
                            str(first), str(steps)], capture_output=True, text=True,
                           timeout=600, env=dict(os.environ, GDAL_HTTP_MAX_RETRY="0"))
        if r.returncode != 0:
            sys.exit(r.stderr[-2000:])
        seconds, checksum = map(float, r.stdout.split())
        best = (seconds, checksum) if best is None or seconds < best[0] else best
    return best


def native_read(path, first, steps):
    best = None
    for _ in range(3):
        t0 = time.perf_counter()
        with netCDF4.Dataset(path) as nc:
            nc.set_auto_mask(False)
            values = np.asarray(nc["t2m"][first:first + steps])
        seconds = time.perf_counter() - t0
        best = seconds if best is None else min(best, seconds)
    return best, float(values.sum(dtype="f8"))


def bench(path, refs, where):
    for first, steps in SELECTIONS:
        native, checksum = native_read(path, first, steps)
        cells = []
        for label, name in [("KERCHUNK", "KERCHUNK:%s" % refs),
                            ("ZARR", 'ZARR:"/vsikerchunk/{%s}"' % refs)]:
            for advise in (True, False):
                seconds, got = timed_read(name, advise, first, steps)
                assert got == checksum, (label, advise, got, checksum)
                cells.append("%s %s %.3f s (%.2fx)" % (
                    label, "advise+read" if advise else "read", seconds, seconds / native))
        print("%-5s steps %3d+%-3d netCDF4 %.3f s | %s" % (where, first, steps, native,
                                                          " | ".join(cells)), flush=True)


def main():
    with tempfile.TemporaryDirectory() as tmp:
        folder = pathlib.Path(tmp)
        path = folder / "era5.nc"
        write_file(path)
        refs = folder / "local.json"
        generate(path, refs)
        print("GDAL_NUM_THREADS=%s, load average %.1f %.1f %.1f" % (
            (os.environ.get("GDAL_NUM_THREADS", "unset (ALL_CPUS)"),) + os.getloadavg()))
        bench(path, refs, "local")
        with RangeServer(folder) as server:
            table = json.loads(refs.read_text())
            url = server.url + "/era5.nc"
            table["refs"] = {k: ([url] + v[1:] if isinstance(v, list) and v and
                                 v[0] in (str(path), "era5.nc") else v)
                             for k, v in table["refs"].items()}
            http_refs = folder / "http.json"
            http_refs.write_text(json.dumps(table))
            bench(path, http_refs, "http")


if __name__ == "__main__":
    main()
