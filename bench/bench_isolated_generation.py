#!/usr/bin/python3
"""Cost of isolated generation: cold open of KERCHUNK:<source> (references
generated on a cache miss) with the generator in a child process
(KERCHUNK_GENERATION_ISOLATION=PROCESS, the default) versus in the opening
process (IN_PROCESS), measured in the same run, on a small NetCDF-4 file and
on the 100,000-chunk file of bench_cache_open.py; then how long an open takes
when KERCHUNK_GENERATION_TIMEOUT passes inside that file's one big array.

Every open runs in a fresh process with an empty cache; the time is measured
inside it, from before the open to after reading one chunk.

    KERCHUNK_BUILD_DIR=build /usr/bin/python3 bench/bench_isolated_generation.py [--workdir DIR]
"""
import argparse
import os
import pathlib
import shutil
import statistics
import subprocess
import sys
import tempfile

import bench_cache_open as common


def make_small(path):
    import netCDF4
    import numpy as np
    with netCDF4.Dataset(path, "w", format="NETCDF4") as ds:
        for name, size in (("z", 1000), ("y", 16), ("x", 16)):
            ds.createDimension(name, size)
        var = ds.createVariable("v", "f4", ("z", "y", "x"), chunksizes=(100, 16, 16))
        var[:] = np.random.default_rng(1).standard_normal((1000, 16, 16)).astype("f4")


def cold_open(source, env, mode, cache):
    shutil.rmtree(cache, ignore_errors=True)
    env = dict(env, KERCHUNK_CACHE_DIR=str(cache), KERCHUNK_GENERATION_ISOLATION=mode)
    return common.timed_open("kerchunk", source, env)


def measure(label, source, env, cache, repeat):
    times = {"IN_PROCESS": [], "PROCESS": []}
    sums = set()
    for _ in range(repeat):  # interleaved: machine load hits both alike
        for mode in times:
            seconds, checksum = cold_open(source, env, mode, cache)
            times[mode].append(seconds)
            sums.add(checksum)
    assert len(sums) == 1, "values differ between in-process and child generation"
    t_in = statistics.median(times["IN_PROCESS"])
    t_child = statistics.median(times["PROCESS"])
    print(f"{label}: cold open in-process {t_in:8.3f} s, in a child {t_child:8.3f} s "
          f"(median of {repeat}); child - in-process {t_child - t_in:+.3f} s, "
          f"ratio {t_child / t_in:.2f}")


INTERRUPT = r"""
import sys, time
from osgeo import gdal
gdal.UseExceptions()
t0 = time.perf_counter()
try:
    gdal.Open("KERCHUNK:" + sys.argv[1])
    outcome = "opened"
except RuntimeError as e:
    outcome = "timed out" if "timed out" in str(e) else "error"
print(time.perf_counter() - t0, outcome)
"""


def timeout_inside_one_array(source, env, cache, limit):
    """How long an open with KERCHUNK_GENERATION_TIMEOUT takes when the limit
    passes inside the one 100,000-chunk array."""
    for mode in ("IN_PROCESS", "PROCESS"):
        shutil.rmtree(cache, ignore_errors=True)
        run_env = dict(env, KERCHUNK_CACHE_DIR=str(cache), KERCHUNK_GENERATION_ISOLATION=mode,
                       KERCHUNK_GENERATION_TIMEOUT=str(limit), KERCHUNK_FALLBACK="NO")
        out = subprocess.run([sys.executable, "-c", INTERRUPT, str(source)], env=run_env,
                             capture_output=True, text=True, check=True).stdout.split()
        print(f"KERCHUNK_GENERATION_TIMEOUT={limit} inside one array, {mode:10}: "
              f"returned after {float(out[0]):6.2f} s ({' '.join(out[1:])})")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workdir", help="where the sources are written (kept)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--repeat-large", type=int, default=3)
    args = parser.parse_args()
    workdir = pathlib.Path(args.workdir or tempfile.mkdtemp(prefix="bench_isolation_"))
    workdir.mkdir(parents=True, exist_ok=True)
    small = workdir / "small.nc"
    if not small.exists():
        make_small(small)
    large = workdir / "chunks100k.nc"
    if not large.exists():
        n = common.make_source(large)
        print(f"wrote {large}: {n} chunks, {large.stat().st_size / 1e6:.0f} MB")
    env = dict(os.environ, GDAL_DRIVER_PATH=str(common.BUILD_DIR / "gdalplugins"))
    cache = workdir / "cache"
    measure("small file (10 chunks)   ", small, env, cache, args.repeat)
    measure("100,000-chunk file       ", large, env, cache, args.repeat_large)
    timeout_inside_one_array(large, env, cache, 1.5)


if __name__ == "__main__":
    sys.exit(main())
