"""Reads over HTTP (loopback server counting requests): a read resolves the
chunks it needs and fetches them as one coalesced, parallel batch; values are
those of netCDF4 and of the chunk-by-chunk path; faults are retried or give
an error naming the chunk key and the URL, never wrong values."""
import json
import os
import pathlib

import netCDF4
import numpy as np
import pytest
from osgeo import gdal

from http_range_server import RangeServer
from kerchunk_cli import generate
from test_cache import s3_server, upload  # noqa: F401 (a fixture)

STEPS = 240
# Chunks of ~33 KB, two /vsicurl/ blocks of GDAL's default 16 KB: a chunk read
# key by key is one request of its own, and the blocks of a chunk's read stop
# before the middle of the next chunk (where the fault tests put their
# faults). Both need that default block size (see vsicurl_block_size).
NY, NX = 100, 120
GDAL_DEFAULT_BLOCK_SIZE = 16384


@pytest.fixture(scope="module")
def era5_like(tmp_path_factory):
    """Two variables written step by step (their chunks interleave in the
    file), zlib + shuffle, one chunk per field; references to it over HTTP
    are made by rewriting the local path into the server's URL."""
    folder = tmp_path_factory.mktemp("net")
    path = folder / "era5.nc"
    rng = np.random.default_rng(9)
    with netCDF4.Dataset(path, "w") as nc:
        nc.createDimension("time", None)
        nc.createDimension("latitude", NY)
        nc.createDimension("longitude", NX)
        lat = nc.createVariable("latitude", "f4", ("latitude",))
        lat[:] = np.linspace(60, 31, NY)
        lon = nc.createVariable("longitude", "f4", ("longitude",))
        lon[:] = np.linspace(-10, 29, NX)
        t = nc.createVariable("time", "f8", ("time",))
        t.units = "hours since 2000-01-01"
        for name in ("t2m", "u10"):
            nc.createVariable(name, "f4", ("time", "latitude", "longitude"),
                              zlib=True, shuffle=True, chunksizes=(1, NY, NX))
        for step in range(STEPS):
            t[step] = step
            for name in ("t2m", "u10"):
                nc[name][step] = rng.normal(280, 10, (NY, NX)).astype("f4")
    local_refs = folder / "local.json"
    generate(path, local_refs)
    return folder, path, json.loads(local_refs.read_text())


def era5_like_refs(refs_path):
    return json.loads(pathlib.Path(refs_path).read_text())


def write_http_refs(folder, refs, url, local_path):
    def rewrite(value):
        if isinstance(value, list) and value and value[0] in (str(local_path), "era5.nc"):
            return [url] + value[1:]
        return value
    out = dict(refs)
    out["refs"] = {k: rewrite(v) for k, v in refs["refs"].items()}
    target = folder / ("http_%d.json" % abs(hash(url)))
    target.write_text(json.dumps(out))
    return target


@pytest.fixture(scope="module")
def vsicurl_block_size(era5_like):
    """The block size /vsicurl/ uses in this process, read off the request
    of a one-byte read. GDAL fixes it at the process's first /vsicurl/ use
    from CPL_VSIL_CURL_CHUNK_SIZE, so an earlier test setting that option
    in-process would change it for these tests."""
    folder = era5_like[0]
    with RangeServer(folder) as server:
        gdal.VSICurlClearCache()
        fp = gdal.VSIFOpenL("/vsicurl/%s/era5.nc" % server.url, "rb")
        gdal.VSIFSeekL(fp, 100000, 0)
        gdal.VSIFReadL(1, 1, fp)
        gdal.VSIFCloseL(fp)
        gdal.VSICurlClearCache()
        ranges = [r[2] for r in server.requests if r[0] == "GET" and r[1] == "/era5.nc"]
    assert len(ranges) == 1, server.requests
    start, end = map(int, ranges[0][len("bytes="):].split("-"))
    assert start <= 100000 <= end, ranges
    return end - start + 1


