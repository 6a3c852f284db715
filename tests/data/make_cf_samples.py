#!/usr/bin/python3
"""Writes the small CF netCDF-4 samples used by tests/test_cf_georeferencing.cpp.

Run once with Debian's python (netCDF4 + osgeo.gdal); the .nc files are committed.
NetCDF-3 keeps the files tiny; the few netCDF-4 ones cover groups and the
HDF5 path. Each file has a data variable ``v`` (float32, values = flat index so that a row
flip is visible) on Y/X coordinates, plus whatever grid mapping the case needs.
The expected georeferencing is NOT stored: the test asks GDAL's own netCDF
driver (classic mode) at test time.
"""
import os
import sys

import netCDF4
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "cf")

LAEA_WKT = (
    'PROJCS["ETRS89-extended / LAEA Europe",GEOGCS["ETRS89",DATUM["European_Terrestrial_'
    'Reference_System_1989",SPHEROID["GRS 1980",6378137,298.257222101]],'
    'PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433]],'
    'PROJECTION["Lambert_Azimuthal_Equal_Area"],PARAMETER["latitude_of_center",52],'
    'PARAMETER["longitude_of_center",10],PARAMETER["false_easting",4321000],'
    'PARAMETER["false_northing",3210000],UNIT["metre",1]]')

# WGS 84 / UTM zone 31N, the CRS most samples with a WKT attribute carry.
LCC_WKT = (
    'PROJCS["WGS 84 / UTM zone 31N",GEOGCS["WGS 84",DATUM["WGS_1984",'
    'SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],'
    'AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],'
    'UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],'
    'AUTHORITY["EPSG","4326"]],PROJECTION["Transverse_Mercator"],'
    'PARAMETER["latitude_of_origin",0],PARAMETER["central_meridian",3],'
    'PARAMETER["scale_factor",0.9996],PARAMETER["false_easting",500000],'
    'PARAMETER["false_northing",0],UNIT["metre",1,AUTHORITY["EPSG","9001"]],'
    'AXIS["Easting",EAST],AXIS["Northing",NORTH],AUTHORITY["EPSG","32631"]]')


def write(name, y, x, ynames=("lat", "lon"), yattrs=None, xattrs=None,
          gm=None, gm_name="crs", extra_dims=(), coord_dtype="f8",
          glob=None, group=None, var_attrs=None, coords=True, gm_attr=None,
          post=None, fmt="NETCDF3_64BIT_OFFSET"):
    """One file: data variable v(extra..., Y, X)."""
    path = os.path.join(OUT, name + ".nc")
    if group is not None:
        fmt = "NETCDF4"
    ds = netCDF4.Dataset(path, "w", format=fmt)
    for k, val in (glob or {}).items():
        ds.setncattr(k, val)
    ydim, xdim = ynames
    ds.createDimension(ydim, len(y))
    ds.createDimension(xdim, len(x))
    if coords:
        for dname, vals, attrs in ((ydim, y, yattrs), (xdim, x, xattrs)):
            cv = ds.createVariable(dname, coord_dtype, (dname,))
            for k, val in (attrs or {}).items():
                cv.setncattr(k, val)
            cv[:] = vals
    shape = []
    for dname, n in extra_dims:
        ds.createDimension(dname, n)
        tv = ds.createVariable(dname, "f8", (dname,))
        tv[:] = np.arange(n, dtype="f8") * 10
        shape.append(n)
    if gm is not None:
        g = ds.createVariable(gm_name, "i4", ())
        for k, val in gm.items():
            g.setncattr(k, val)
    parent = ds if group is None else ds.createGroup(group)
    dims = tuple(d for d, _ in extra_dims) + (ydim, xdim)
    shape = tuple(shape) + (len(y), len(x))
    v = parent.createVariable("v", "f4", dims)
    if gm is not None:
        v.grid_mapping = gm_name if group is None else "/" + gm_name
    if gm_attr is not None:
        v.grid_mapping = gm_attr
    for k, val in (var_attrs or {}).items():
        v.setncattr(k, val)
    v[:] = np.arange(int(np.prod(shape)), dtype="f4").reshape(shape)
    if post is not None:
        post(ds, parent)
    ds.close()


