"""Generating references for a file on an HTTP server with few requests:
HDF5 metadata in large blocks, the NetCDF-3 header in one read, GRIB
message headers by range (never the data sections of large messages).
Requests and bytes are counted by the loopback server; the references must
equal those generated from the local copy."""
import re

import eccodes
import netCDF4
import numpy as np

from kerchunk_cli import generate, load_refs
from http_range_server import RangeServer


def file_gets(server, name):
    """(start, end) of each GET of /name (whole file: (0, None))."""
    out = []
    for method, path, rng in server.requests:
        if method == "GET" and path == "/" + name:
            m = re.match(r"bytes=(\d+)-(\d*)", rng or "")
            out.append((int(m.group(1)), int(m.group(2)) + 1) if m else (0, None))
    return out


def same_refs_but_urls(local, remote):
    a, b = load_refs(local), load_refs(remote)
    assert a.keys() == b.keys()
    for key in a:
        if isinstance(a[key], list):
            assert a[key][1:] == b[key][1:], key
        else:
            assert a[key] == b[key], key


def generate_remote(tmp_path, name, *args, env_block=None):
    local, remote = tmp_path / "local.json", tmp_path / "remote.json"
    generate(tmp_path / name, local, *args)
    with RangeServer(tmp_path) as server:
        generate("/vsicurl/%s/%s" % (server.url, name), remote, *args)
        gets = file_gets(server, name)
    same_refs_but_urls(local, remote)
    return gets


def make_interleaved_netcdf4(path, steps=240, ny=45, nx=90):
    """Two variables written step by step: their chunks and the chunk index
    nodes are spread over the whole file, as in ERA5 downloads."""
    rng = np.random.default_rng(0)
    with netCDF4.Dataset(path, "w", format="NETCDF4") as ds:
        ds.createDimension("time", None)
        ds.createDimension("lat", ny)
        ds.createDimension("lon", nx)
        ds.createVariable("lat", "f4", ("lat",))[:] = np.linspace(90, -90, ny)
        ds.createVariable("lon", "f4", ("lon",))[:] = np.arange(nx) * 2.0
        variables = [ds.createVariable(n, "f4", ("time", "lat", "lon"), zlib=True, shuffle=True,
                                       chunksizes=(1, ny, nx)) for n in ("t2m", "u10")]
        for step in range(steps):
            for var in variables:
                var[step] = rng.standard_normal((ny, nx)).astype("f4")


def test_hdf5_metadata_read_in_blocks(tmp_path, monkeypatch):
    make_interleaved_netcdf4(tmp_path / "era5.nc")
    blocks = generate_remote(tmp_path, "era5.nc")
    # libhdf5's own small reads, for comparison, in the same run.
    monkeypatch.setenv("KERCHUNK_HDF5_BLOCK_SIZE", "0")
    direct = generate_remote(tmp_path, "era5.nc")
    # Fewer round trips; the price is bytes (GDAL's read-ahead grows the
    # blocks when they follow each other).
    assert len(blocks) < len(direct), (blocks, direct)


def test_netcdf3_header_in_few_reads(tmp_path):
    # The format probe (one 16 KB GDAL block) and then the whole header.
    with netCDF4.Dataset(tmp_path / "classic.nc", "w", format="NETCDF3_CLASSIC") as ds:
        ds.createDimension("time", None)
        ds.createDimension("x", 1000)
        for i in range(200):  # a header of about 30 KB
            var = ds.createVariable("v%03d" % i, "f4", ("time", "x"))
            var.long_name = "variable number %d with a long descriptive name" % i
            var[0] = np.full(1000, i, "f4")
    gets = generate_remote(tmp_path, "classic.nc", "--inline-threshold", "0")
    assert len(gets) <= 2, gets
    assert gets[0][0] == 0


def make_large_grib2(path, count=6):
    """GRIB2 messages of about 500 KB: 0.5 degree global fields, 16 bits."""
    rng = np.random.default_rng(1)
    with open("/usr/share/eccodes/samples/regular_ll_sfc_grib2.tmpl", "rb") as f:
        sample = eccodes.codes_grib_new_from_file(f)
    with open(path, "wb") as out:
        for step in range(count):
            h = eccodes.codes_clone(sample)
            eccodes.codes_set_key_vals(h, {
                "Ni": 720, "Nj": 361, "latitudeOfFirstGridPointInDegrees": 90.0,
                "longitudeOfFirstGridPointInDegrees": 0.0,
                "latitudeOfLastGridPointInDegrees": -90.0,
                "longitudeOfLastGridPointInDegrees": 359.5,
                "iDirectionIncrementInDegrees": 0.5, "jDirectionIncrementInDegrees": 0.5,
                "bitsPerValue": 16, "step": step})
            eccodes.codes_set_values(h, 280 + rng.standard_normal(720 * 361))
            eccodes.codes_write(h, out)
            eccodes.codes_release(h)
    eccodes.codes_release(sample)
    return count


def test_grib_scan_reads_headers_only_one_request_per_message(tmp_path):
    count = make_large_grib2(tmp_path / "big.grib2")
    size = (tmp_path / "big.grib2").stat().st_size
    gets = generate_remote(tmp_path, "big.grib2")
    # The end marker of a message and the headers of the next one come in
    # one range request; the opening read of the file adds one or two.
    assert len(gets) <= count + 2, gets
    assert sum(end - start for start, end in gets) < size / 4, gets
