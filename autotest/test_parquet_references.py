"""Parquet references in fsspec's layout (.zmetadata with record_size, one
folder per array of refs.N.parq files): `gdal_kerchunk convert` both ways,
the plugin reading them lazily, and interoperability with DuckDB, an
independent Parquet implementation (npm package @duckdb/node-api, installed
into autotest/npm/ on first use; the `duckdb` fixture of conftest.py)."""
import base64
import json
import math
import shutil
import subprocess

import netCDF4
import numpy as np
import pytest

from conftest import KERCHUNK_CLI, gdal
from http_range_server import RangeServer
from kerchunk_cli import generate, load_refs

RECORD_SIZE = 16


@pytest.fixture(scope="module")
def nc_refs(tmp_path_factory):
    """A NetCDF-4 file with 250 chunks of which some were never written
    (missing references), small coordinate arrays inlined, and its JSON
    references from `generate`."""
    folder = tmp_path_factory.mktemp("parquet_refs")
    nc = folder / "grid.nc"
    with netCDF4.Dataset(nc, "w") as ds:
        ds.createDimension("time", 30)
        ds.createDimension("y", 40)
        ds.createDimension("x", 50)
        for name, size in (("y", 40), ("x", 50)):
            v = ds.createVariable(name, "f8", (name,))
            v[:] = np.arange(size) * 0.25
        t = ds.createVariable("t", "f4", ("time", "y", "x"), chunksizes=(3, 8, 10),
                              zlib=True, fill_value=-999.0)
        values = (np.arange(30 * 40 * 50, dtype="f4").reshape(30, 40, 50) % 977) / 7
        # Time steps 9..14 never written: their chunks are not allocated.
        t[:9] = values[:9]
        t[15:] = values[15:]
    refs = folder / "grid.json"
    generate(nc, refs, "--inline-threshold", "500")
    return nc, refs


def convert(*args, check=True):
    r = subprocess.run([str(KERCHUNK_CLI), "convert", *[str(a) for a in args], "-q"],
                       capture_output=True, text=True, timeout=600)
    if check:
        assert r.returncode == 0, r.stderr
    return r


def read_array(refs, name):
    ds = gdal.OpenEx(f"KERCHUNK:{refs}", gdal.OF_MULTIDIM_RASTER)
    return ds.GetRootGroup().OpenMDArray(name).ReadAsArray()


def native(nc, name):
    with netCDF4.Dataset(nc) as ds:
        ds.set_auto_mask(False)
        return ds[name][:]


def assert_same_values(nc, json_refs, parquet_refs):
    for name in ("t", "x", "y"):
        expected = native(nc, name)
        via_json = read_array(json_refs, name)
        via_parquet = read_array(parquet_refs, name)
        assert via_parquet.dtype == expected.dtype
        assert via_parquet.tobytes() == expected.tobytes(), name
        assert via_parquet.tobytes() == via_json.tobytes(), name


def test_json_to_parquet_reads_like_json_and_netcdf(nc_refs, tmp_path):
    nc, refs = nc_refs
    out = tmp_path / "grid.parq"
    convert(refs, "-o", out, "--record-size", RECORD_SIZE)
    meta = json.loads((out / ".zmetadata").read_text())
    assert meta["record_size"] == RECORD_SIZE
    assert set(meta["metadata"]) >= {".zgroup", "t/.zarray", "t/.zattrs", "x/.zarray"}
    # 250 chunks in records of 16; records with no chunk at all (time steps
    # 9..14) are not written, as fsspec writes only the records it holds.
    records = sorted(int(p.name.split(".")[1]) for p in (out / "t").glob("refs.*.parq"))
    assert records[0] == 0 and records[-1] == math.ceil(250 / RECORD_SIZE) - 1
    assert_same_values(nc, refs, out)
    # Chunks of time steps 9..14 have no reference: the fill value.
    assert (read_array(out, "t")[9:15] == -999.0).all()


def normalized(refs):
    """Reference values comparable across formats: inline bytes decoded,
    metadata documents parsed."""
    out = {}
    for key, value in refs.items():
        if key.endswith(".zmetadata"):
            continue
        if isinstance(value, str):
            raw = base64.b64decode(value[7:]) if value.startswith("base64:") else value.encode()
            out[key] = json.loads(raw) if "/.z" in "/" + key else raw
        else:
            out[key] = list(value)
    return out