LAT = {"units": "degrees_north", "standard_name": "latitude"}
LON = {"units": "degrees_east", "standard_name": "longitude"}
PX = {"units": "m", "standard_name": "projection_x_coordinate"}
PY = {"units": "m", "standard_name": "projection_y_coordinate"}
PXKM = {"units": "km", "standard_name": "projection_x_coordinate"}
PYKM = {"units": "km", "standard_name": "projection_y_coordinate"}
XY = ("y", "x")


def main():
    os.makedirs(OUT, exist_ok=True)
    lat_inc = np.arange(-30.0, 30.0, 7.5)        # 8 rows, south first
    lon = np.arange(-20.0, 25.0, 5.0)            # 9 columns
    write("ll_lat_increasing", lat_inc, lon, yattrs=LAT, xattrs=LON)
    write("ll_lat_decreasing", lat_inc[::-1], lon, yattrs=LAT, xattrs=LON)
    write("ll_lon_0_360", lat_inc, np.arange(0.0, 360.0, 45.0), yattrs=LAT, xattrs=LON)
    write("ll_lon_180_540", lat_inc, np.arange(190.0, 370.0, 20.0), yattrs=LAT, xattrs=LON)
    write("ll_lon_wrap", lat_inc, np.concatenate([np.arange(200.0, 360.0, 40.0),
                                                  np.arange(0.0, 160.0, 40.0)]),
          yattrs=LAT, xattrs=LON)
    write("ll_names_only", lat_inc, lon)
    # v(lon, lat): GDAL 3.6 keeps the stored axes (X = lat, Y = lon).
    write("ll_switched_axes", lon, lat_inc, ynames=("lon", "lat"), yattrs=LON, xattrs=LAT)
    write("ll_float32_coords", np.arange(40.0, 41.0, 0.1), np.arange(-179.99, -179.0, 0.01),
          yattrs=LAT, xattrs=LON, coord_dtype="f4")
    write("ll_gaussian_like", np.array([-40.0, -30.02, -20.0, -9.97, 0.0, 10.03, 20.0]), lon,
          yattrs=LAT, xattrs=LON)
    write("ll_irregular", np.array([0.0, 1.0, 3.0, 4.0, 8.0, 9.0]), lon, yattrs=LAT, xattrs=LON)
    write("ll_irregular_decreasing", np.array([9.0, 8.0, 4.0, 3.0, 1.0, 0.0]), lon,
          yattrs=LAT, xattrs=LON)
    # Regular-spacing tolerance: 0.05% of the step (0.2% for float32).
    lon_ok = lon.copy()
    lon_ok[0] -= 5.0 * 0.0003
    write("ll_spacing_within_tolerance", lat_inc, lon_ok, yattrs=LAT, xattrs=LON)
    lon_bad = lon.copy()
    lon_bad[0] -= 5.0 * 0.0008
    write("ll_spacing_beyond_tolerance", lat_inc, lon_bad, yattrs=LAT, xattrs=LON)
    lon_f32 = lon.copy()
    lon_f32[0] -= 5.0 * 0.0015
    write("ll_float32_spacing_within_tolerance", lat_inc, lon_f32, yattrs=LAT,
          xattrs=LON, coord_dtype="f4")
    write("ll_grid_mapping_sphere", lat_inc, lon, yattrs=LAT, xattrs=LON,
          gm={"grid_mapping_name": "latitude_longitude", "earth_radius": 6371229.0})
    write("ll_grid_mapping_ellipsoid", lat_inc, lon, yattrs=LAT, xattrs=LON,
          gm={"grid_mapping_name": "latitude_longitude", "semi_major_axis": 6378137.0,
              "semi_minor_axis": 6356752.314245, "longitude_of_prime_meridian": 0.0})
    write("ll_4d", lat_inc[::-1], lon, yattrs=LAT, xattrs=LON,
          extra_dims=(("time", 2), ("level", 3)), fmt="NETCDF4")
    write("ll_packed_coords", np.arange(0, 8, dtype="i2"), np.arange(0, 9, dtype="i2"),
          yattrs=dict(LAT, scale_factor=0.5, add_offset=10.0),
          xattrs=dict(LON, scale_factor=0.25, add_offset=-5.0), coord_dtype="i2")
    write("ll_scale_only_coords", np.arange(0, 8, dtype="i2"), np.arange(0, 9, dtype="i2"),
          yattrs=dict(LAT, scale_factor=0.5), xattrs=dict(LON, scale_factor=0.25),
          coord_dtype="i2")
    write("ll_gmt_node_offset", lat_inc, lon,
          yattrs=dict(LAT, actual_range=np.array([-33.75, 26.25])),
          xattrs=dict(LON, actual_range=np.array([-25.0, 25.0])), glob={"node_offset": 1})
    write("no_coordinate_variables", lat_inc, lon, ynames=XY, coords=False)
    # Axis names the netCDF driver does not recognise: no geotransform.
    write("unnamed_axes_y_decreasing", lat_inc[::-1], lon, ynames=("a", "b"),
          gm={"grid_mapping_name": "transverse_mercator"})

    rx = np.arange(-10.0, 8.0, 2.0)
    ry = np.arange(-6.0, 10.0, 2.0)
    write("rotated_pole", ry, rx, ynames=("rlat", "rlon"),
          yattrs={"units": "degrees", "standard_name": "grid_latitude"},
          xattrs={"units": "degrees", "standard_name": "grid_longitude"},
          gm={"grid_mapping_name": "rotated_latitude_longitude",
              "grid_north_pole_latitude": 39.25, "grid_north_pole_longitude": -162.0})

    x = np.arange(-400000.0, 500000.0, 100000.0)      # 9
    y = np.arange(-300000.0, 500000.0, 100000.0)      # 8, increasing
    proj = {
        "lcc_2sp_km": ({"grid_mapping_name": "lambert_conformal_conic",
                        "standard_parallel": np.array([33.0, 45.0]),
                        "longitude_of_central_meridian": -97.0,
                        "latitude_of_projection_origin": 40.0,
                        "false_easting": 0.0, "false_northing": 0.0,
                        "earth_radius": 6371229.0}, True),
        "lcc_1sp": ({"grid_mapping_name": "lambert_conformal_conic",
                     "standard_parallel": 25.0, "longitude_of_central_meridian": 265.0,
                     "latitude_of_projection_origin": 25.0}, False),
        "polar_stereographic_std_parallel": ({"grid_mapping_name": "polar_stereographic",
                                              "straight_vertical_longitude_from_pole": -45.0,
                                              "latitude_of_projection_origin": 90.0,
                                              "standard_parallel": 70.0,
                                              "false_easting": 0.0, "false_northing": 0.0,
                                              "semi_major_axis": 6378273.0,
                                              "inverse_flattening": 298.279411123064}, False),
        "polar_stereographic_scale": ({"grid_mapping_name": "polar_stereographic",
                                       "straight_vertical_longitude_from_pole": 0.0,
                                       "latitude_of_projection_origin": -90.0,
                                       "scale_factor_at_projection_origin": 0.994,
                                       "false_easting": 2000000.0,
                                       "false_northing": 2000000.0}, False),
        "mercator_1sp": ({"grid_mapping_name": "mercator",
                          "longitude_of_projection_origin": 10.0,
                          "scale_factor_at_projection_origin": 1.0}, False),
        "mercator_2sp": ({"grid_mapping_name": "mercator", "standard_parallel": 20.0,
                          "longitude_of_projection_origin": 0.0, "false_easting": 1000.0},
                         False),
        "transverse_mercator": ({"grid_mapping_name": "transverse_mercator",
                                 "scale_factor_at_central_meridian": 0.9996012717,
                                 "longitude_of_central_meridian": -2.0,
                                 "latitude_of_projection_origin": 49.0,
                                 "false_easting": 400000.0, "false_northing": -100000.0,
                                 "semi_major_axis": 6377563.396,
                                 "inverse_flattening": 299.3249646}, False),
        "albers": ({"grid_mapping_name": "albers_conical_equal_area",
                    "standard_parallel": np.array([29.5, 45.5]),
                    "longitude_of_central_meridian": -96.0,
                    "latitude_of_projection_origin": 23.0,
                    "false_easting": 0.0, "false_northing": 0.0}, False),
        "laea": ({"grid_mapping_name": "lambert_azimuthal_equal_area",
                  "longitude_of_projection_origin": 10.0,
                  "latitude_of_projection_origin": 52.0,
                  "false_easting": 4321000.0, "false_northing": 3210000.0,
                  "semi_major_axis": 6378137.0, "inverse_flattening": 298.257222101}, False),
        "lcc_1sp_other_parallel": ({"grid_mapping_name": "lambert_conformal_conic",
                                    "standard_parallel": 30.0,
                                    "longitude_of_central_meridian": 10.0,
                                    "latitude_of_projection_origin": 40.0}, False),
        "albers_1sp": ({"grid_mapping_name": "albers_conical_equal_area",
                        "standard_parallel": 30.0,
                        "longitude_of_central_meridian": 10.0,
                        "latitude_of_projection_origin": 40.0}, False),
        "transverse_mercator_paris": ({"grid_mapping_name": "transverse_mercator",
                                       "longitude_of_prime_meridian": 2.33722917,
                                       "semi_major_axis": 6378249.2,
                                       "inverse_flattening": 293.4660212936269,
                                       "scale_factor_at_central_meridian": 0.99987742,
                                       "latitude_of_projection_origin": 46.8,
                                       "false_easting": 600000.0,
                                       "false_northing": 2200000.0}, False),
        "tm_earth_radius_old_name": ({"grid_mapping_name": "transverse_mercator",
                                      "spherical_earth_radius_meters": 6370000.0}, False),
        "stereographic": ({"grid_mapping_name": "stereographic",
                           "longitude_of_projection_origin": 5.0,
                           "latitude_of_projection_origin": 52.0,
                           "scale_factor_at_projection_origin": 0.9999079}, False),
        "orthographic": ({"grid_mapping_name": "orthographic",
                          "longitude_of_projection_origin": 20.0,
                          "latitude_of_projection_origin": 40.0}, False),
        "azimuthal_equidistant": ({"grid_mapping_name": "azimuthal_equidistant",
                                   "longitude_of_projection_origin": -100.0,
                                   "latitude_of_projection_origin": 45.0}, False),
        "lambert_cylindrical_equal_area": ({"grid_mapping_name":
                                            "lambert_cylindrical_equal_area",
                                            "standard_parallel": 30.0,
                                            "longitude_of_central_meridian": 0.0}, False),
        "sinusoidal": ({"grid_mapping_name": "sinusoidal",
                        "longitude_of_projection_origin": 0.0}, False),
        "crs_wkt_only": ({"crs_wkt": LCC_WKT}, False),
        "crs_wkt_and_cf": ({"grid_mapping_name": "transverse_mercator",
                            "scale_factor_at_central_meridian": 0.9996,
                            "longitude_of_central_meridian": 9.0,
                            "latitude_of_projection_origin": 0.0,
                            "false_easting": 500000.0, "false_northing": 0.0,
                            "semi_major_axis": 6378137.0,
                            "inverse_flattening": 298.257223563,
                            "crs_wkt": LCC_WKT}, False),
        "spatial_ref_only": ({"spatial_ref": LCC_WKT}, False),
        "spatial_ref_and_crs_wkt": ({"spatial_ref": LCC_WKT, "crs_wkt": LAEA_WKT}, False),
        "srid_only": ({"srid": "urn:ogc:def:crs:EPSG::3035"}, False),
    }
    for name, (gm, km) in proj.items():
        scale = 1e-3 if km else 1.0
        write(name, y * scale, x * scale, ynames=XY, yattrs=PYKM if km else PY,
              xattrs=PXKM if km else PX, gm=gm)
    write("tm_y_decreasing_3d", y[::-1], x, ynames=XY, yattrs=PY, xattrs=PX,
          gm=proj["transverse_mercator"][0], extra_dims=(("time", 3),), fmt="NETCDF4")
    tm = proj["transverse_mercator"][0]
    write("tm_us_survey_foot", y, x, ynames=XY,
          yattrs=dict(PY, units="US_survey_foot"), xattrs=dict(PX, units="US_survey_foot"),
          gm=tm)
    write("tm_units_differ", y, x, ynames=XY, yattrs=PY, xattrs=PXKM, gm=tm)
    # axis="X" makes the netCDF driver treat x as a longitude: 200..400 km is
    # shifted by -360 like longitudes in ]180, 540].
    write("axis_x_km_shifted", y * 1e-3, np.arange(200.0, 425.0, 25.0), ynames=XY,
          yattrs={"axis": "Y", "units": "km"}, xattrs={"axis": "X", "units": "km"}, gm=tm)

    def add_latlon_mapping(ds, _):
        g = ds.createVariable("crs_ll", "i4", ())
        g.grid_mapping_name = "latitude_longitude"
        g.earth_radius = 6371000.0
    write("expanded_grid_mapping", y, x, ynames=XY, yattrs=PY, xattrs=PX,
          gm=proj["laea"][0], gm_attr="crs_ll: lat lon crs: y x", post=add_latlon_mapping)

    write("grid_mapping_missing_variable", y, x, ynames=XY, yattrs=PY, xattrs=PX,
          gm_attr="no_such_variable")
    # Pre-1.9 GDAL files: spatial_ref + GeoTransform and no coordinates; rows
    # are stored top-down.
    write("gdal_old_style", y, x, ynames=XY, coords=False,
          gm={"spatial_ref": LCC_WKT, "GeoTransform": "440720 60 0 3751320 0 -60"})
    # CF corner attributes of old GDAL files, without GeoTransform.
    write("gdal_corners", y, x, ynames=XY, coords=False,
          gm={"grid_mapping_name": "transverse_mercator",
              "Northernmost_Northing": 3751290.0, "Southernmost_Northing": 3750870.0,
              "Easternmost_Easting": 441230.0, "Westernmost_Easting": 440750.0})

    write("laea_irregular_x", y, np.array([0.0, 1.0, 2.0, 4.0, 8.0]), ynames=XY,
          yattrs=PY, xattrs=PX, gm=proj["laea"][0])
    def add_relative(ds, grp):
        w = grp.createVariable("w", "f4", ("y", "x"))
        w.grid_mapping = "crs"   # resolved from /sub up to the root group
        w[:] = np.arange(len(y) * len(x), dtype="f4").reshape(len(y), len(x))
    write("lcc_in_group", y, x, ynames=XY, yattrs=PY, xattrs=PX,
          gm=proj["lcc_2sp_km"][0], group="sub", post=add_relative)

    # Geostationary: x/y are scan angles in radians, scaled by the height.
    write("geostationary_radian", np.arange(0.1, 0.05, -0.01), np.arange(-0.05, 0.05, 0.01),
          ynames=XY, yattrs={"units": "rad", "standard_name": "projection_y_coordinate"},
          xattrs={"units": "rad", "standard_name": "projection_x_coordinate"},
          gm={"grid_mapping_name": "geostationary",
              "perspective_point_height": 35786023.0,
              "longitude_of_projection_origin": -75.0,
              "semi_major_axis": 6378137.0, "semi_minor_axis": 6356752.31414,
              "sweep_angle_axis": "x"})

    # A file written by GDAL's own netCDF driver (spatial_ref + GeoTransform).
    from osgeo import gdal, osr
    path = os.path.join(OUT, "gdal_written_utm.nc")
    mem = gdal.GetDriverByName("MEM").Create("", 7, 5, 1, gdal.GDT_Float32)
    mem.SetGeoTransform([440720.0, 60.0, 0.0, 3751320.0, 0.0, -60.0])
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(26711)
    mem.SetProjection(srs.ExportToWkt())
    mem.GetRasterBand(1).WriteArray(np.arange(35, dtype="f4").reshape(5, 7))
    gdal.GetDriverByName("netCDF").CreateCopy(path, mem, options=["FORMAT=NC4"])

    write_zarr_zip()
    return 0


