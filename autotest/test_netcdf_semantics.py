"""NetCDF semantics for NetCDF-4/HDF5 sources (issue 11, part 1).

- A variable written only partly along an unlimited dimension has the
  dimension's length (the largest of its variables'), the rest fill values.
- A contiguous dataset with no storage allocated reads as fill values.

Files are written here by netCDF4 and h5py. References made by
`gdal_kerchunk generate` and by the lazy open (KERCHUNK:<source>) are compared
bit for bit with netCDF4 / h5py, with GDAL's netCDF driver (classic view:
band count, checksums, nodata) and with Python's fsspec+zarr.
"""
import json

import h5py
import netCDF4
import numpy as np
import pytest

import hdf5_compare as hc  # noqa: E402  (after conftest: GDAL_DRIVER_PATH)
from osgeo import gdal  # noqa: E402

NT, NY, NX = 5, 4, 6


def write_partial(path, fill=True):
    """time has 5 values; t2m (default fill) was written for 3 steps, sp
    (_FillValue -1, 2 steps per chunk: chunk 1 straddles the written extent)
    for 3, counts (int16, chunked 1 step) for 1; sub/q uses the parent's time."""
    rng = np.random.default_rng(11)
    with netCDF4.Dataset(path, "w") as ds:
        if not fill:
            ds.set_fill_off()
        ds.createDimension("time", None)
        ds.createDimension("lat", NY)
        ds.createDimension("lon", NX)
        ds.createVariable("time", "f8", ("time",))[:] = np.arange(NT) * 6.0
        lat = ds.createVariable("lat", "f4", ("lat",))
        lat.units = "degrees_north"
        lat[:] = 40.0 + np.arange(NY)
        lon = ds.createVariable("lon", "f4", ("lon",))
        lon.units = "degrees_east"
        lon[:] = 10.0 + np.arange(NX)
        dims = ("time", "lat", "lon")
        ds.createVariable("t2m", "f4", dims)[0:3] = rng.normal(280, 5, (3, NY, NX))
        ds.createVariable("sp", "f4", dims, fill_value=-1.0,
                          chunksizes=(2, NY, NX))[0:3] = rng.normal(1e5, 50, (3, NY, NX))
        ds.createVariable("counts", "i2", dims, chunksizes=(1, NY, NX))[0:1] = \
            rng.integers(-100, 100, (1, NY, NX))
        sub = ds.createGroup("sub")
        sub.createVariable("q", "f8", ("time", "lat"))[0:2] = rng.normal(0, 1, (2, NY))


def netcdf4_values(path, name):
    with netCDF4.Dataset(path) as ds:
        ds.set_auto_maskandscale(False)
        return np.asarray(ds[name][:])