def test_parquet_to_json_round_trip(nc_refs, tmp_path):
    _, refs = nc_refs
    convert(refs, "-o", tmp_path / "p", "--record-size", RECORD_SIZE, "--compression", "snappy")
    convert(tmp_path / "p", "-o", tmp_path / "back.json")
    original = normalized(load_refs(refs))
    back = normalized(load_refs(tmp_path / "back.json"))
    assert back == original
    assert any(isinstance(v, bytes) for k, v in original.items()), "no inline chunk tested"


def chunk_number(key, zarray):
    counts = [math.ceil(s / c) for s, c in zip(zarray["shape"], zarray["chunks"])]
    number = 0
    for index, count in zip(key.split("/")[-1].split("."), counts):
        number = number * count + int(index)
    return number


@pytest.mark.parametrize("compression", ["zstd", "snappy", "none"])
def test_duckdb_reads_what_we_write(nc_refs, tmp_path, duckdb, compression):
    _, refs = nc_refs
    out = tmp_path / "p"
    convert(refs, "-o", out, "--record-size", RECORD_SIZE, "--compression", compression)
    expected = load_refs(refs)
    zarrays = {k[:-len("/.zarray")]: json.loads(v) for k, v in expected.items()
               if k.endswith("/.zarray")}
    seen = 0
    for array, zarray in zarrays.items():
        for parq in sorted((out / array).glob("refs.*.parq")):
            record = int(parq.name.split(".")[1])
            rows = duckdb(f"SELECT path, \"offset\", \"size\", raw FROM read_parquet('{parq}')")
            for i, row in enumerate(rows):
                key = f"{array}/" + ".".join(
                    str(n) for n in np.unravel_index(record * RECORD_SIZE + i,
                                                     [math.ceil(s / c) for s, c in
                                                      zip(zarray["shape"], zarray["chunks"])]))
                want = expected.get(key)
                if want is None:
                    assert row["path"] is None and row["raw"] is None, key
                elif isinstance(want, str):
                    assert row["path"] is None and row["raw"] is not None, key
                else:
                    assert [row["path"], int(row["offset"]), int(row["size"])] == want, key
                    assert row["raw"] is None
                seen += want is not None
    assert seen == sum(1 for k in expected if not k.split("/")[-1].startswith(".z"))
    # DuckDB's own view of the file's metadata: the codec we claim.
    meta = duckdb(f"SELECT compression FROM parquet_metadata('{out}/t/refs.0.parq')")
    assert {m["compression"] for m in meta} == {
        {"zstd": "ZSTD", "snappy": "SNAPPY", "none": "UNCOMPRESSED"}[compression]}


@pytest.mark.parametrize("options", [
    "COMPRESSION snappy",
    "COMPRESSION zstd",
    "COMPRESSION uncompressed",
    "COMPRESSION zstd, DICTIONARY_SIZE_LIMIT 1",          # PLAIN strings
    "COMPRESSION snappy, DICTIONARY_COMPRESSION_RATIO_THRESHOLD -1",  # dictionary ints
    "COMPRESSION zstd, ROW_GROUP_SIZE 4",                 # several row groups
])
def test_we_read_what_duckdb_writes(nc_refs, tmp_path, duckdb, options):
    nc, refs = nc_refs
    ours = tmp_path / "ours"
    convert(refs, "-o", ours, "--record-size", RECORD_SIZE)
    theirs = tmp_path / "theirs"
    shutil.copytree(ours, theirs)
    statements = []
    for parq in theirs.glob("*/refs.*.parq"):
        statements.append(
            f"COPY (SELECT path, \"offset\"::BIGINT AS \"offset\", \"size\"::BIGINT AS \"size\", "
            f"raw::BLOB AS raw FROM read_parquet('{ours / parq.relative_to(theirs)}')) "
            f"TO '{parq}' (FORMAT parquet, {options})")
    duckdb(*statements)
    assert (theirs / "t" / "refs.0.parq").read_bytes() != (ours / "t" / "refs.0.parq").read_bytes()
    assert_same_values(nc, refs, theirs)


def test_duckdb_v2_delta_encoding_refused_clearly(nc_refs, tmp_path, duckdb, gdal_errors):
    _, refs = nc_refs
    out = tmp_path / "p"
    convert(refs, "-o", out, "--record-size", RECORD_SIZE)
    parq = out / "t" / "refs.0.parq"
    copy = tmp_path / "copy.parq"
    shutil.copy(parq, copy)
    duckdb(f"COPY (SELECT * FROM read_parquet('{copy}')) TO '{parq}' "
           "(FORMAT parquet, PARQUET_VERSION V2)")
    with pytest.raises(RuntimeError):
        read_array(out, "t")
    assert f"{parq}" in gdal_errors.text
    assert "key 't/0.0.0'" in gdal_errors.text
    assert "not supported (PLAIN and dictionary encodings are)" in gdal_errors.text


