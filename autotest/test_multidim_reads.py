"""Reads through the multidimensional API over HTTP (loopback server counting
requests): MDArray.Read, views (GetView), transposes and classic views made
from an array resolve the chunks they need and fetch them as one coalesced
batch; values equal netCDF4's bit for bit."""
import json

import netCDF4
import numpy as np
import pytest
from osgeo import gdal, osr

from http_range_server import RangeServer
from kerchunk_cli import generate

STEPS = 120
NY, NX = 100, 120
# Four chunks per field (~11 KB each): a pixel's chunks are 44 KB apart,
# further than a /vsicurl/ block (16 KB), within the default coalescing gap.
CHUNKS = (1, 50, 60)
CHUNKS_OF_T2M = STEPS * 4
GAP, MAX_MERGED = 65536, 16777216  # KERCHUNK_COALESCE_GAP, _MAX_SIZE defaults


@pytest.fixture(scope="module")
def era5_like(tmp_path_factory):
    """Two variables, one after the other, zlib + shuffle; references over
    HTTP are made by rewriting the local path into the server's URL."""
    folder = tmp_path_factory.mktemp("mdnet")
    path = folder / "era5.nc"
    rng = np.random.default_rng(11)
    with netCDF4.Dataset(path, "w") as nc:
        nc.createDimension("time", STEPS)
        nc.createDimension("latitude", NY)
        nc.createDimension("longitude", NX)
        lat = nc.createVariable("latitude", "f4", ("latitude",))
        lat[:] = np.linspace(60, 31, NY)
        lon = nc.createVariable("longitude", "f4", ("longitude",))
        lon[:] = np.linspace(-10, 29, NX)
        t = nc.createVariable("time", "f8", ("time",))
        t.units = "hours since 2000-01-01"
        t[:] = np.arange(STEPS)
        for name in ("t2m", "u10"):
            var = nc.createVariable(name, "f4", ("time", "latitude", "longitude"),
                                    zlib=True, shuffle=True, chunksizes=CHUNKS)
            var.units = "K"
            var[:] = rng.normal(280, 10, (STEPS, NY, NX)).astype("f4")
    local_refs = folder / "local.json"
    generate(path, local_refs)
    return folder, path, json.loads(local_refs.read_text())


@pytest.fixture
def served(era5_like, config_options):
    folder, path, refs = era5_like
    with RangeServer(folder) as server:
        url = server.url + "/era5.nc"
        out = dict(refs)
        out["refs"] = {k: ([url] + v[1:] if isinstance(v, list) and v and
                           v[0] in (str(path), "era5.nc") else v)
                       for k, v in refs["refs"].items()}
        # Every test has its own server port, hence its own chunk cache keys.
        refs_path = folder / ("http_%d.json" % server.httpd.server_address[1])
        refs_path.write_text(json.dumps(out))
        gdal.VSICurlClearCache()
        config_options(GDAL_HTTP_MAX_RETRY="0", GDAL_DISABLE_READDIR_ON_OPEN="EMPTY_DIR")
        yield server, refs_path, path
        gdal.VSICurlClearCache()


def open_array(refs_path, name="t2m"):
    ds = gdal.OpenEx("KERCHUNK:%s" % refs_path, gdal.OF_MULTIDIM_RASTER)
    return ds, ds.GetRootGroup().OpenMDArray(name)


def native(path, var="t2m"):
    with netCDF4.Dataset(path) as nc:
        nc.set_auto_mask(False)
        return np.asarray(nc[var][:])