def test_vsicurl_block_size_is_gdals_default(vsicurl_block_size):
    # Regression: test_cache.py's s3_server once set CPL_VSIL_CURL_CHUNK_SIZE
    # to 64 KB through config_options; GDAL kept it for the whole pytest
    # process, and the request counts and fault placements below no longer
    # held (a 64 KB block of chunk 98 holds the middle of chunk 100).
    assert vsicurl_block_size == GDAL_DEFAULT_BLOCK_SIZE


def test_process_wide_options_are_refused(config_options):
    before = gdal.GetConfigOption("CPL_VSIL_CURL_CHUNK_SIZE")
    with pytest.raises(ValueError, match="once per process"):
        config_options(CPL_VSIL_CURL_CHUNK_SIZE="1048576")
    assert gdal.GetConfigOption("CPL_VSIL_CURL_CHUNK_SIZE") == before


@pytest.fixture
def served(era5_like, config_options, vsicurl_block_size):
    if vsicurl_block_size != GDAL_DEFAULT_BLOCK_SIZE:
        pytest.fail("/vsicurl/ blocks are %d bytes in this process (an earlier test set "
                    "CPL_VSIL_CURL_CHUNK_SIZE in-process?); these tests need GDAL's %d"
                    % (vsicurl_block_size, GDAL_DEFAULT_BLOCK_SIZE))
    folder, path, refs = era5_like
    with RangeServer(folder) as server:
        url = server.url + "/era5.nc"
        refs_path = write_http_refs(folder, refs, url, path)
        gdal.VSICurlClearCache()
        # Every test has its own server port, hence its own chunk cache keys.
        config_options(GDAL_HTTP_MAX_RETRY="0", GDAL_DISABLE_READDIR_ON_OPEN="EMPTY_DIR")
        yield server, refs_path, path
        gdal.VSICurlClearCache()


def open_var(refs_path, var="t2m"):
    return gdal.Open('KERCHUNK:"%s":%s' % (refs_path, var))


def native_series(path, var, y, x):
    with netCDF4.Dataset(path) as nc:
        nc.set_auto_mask(False)
        # The classic view is north-up: rows are flipped when latitude grows;
        # here latitude decreases, so rows are stored north-up already.
        return np.asarray(nc[var][:, y, x])


def test_pixel_time_series_is_one_batch(served, config_options):
    server, refs_path, path = served
    want = native_series(path, "t2m", 7, 11)

    config_options(KERCHUNK_PREFETCH="NO")
    ds = open_var(refs_path)
    assert ds.RasterCount == STEPS
    before = server.gets("/era5.nc")
    unplanned = ds.ReadAsArray(11, 7, 1, 1)[:, 0, 0]
    unplanned_requests = server.gets("/era5.nc") - before
    ds = None

    # The chunks read key by key are kept in the chunk cache: the planned
    # read goes to the same server under another name (other cache keys).
    gdal.VSICurlClearCache()
    config_options(KERCHUNK_PREFETCH=None)
    other_name = write_http_refs(refs_path.parent, era5_like_refs(refs_path),
                                 server.url.replace("127.0.0.1", "localhost") + "/era5.nc",
                                 server.url + "/era5.nc")
    ds = open_var(other_name)
    before = server.gets("/era5.nc")
    planned = ds.ReadAsArray(11, 7, 1, 1)[:, 0, 0]
    planned_requests = server.gets("/era5.nc") - before

    assert planned.tobytes() == want.tobytes()
    assert unplanned.tobytes() == want.tobytes()
    # Chunk by chunk: one request per step; planned: the 240 chunks lie in
    # a few MB of the file and are fetched by a handful of requests.
    assert unplanned_requests >= STEPS
    assert planned_requests <= 10, planned_requests
    print("time series: %d requests chunk by chunk, %d planned"
          % (unplanned_requests, planned_requests))


