#!/usr/bin/python3
"""Combining 365 daily NetCDF-4 files (the autotest's year: 2 time steps of a
4 x 5 grid each, CF time in a different unit per day) with
`gdal_kerchunk combine`, to JSON and to Parquet: combine time, output size,
and the time to open the result and read the whole cube through the plugin,
against netCDF4.MFDataset reading the same files, measured in the same run.

Each input's references are generated once beforehand with
--inline-threshold 0 (every chunk a path/offset/size reference, as for real
chunk sizes); the combine times are of the references only. Every
measurement runs in a fresh process and is the best of --repeat runs.

    KERCHUNK_BUILD_DIR=build /usr/bin/python3 bench/bench_combine_parquet.py [--workdir DIR]
"""
import argparse
import datetime
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time

import netCDF4
import numpy as np

ROOT = pathlib.Path(__file__).resolve().parent.parent
BUILD_DIR = pathlib.Path(os.environ.get("KERCHUNK_BUILD_DIR", ROOT / "build")).resolve()
CLI = BUILD_DIR / "gdal_kerchunk"
DAYS = 365

READ_PLUGIN = r"""
import os, sys, time
os.environ["GDAL_DRIVER_PATH"] = sys.argv[2]
from osgeo import gdal
t = time.perf_counter()
ds = gdal.OpenEx("KERCHUNK:" + sys.argv[1], gdal.OF_MULTIDIM_RASTER)
a = ds.GetRootGroup().OpenMDArray("t2m").ReadAsArray()
print(time.perf_counter() - t, a.shape[0])
"""

READ_NATIVE = r"""
import sys, time, netCDF4, numpy as np
t = time.perf_counter()
with netCDF4.MFDataset(sys.argv[1:], aggdim="time") as mf:
    mf.set_auto_maskandscale(False)
    a = np.asarray(mf["t2m"][:])
print(time.perf_counter() - t, a.shape[0])
"""


def write_day(path, day):
    rng = np.random.default_rng(day.toordinal())
    with netCDF4.Dataset(path, "w", format="NETCDF4_CLASSIC") as ds:
        ds.createDimension("time", None)
        ds.createDimension("lat", 4)
        ds.createDimension("lon", 5)
        t = ds.createVariable("time", "f8", ("time",))
        t.units = f"hours since {day.isoformat()} 00:00:00"
        t.calendar = "standard"
        t[:] = [0, 12]
        ds.createVariable("lat", "f4", ("lat",))[:] = np.linspace(50, 40, 4)
        ds.createVariable("lon", "f4", ("lon",))[:] = np.linspace(0, 8, 5)
        v = ds.createVariable("t2m", "f4", ("time", "lat", "lon"), zlib=True,
                              chunksizes=(1, 4, 5))
        v[:] = rng.standard_normal((2, 4, 5)).astype("f4")


def best(repeat, fn):
    return min(fn() for _ in range(repeat))


def timed_run(args):
    t = time.perf_counter()
    subprocess.run(args, check=True, capture_output=True)
    return time.perf_counter() - t


def child_seconds(code, args):
    out = subprocess.run([sys.executable, "-c", code, *args], check=True,
                         capture_output=True, text=True).stdout.split()
    assert int(out[1]) == 2 * DAYS, out
    return float(out[0])


def size_of(path):
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--workdir")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    work = pathlib.Path(args.workdir or tempfile.mkdtemp(prefix="bench_combine_"))
    data, refs = work / "data", work / "refs"
    data.mkdir(parents=True, exist_ok=True)
    files = []
    for i in range(DAYS):
        day = datetime.date(2021, 1, 1) + datetime.timedelta(days=i)
        files.append(data / f"t2m_{day:%Y%m%d}.nc")
        if not files[-1].exists():
            write_day(files[-1], day)
    if not refs.exists():
        refs.mkdir()
        subprocess.run([str(CLI), "generate", "-o", str(refs), "-j", "2", "-q",
                        "--inline-threshold", "0", *map(str, files)], check=True, capture_output=True)
    inputs = sorted(str(p) for p in refs.glob("*.json"))
    assert len(inputs) == DAYS

    outputs = {"json": work / "year.json", "parquet": work / "year.parq",
               "parquet (record size 100)": work / "year100.parq"}
    extra = {"json": [], "parquet": ["-of", "parquet"],
             "parquet (record size 100)": ["-of", "parquet", "--record-size", "100"]}
    combine_s = {}
    for name, out in outputs.items():
        def run():
            shutil.rmtree(out, ignore_errors=True) if out.is_dir() else None
            return timed_run([str(CLI), "combine", *inputs, "-o", str(out), "--concat-dim",
                              "time", "-q", *extra[name]])
        combine_s[name] = best(args.repeat, run)
    native_s = best(args.repeat, lambda: child_seconds(READ_NATIVE, map(str, files)))
    plugin = str(BUILD_DIR / "gdalplugins")
    print(f"{DAYS} daily files, t2m 730 x 4 x 5 in 730 chunks; best of {args.repeat}")
    print(f"netCDF4.MFDataset read of t2m: {native_s:.3f} s")
    print(f"{'output':28} {'combine s':>10} {'size bytes':>11} {'open+read s':>12} "
          f"{'read / MFDataset':>17}")
    for name, out in outputs.items():
        read_s = best(args.repeat, lambda: child_seconds(READ_PLUGIN, [str(out), plugin]))
        print(f"{name:28} {combine_s[name]:10.3f} {size_of(out):11d} {read_s:12.3f} "
              f"{read_s / native_s:17.2f}")


if __name__ == "__main__":
    main()
