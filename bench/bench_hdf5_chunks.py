#!/usr/bin/python3
"""Chunk enumeration speed of `gdal_kerchunk generate` on HDF5 files, against
libhdf5's per-chunk H5Dget_chunk_info(i) loop (what kerchunk does on
HDF5 < 1.10.10), measured on the same files in the same run.

Inputs are generated here with h5py in a temporary folder:
  - 32,768 chunks, v1 B-tree index (libver earliest, netCDF-C's usual case)
  - 16,384 chunks, fixed-array index (libver latest)
  - 1,000,000 chunks, fixed-array index (ours only: the O(n^2) baseline
    would take hours; its estimate is printed)
Prints chunks/s, the ratio, and the peak memory (RSS) of our process.

Usage: bench/bench_hdf5_chunks.py [BUILD_DIR]   (default: build)
Goals (issue 3): ratio >= 100x on the first two, < 3 s for 1,000,000 chunks,
memory growth <= ~100 bytes per chunk.
"""
import os
import pathlib
import subprocess
import sys
import tempfile
import time

import h5py
import numpy as np

ROOT = pathlib.Path(__file__).resolve().parent.parent
BUILD = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "build").resolve()
CLI = BUILD / "gdal_kerchunk"
CHUNK = 4  # tiny chunks: what is measured is the chunk index, not the data


def make_file(path, nchunks, libver):
    with h5py.File(path, "w", libver=libver) as f:
        f.create_dataset("data", data=np.arange(nchunks * CHUNK, dtype="i2"),
                         chunks=(CHUNK,))


def baseline(path):
    """libhdf5's H5Dget_chunk_info(i) for every i (through h5py: the Python
    overhead per call is microseconds, the call itself walks the index)."""
    with h5py.File(path, "r") as f:
        dsid = f["data"].id
        t0 = time.perf_counter()
        n = dsid.get_num_chunks()
        total = 0
        for i in range(n):
            total += dsid.get_chunk_info(i).size
        return time.perf_counter() - t0, n


def ours(path, out):
    """Wall time and peak RSS (bytes) of one `generate` run."""
    t0 = time.perf_counter()
    proc = subprocess.Popen([str(CLI), "generate", str(path), "-o", str(out), "-q",
                             "--inline-threshold", "0"])
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - t0
    if status != 0:
        raise SystemExit(f"gdal_kerchunk failed on {path}")
    return elapsed, usage.ru_maxrss * 1024


def count_chunk_refs(out):
    n = 0
    with open(out) as f:
        for line in f:
            if line.startswith('"data/') and not line.startswith('"data/.'):
                n += 1
    return n


def main():
    if not CLI.exists():
        raise SystemExit(f"{CLI} not found; build first or pass the build dir")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        cases = [("v1 B-tree", 32768, "earliest", True),
                 ("fixed array", 16384, "latest", True),
                 ("fixed array", 1000000, "latest", False)]
        small_rss = None
        per_chunk_baseline = {}
        print(f"{'index':<12} {'chunks':>9} {'ours s':>8} {'chunks/s':>11} "
              f"{'libhdf5 s':>10} {'ratio':>8} {'peak RSS MB':>12}")
        for name, nchunks, libver, run_baseline in cases:
            src = tmp / f"{libver}_{nchunks}.h5"
            make_file(src, nchunks, libver)
            out = tmp / "refs.json"
            elapsed, rss = ours(src, out)
            got = count_chunk_refs(out)
            assert got == nchunks, (got, nchunks)
            if run_baseline:
                base, n = baseline(src)
                assert n == nchunks
                per_chunk_baseline[libver] = (base, nchunks)
                ratio = f"{base / elapsed:7.0f}x"
                base_s = f"{base:10.2f}"
            else:
                # O(n^2): scale the measured fixed-array loop quadratically
                b, n = per_chunk_baseline[libver]
                base_s = f"~{b * (nchunks / n) ** 2:9.0f}"
                ratio = "(est.)"
            if small_rss is None:
                small_rss = (rss, nchunks)
            print(f"{name:<12} {nchunks:>9} {elapsed:8.2f} {nchunks / elapsed:11.0f} "
                  f"{base_s:>10} {ratio:>8} {rss / 1e6:12.1f}")
        growth = (rss - small_rss[0]) / (nchunks - small_rss[1])
        print(f"peak memory growth: {growth:.1f} bytes per chunk "
              f"(1,000,000-chunk run vs {small_rss[1]}-chunk run)")


if __name__ == "__main__":
    main()
