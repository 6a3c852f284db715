#!/usr/bin/python3
"""Cold lazy multi-file open: `KERCHUNK:"<folder>/*.nc"` of 365 small daily
NetCDF-4 files (the files of autotest/test_combine.py) with an empty cache,
the references generated in child processes (KERCHUNK_GENERATION_ISOLATION=
PROCESS, the default) and in the opening process (IN_PROCESS), measured in
the same run, interleaved. Also counts the generator processes started (the
"isolated generation: running" debug messages).

Every open runs in a fresh process; the time is measured inside it, from
before the open to after reading the whole combined t2m array, whose
checksum must be the same in both modes.

    KERCHUNK_BUILD_DIR=build /usr/bin/python3 bench/bench_multi_source_open.py [--workdir DIR]
"""
import argparse
import datetime
import os
import pathlib
import shutil
import statistics
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
BUILD_DIR = pathlib.Path(os.environ.get("KERCHUNK_BUILD_DIR", ROOT / "build")).resolve()
sys.path.insert(0, str(ROOT / "autotest"))

CHILD = r"""
import sys, time
from osgeo import gdal
gdal.UseExceptions()
t0 = time.perf_counter()
ds = gdal.OpenEx('KERCHUNK:"' + sys.argv[1] + '"', gdal.OF_MULTIDIM_RASTER)
values = ds.GetRootGroup().OpenMDArray("t2m").ReadAsArray()
print(time.perf_counter() - t0, float(values.astype("f8").sum()), values.shape[0])
"""


def cold_open(pattern, env, mode, cache, log):
    shutil.rmtree(cache, ignore_errors=True)
    if log.exists():
        log.unlink()
    run_env = dict(env, KERCHUNK_CACHE_DIR=str(cache), KERCHUNK_GENERATION_ISOLATION=mode,
                   CPL_DEBUG="KERCHUNK", CPL_LOG=str(log))
    out = subprocess.run([sys.executable, "-c", CHILD, str(pattern)], env=run_env,
                         capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"open failed ({mode}):\n{out.stderr[-2000:]}")
    seconds, checksum, steps = out.stdout.split()
    children = sum("isolated generation: running" in line
                   for line in log.read_text(errors="replace").splitlines())
    return float(seconds), float(checksum), int(steps), children


def main():
    from test_combine import START, write_day  # noqa: E402 (autotest on sys.path)

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workdir", help="where the 365 files are written (kept)")
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    workdir = pathlib.Path(args.workdir or tempfile.mkdtemp(prefix="bench_multi_"))
    folder = workdir / "days"
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(args.days):
        day = START + datetime.timedelta(days=i)
        path = folder / f"t2m_{day:%Y%m%d}.nc"
        if not path.exists():
            write_day(path, day)
    env = dict(os.environ, GDAL_DRIVER_PATH=str(BUILD_DIR / "gdalplugins"))
    pattern = folder / "*.nc"
    times = {"IN_PROCESS": [], "PROCESS": []}
    children = {}
    sums = set()
    for _ in range(args.repeat):  # interleaved: machine load hits both alike
        for mode in times:
            t, checksum, steps, n = cold_open(pattern, env, mode, workdir / "cache",
                                              workdir / "debug.log")
            assert steps == 2 * args.days, steps
            times[mode].append(t)
            children[mode] = n
            sums.add(checksum)
    assert len(sums) == 1, "values differ between in-process and child generation"
    t_in = statistics.median(times["IN_PROCESS"])
    t_child = statistics.median(times["PROCESS"])
    print(f"{args.days} files, cold open + read (median of {args.repeat}): "
          f"in-process {t_in:8.2f} s, isolated {t_child:8.2f} s "
          f"({children['PROCESS']} generator processes); ratio isolated / in-process "
          f"{t_child / t_in:.2f}")


if __name__ == "__main__":
    main()
