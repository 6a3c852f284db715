"""The KERCHUNK classic view of NetCDF-4 variables written here by
netCDF4-python, against GDAL's netCDF driver on the same file: size, bands
along the extra dimensions, north-up rows, geotransform, CRS, data type,
nodata, checksums."""
import netCDF4
import numpy as np
import pytest
from osgeo import gdal

from kerchunk_cli import generate


def generate_refs(src, tmp_path):
    out = tmp_path / (src.stem + ".json")
    generate(src, out)
    return out


def assert_same_classic_view(refs, src, var):
    k = gdal.Open('KERCHUNK:"%s":%s' % (refs, var))
    n = gdal.Open('NETCDF:"%s":%s' % (src, var))
    assert (k.RasterXSize, k.RasterYSize, k.RasterCount) == (n.RasterXSize, n.RasterYSize, n.RasterCount)
    assert k.GetGeoTransform() == pytest.approx(n.GetGeoTransform(), rel=1e-12, abs=1e-12)
    if n.GetSpatialRef() is not None:
        assert k.GetSpatialRef().IsSame(n.GetSpatialRef())
    for i in range(1, n.RasterCount + 1):
        kb, nb = k.GetRasterBand(i), n.GetRasterBand(i)
        assert kb.DataType == nb.DataType, i
        assert kb.GetNoDataValue() == nb.GetNoDataValue(), i
        assert kb.Checksum() == nb.Checksum(), i
    return k, n


def test_four_dimensional_variable_bands_and_flip(tmp_path):
    src = tmp_path / "t4d.nc"
    with netCDF4.Dataset(src, "w") as d:
        for name, size in (("time", 3), ("level", 2), ("lat", 5), ("lon", 7)):
            d.createDimension(name, size)
        lat = d.createVariable("lat", "f8", ("lat",))
        lat.units = "degrees_north"
        lat[:] = np.linspace(-10, 10, 5)  # south to north: the view flips it
        lon = d.createVariable("lon", "f8", ("lon",))
        lon.units = "degrees_east"
        lon[:] = np.linspace(100, 112, 7)
        d.createVariable("time", "f8", ("time",))[:] = [0, 6, 12]
        d.createVariable("level", "f8", ("level",))[:] = [850, 500]
        t = d.createVariable("t", "f4", ("time", "level", "lat", "lon"), chunksizes=(1, 1, 3, 4),
                             fill_value=-999.0)
        t[:] = np.arange(3 * 2 * 5 * 7, dtype="f4").reshape(3, 2, 5, 7)
    refs = generate_refs(src, tmp_path)
    k, n = assert_same_classic_view(refs, src, "t")
    assert k.RasterCount == 6
    # Band 2 is time 0, level 500 (the last extra dimension varies fastest).
    assert k.GetRasterBand(2).GetMetadataItem("NETCDF_DIM_level") == "500"
    assert k.GetRasterBand(2).GetMetadataItem("NETCDF_DIM_time") == "0"


def test_unsigned_convention(tmp_path):
    src = tmp_path / "u.nc"
    with netCDF4.Dataset(src, "w") as d:
        d.createDimension("y", 4)
        d.createDimension("x", 3)
        v = d.createVariable("u", "i2", ("y", "x"))
        v.setncattr("_Unsigned", "true")
        v.set_auto_maskandscale(False)
        v[:] = np.array([[-1, -2, 3], [4, 5, 6], [7, 8, 9], [10, -32768, 32767]], dtype="i2")
    refs = generate_refs(src, tmp_path)
    k, _ = assert_same_classic_view(refs, src, "u")
    assert k.GetRasterBand(1).DataType == gdal.GDT_UInt16
    assert 65535 in k.ReadAsArray()


def test_projected_grid_mapping(tmp_path):
    src = tmp_path / "lcc.nc"
    with netCDF4.Dataset(src, "w") as d:
        d.createDimension("y", 4)
        d.createDimension("x", 5)
        x = d.createVariable("x", "f8", ("x",))
        x.standard_name = "projection_x_coordinate"
        x.units = "m"
        x[:] = np.arange(5) * 1000.0 + 500
        y = d.createVariable("y", "f8", ("y",))
        y.standard_name = "projection_y_coordinate"
        y.units = "m"
        y[:] = 10000.0 - np.arange(4) * 1000.0
        crs = d.createVariable("crs", "i4")
        crs.grid_mapping_name = "lambert_conformal_conic"
        crs.standard_parallel = [25.0, 25.0]
        crs.longitude_of_central_meridian = 265.0
        crs.latitude_of_projection_origin = 25.0
        crs.earth_radius = 6371229.0
        v = d.createVariable("p", "f4", ("y", "x"))
        v.grid_mapping = "crs"
        v[:] = np.arange(20, dtype="f4").reshape(4, 5)
    refs = generate_refs(src, tmp_path)
    k, n = assert_same_classic_view(refs, src, "p")
    assert n.GetSpatialRef() is not None
    assert "Lambert" in k.GetSpatialRef().ExportToWkt()


