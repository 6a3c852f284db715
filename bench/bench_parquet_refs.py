#!/usr/bin/python3
"""A 10,000,000-chunk Parquet reference set (fsspec's layout): open time,
peak resident memory, and the record files one chunk read loads, through the
plugin, against DuckDB reading the same record file's row in the same run.

The set: one array of 5000 x 2000 float32 chunks of one value each
(record_size 100,000: 100 record files written by DuckDB, snappy, the path
column dictionary-encoded) referencing a 40 MB data file. Every measurement
runs in a fresh process; times are taken inside it, start-up left out.

    KERCHUNK_BUILD_DIR=build /usr/bin/python3 bench/bench_parquet_refs.py [--workdir DIR]
"""
import argparse
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parent.parent
BUILD_DIR = pathlib.Path(os.environ.get("KERCHUNK_BUILD_DIR", ROOT / "build")).resolve()
NPM_DIR = ROOT / "autotest" / "npm"
NY, NX = 5000, 2000
RECORD_SIZE = 100_000

CHILD = r"""
import resource, sys, time
refs, y, x = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
from osgeo import gdal, gdal_array  # gdal_array: imported (numpy, driver registration) before timing
gdal.UseExceptions()
gdal.SetConfigOption("CPL_DEBUG", "ON")
loaded = []
gdal.PushErrorHandler(lambda c, n, m: loaded.append(m) if "loading Parquet references" in m else None)
t0 = time.perf_counter()
ds = gdal.OpenEx("KERCHUNK:" + refs, gdal.OF_MULTIDIM_RASTER)
array = ds.GetRootGroup().OpenMDArray("v")
t_open = time.perf_counter() - t0
loaded_on_open = len(loaded)
t0 = time.perf_counter()
value = array.ReadAsArray(array_start_idx=[y, x], count=[1, 1])[0, 0]
t_read = time.perf_counter() - t0
rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(t_open, t_read, rss_mb, loaded_on_open, len(loaded), float(value))
"""


def duckdb(*statements):
    r = subprocess.run(["/usr/bin/node", str(NPM_DIR / "duckdb_sql.mjs"), *statements],
                       capture_output=True, text=True, check=True)
    return json.loads(r.stdout)


def make_reference_set(folder):
    data = folder / "data.bin"
    values = np.arange(NY * NX, dtype="<f4")
    values.tofile(data)
    refs = folder / "refs.parq"
    (refs / "v").mkdir(parents=True)
    zarray = {"shape": [NY, NX], "chunks": [1, 1], "dtype": "<f4", "compressor": None,
              "filters": None, "fill_value": None, "order": "C", "zarr_format": 2}
    meta = {"metadata": {".zgroup": {"zarr_format": 2}, "v/.zarray": zarray,
                         "v/.zattrs": {"_ARRAY_DIMENSIONS": ["y", "x"]}},
            "record_size": RECORD_SIZE}
    (refs / ".zmetadata").write_text(json.dumps(meta))
    statements = []
    for record in range(NY * NX // RECORD_SIZE):
        first = record * RECORD_SIZE
        statements.append(
            f"COPY (SELECT '{data}' AS path, (4 * i)::BIGINT AS \"offset\", 4::BIGINT AS "
            f"\"size\", NULL::BLOB AS raw FROM range({first}, {first + RECORD_SIZE}) t(i)) "
            f"TO '{refs}/v/refs.{record}.parq' (FORMAT parquet, COMPRESSION snappy)")
    duckdb(*statements)
    return refs


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--workdir")
    args = parser.parse_args()
    folder = pathlib.Path(args.workdir or tempfile.mkdtemp(prefix="bench_parquet_"))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        refs = make_reference_set(folder)
        size = sum(p.stat().st_size for p in refs.rglob("*"))
        print(f"reference set: {NY * NX:,} chunks, {size / 1e6:.1f} MB in "
              f"{NY * NX // RECORD_SIZE} record files")
        y, x = 3210, 1234  # chunk number 6,421,234: record 64
        env = dict(os.environ, GDAL_DRIVER_PATH=str(BUILD_DIR / "gdalplugins"))
        r = subprocess.run([sys.executable, "-c", CHILD, str(refs), str(y), str(x)],
                           capture_output=True, text=True, env=env, check=True)
        t_open, t_read, rss, loaded_open, loaded, value = r.stdout.split()
        assert float(value) == float(y * NX + x), value
        record = (y * NX + x) // RECORD_SIZE
        row = duckdb(f"SELECT \"offset\" FROM read_parquet('{refs}/v/refs.{record}.parq') "
                     f"LIMIT 1 OFFSET {(y * NX + x) % RECORD_SIZE}")
        assert int(row[0]["offset"]) == 4 * (y * NX + x)
        print(f"plugin open (multidimensional dataset + array): {float(t_open):.3f} s, "
              f"record files loaded on open: {loaded_open}")
        print(f"plugin read of one chunk: {float(t_read):.3f} s, record files loaded: "
              f"{int(loaded) - int(loaded_open)}")
        print(f"plugin peak resident memory (open + read): {float(rss):.0f} MB")
        print(f"value read {float(value)} equals the data file's "
              f"(offset {4 * (y * NX + x)} per DuckDB)")
    finally:
        if not args.workdir:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
