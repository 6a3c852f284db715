#!/usr/bin/python3
"""Speed of GRIB reference generation against eccodes, in the same run.

Builds a multi-message GRIB file in a temporary folder (real messages: the
shared corpus when present, else eccodes' samples, concatenated with padding
between them, as operational files often have), then times:

  generate        gdal_kerchunk generate FILE -o refs.json  (our scan)
  grib_ls         eccodes' grib_ls listing a few keys (header-only walk, C)
  py-headers      python eccodes codes_grib_new_from_file(headers_only=True)
                  + the keys a scan needs (header-only walk, Python)
  py-decode       python eccodes decoding every message's values

and prints messages/s for each (wall clock, and CPU time, which is the
steadier figure on a shared machine) and the ratios generate/<other>. Goal:
generate within 2x of the header-only walks.

  /usr/bin/python3 bench/bench_grib_scan.py [--build-dir build] [--repeat 3]
"""
import argparse
import glob
import os
import pathlib
import resource
import shutil
import subprocess
import sys
import tempfile
import time

import eccodes

ROOT = pathlib.Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"
KEYS = ["shortName", "typeOfLevel", "level", "dataDate", "dataTime", "stepRange", "gridType"]


def source_messages():
    """Paths of real GRIB files eccodes reads without error."""
    if CORPUS.is_dir():
        names = ["grib2/gfs.t12z.pgrbf120.2p5deg.grib2", "grib2/nam.t00z.awp21100.tm00.grib2",
                 "grib2/safrica.grib2", "grib1/ncep-seasonal-monthly.grib",
                 "grib1/era5-levels-members.grib", "grib2/step_60m.grib", "grib2/ml_data.grib"]
        paths = [CORPUS / n for n in names if (CORPUS / n).exists()]
        if paths:
            return paths
    return sorted(pathlib.Path(p) for p in glob.glob("/usr/share/eccodes/samples/*grib*.tmpl"))


def build_file(path, repeat):
    count = 0
    with open(path, "wb") as out:
        for _ in range(repeat):
            for src in source_messages():
                data = src.read_bytes()
                out.write(data)
                out.write(b"\0" * 8)  # padding between files
                with open(src, "rb") as f:
                    count += eccodes.codes_count_in_file(f)
    return count


def cpu_now():
    """CPU seconds of this process and its finished children."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    ch = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + ch.ru_utime + ch.ru_stime


def timed(fn):
    c0, t0 = cpu_now(), time.perf_counter()
    fn()
    return time.perf_counter() - t0, cpu_now() - c0


def best_of(n, fn):
    runs = [timed(fn) for _ in range(n)]
    return min(r[0] for r in runs), min(r[1] for r in runs)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build-dir", default=os.environ.get("KERCHUNK_BUILD_DIR", str(ROOT / "build")))
    ap.add_argument("--repeat", type=int, default=5, help="copies of the source files")
    ap.add_argument("--runs", type=int, default=3, help="best of N runs")
    a = ap.parse_args()
    cli = pathlib.Path(a.build_dir) / "gdal_kerchunk"
    if not cli.exists():
        sys.exit(f"{cli} not found: build first")
    tmp = tempfile.mkdtemp(prefix="bench-grib-")
    try:
        big = os.path.join(tmp, "big.grib")
        nmsg = build_file(big, a.repeat)
        size_mb = os.path.getsize(big) / 1e6
        print(f"file: {nmsg} messages, {size_mb:.1f} MB")

        refs = os.path.join(tmp, "refs.json")

        def generate():
            subprocess.run([str(cli), "generate", big, "-o", refs, "-q"], check=True,
                           stdout=subprocess.DEVNULL)

        def grib_ls():
            subprocess.run(["grib_ls", "-p", ",".join(KEYS), big], check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

        def py_headers():
            with open(big, "rb") as f:
                while True:
                    h = eccodes.codes_grib_new_from_file(f, headers_only=True)
                    if h is None:
                        break
                    for k in KEYS:
                        eccodes.codes_get(h, k)
                    eccodes.codes_release(h)

        def py_decode():
            with open(big, "rb") as f:
                while True:
                    h = eccodes.codes_grib_new_from_file(f)
                    if h is None:
                        break
                    eccodes.codes_get_values(h)
                    eccodes.codes_release(h)

        results = {}
        for name, fn in [("generate", generate), ("grib_ls", grib_ls),
                         ("py-headers", py_headers), ("py-decode", py_decode)]:
            results[name] = best_of(a.runs, fn)
            wall, cpu = results[name]
            print(f"{name:11s} wall {wall:7.3f} s {nmsg / wall:8.0f} msg/s | "
                  f"cpu {cpu:7.3f} s {nmsg / cpu:8.0f} msg/s {1000 * cpu / nmsg:6.3f} ms/msg")
        g = results["generate"]
        for other in ("grib_ls", "py-headers", "py-decode"):
            o = results[other]
            print(f"ratio generate/{other}: wall {g[0] / o[0]:.2f}  cpu {g[1] / o[1]:.2f}")
        refs_mb = os.path.getsize(refs) / 1e6
        print(f"references: {refs_mb:.2f} MB")
        best = min(results["grib_ls"][1], results["py-headers"][1])
        print("goal (cpu within 2x of the fastest header-only walk):",
              "met" if g[1] <= 2 * best else "NOT met")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