def test_one_record_file_loaded_per_chunk_read(nc_refs, tmp_path, config_options):
    _, refs = nc_refs
    out = tmp_path / "lazy"
    convert(refs, "-o", out, "--record-size", RECORD_SIZE)
    loaded = []

    def handler(err_class, err_no, msg):
        if "loading Parquet references" in msg:
            loaded.append(msg.split()[-1])

    config_options(CPL_DEBUG="ON")
    gdal.PushErrorHandler(handler)
    try:
        ds = gdal.OpenEx(f"KERCHUNK:{out}", gdal.OF_MULTIDIM_RASTER)
        assert loaded == [], "opening loaded record files"
        t = ds.GetRootGroup().OpenMDArray("t")
        # Chunk (6, 1, 2): number 6*25 + 1*5 + 2 = 157, record 157 // 16 = 9.
        window = t.Read(array_start_idx=[18, 8, 20], count=[3, 8, 10])
        assert len(window) == 3 * 8 * 10 * 4
        assert loaded == [str(out / "t" / "refs.9.parq")]
        t.Read(array_start_idx=[18, 8, 20], count=[1, 1, 1])  # same record: cached
        assert len(loaded) == 1
    finally:
        gdal.PopErrorHandler()


def test_broken_references_named(nc_refs, tmp_path, gdal_errors):
    _, refs = nc_refs
    out = tmp_path / "broken"
    convert(refs, "-o", out, "--record-size", RECORD_SIZE)
    parq = out / "t" / "refs.0.parq"
    data = bytearray(parq.read_bytes())
    parq.write_bytes(bytes(data[:len(data) // 2]) + b"PAR1")
    with pytest.raises(RuntimeError):
        read_array(out, "t")
    assert f"{parq}: not a Parquet file (no PAR1 magic at both ends)" in gdal_errors.text \
        or f"{parq}: footer" in gdal_errors.text, gdal_errors.text
    assert "key 't/0.0.0'" in gdal_errors.text

    meta = json.loads((out / ".zmetadata").read_text())
    del meta["record_size"]
    (out / ".zmetadata").write_text(json.dumps(meta))
    with pytest.raises(RuntimeError):
        gdal.OpenEx(f"KERCHUNK:{out}", gdal.OF_MULTIDIM_RASTER)
    assert '"record_size" must be a positive integer' in gdal_errors.text


def test_convert_refuses_what_the_layout_cannot_hold(tmp_path):
    refs = tmp_path / "odd.json"
    refs.write_text(json.dumps({"version": 1, "refs": {
        ".zgroup": '{"zarr_format": 2}',
        "a/.zarray": json.dumps({"shape": [4], "chunks": [2], "dtype": "<i1",
                                 "compressor": None, "filters": None, "fill_value": 0,
                                 "order": "C", "zarr_format": 2}),
        "a/0": "ab", "a/7": "cd"}}))
    r = convert(refs, "-o", tmp_path / "out", check=False)
    assert r.returncode != 0
    assert "key 'a/7': chunk index '7' outside the array's chunk grid" in r.stderr


def test_remote_parquet_references_load_one_record(nc_refs, tmp_path):
    """Over HTTP (a server that lists no folders): opening reads .zmetadata,
    a chunk read fetches one record file, and values equal netCDF4's."""
    nc, _ = nc_refs
    shutil.copy(nc, tmp_path / "grid.nc")
    generate(tmp_path / "grid.nc", tmp_path / "grid.json", "--relative")
    convert(tmp_path / "grid.json", "-o", tmp_path / "grid.parq", "--record-size", RECORD_SIZE)
    with RangeServer(tmp_path) as server:
        ds = gdal.OpenEx(f"KERCHUNK:/vsicurl/{server.url}/grid.parq", gdal.OF_MULTIDIM_RASTER)
        t = ds.GetRootGroup().OpenMDArray("t")
        fetched = [r[1] for r in server.requests if "/refs." in r[1]]
        assert fetched == [], fetched
        # Chunk (6, 1, 2) is number 157, in record 9.
        window = t.ReadAsArray(array_start_idx=[18, 8, 20], count=[3, 8, 10])
        assert window.tobytes() == native(nc, "t")[18:21, 8:16, 20:30].tobytes()
        fetched = {r[1] for r in server.requests if "/refs." in r[1]}
        assert fetched == {"/grid.parq/t/refs.9.parq"}, fetched