def test_pixel_series_is_read_past_the_block_cache(served):
    """A small window of many bands decodes each chunk without keeping a
    block per band (GDAL's block cache would hold 240 whole fields for 240
    pixels); a second read of the same chunks goes through the block cache,
    and a third finds the blocks there. Values equal netCDF4's each time,
    whatever the buffer type and band list."""
    server, refs_path, path = served
    field_bytes = NY * NX * 4
    ds = open_var(refs_path)
    used = [gdal.GetCacheUsed()]
    reads = []
    for x, y in [(11, 7), (12, 7), (13, 8)]:
        reads.append((x, y, ds.ReadAsArray(x, y, 1, 1)[:, 0, 0]))
        used.append(gdal.GetCacheUsed())
    for x, y, got in reads:
        assert got.tobytes() == native_series(path, "t2m", y, x).tobytes()
    assert used[1] - used[0] < field_bytes, used  # past the block cache
    assert used[2] - used[1] >= STEPS * field_bytes, used  # the same chunks again
    assert used[3] == used[2], used  # found in the block cache
    ds = None

    ds = open_var(refs_path)
    bands = [1, 5, 9, 240]
    got = ds.ReadAsArray(30, 40, 3, 2, band_list=bands, buf_type=gdal.GDT_Float64)
    with netCDF4.Dataset(path) as nc:
        want = np.asarray(nc["t2m"][[b - 1 for b in bands], 40:42, 30:33]).astype("f8")
    assert got.tobytes() == want.tobytes()


def test_workers_of_a_batch_send_one_head_request_per_target(served, config_options):
    """The workers of a batch reading through GDAL's VSI and opening one file
    at once: the first one asks GDAL for its properties (a HEAD), the others
    wait and use GDAL's cache, instead of one HEAD each. (HEADs answered
    late: all workers open the file before the first HEAD comes back.)"""
    server, refs_path, path = served
    # One request per chunk: many workers.
    config_options(KERCHUNK_COALESCE_GAP="0", KERCHUNK_DIRECT_HTTP="NO")
    server.head_delay(0.3)
    gdal.VSICurlClearCache()
    before = len(server.requests)
    ds = gdal.OpenEx('KERCHUNK:"%s"' % refs_path, gdal.OF_MULTIDIM_RASTER)
    got = ds.GetRootGroup().OpenMDArray("t2m").GetView("[:,5,5]").ReadAsArray()
    heads = [r for r in server.requests[before:] if r[0] == "HEAD"]
    assert len(heads) == 1, heads
    assert got.tobytes() == native_series(path, "t2m", 5, 5).tobytes()


def test_direct_fetches_send_no_head_and_gdal_http_options(served, config_options, tmp_path):
    """By default, http(s) chunks are fetched with libcurl straight into
    memory: no HEAD (a reference already says where the bytes are), exact
    ranges, and GDAL's HTTP options on every request."""
    server, refs_path, path = served
    header_file = tmp_path / "headers.txt"
    header_file.write_text("X-Kerchunk-Test: from-header-file\n")
    config_options(GDAL_HTTP_USERAGENT="kerchunk-autotest/1",
                   GDAL_HTTP_HEADER_FILE=str(header_file))
    gdal.VSICurlClearCache()
    refs = json.loads(refs_path.read_text())["refs"]
    bands = [1, 80, 160, 240]  # chunks far apart: one request each
    before = len(server.requests)
    ds = open_var(refs_path)
    assert [r[0] for r in server.requests[before:]] == ["GET"]  # the coordinates
    before = len(server.requests)
    got = ds.ReadAsArray(5, 5, 1, 1, band_list=bands)[:, 0, 0]
    assert got.tobytes() == native_series(path, "t2m", 5, 5)[[b - 1 for b in bands]].tobytes()
    requests = server.requests[before:]
    want = sorted("bytes=%d-%d" % (refs["t2m/%d.0.0" % (b - 1)][1],
                                   refs["t2m/%d.0.0" % (b - 1)][1] +
                                   refs["t2m/%d.0.0" % (b - 1)][2] - 1) for b in bands)
    assert sorted(r[2] for r in requests if r[0] == "GET") == want
    assert [r for r in requests if r[0] != "GET"] == []
    for headers in server.request_headers[before:]:
        assert headers.get("User-Agent") == "kerchunk-autotest/1", headers
        assert headers.get("X-Kerchunk-Test") == "from-header-file", headers


