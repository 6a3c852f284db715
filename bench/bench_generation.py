#!/usr/bin/python3
"""Reference generation against the header floor, per file, in the same run
(issue 13).

For each real corpus file it times `gdal_kerchunk generate FILE -o refs.json`
against the native tool that walks the same headers:

  GRIB     grib_ls -p shortName,typeOfLevel,level,dataDate,dataTime,
                   stepRange,gridType FILE
  HDF5     h5ls -r FILE                      (Debian's hdf5-tools)

For GRIB it also times grib_ls printing the keys the references carry
("keys" row: cfVarName, name, units, cfName, paramId, ... are eccodes
concepts, each parsing its own definition files): the floor for
references that must hold those values, printed for context only; each
GRIB row of ours also gives its CPU and peak-memory ratios to that row.
A first line prints the process floor: gdal_kerchunk --version (GDAL,
PROJ, HDF5 and eccodes loaded, no file read) against grib_ls on an empty
file.

Each command runs as a child through posix_spawn + wait4 (so the peak RSS
is the child's own), best of N runs by wall clock; CPU (user + system) is
printed too, being the steadier figure on a shared machine. Prints one row
per file with the time ratio, and for GRIB the peak-memory ratio.
--baseline BINARY adds the same columns for a second gdal_kerchunk (e.g. a
copy of the binary before a change) so a before/after table comes from one
run.

  /usr/bin/python3 bench/bench_generation.py [--build-dir build]
        [--runs 3] [--baseline /tmp/gdal_kerchunk.before] [--only TEXT]

Goals: GRIB time <= 2x grib_ls and peak memory <= 1.5x grib_ls's;
ref_hdf5_compat1.nc time <= 3x h5ls -r.
"""
import argparse
import os
import pathlib
import shutil
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"
GRIB_KEYS = "shortName,typeOfLevel,level,dataDate,dataTime,stepRange,gridType"
FILES = [  # (corpus path, kind)
    ("grib2/gfs.t12z.pgrbf120.2p5deg.grib2", "grib"),
    ("grib2/nam.t00z.awp21100.tm00.grib2", "grib"),
    ("grib1/ncep-seasonal-monthly.grib", "grib"),
    ("grib1/era5-levels-members.grib", "grib"),
    ("netcdf4/ref_hdf5_compat1.nc", "hdf5"),
]
GOAL_TIME = {"grib": 2.0, "hdf5": 3.0}
GOAL_RSS = 1.5
TIME = "/usr/bin/time"  # GNU time (Debian package "time")
# Keys the GRIB references carry (grib_generator.cpp: AddField, DataAttributes).
REFERENCED_KEYS = ("shortName,cfVarName,name,units,cfName,paramId,typeOfLevel,stepType,"
                   "stepUnits,gridType,dataType,gridDefinitionDescription,numberOfPoints,NV,"
                   "Nx,Ny,iScansNegatively,jScansPositively,jPointsAreConsecutive,"
                   "alternativeRowScanning,totalNumber,missingValue,dataDate,dataTime,"
                   "validityDate,validityTime,level,number")


def run(argv, any_status=False):
    """Wall seconds, CPU seconds and peak RSS (bytes) of one child run.

    The peak comes from GNU time (-f %M), which forks the command: a child
    spawned from Python itself would report Python's own resident size
    (~13 MB) as its peak when smaller, since Linux keeps the high-water
    mark of the memory the child had before exec."""
    with tempfile.NamedTemporaryFile(prefix="bench-rss-") as rss, \
            open(os.devnull, "wb") as null:
        timed = [TIME, "-q", "-f", "%M", "-o", rss.name] + list(argv)
        t0 = time.perf_counter()
        pid = os.posix_spawn(TIME, timed, os.environ,
                             file_actions=[(os.POSIX_SPAWN_DUP2, null.fileno(), 1),
                                           (os.POSIX_SPAWN_DUP2, null.fileno(), 2)])
        _, status, usage = os.wait4(pid, 0)
        wall = time.perf_counter() - t0
        peak_kb = int(open(rss.name).read().split()[-1])
    if status != 0 and not any_status:
        raise SystemExit(f"failed ({status}): {' '.join(argv)}")
    return wall, usage.ru_utime + usage.ru_stime, peak_kb * 1024