def test_variable_stored_lon_lat_is_not_transposed(tmp_path):
    """A variable stored (lon, lat) -- how GRIB grids with
    jPointsAreConsecutive = 1 come out -- shows the raster of the same data
    stored (lat, lon): same size, geotransform and pixels (GDAL 3.6's netCDF
    driver would show it transposed); the (lat, lon) one equals the netCDF
    driver."""
    rng = np.random.default_rng(5)
    data = rng.normal(0, 10, (2, 6, 9)).astype("f4")  # (time, lat, lon)
    paths = {}
    for order in ("latlon", "lonlat"):
        src = tmp_path / (order + ".nc")
        with netCDF4.Dataset(src, "w") as ds:
            ds.createDimension("time", 2)
            ds.createDimension("lat", 6)
            ds.createDimension("lon", 9)
            lat = ds.createVariable("lat", "f8", ("lat",))
            lat.units = "degrees_north"
            lat[:] = 30.0 + 0.5 * np.arange(6)
            lon = ds.createVariable("lon", "f8", ("lon",))
            lon.units = "degrees_east"
            lon[:] = -5.0 + 0.5 * np.arange(9)
            if order == "latlon":
                ds.createVariable("v", "f4", ("time", "lat", "lon"))[:] = data
            else:
                ds.createVariable("v", "f4", ("time", "lon", "lat"))[:] = data.transpose(0, 2, 1)
        paths[order] = (src, generate_refs(src, tmp_path))
    assert_same_classic_view(paths["latlon"][1], paths["latlon"][0], "v")
    a = gdal.Open('KERCHUNK:"%s":v' % paths["latlon"][1])
    b = gdal.Open('KERCHUNK:"%s":v' % paths["lonlat"][1])
    assert (b.RasterXSize, b.RasterYSize, b.RasterCount) == (9, 6, 2)
    assert b.GetGeoTransform() == a.GetGeoTransform()
    assert b.GetSpatialRef().IsSame(a.GetSpatialRef())
    for i in (1, 2):
        assert b.GetRasterBand(i).ReadRaster() == a.GetRasterBand(i).ReadRaster(), i
        # Partial blocks and windows read through the transposing strides too.
        assert b.ReadRaster(2, 1, 5, 4, band_list=[i]) == a.ReadRaster(2, 1, 5, 4, band_list=[i])


def test_small_windows_of_many_bands(tmp_path):
    """Small windows of many bands (a pixel's series) are decoded past
    GDAL's block cache: the same values as the netCDF driver, rows flipped,
    _Unsigned bits shown unsigned, any buffer type and band list; stored
    (lon, lat), the same values as stored (lat, lon)."""
    rng = np.random.default_rng(3)
    data = rng.integers(-32768, 32767, (6, 8, 10), dtype="i2")  # (time, lat, lon)
    paths = {}
    for order in ("latlon", "lonlat"):
        src = tmp_path / ("series_%s.nc" % order)
        with netCDF4.Dataset(src, "w") as d:
            d.createDimension("time", 6)
            d.createDimension("lat", 8)
            d.createDimension("lon", 10)
            lat = d.createVariable("lat", "f8", ("lat",))
            lat.units = "degrees_north"
            lat[:] = np.linspace(-3.5, 3.5, 8)  # south to north: the view flips it
            lon = d.createVariable("lon", "f8", ("lon",))
            lon.units = "degrees_east"
            lon[:] = np.arange(10.0)
            dims = ("time", "lat", "lon") if order == "latlon" else ("time", "lon", "lat")
            chunks = (1, 4, 5) if order == "latlon" else (1, 5, 4)
            v = d.createVariable("u", "i2", dims, chunksizes=chunks)
            v.setncattr("_Unsigned", "true")
            v.set_auto_maskandscale(False)
            v[:] = data if order == "latlon" else data.transpose(0, 2, 1)
        paths[order] = (src, generate_refs(src, tmp_path))
    src, refs = paths["latlon"]
    n = gdal.Open('NETCDF:"%s":u' % src)
    for x, y, xs, ys, bands, buf_type in [(3, 2, 1, 1, None, None),
                                          (6, 5, 2, 1, [6, 1, 3], None),
                                          (0, 7, 1, 1, None, gdal.GDT_Float64),
                                          (4, 0, 1, 2, [2, 2, 5], gdal.GDT_Int32)]:
        want = n.ReadRaster(x, y, xs, ys, band_list=bands, buf_type=buf_type)
        for name in (refs, paths["lonlat"][1]):
            # A fresh dataset: no block of it cached yet.
            k = gdal.Open('KERCHUNK:"%s":u' % name)
            assert k.GetRasterBand(1).DataType == gdal.GDT_UInt16
            got = k.ReadRaster(x, y, xs, ys, band_list=bands, buf_type=buf_type)
            assert got == want, (name, x, y, xs, ys, bands, buf_type)