@pytest.mark.parametrize("status", [200, 403])
def test_target_refusing_a_direct_range_is_read_through_vsi(served, status, config_options):
    """A server answering a range request with anything but the range (a
    200 with the whole file, a 403 to what a signed URL lacks...) gets no
    more direct requests: the batch, and later ones, go through GDAL's VSI,
    whose values are right."""
    server, refs_path, path = served
    fault = server.add_fault(status, times=1, path="/era5.nc")
    got = open_var(refs_path).ReadAsArray(5, 5, 1, 1)[:, 0, 0]
    assert fault["used"] == 1
    assert got.tobytes() == native_series(path, "t2m", 5, 5).tobytes()
    # Through VSI from then on: GDAL asks the file's size first (u10's
    # chunks are not in the chunk cache yet).
    gdal.VSICurlClearCache()
    before = len(server.requests)
    open_var(refs_path, "u10").ReadAsArray(8, 8, 1, 1, band_list=[1, 2])
    assert [r[0] for r in server.requests[before:]][0] == "HEAD", server.requests[before:]


@pytest.mark.parametrize("prefetch", ["YES", "NO"])
def test_targets_are_opened_without_listing_their_folder(served, prefetch, config_options):
    """GDAL lists a file's folder when it first opens it (one more round
    trip, a LIST of a whole prefix on object stores) unless
    GDAL_DISABLE_READDIR_ON_OPEN says not to: chunk targets are opened
    without, unless the user set that option."""
    server, refs_path, path = served
    config_options(KERCHUNK_PREFETCH=prefetch, GDAL_DISABLE_READDIR_ON_OPEN=None)
    gdal.VSICurlClearCache()
    before = len(server.requests)
    got = open_var(refs_path).ReadAsArray(5, 5, 1, 1, band_list=[1, 2])[:, 0, 0]
    assert {r[1] for r in server.requests[before:]} == {"/era5.nc"}, server.requests[before:]
    assert got.tobytes() == native_series(path, "t2m", 5, 5)[:2].tobytes()
    # The user's choice stands for what GDAL's VSI opens (direct fetches
    # open nothing).
    config_options(GDAL_DISABLE_READDIR_ON_OPEN="NO", KERCHUNK_DIRECT_HTTP="NO")
    gdal.VSICurlClearCache()
    before = len(server.requests)
    open_var(refs_path).ReadAsArray(5, 5, 1, 1, band_list=[3])
    assert "/" in {r[1] for r in server.requests[before:]}, server.requests[before:]


@pytest.mark.parametrize("prefetch", ["YES", "NO"])
def test_chunks_are_asked_for_exact_ranges(served, prefetch, config_options):
    """Chunks are asked for byte for byte (what fsspec transfers), batched
    or key by key, not rounded out to /vsicurl/'s blocks."""
    server, refs_path, path = served
    config_options(KERCHUNK_PREFETCH=prefetch)
    refs = json.loads(refs_path.read_text())["refs"]
    bands = [1, 80, 160, 240]  # chunks far apart: one request each
    ds = open_var(refs_path)
    before = len(server.requests)
    got = ds.ReadAsArray(5, 5, 1, 1, band_list=bands)[:, 0, 0]
    ranges = sorted(r[2] for r in server.requests[before:] if r[0] == "GET")
    want = sorted("bytes=%d-%d" % (refs["t2m/%d.0.0" % (b - 1)][1],
                                   refs["t2m/%d.0.0" % (b - 1)][1] +
                                   refs["t2m/%d.0.0" % (b - 1)][2] - 1) for b in bands)
    assert ranges == want
    assert got.tobytes() == native_series(path, "t2m", 5, 5)[[b - 1 for b in bands]].tobytes()


def test_open_fetches_coordinate_variables_as_one_batch(served, config_options):
    server, refs_path, path = served
    # Coordinate chunks referenced, not inlined.
    local = refs_path.parent / "not_inlined.json"
    generate(path, local, "--inline-threshold", "0")
    refs = json.loads(local.read_text())
    before = server.gets("/era5.nc")
    planned_gt = open_var(write_http_refs(refs_path.parent, refs, server.url + "/era5.nc",
                                          path)).GetGeoTransform()
    planned = server.gets("/era5.nc") - before
    # Key by key (another name of the server: other cache keys): one
    # request per coordinate variable (latitude, longitude, time).
    config_options(KERCHUNK_PREFETCH="NO")
    other_name = write_http_refs(refs_path.parent, refs,
                                 server.url.replace("127.0.0.1", "localhost") + "/era5.nc",
                                 path)
    before = server.gets("/era5.nc")
    gt = open_var(other_name).GetGeoTransform()
    unplanned = server.gets("/era5.nc") - before
    assert planned_gt == gt
    assert unplanned >= 3 and planned < unplanned, (planned, unplanned)


