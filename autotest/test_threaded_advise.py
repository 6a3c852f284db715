"""GDAL 3.6's Zarr AdviseRead decodes tiles on GDAL_NUM_THREADS worker
threads (all CPUs by default). On an array with filters each of those threads
reads the filters' shared json-c objects, whose reference counts are not
atomic: the threads free them under each other and the host process dies
(SIGSEGV; issue 9, the crash of test_advise_read_then_read_needs_no_request).
Arrays served by /vsikerchunk/ have no filters left (codecs/zarray_adapter.cpp
folds them into one chain compressor), so a host calling AdviseRead on
ZARR:"/vsikerchunk/{refs}" or through the KERCHUNK driver, from several
threads, over local files or HTTP, reads values equal to netCDF4's.

The reads run in a child process (advise_stress.py): a crash fails the test
instead of ending the test run."""
import json
import os
import pathlib
import subprocess
import sys

import netCDF4
import numpy as np
import pytest
from osgeo import gdal

from http_range_server import RangeServer
from kerchunk_cli import generate

STEPS, NY, NX = 200, 16, 16
HERE = pathlib.Path(__file__).resolve().parent


@pytest.fixture(scope="module")
def small_chunks(tmp_path_factory):
    """zlib + shuffle, one small chunk per step: referenced as compressor
    zlib, filters [shuffle]; a read touches many tiles."""
    folder = tmp_path_factory.mktemp("advise")
    path = folder / "steps.nc"
    rng = np.random.default_rng(5)
    with netCDF4.Dataset(path, "w") as nc:
        nc.createDimension("time", STEPS)
        nc.createDimension("y", NY)
        nc.createDimension("x", NX)
        var = nc.createVariable("t2m", "f4", ("time", "y", "x"), zlib=True, shuffle=True,
                                chunksizes=(1, NY, NX))
        var[:] = rng.normal(280, 10, (STEPS, NY, NX)).astype("f4")
    refs = folder / "local.json"
    generate(path, refs)
    with netCDF4.Dataset(path) as nc:
        nc.set_auto_mask(False)
        np.save(folder / "want.npy", np.asarray(nc["t2m"][:]))
    return folder, path, refs


def served_refs(folder, path, server):
    """The references with the file's URL on the test server."""
    refs = json.loads((folder / "local.json").read_text())
    url = server.url + "/" + path.name
    refs["refs"] = {k: ([url] + v[1:] if isinstance(v, list) and v and
                        v[0] in (str(path), path.name) else v)
                    for k, v in refs["refs"].items()}
    out = folder / ("http_%d.json" % server.httpd.server_address[1])
    out.write_text(json.dumps(refs))
    return out


def stress(dataset, folder, iters, threads, **options):
    env = dict(os.environ, GDAL_NUM_THREADS="4", GDAL_HTTP_MAX_RETRY="0", **options)
    r = subprocess.run([sys.executable, str(HERE / "advise_stress.py"), dataset, "t2m",
                        str(iters), str(threads), str(folder / "want.npy")],
                       capture_output=True, text=True, timeout=600, env=env)
    assert r.returncode == 0, "exit %d: %s" % (r.returncode, r.stderr[-2000:])
    assert "%d reads exact" % (iters * threads) in r.stdout


def test_served_arrays_have_no_filters(small_chunks):
    folder, path, refs = small_chunks
    raw = json.loads(json.loads(refs.read_text())["refs"]["t2m/.zarray"])
    assert raw["compressor"]["id"] == "zlib"
    assert [f["id"] for f in raw["filters"]] == ["shuffle"]
    fp = gdal.VSIFOpenL("/vsikerchunk/{%s}/t2m/.zarray" % refs, "rb")
    try:
        served = json.loads(gdal.VSIFReadL(1, 100000, fp))
    finally:
        gdal.VSIFCloseL(fp)
    assert served["filters"] is None
    # One compressor decoding zlib, then shuffle, with their options.
    stages = served["compressor"]["id"].split(":", 1)[1].split(">")
    assert [json.loads(s) for s in stages] == [raw["compressor"], raw["filters"][0]]


