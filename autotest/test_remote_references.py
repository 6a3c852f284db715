"""References files on an HTTP server: fetched with one GET, kept in memory,
revalidated by HEAD (ETag/Last-Modified) and reloaded only when changed.
Requests are counted by the loopback server."""
import base64
import json
import os
import shutil

import h5py
import pytest
from osgeo import gdal

from conftest import DATA_DIR
from http_range_server import RangeServer

REFS_DIR = DATA_DIR / "kerchunk_refs"
ZARRAY_U1 = json.dumps({"chunks": [4], "compressor": None, "dtype": "|u1", "fill_value": 7,
                        "filters": None, "order": "C", "shape": [4], "zarr_format": 2})


def write_inline_refs(path, values, padding=0):
    """One array 'a' of four bytes, inline; `padding` changes the size."""
    refs = {"version": 1, "refs": {
        ".zgroup": '{"zarr_format":2}', "a/.zarray": ZARRAY_U1,
        "a/.zattrs": json.dumps({"_ARRAY_DIMENSIONS": ["x"], "pad": "p" * padding}),
        "a/0": "base64:" + base64.b64encode(bytes(values)).decode()}}
    path.write_text(json.dumps(refs))


def read_a(url):
    ds = gdal.OpenEx("KERCHUNK:" + url, gdal.OF_MULTIDIM_RASTER)
    return list(ds.GetRootGroup().OpenMDArray("a").ReadAsArray())


def refs_requests(server, name):
    return [(method, rng) for method, path, rng in server.requests if path == "/" + name]


def test_remote_references_load_with_one_get(tmp_path):
    shutil.copy(REFS_DIR / "air.nc", tmp_path / "air.nc")
    shutil.copy(REFS_DIR / "air.nc.json", tmp_path / "air.nc.json")
    with RangeServer(tmp_path) as server:
        ds = gdal.OpenEx("KERCHUNK:/vsicurl/%s/air.nc.json" % server.url, gdal.OF_MULTIDIM_RASTER)
        got = ds.GetRootGroup().OpenMDArray("air").ReadAsArray()
        want = h5py.File(REFS_DIR / "air.nc", "r")["air"][()]
        assert got.tobytes() == want.tobytes()
        # One HEAD for the validators, one GET for the whole body (which also
        # tells references from a source file), no read-ahead ranges, no
        # directory listing of the references' folder.
        assert refs_requests(server, "air.nc.json") == [("HEAD", None), ("GET", None)]


def test_unchanged_remote_references_are_revalidated_not_reloaded(tmp_path, config_options):
    config_options(KERCHUNK_REFS_REVALIDATE_SECONDS="0")
    write_inline_refs(tmp_path / "r.json", [1, 2, 3, 4])
    with RangeServer(tmp_path) as server:
        url = "/vsicurl/%s/r.json" % server.url
        assert read_a(url) == [1, 2, 3, 4]
        del server.requests[:]
        assert read_a(url) == [1, 2, 3, 4]
        requests = refs_requests(server, "r.json")
        assert requests and set(requests) == {("HEAD", None)}


def test_changed_remote_references_are_reloaded(tmp_path, config_options):
    config_options(KERCHUNK_REFS_REVALIDATE_SECONDS="0")
    write_inline_refs(tmp_path / "r.json", [1, 2, 3, 4])
    with RangeServer(tmp_path) as server:
        url = "/vsicurl/%s/r.json" % server.url
        assert read_a(url) == [1, 2, 3, 4]
        # Same size, other bytes and a later mtime: only the ETag tells.
        write_inline_refs(tmp_path / "r.json", [5, 6, 7, 8])
        stat = os.stat(tmp_path / "r.json")
        os.utime(tmp_path / "r.json", ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
        del server.requests[:]
        assert read_a(url) == [5, 6, 7, 8]
        assert refs_requests(server, "r.json").count(("GET", None)) == 1


def test_remote_references_are_not_checked_within_the_interval(tmp_path, config_options):
    config_options(KERCHUNK_REFS_REVALIDATE_SECONDS="3600")
    write_inline_refs(tmp_path / "r.json", [1, 2, 3, 4])
    with RangeServer(tmp_path) as server:
        url = "/vsicurl/%s/r.json" % server.url
        assert read_a(url) == [1, 2, 3, 4]
        write_inline_refs(tmp_path / "r.json", [5, 6, 7, 8], padding=10)
        del server.requests[:]
        assert read_a(url) == [1, 2, 3, 4]
        assert refs_requests(server, "r.json") == []


def open_error(name):
    with pytest.raises(RuntimeError) as error:
        gdal.PushErrorHandler("CPLQuietErrorHandler")
        try:
            gdal.OpenEx(name, gdal.OF_MULTIDIM_RASTER)
        finally:
            gdal.PopErrorHandler()
    return str(error.value)


def test_missing_remote_references_error_names_the_file(tmp_path):
    with RangeServer(tmp_path) as server:
        message = open_error("KERCHUNK:/vsicurl/%s/none.json" % server.url)
        assert "none.json: no such file" in message


def test_oversized_remote_references_are_refused_before_download(tmp_path, config_options):
    config_options(KERCHUNK_MAX_REFS_FILE_SIZE="100")
    write_inline_refs(tmp_path / "r.json", [1, 2, 3, 4])
    with RangeServer(tmp_path) as server:
        message = open_error("KERCHUNK:/vsicurl/%s/r.json" % server.url)
        assert "larger than 100 bytes (KERCHUNK_MAX_REFS_FILE_SIZE)" in message
        assert ("GET", None) not in refs_requests(server, "r.json")
