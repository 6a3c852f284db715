#!/usr/bin/python3
"""Cold versus cached open of KERCHUNK:<source> for a NetCDF-4 file with
100,000 chunks, against the native libraries in the same run.

Every open runs in a fresh process (what a user's second `gdalinfo` sees);
the time printed is measured inside it, from before the open to after
reading one chunk, so Python and GDAL start-up are left out.

    KERCHUNK_BUILD_DIR=build /usr/bin/python3 bench/bench_cache_open.py [--workdir DIR]
"""
import argparse
import json
import os
import pathlib
import shutil
import statistics
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
BUILD_DIR = pathlib.Path(os.environ.get("KERCHUNK_BUILD_DIR", ROOT / "build")).resolve()

CHILD = r"""
import sys, time
mode, source = sys.argv[1], sys.argv[2]
if mode == "netcdf4":
    import netCDF4
    t0 = time.perf_counter()
    ds = netCDF4.Dataset(source)
    value = ds["v"][500, :16, :16]
else:
    from osgeo import gdal
    gdal.UseExceptions()
    name = "KERCHUNK:" + source if mode == "kerchunk" else source
    t0 = time.perf_counter()
    ds = gdal.OpenEx(name, gdal.OF_MULTIDIM_RASTER)
    array = ds.GetRootGroup().OpenMDArray("v")
    value = array.ReadAsArray(array_start_idx=[500, 0, 0], count=[1, 16, 16])
print(time.perf_counter() - t0, float(value.sum()))
"""


def make_source(path, nz=1000, ny=160, nx=160, chunk=(1, 16, 16)):
    import netCDF4
    import numpy as np
    with netCDF4.Dataset(path, "w", format="NETCDF4") as ds:
        for name, size in zip(("z", "y", "x"), (nz, ny, nx)):
            ds.createDimension(name, size)
        var = ds.createVariable("v", "f4", ("z", "y", "x"), chunksizes=chunk)
        rng = np.random.default_rng(0)
        for z0 in range(0, nz, 100):
            var[z0:z0 + 100] = rng.standard_normal((100, ny, nx)).astype("f4")
    n = (nz // chunk[0]) * (ny // chunk[1]) * (nx // chunk[2])
    return n


def timed_open(mode, source, env):
    out = subprocess.run([sys.executable, "-c", CHILD, mode, str(source)], env=env,
                         capture_output=True, text=True, check=True)
    seconds, checksum = out.stdout.split()
    return float(seconds), float(checksum)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workdir", help="where the 100 MB source is written (kept)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    workdir = pathlib.Path(args.workdir or tempfile.mkdtemp(prefix="bench_cache_"))
    workdir.mkdir(parents=True, exist_ok=True)
    source = workdir / "chunks100k.nc"
    if not source.exists():
        n = make_source(source)
        print(f"wrote {source}: {n} chunks, {source.stat().st_size / 1e6:.0f} MB")
    cache = workdir / "cache"
    env = dict(os.environ, GDAL_DRIVER_PATH=str(BUILD_DIR / "gdalplugins"),
               KERCHUNK_CACHE_DIR=str(cache))

    shutil.rmtree(cache, ignore_errors=True)
    cold, ref_sum = timed_open("kerchunk", source, env)
    cached, sums = [], []
    for _ in range(args.repeat):
        t, s = timed_open("kerchunk", source, env)
        cached.append(t)
        sums.append(s)
    unverified = [timed_open("kerchunk", source, dict(env, KERCHUNK_CACHE_VERIFY="NO"))[0]
                  for _ in range(args.repeat)]
    # The same references opened directly: what the cache adds on top.
    refs = next(p for p in cache.iterdir()
                if p.name.endswith(".json") and not p.name.endswith(".meta.json"))
    direct = [timed_open("kerchunk", refs, env)[0] for _ in range(args.repeat)]
    native_nc = [timed_open("netcdf4", source, env) for _ in range(args.repeat)]
    native_gdal = [timed_open("gdal", source, env) for _ in range(args.repeat)]
    assert all(s == ref_sum for s in sums + [v[1] for v in native_nc + native_gdal]), \
        "values differ between the opens"

    info = subprocess.run([str(BUILD_DIR / "gdal_kerchunk"), "cache", "info", str(source)],
                          env=env, capture_output=True, text=True, check=True).stdout
    fields = {k.strip(): v.strip() for k, v in
              (line.split(":", 1) for line in info.splitlines() if ":" in line)}

    med = statistics.median
    t_cached, t_unverified = med(cached), med(unverified)
    t_nc, t_gdal = med(v[0] for v in native_nc), med(v[0] for v in native_gdal)
    print(f"chunks referenced:             {fields.get('Chunks')}")
    print(f"references size:               {fields.get('References size')}")
    print(f"generation time (entry):       {fields.get('Generation time')}")
    print(f"cold open (generate+open):     {cold:8.3f} s")
    print(f"cached open (median of {args.repeat}):    {t_cached:8.3f} s")
    print(f"cached open, no checksum:      {t_unverified:8.3f} s")
    print(f"KERCHUNK:<references> open:    {med(direct):8.3f} s  (same references, no cache)")
    print(f"netCDF4-python open+read:      {t_nc:8.3f} s")
    print(f"GDAL netCDF driver open+read:  {t_gdal:8.3f} s")
    print(f"ratio cold / cached:           {cold / t_cached:8.1f}")
    print(f"ratio cached / netCDF4-python: {t_cached / t_nc:8.2f}")
    print(f"ratio cached / GDAL netCDF:    {t_cached / t_gdal:8.2f}")
    print(f"cache lookup overhead:         {t_cached - med(direct):8.3f} s "
          f"(cached open minus direct references open)")


if __name__ == "__main__":
    main()