def test_chunk_read_key_by_key_is_kept_for_a_reopen(served, config_options):
    """An exact key read bypasses GDAL's /vsicurl/ block cache: the chunk
    cache keeps it instead, so reading it again costs no request."""
    server, refs_path, path = served
    config_options(KERCHUNK_PREFETCH="NO")
    ds = open_var(refs_path)
    first = ds.GetRasterBand(7).ReadAsArray()
    ds = None
    before = server.gets("/era5.nc")
    ds = open_var(refs_path)
    again = ds.GetRasterBand(7).ReadAsArray()
    assert server.gets("/era5.nc") == before
    with netCDF4.Dataset(path) as nc:
        want = np.asarray(nc["t2m"][6]).tobytes()
    assert first.tobytes() == want and again.tobytes() == want


def test_multiband_window_and_band_reads_equal_native(served):
    server, refs_path, path = served
    ds = open_var(refs_path, "u10")
    with netCDF4.Dataset(path) as nc:
        want = np.asarray(nc["u10"][10:13, 5:25, 3:33])
    got = ds.ReadAsArray(3, 5, 30, 20, band_list=[11, 12, 13])
    assert got.tobytes() == want.tobytes()
    # One band, whole field, and AdviseRead before a read.
    assert ds.GetRasterBand(200).AdviseRead(0, 0, NX, NY) == 0
    before = server.gets("/era5.nc")
    field = ds.GetRasterBand(200).ReadAsArray()
    with netCDF4.Dataset(path) as nc:
        assert field.tobytes() == np.asarray(nc["u10"][199]).tobytes()
    assert server.gets("/era5.nc") == before  # served by what AdviseRead fetched


def test_small_cache_reads_in_parts_with_same_values(served, config_options):
    server, refs_path, path = served
    config_options(KERCHUNK_CHUNK_CACHE_SIZE="100000")  # one ~45 KB chunk per part
    ds = open_var(refs_path)
    got = ds.ReadAsArray(0, 0, 2, 2)
    with netCDF4.Dataset(path) as nc:
        want = np.asarray(nc["t2m"][:, 0:2, 0:2])
    assert got.tobytes() == want.tobytes()


def test_503_is_retried(served, config_options):
    server, refs_path, path = served
    config_options(GDAL_HTTP_MAX_RETRY="3", GDAL_HTTP_RETRY_DELAY="0.01")
    fault = server.add_fault(503, times=2, path="/era5.nc")
    got = open_var(refs_path).ReadAsArray(5, 5, 1, 1)[:, 0, 0]
    assert fault["used"] == 2
    assert got.tobytes() == native_series(path, "t2m", 5, 5).tobytes()


