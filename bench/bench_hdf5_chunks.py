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

ROOT = pathlib.Path(__file__).resolve().parent.parent
BUILD = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "build").resolve()
CLI = BUILD / "gdal_kerchunk"
CHUNK = 4  # tiny chunks: what is measured is the chunk index, not the data


def make_file(path, nchunks, libver):
    # In a child process: writing a million chunks grows this process's heap
    # (HDF5 free lists), which would inflate everything measured after it.
    script = ("import sys, h5py, numpy as np\n"
              "with h5py.File(sys.argv[1], 'w', libver=sys.argv[3]) as f:\n"
              "    f.create_dataset('data', data=np.arange(int(sys.argv[2]) * %d,"
              " dtype='i2'), chunks=(%d,))\n" % (CHUNK, CHUNK))
    subprocess.run([sys.executable, "-c", script, str(path), str(nchunks), libver],
                   check=True)


def baseline(path):
    """libhdf5's H5Dget_chunk_info(i) for every i (through h5py: the Python
    overhead per call is microseconds, the call itself walks the index)."""
    with h5py.File(path, "r") as f:
        dsid = f["data"].id
        t0, c0 = time.perf_counter(), time.process_time()
        n = dsid.get_num_chunks()
        total = 0
        for i in range(n):
            total += dsid.get_chunk_info(i).size
        return time.perf_counter() - t0, time.process_time() - c0, n


def ours(path, out):
    """Wall time, CPU time and peak RSS (bytes) of one `generate` run."""
    # posix_spawn (vfork-like): the child's peak RSS does not start from a
    # copy of this process.
    t0 = time.perf_counter()
    pid = os.posix_spawn(str(CLI), [str(CLI), "generate", str(path), "-o", str(out), "-q",
                                    "--inline-threshold", "0"], os.environ)
    _, status, usage = os.wait4(pid, 0)
    elapsed = time.perf_counter() - t0
    if status != 0:
        raise SystemExit(f"gdal_kerchunk failed on {path}")
    return elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss * 1024


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
        # Fixed cost of a run (loading GDAL and its ~100 libraries, HDF5
        # init): measured on a one-chunk file, reported separately.
        tiny = tmp / "tiny.h5"
        make_file(tiny, 1, "latest")
        startup = min(ours(tiny, tmp / "tiny.json")[1] for _ in range(3))
        print("Wall-clock and CPU seconds (CPU = user + system: robust when the machine\n"
              "is shared; ours includes process start-up and writing the JSON).")
        print(f"{'index':<12} {'chunks':>9} {'ours wall':>9} {'ours CPU':>9} {'chunks/s':>10} "
              f"{'h5 wall':>9} {'h5 CPU':>9} {'ratio wall':>10} {'ratio CPU':>9} {'CPU-start':>9} "
              f"{'RSS MB':>7}")
        for name, nchunks, libver, run_baseline in cases:
            src = tmp / f"{libver}_{nchunks}.h5"
            make_file(src, nchunks, libver)
            out = tmp / "refs.json"
            elapsed, cpu, rss = ours(src, out)
            got = count_chunk_refs(out)
            assert got == nchunks, (got, nchunks)
            if run_baseline:
                base, base_cpu, n = baseline(src)
                assert n == nchunks
                per_chunk_baseline[libver] = (base, base_cpu, nchunks)
                cols = (f"{base:9.2f} {base_cpu:9.2f} {base / elapsed:9.0f}x "
                        f"{base_cpu / cpu:8.0f}x {base_cpu / max(cpu - startup, 1e-3):8.0f}x")
            else:
                # O(n^2): the measured loop scaled quadratically
                b, bc, n = per_chunk_baseline[libver]
                f = (nchunks / n) ** 2
                cols = f"{'~%.0f' % (b * f):>9} {'~%.0f' % (bc * f):>9} {'(est.)':>10} {'':>9} {'':>9}"
            if small_rss is None:
                small_rss = (rss, nchunks)
            print(f"{name:<12} {nchunks:>9} {elapsed:9.2f} {cpu:9.2f} {nchunks / elapsed:10.0f} "
                  f"{cols} {rss / 1e6:7.1f}")
        print(f"start-up CPU of one run: {startup:.3f} s ('CPU-start': ratio with it "
              "subtracted from ours)")
        growth = (rss - small_rss[0]) / (nchunks - small_rss[1])
        print(f"peak memory growth: {growth:.1f} bytes per chunk "
              f"(1,000,000-chunk run vs {small_rss[1]}-chunk run)")


if __name__ == "__main__":
    main()