def best_of(n, argv, any_status=False):
    runs = [run(argv, any_status) for _ in range(n)]
    return (min(r[0] for r in runs), min(r[1] for r in runs), max(r[2] for r in runs))


def native(kind, path):
    if kind == "grib":
        return ["grib_ls", "-p", GRIB_KEYS, str(path)]
    return ["h5ls", "-r", str(path)]


def print_process_floor(runs, cli, tmp):
    """What the processes cost before reading a message: gdal_kerchunk with
    GDAL, PROJ, HDF5 and eccodes loaded (--version; GDAL's general option
    exits with status 1) against grib_ls on an empty file. The peak memory
    goal compares whole processes, so this gap is in every GRIB row."""
    empty = os.path.join(tmp, "empty.grib")
    open(empty, "wb").close()
    ours = best_of(runs, [cli, "--version"], any_status=True)
    nat = best_of(runs, ["grib_ls", "-p", "shortName", empty], any_status=True)
    print(f"process floor: gdal_kerchunk --version cpu {ours[1]:.3f} peak {ours[2] / 1e6:.1f} MB; "
          f"grib_ls on an empty file cpu {nat[1]:.3f} peak {nat[2] / 1e6:.1f} MB")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build-dir", default=os.environ.get("KERCHUNK_BUILD_DIR", str(ROOT / "build")))
    ap.add_argument("--runs", type=int, default=3, help="best of N runs")
    ap.add_argument("--baseline", help="another gdal_kerchunk binary to compare (e.g. before)")
    ap.add_argument("--only", help="only the files whose path contains this text")
    a = ap.parse_args()
    cli = pathlib.Path(a.build_dir).resolve() / "gdal_kerchunk"
    if not cli.exists():
        sys.exit(f"{cli} not found: build first")
    if not CORPUS.is_dir():
        sys.exit(f"{CORPUS} not found: the bench needs the shared corpus")
    if not os.access(TIME, os.X_OK):
        sys.exit(f"{TIME} not found (install the time package)")
    for tool in ("grib_ls", "h5ls"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} not found (install libeccodes-tools / hdf5-tools)")
    bins = [("ours", str(cli))]
    if a.baseline:
        bins.insert(0, ("base", a.baseline))

    print(f"best of {a.runs}; wall s / cpu s / peak MB; ratio = ours / native "
          "(wall, and peak memory for GRIB)")
    all_met = True
    with tempfile.TemporaryDirectory(prefix="bench-gen-") as tmp:
        out = os.path.join(tmp, "refs.json")
        print_process_floor(a.runs, str(cli), tmp)
        for rel, kind in FILES:
            if a.only and a.only not in rel:
                continue
            path = CORPUS / rel
            if not path.exists():
                print(f"{rel}: missing, skipped")
                continue
            nat = best_of(a.runs, native(kind, path))
            print(f"{rel}")
            print(f"  {'native':6s} wall {nat[0]:7.3f} cpu {nat[1]:7.3f} peak {nat[2] / 1e6:7.1f}")
            if kind == "grib":
                keys = best_of(a.runs, ["grib_ls", "-p", REFERENCED_KEYS, str(path)])
                print(f"  {'keys':6s} wall {keys[0]:7.3f} cpu {keys[1]:7.3f} "
                      f"peak {keys[2] / 1e6:7.1f}  (grib_ls -p <referenced keys>: "
                      f"{keys[0] / nat[0]:.2f}x native)")
            for label, binary in bins:
                res = best_of(a.runs, [binary, "generate", str(path), "-o", out, "-q"])
                tr = res[0] / nat[0]
                line = (f"  {label:6s} wall {res[0]:7.3f} cpu {res[1]:7.3f} "
                        f"peak {res[2] / 1e6:7.1f}  ratio time {tr:5.2f}x")
                met = tr <= GOAL_TIME[kind]
                if kind == "grib":
                    mr = res[2] / nat[2]
                    line += f" mem {mr:5.2f}x (keys row: cpu {res[1] / keys[1]:4.2f}x mem {res[2] / keys[2]:4.2f}x)"
                    met = met and mr <= GOAL_RSS
                if label == "ours":
                    all_met = all_met and met
                    line += "  goal met" if met else "  goal NOT met"
                print(line)
    print("all goals met" if all_met else "some goals NOT met")


if __name__ == "__main__":
    main()