def chunk_keys(var, start, count, step=None):
    """The chunk keys a selection touches, element by element."""
    step = step or [1] * len(start)
    per_dim = [sorted({(s + k * st) // c for k in range(n)})
               for s, n, st, c in zip(start, count, step, CHUNKS)]
    keys = [var]
    for indices in per_dim:
        keys = ["%s%s%d" % (k, "/" if k == var else ".", i) for k in keys for i in indices]
    return keys


def coalesced_requests(refs_path, keys):
    """Requests that fetching these chunks takes once ranges of the file
    within GAP bytes of each other are merged (up to MAX_MERGED bytes)."""
    refs = json.loads(refs_path.read_text())["refs"]
    ranges = sorted((refs[k][1], refs[k][2]) for k in keys)
    requests, end, begin = 0, None, None
    for offset, size in ranges:
        merged_end = None if end is None else max(end, offset + size)
        if end is not None and offset <= end + GAP and merged_end - begin <= MAX_MERGED:
            end = merged_end
            continue
        requests, begin, end = requests + 1, offset, offset + size
    return requests


def counted(server, read):
    before = server.gets("/era5.nc")
    values = read()
    return values, server.gets("/era5.nc") - before


def test_series_through_view_and_read_with_count_is_one_batch(served, config_options):
    server, refs_path, path = served
    want = native(path)[:, 70, 100]

    config_options(KERCHUNK_PREFETCH="NO")
    ds, arr = open_array(refs_path)
    unplanned, unplanned_requests = counted(
        server, lambda: arr.GetView("[:,70,100]").ReadAsArray())
    ds = arr = None

    gdal.VSICurlClearCache()
    config_options(KERCHUNK_PREFETCH=None)
    ds, arr = open_array(refs_path)
    view, view_requests = counted(server, lambda: arr.GetView("[:,70,100]").ReadAsArray())
    assert view.tobytes() == want.tobytes()
    assert unplanned.tobytes() == want.tobytes()
    # Chunk by chunk: one request per step; planned: the 120 chunks are
    # fetched by the requests coalescing makes of them (here one).
    assert unplanned_requests >= STEPS
    expected = coalesced_requests(refs_path, chunk_keys("t2m", [0, 70, 100], [STEPS, 1, 1]))
    assert expected <= 2
    assert view_requests <= expected, (view_requests, expected)

    gdal.VSICurlClearCache()
    ds, arr = open_array(refs_path, "u10")
    series, read_requests = counted(
        server, lambda: arr.ReadAsArray(array_start_idx=[0, 3, 20], count=[STEPS, 1, 1]))
    assert series.tobytes() == native(path, "u10")[:, 3:4, 20:21].tobytes()
    assert read_requests <= coalesced_requests(
        refs_path, chunk_keys("u10", [0, 3, 20], [STEPS, 1, 1])), read_requests
    print("multidim series: %d requests chunk by chunk, %d planned (view), %d (read)"
          % (unplanned_requests, view_requests, read_requests))


def test_window_and_whole_array_equal_native(served):
    server, refs_path, path = served
    want = native(path)
    ds, arr = open_array(refs_path)
    # A window over the four chunks of 3 steps.
    window, window_requests = counted(
        server, lambda: arr.ReadAsArray(array_start_idx=[10, 40, 50], count=[3, 30, 40]))
    assert window.tobytes() == want[10:13, 40:70, 50:90].tobytes()
    assert window_requests <= coalesced_requests(
        refs_path, chunk_keys("t2m", [10, 40, 50], [3, 30, 40])), window_requests
    # The whole array: 480 chunks, ~5 MB.
    whole, whole_requests = counted(server, lambda: arr.ReadAsArray())
    assert whole.tobytes() == want.tobytes()
    assert whole_requests <= 2, whole_requests  # far below one per chunk
    print("multidim window: %d requests; whole array (%d chunks): %d requests"
          % (window_requests, CHUNKS_OF_T2M, whole_requests))


def test_strided_reversed_and_transposed_reads(served, config_options, gdal_errors):
    server, refs_path, path = served
    want = native(path)
    ds, arr = open_array(refs_path)
    # Every 7th step backwards, every 3rd row backwards, columns 5 and 65.
    start, count, step = [STEPS - 1, 99, 5], [17, 30, 2], [-7, -3, 60]
    got, requests = counted(server, lambda: arr.ReadAsArray(
        array_start_idx=start, count=count, array_step=step))
    assert got.tobytes() == want[STEPS - 1::-7][:17, 99::-3][:, :30, 5:66:60].tobytes()
    keys = chunk_keys("t2m", start, count, step)
    assert len(keys) == 17 * 2 * 2
    assert requests <= coalesced_requests(refs_path, keys), requests
    # Steps 3, 53 and 103 skip the chunks between: the batch names exactly
    # three keys and, without coalescing, fetches each by its own request.
    config_options(KERCHUNK_COALESCE_GAP="0", CPL_DEBUG="KERCHUNK")
    gdal.VSICurlClearCache()
    before = len(gdal_errors.messages)
    got, requests = counted(server, lambda: arr.ReadAsArray(
        array_start_idx=[3, 60, 70], count=[3, 1, 1], array_step=[50, 1, 1]))
    assert got.tobytes() == want[3::50, 60:61, 70:71].tobytes()
    batches = [m for m in gdal_errors.messages[before:] if "prefetch " in m]
    assert len(batches) == 1, batches
    assert ": 3 keys, 0 cached, 3 fetched, 0 failed, 3 requests" in batches[0], batches
    assert requests == 3
    config_options(CPL_DEBUG=None)
    config_options(KERCHUNK_COALESCE_GAP=None)
    # A transposed view reads through the array, planned too (u10: none of
    # its chunks is cached yet, so the expected coalescing holds).
    ds, arr = open_array(refs_path, "u10")
    transposed, requests = counted(
        server, lambda: arr.Transpose([2, 1, 0]).GetView("[10:20,50:60,5:100]").ReadAsArray())
    assert transposed.tobytes() == np.ascontiguousarray(
        native(path, "u10").transpose(2, 1, 0)[10:20, 50:60, 5:100]).tobytes()
    assert requests <= coalesced_requests(
        refs_path, chunk_keys("u10", [5, 50, 10], [95, 10, 10])), requests


def test_small_cache_reads_in_parts_with_same_values(served, config_options):
    server, refs_path, path = served
    # Each part holds the chunks of a few steps: the read is cut along time.
    config_options(KERCHUNK_CHUNK_CACHE_SIZE="200000", CPL_DEBUG="KERCHUNK")
    ds, arr = open_array(refs_path)
    got, requests = counted(
        server, lambda: arr.ReadAsArray(array_start_idx=[0, 0, 0], count=[40, NY, NX]))
    assert got.tobytes() == native(path)[:40].tobytes()
    # Parts of ~2 steps (8 chunks) each: about 20 batches, well below the
    # 160 chunks.
    assert 10 <= requests <= 40, requests


def test_advise_read_then_read_needs_no_request(served):
    server, refs_path, path = served
    ds, arr = open_array(refs_path)
    assert arr.AdviseRead([20, 0, 0], [5, NY, NX]) == gdal.CE_None
    got, requests = counted(
        server, lambda: arr.ReadAsArray(array_start_idx=[20, 0, 0], count=[5, NY, NX]))
    assert got.tobytes() == native(path)[20:25].tobytes()
    assert requests == 0


def test_wrapped_arrays_keep_metadata_and_classic_view(served):
    server, refs_path, path = served
    ds, arr = open_array(refs_path)
    root = ds.GetRootGroup()
    assert root.GetFullName() == "/"
    assert set(root.GetMDArrayNames()) >= {"t2m", "u10", "time", "latitude", "longitude"}
    assert arr.GetFullName() == "/t2m" and arr.GetName() == "t2m"
    assert arr.GetUnit() == "K"
    assert [d.GetName() for d in arr.GetDimensions()] == ["time", "latitude", "longitude"]
    assert arr.GetBlockSize() == list(CHUNKS)
    lat = arr.GetDimensions()[1].GetIndexingVariable()
    with netCDF4.Dataset(path) as nc:
        assert lat.ReadAsArray().tobytes() == np.asarray(nc["latitude"][:]).tobytes()
    assert root.OpenMDArrayFromFullname("/u10").GetFullName() == "/u10"
    # A classic view of the array reads through it.
    classic = arr.AsClassicDataset(2, 1)
    band, requests = counted(server, lambda: classic.GetRasterBand(31).ReadAsArray())
    assert band.tobytes() == native(path)[30].tobytes()
    assert requests <= 1, requests


def test_failing_chunk_fails_only_reads_needing_it(served, gdal_errors):
    server, refs_path, path = served
    refs = json.loads(refs_path.read_text())["refs"]
    url, offset, size = refs["t2m/50.1.1"]
    # Every request holding that chunk's bytes fails, the batch included.
    fault = server.add_fault(503, times=1000, path="/era5.nc", offset=offset + size // 2)
    ds, arr = open_array(refs_path)
    with pytest.raises(RuntimeError):
        arr.GetView("[:,70,100]").ReadAsArray()
    assert fault["used"] >= 1
    assert "t2m/50.1.1" in gdal_errors.text and url in gdal_errors.text, gdal_errors.text
    # A series of another chunk column reads fine, with the right values.
    got = arr.GetView("[:,70,10]").ReadAsArray()
    assert got.tobytes() == native(path)[:, 70, 10].tobytes()


def test_mask_unscaled_and_resampled_arrays_read_through_the_wrapper(served):
    server, refs_path, path = served
    ds, arr = open_array(refs_path)
    want = native(path)
    unscaled = arr.GetUnscaled().GetView("[5,10:12,20:40]").ReadAsArray()
    assert unscaled.tobytes() == want[5, 10:12, 20:40].tobytes()
    assert arr.GetMask().GetView("[0,0:2,0:3]").ReadAsArray().tolist() == [[1] * 3] * 2
    # Resampled to WGS 84 (the warper picks square pixels): the same values
    # as GDAL's netCDF driver gives for the same file.
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(4326)
    native_ds = gdal.OpenEx(str(path), gdal.OF_MULTIDIM_RASTER, allowed_drivers=["netCDF"])
    native_arr = native_ds.GetRootGroup().OpenMDArray("t2m")
    got, want_resampled = [a.GetResampled([None] * 3, gdal.GRIORA_NearestNeighbour, srs)
                           .GetView("[3:5,:,:]").ReadAsArray() for a in (arr, native_arr)]
    assert got.shape[0] == 2 and got.size > 2 * NY * NX * 0.8
    assert got.tobytes() == want_resampled.tobytes()