def materialize_refs(name, store):
    """A Zarr store with exactly the keys and bytes of the kerchunk references
    in ../shared/corpus/refs/netcdf4/<name>.json (written by kerchunk 0.2.2),
    the ranges read from the copy of the file in corpus/."""
    import base64
    import json

    refs_path = os.path.join(HERE, "..", "..", "..", "shared", "corpus", "refs",
                             "netcdf4", name + ".json")
    with open(refs_path) as f:
        refs = json.load(f)["refs"]
    with open(os.path.join(HERE, "corpus", name), "rb") as f:
        blob = f.read()
    for key, val in refs.items():
        if isinstance(val, list):
            data = blob[val[1]:val[1] + val[2]] if len(val) == 3 else blob
        elif isinstance(val, str) and val.startswith("base64:"):
            data = base64.b64decode(val[7:])
        elif isinstance(val, str):
            data = val.encode("utf-8")
        else:
            data = json.dumps(val).encode("utf-8")
        path = os.path.join(store, key)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)


def write_zarr_zip():
    """cf_zarr.zip: every root-group sample as a Zarr v2 store, with the
    metadata kerchunk would produce for it (attributes verbatim, raw packed
    values, _ARRAY_DIMENSIONS, scalar grid-mapping arrays), so that the test
    runs the function on GDAL Zarr arrays too. One zip keeps the repo tidy;
    GDAL reads it through /vsizip/."""
    import shutil
    import tempfile
    import zipfile

    import xarray as xr

    tmp = tempfile.mkdtemp()
    try:
        for name in sorted(os.listdir(OUT)):
            if not name.endswith(".nc") or name == "lcc_in_group.nc":
                continue
            ds = xr.open_dataset(os.path.join(OUT, name), decode_cf=False,
                                 mask_and_scale=False, decode_times=False,
                                 decode_coords=False)
            ds.to_zarr(os.path.join(tmp, name[:-3] + ".zarr"), consolidated=True,
                       encoding={v: {"compressor": None} for v in ds.variables})
            ds.close()
        for name in ("air.nc", "test_single.nc", "issue23_A_contiguous.nc"):
            materialize_refs(name, os.path.join(tmp, "corpus_" + name[:-3] + ".zarr"))
        with zipfile.ZipFile(os.path.join(HERE, "cf_zarr.zip"), "w",
                             zipfile.ZIP_DEFLATED) as zf:
            for root, dirs, files in sorted(os.walk(tmp)):
                dirs.sort()
                for f in sorted(files):
                    full = os.path.join(root, f)
                    info = zipfile.ZipInfo(os.path.relpath(full, tmp),
                                           date_time=(2026, 1, 1, 0, 0, 0))
                    info.compress_type = zipfile.ZIP_DEFLATED
                    with open(full, "rb") as fh:
                        zf.writestr(info, fh.read())
    finally:
        shutil.rmtree(tmp)


if __name__ == "__main__":
    sys.exit(main())