@pytest.fixture(scope="module")
def partial(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("ncsem")
    src = workdir / "partial.nc"
    write_partial(src)
    out = workdir / "partial.json"
    hc.generate(src, out)
    return src, out


def test_shapes_follow_netcdf_dimensions(partial):
    src, out = partial
    refs = hc.load_refs(out)
    with h5py.File(src) as f:
        assert f["t2m"].shape[0] == 3 and f["counts"].shape[0] == 1  # the premise
    for name in ("t2m", "sp", "counts", "time"):
        assert json.loads(refs[f"{name}/.zarray"])["shape"][0] == NT, name
    assert json.loads(refs["sub/q/.zarray"])["shape"] == [NT, NY]
    # Nothing is referenced past the written steps (chunks of 1 step).
    assert "t2m/3.0.0" not in refs and "t2m/2.0.0" in refs
    assert "counts/1.0.0" not in refs
    # The fill value netCDF uses past the extent.
    assert json.loads(refs["t2m/.zarray"])["fill_value"] == pytest.approx(
        netCDF4.default_fillvals["f4"], rel=1e-7)
    assert json.loads(refs["sp/.zarray"])["fill_value"] == -1.0


@pytest.mark.parametrize("name", ["t2m", "sp", "counts", "time", "sub/q"])
def test_values_equal_netcdf4(partial, name):
    src, out = partial
    want = netcdf4_values(src, name)
    assert want.shape[0] == NT
    hc.assert_exact(want, hc.plugin_array(out, name), name, widened=True)
    hc.assert_exact(want, hc.zarr_group(out)[name][...], name)


def test_xarray_through_references(partial):
    """xarray over the references (zarr engine): one size per dimension, the
    shapes and values netCDF4 gives. Steps never written have no key, as
    kerchunk omits unallocated chunks; Debian's fsspec 2022.11 reference
    filesystem raises KeyError for a missing key in a multi-key cat() (fixed
    in later fsspec), so the store reads key by key (hdf5_compare)."""
    import xarray as xr
    src, out = partial
    store = hc.zarr_group(out).store
    refs = xr.open_dataset(store, engine="zarr", mask_and_scale=False, decode_times=False,
                           consolidated=False)
    native = xr.open_dataset(src, mask_and_scale=False, decode_times=False)
    assert dict(refs.sizes) == dict(native.sizes) == {"time": NT, "lat": NY, "lon": NX}
    for name in ("t2m", "sp", "counts", "time"):
        assert refs[name].dims == native[name].dims, name
        hc.assert_exact(native[name].values, refs[name].values, name)


@pytest.mark.parametrize("name", ["t2m", "sp", "counts"])
def test_classic_view_equals_netcdf_driver(partial, name, gdal_errors):
    src, out = partial
    nc = gdal.Open(f'NETCDF:"{src}":{name}')
    for kc in (gdal.Open(f'KERCHUNK:"{out}":{name}'),):
        assert (kc.RasterXSize, kc.RasterYSize, kc.RasterCount) == \
            (nc.RasterXSize, nc.RasterYSize, nc.RasterCount) == (NX, NY, NT)
        for i in range(1, NT + 1):
            kb, nb = kc.GetRasterBand(i), nc.GetRasterBand(i)
            assert kb.Checksum() == nb.Checksum(), (name, i)
            assert kb.GetNoDataValue() == nb.GetNoDataValue()
            assert kb.ReadRaster() == nb.ReadRaster(), (name, i)
        assert kc.GetGeoTransform() == pytest.approx(nc.GetGeoTransform())
    assert "different from the one of shape" not in gdal_errors.text


def test_lazy_open_equals_netcdf_driver(partial, tmp_path, config_options, gdal_errors):
    src, _ = partial
    config_options(KERCHUNK_CACHE_DIR=str(tmp_path / "cache"))
    kc = gdal.Open(f'KERCHUNK:"{src}":t2m')
    nc = gdal.Open(f'NETCDF:"{src}":t2m')
    assert kc.GetDriver().ShortName == "KERCHUNK"
    assert kc.RasterCount == nc.RasterCount == NT
    for i in range(1, NT + 1):
        assert kc.GetRasterBand(i).ReadRaster() == nc.GetRasterBand(i).ReadRaster(), i
    assert "different from the one of shape" not in gdal_errors.text


def test_no_fill_mode_partial_variable_is_reported(tmp_path):
    """In no-fill mode the part past the extent has no fill value in the file:
    the variable is skipped with a warning naming it and why, not shown with
    zeros where netCDF shows its default fill value."""
    src = tmp_path / "nofill.nc"
    write_partial(src, fill=False)
    out = tmp_path / "nofill.json"
    r = hc.generate(src, out, quiet=False)
    assert "/t2m skipped: written for 3 of the 5 values of unlimited " \
           "dimension 'time' in no-fill mode" in r.stderr
    refs = hc.load_refs(out)
    assert "t2m/.zarray" not in refs
    # Variables written along the whole dimension are still there.
    assert json.loads(refs["time/.zarray"])["shape"] == [NT]
    r = hc.generate(src, tmp_path / "strict.json", "--strict", check=False)
    assert r.returncode != 0
    assert "no-fill mode" in r.stderr and "--strict" in r.stderr


def test_fully_written_files_unchanged(tmp_path):
    """A variable written along the whole unlimited dimension keeps its shape
    and gets no extra fill value (all chunks present)."""
    src = tmp_path / "full.nc"
    with netCDF4.Dataset(src, "w") as ds:
        ds.createDimension("time", None)
        ds.createDimension("x", 3)
        ds.createVariable("v", "i4", ("time", "x"))[0:4] = np.arange(12).reshape(4, 3)
    out = tmp_path / "full.json"
    hc.generate(src, out)
    zarray = json.loads(hc.load_refs(out)["v/.zarray"])
    assert zarray["shape"] == [4, 3]
    hc.assert_exact(netcdf4_values(src, "v"), hc.plugin_array(out, "v"), "v")


# ------------------------------------------------ unallocated contiguous data


@pytest.fixture(scope="module")
def unallocated(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("unalloc")
    nc = workdir / "unalloc.nc"
    with netCDF4.Dataset(nc, "w") as ds:
        ds.createDimension("y", 4)
        ds.createDimension("x", 5)
        ds.createVariable("a", "f4", ("y", "x"), contiguous=True)
        ds.createVariable("b", "i2", ("y", "x"), contiguous=True, fill_value=-7)
        ds.createVariable("c", "f8", ("y", "x"), contiguous=True)[:] = np.ones((4, 5))
    h5 = workdir / "unalloc.h5"
    with h5py.File(h5, "w") as f:
        f.create_dataset("default_fill", shape=(4, 5), dtype="f4")
        f.create_dataset("user_fill", shape=(3, 2), dtype="i2", fillvalue=-7)
    outs = {}
    for src in (nc, h5):
        outs[src] = workdir / (src.name + ".json")
        hc.generate(src, outs[src])
    return nc, h5, outs


def test_unallocated_contiguous_premise(unallocated):
    nc, h5, _ = unallocated
    with h5py.File(nc) as f:
        assert f["a"].id.get_offset() is None and f["a"].id.get_storage_size() == 0
    with h5py.File(h5) as f:
        assert f["user_fill"].id.get_offset() is None


def test_unallocated_contiguous_netcdf(unallocated):
    nc, _, outs = unallocated
    refs = hc.load_refs(outs[nc])
    for name in ("a", "b"):
        zarray = json.loads(refs[f"{name}/.zarray"])
        assert zarray["shape"] == [4, 5]
        assert not [k for k in refs if k.startswith(name + "/") and k[-1].isdigit()], name
        want = netcdf4_values(nc, name)
        hc.assert_exact(want, hc.plugin_array(outs[nc], name), name)
        hc.assert_exact(want, hc.zarr_group(outs[nc])[name][...], name)
        ncd = gdal.Open(f'NETCDF:"{nc}":{name}')
        kc = gdal.Open(f'KERCHUNK:"{outs[nc]}":{name}')
        assert kc.GetRasterBand(1).Checksum() == ncd.GetRasterBand(1).Checksum()
        assert kc.GetRasterBand(1).GetNoDataValue() == ncd.GetRasterBand(1).GetNoDataValue()
        assert kc.ReadRaster() == ncd.ReadRaster()
    assert json.loads(refs["b/.zarray"])["fill_value"] == -7


def test_unallocated_contiguous_plain_hdf5(unallocated):
    _, h5, outs = unallocated
    with h5py.File(h5) as f:
        want = {name: f[name][()] for name in ("default_fill", "user_fill")}
    for name, value in want.items():
        hc.assert_exact(value, hc.plugin_array(outs[h5], name), name)
        hc.assert_exact(value, hc.zarr_group(outs[h5])[name][...], name)
    refs = hc.load_refs(outs[h5])
    assert json.loads(refs["user_fill/.zarray"])["fill_value"] == -7
    assert json.loads(refs["default_fill/.zarray"])["fill_value"] == 0.0


def test_unallocated_contiguous_lazy_open(unallocated, tmp_path, config_options):
    nc, _, _ = unallocated
    config_options(KERCHUNK_CACHE_DIR=str(tmp_path / "cache"))
    kc = gdal.Open(f'KERCHUNK:"{nc}":a')
    ncd = gdal.Open(f'NETCDF:"{nc}":a')
    assert kc.GetDriver().ShortName == "KERCHUNK"
    assert kc.ReadRaster() == ncd.ReadRaster()