@pytest.mark.parametrize("kind", [503, "reset"])
def test_fault_on_one_chunk_fails_only_reads_needing_it(served, kind, gdal_errors, config_options):
    server, refs_path, path = served
    refs = json.loads(refs_path.read_text())["refs"]
    url, offset, size = refs["t2m/100.0.0"]
    # Every request holding that chunk's bytes fails, the batch included.
    fault = server.add_fault(kind, times=1000, path="/era5.nc", offset=offset + size // 2)
    ds = open_var(refs_path)
    with pytest.raises(RuntimeError):
        ds.ReadAsArray(5, 5, 1, 1)
    assert fault["used"] >= 1
    assert "t2m/100.0.0" in gdal_errors.text, gdal_errors.text
    assert url in gdal_errors.text, gdal_errors.text
    # The other steps read fine, with the right values.
    bands = [b for b in range(1, STEPS + 1) if b != 101]
    got = ds.ReadAsArray(5, 5, 1, 1, band_list=bands)[:, 0, 0]
    want = np.delete(native_series(path, "t2m", 5, 5), 100)
    assert got.tobytes() == want.tobytes()


@pytest.mark.parametrize("kind", ["reset", "short", 503])
def test_transient_fault_of_a_batch_gives_right_values(served, kind, config_options):
    server, refs_path, path = served
    # The batch request fails once; the chunks are then read key by key.
    fault = server.add_fault(kind, times=1, path="/era5.nc")
    got = open_var(refs_path).ReadAsArray(8, 3, 1, 1)[:, 0, 0]
    assert fault["used"] == 1
    assert got.tobytes() == native_series(path, "t2m", 3, 8).tobytes()


def test_short_body_is_detected_never_wrong_values(served, gdal_errors, config_options):
    server, refs_path, path = served
    refs = json.loads(refs_path.read_text())["refs"]
    url, offset, size = refs["t2m/100.0.0"]
    # Every request holding that byte announces its whole range and sends
    # half of it. The batch's exact request comes back short; it is read
    # again through GDAL's /vsicurl/ blocks, which asks again for the blocks
    # it did not get (from their start, past the faulty byte), so the batch
    # or the reads key by key may succeed; what must never happen is a short
    # answer taken for data (the values would then be wrong).
    fault = server.add_fault("short", times=1000, path="/era5.nc", offset=offset + size // 2)
    config_options(CPL_DEBUG="KERCHUNK")
    ds = open_var(refs_path)
    before = len(server.requests)
    try:
        got = ds.ReadAsArray(5, 5, 1, 1)[:, 0, 0]
    except RuntimeError:
        assert "t2m/100.0.0" in gdal_errors.text and url in gdal_errors.text, gdal_errors.text
    else:
        assert got.tobytes() == native_series(path, "t2m", 5, 5).tobytes()
    assert fault["used"] >= 1
    if "cannot read bytes [" in gdal_errors.text:  # the batch failed: read key by key
        assert "(read key by key instead)" in gdal_errors.text
    else:  # the short answer's missing bytes were asked for again
        assert len([r for r in server.requests[before:] if r[0] == "GET"]) > fault["used"]


def test_vsis3_chunks_are_fetched_directly_through_signed_urls(era5_like, s3_server,
                                                               gdal_errors, config_options):
    """Chunks on an S3 server (s3rver) are fetched by libcurl from the URL GDAL
    signs for them, with the values netCDF4 reads."""
    folder, path, refs = era5_like
    config_options(**s3_server)
    upload(path, "/vsis3/src/net/era5.nc")
    refs_path = write_http_refs(folder, refs, "s3://src/net/era5.nc", path)
    gdal.VSICurlClearCache()
    config_options(CPL_DEBUG="KERCHUNK")
    before = len(gdal_errors.messages)
    got = open_var(refs_path).ReadAsArray(5, 5, 1, 1)[:, 0, 0]
    config_options(CPL_DEBUG=None)
    assert got.tobytes() == native_series(path, "t2m", 5, 5).tobytes()
    batches = [m for m in gdal_errors.messages[before:] if "prefetch " in m]
    assert batches, gdal_errors.messages[before:]
    for batch in batches:
        requests = int(batch.split(" requests (")[0].rsplit(" ", 1)[1])
        direct = int(batch.split(" requests (")[1].split(" direct")[0])
        assert direct == requests and ", 0 failed" in batch, batch


def test_bad_direct_http_value_warns_and_keeps_the_default(served, gdal_errors, config_options):
    server, refs_path, path = served
    config_options(KERCHUNK_DIRECT_HTTP="sometimes")
    gdal.VSICurlClearCache()
    before = len(server.requests)
    got = open_var(refs_path).ReadAsArray(5, 5, 1, 1, band_list=[1, 2])[:, 0, 0]
    assert got.tobytes() == native_series(path, "t2m", 5, 5)[:2].tobytes()
    assert "KERCHUNK_DIRECT_HTTP=sometimes" in gdal_errors.text, gdal_errors.text
    assert "; using YES" in gdal_errors.text, gdal_errors.text
    assert [r[0] for r in server.requests[before:]] == ["GET"] * (len(server.requests) - before)