@pytest.mark.parametrize("threads", [1, 3])
@pytest.mark.parametrize("prefix", ["ZARR", "KERCHUNK"])
def test_advise_read_from_threads_local(small_chunks, prefix, threads):
    folder, path, refs = small_chunks
    dataset = ('ZARR:"/vsikerchunk/{%s}"' % refs if prefix == "ZARR"
               else "KERCHUNK:%s" % refs)
    # KERCHUNK_PREFETCH=NO: the driver hands the advice to the Zarr array.
    stress(dataset, folder, iters=40 // threads, threads=threads, KERCHUNK_PREFETCH="NO")


@pytest.mark.parametrize("prefix", ["ZARR", "KERCHUNK"])
def test_advise_read_from_threads_http(small_chunks, prefix):
    folder, path, refs = small_chunks
    with RangeServer(folder) as server:
        http_refs = served_refs(folder, path, server)
        dataset = ('ZARR:"/vsikerchunk/{%s}"' % http_refs if prefix == "ZARR"
                   else "KERCHUNK:%s" % http_refs)
        stress(dataset, folder, iters=10, threads=3)


# AdviseRead then Read when one chunk cannot be read.
FAILING_CHILD = r"""
import sys
from osgeo import gdal
gdal.UseExceptions()
ds = gdal.OpenEx(sys.argv[1], gdal.OF_MULTIDIM_RASTER)
arr = ds.GetRootGroup().OpenMDArray("t2m")
arr.AdviseRead([0, 0, 0], [200, 16, 16])
print("advice taken")
try:
    arr.ReadAsArray()
    print("read succeeded")
except RuntimeError as e:
    print("read failed:", e)
"""


@pytest.mark.parametrize("prefetch", ["YES", "NO"])
def test_advise_read_with_failing_chunk_returns(small_chunks, tmp_path, prefetch):
    """GDAL 3.6's own threaded AdviseRead never returns once a tile fails
    (its other workers stop without counting themselves done): the driver's
    AdviseRead must not hand the advice to it, even unplanned
    (KERCHUNK_PREFETCH=NO). The read then fails naming the key."""
    folder, path, refs = small_chunks
    table = json.loads(refs.read_text())
    table["refs"]["t2m/60.0.0"] = [str(folder / "missing.nc"), 0, 100]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(table))
    env = dict(os.environ, GDAL_NUM_THREADS="4", KERCHUNK_PREFETCH=prefetch)
    r = subprocess.run([sys.executable, "-c", FAILING_CHILD, "KERCHUNK:%s" % bad],
                       capture_output=True, text=True, timeout=60, env=env)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "advice taken" in r.stdout
    assert "read failed:" in r.stdout and "t2m/60.0.0" in r.stdout, r.stdout


@pytest.mark.parametrize("prefetch", ["YES", "NO"])
def test_advise_read_keeps_tiles_apart(tmp_path, config_options, prefetch):
    """GDAL 3.6's threaded AdviseRead keys the tiles it decodes by an index
    built with the previous dimension's size instead of its tile count: with
    2 steps and 10 tiles along y, tile (0, 2) and tile (1, 0) share a key and
    one is read for the other, silently (256 of 640 values wrong on a plain
    Zarr folder). The driver's AdviseRead never hands the advice to it."""
    path = tmp_path / "two_steps.nc"
    values = np.arange(2 * 40 * 8, dtype="f4").reshape(2, 40, 8)
    with netCDF4.Dataset(path, "w") as nc:
        for name, size in zip(("time", "y", "x"), values.shape):
            nc.createDimension(name, size)
        var = nc.createVariable("t2m", "f4", ("time", "y", "x"), zlib=True,
                                chunksizes=(1, 4, 8))
        var[:] = values
    refs = tmp_path / "refs.json"
    generate(path, refs)
    config_options(GDAL_NUM_THREADS="4", KERCHUNK_PREFETCH=prefetch)
    ds = gdal.OpenEx("KERCHUNK:%s" % refs, gdal.OF_MULTIDIM_RASTER)
    arr = ds.GetRootGroup().OpenMDArray("t2m")
    assert arr.AdviseRead([0, 0, 0], [2, 40, 8]) == gdal.CE_None
    with netCDF4.Dataset(path) as nc:
        want = np.asarray(nc["t2m"][:])
    assert arr.ReadAsArray().tobytes() == want.tobytes()
