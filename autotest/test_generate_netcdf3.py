"""NetCDF-3 (CDF-1, CDF-2, CDF-5) reference generation, end to end.

Files are written here by netCDF4-python; references are made by
`gdal_kerchunk generate` and read back through fsspec+zarr (Python's own
kerchunk stack) and through the plugin. Every value must equal netCDF4's
(auto mask/scale off), bit for bit.
"""
import json
import math

import netCDF4
import numpy as np
import pytest

from kerchunk_cli import generate, load_refs
from conftest import DATA_DIR, SHARED_CORPUS

import fsspec  # noqa: E402  (after conftest, like every autotest)
import zarr  # noqa: E402
from osgeo import gdal  # noqa: E402

FORMATS = ["NETCDF3_CLASSIC", "NETCDF3_64BIT_OFFSET", "NETCDF3_64BIT_DATA"]
CLASSIC_TYPES = ["i1", "i2", "i4", "f4", "f8"]
CDF5_TYPES = ["u1", "u2", "u4", "i8", "u8"]
DATA_NC3 = DATA_DIR / "netcdf3"


# ---------------------------------------------------------------- helpers


def zarr_group(refs_path):
    fs = fsspec.filesystem("reference", fo=str(refs_path), skip_instance_cache=True)
    return zarr.open(fs.get_mapper(""), mode="r")


def native_values(src):
    out = {}
    with netCDF4.Dataset(src) as d:
        d.set_auto_maskandscale(False)
        d.set_auto_chartostring(False)
        for name, var in d.variables.items():
            out[name] = np.asarray(var[...])
    return out


def as_comparable(expected, got):
    """(expected bytes, got bytes, shapes equal): char arrays are |S<n> in Zarr
    (strings along the last dimension), S1 arrays in netCDF4."""
    # (not np.ascontiguousarray: it turns 0-d arrays into 1-d ones)
    expected = np.asarray(expected).copy(order="C")
    got = np.asarray(got).copy(order="C")
    if expected.dtype.kind == "S" and got.dtype.itemsize != expected.dtype.itemsize:
        shape_ok = expected.shape[:-1] == got.shape and expected.shape[-1] == got.dtype.itemsize
    else:
        shape_ok = expected.shape == got.shape and expected.dtype.kind == got.dtype.kind and \
            expected.dtype.itemsize == got.dtype.itemsize
        got = got.astype(expected.dtype)  # same values, native byte order
    return expected.tobytes(), got.tobytes(), shape_ok


def assert_exact(expected, got, name):
    eb, gb, shape_ok = as_comparable(expected, got)
    assert shape_ok, f"{name}: shape/dtype {expected.shape} {expected.dtype} != {got.shape} {got.dtype}"
    assert eb == gb, f"{name}: values differ"


def count_exact_zarr(src, refs):
    group = zarr_group(refs)
    exact = 0
    failures = []
    for name, expected in native_values(src).items():
        try:
            got = group[name][...]
            eb, gb, shape_ok = as_comparable(expected, got)
            if shape_ok and eb == gb:
                exact += 1
            else:
                failures.append(name)
        except Exception as e:  # reported, counted as not exact
            failures.append(f"{name}: {type(e).__name__}: {e}")
    return exact, failures


def plugin_root(refs_path):
    ds = gdal.OpenEx(f"KERCHUNK:{refs_path}", gdal.OF_MULTIDIM_RASTER)
    return ds, ds.GetRootGroup()


def plugin_mismatch(expected, array):
    """None when the plugin's array equals netCDF4's values, else why not."""
    dims = [d.GetSize() for d in array.GetDimensions()]
    if array.GetDataType().GetClass() == gdal.GEDTC_STRING:
        # GDAL hands strings out as C strings: compare up to the first NUL.
        if len(dims) == expected.ndim - 1:  # strings along the last dimension
            items = expected.reshape(-1, expected.shape[-1]) if expected.ndim > 1 else \
                expected.reshape(1, -1)
            # (row.tobytes(), not b"".join(row): numpy drops b"\0" items)
            want = [row.tobytes().split(b"\0")[0] for row in items]
            shape = expected.shape[:-1]
        else:
            want = [c.tobytes().split(b"\0")[0] for c in expected.reshape(-1)]
            shape = expected.shape
        got = array.Read()
        got = [got] if isinstance(got, str) else got
        if tuple(dims) != shape:
            return f"shape {dims} != {shape}"
        if [g if isinstance(g, bytes) else g.encode("utf-8") for g in got] != want:
            return "strings differ"
        return None
    got = np.asarray(array.ReadAsArray())
    if got.shape != expected.shape:
        return f"shape {got.shape} != {expected.shape}"
    if expected.dtype.kind in "iu" and not np.array_equal(got, expected):
        return "values differ"
    if got.astype(expected.dtype).tobytes() != np.asarray(expected).tobytes():
        return "values differ (bits)"
    return None


def count_exact_plugin(src, refs):
    ds, root = plugin_root(refs)
    names = set(root.GetMDArrayNames())
    exact = 0
    failures = []
    for name, expected in native_values(src).items():
        if name not in names:
            failures.append(f"{name}: not exposed")
            continue
        try:
            why = plugin_mismatch(expected, root.OpenMDArray(name))
        except Exception as e:
            why = f"{type(e).__name__}: {e}"
        if why:
            failures.append(f"{name}: {why}")
        else:
            exact += 1
    return exact, failures


def python_attr(value):
    """An attribute as netCDF4 reports it, in the JSON form we write."""
    def scalar(x):
        x = x.item() if hasattr(x, "item") else x
        if isinstance(x, float) and not math.isfinite(x):
            return "NaN" if math.isnan(x) else ("Infinity" if x > 0 else "-Infinity")
        return x
    if isinstance(value, np.ndarray):
        return [scalar(x) for x in value]
    return scalar(value)


# ---------------------------------------------------------- test files


def write_full_file(path, fmt, title="NetCDF-3 test file, température"):
    """Every type, fixed and record variables, char arrays, attributes of
    every type, explicit and default fill values."""
    rng = np.random.default_rng(42)
    types = CLASSIC_TYPES + (CDF5_TYPES if fmt == "NETCDF3_64BIT_DATA" else [])
    with netCDF4.Dataset(path, "w", format=fmt) as d:
        d.createDimension("time", None)
        d.createDimension("y", 5)
        d.createDimension("x", 7)
        d.createDimension("strlen", 6)
        d.title = title
        d.empty = ""
        d.history_lines = np.array([1, 2, 3], "i4")
        d.single_double = np.float64(0.1)

        y = d.createVariable("y", "f8", ("y",))
        y[:] = np.linspace(10, 50, 5)
        y.units = "degrees_north"
        x = d.createVariable("x", "f4", ("x",))
        x[:] = np.linspace(-3, 3, 7)
        time = d.createVariable("time", "i4", ("time",))
        time.units = "hours since 2000-01-01"
        scalar = d.createVariable("scalar", "f8", ())
        scalar[...] = math.pi

        for t in types:
            info = np.iinfo(t) if t[0] in "iu" else np.finfo(t)
            values = (rng.integers(info.min, info.max, size=(5, 7), dtype=t, endpoint=True)
                      if t[0] in "iu" else rng.normal(size=(5, 7)).astype(t))
            if t[0] == "f":
                values[0, :3] = [np.nan, np.inf, -np.inf]
            fixed = d.createVariable(f"fixed_{t}", t, ("y", "x"))
            fixed[:] = values
            # attributes of every type: a scalar and an array
            fixed.setncattr(f"att_{t}", np.array(values[0, 3], t))
            fixed.setncattr(f"att_{t}_array", values[1, :4])
            fill = values[2, 2] if t[0] in "iu" else np.array(-999.5, t)
            # rec_i2 keeps netCDF's default fill value
            rec = d.createVariable(f"rec_{t}", t, ("time", "x"),
                                   fill_value=None if t == "i2" else fill)
            rec.long_name = f"record variable of type {t}"
        if fmt == "NETCDF3_64BIT_DATA":
            fixed.att_nan = np.array([np.nan, np.inf, 1.5], "f4")

        names = d.createVariable("names", "S1", ("y", "strlen"))
        names[:] = netCDF4.stringtochar(np.array(["alpha", "beta", "gamma", "", "zeta56"], "S6"))
        rec_names = d.createVariable("rec_names", "S1", ("time", "strlen"))
        rec_chars = d.createVariable("rec_chars", "S1", ("time",))
        letter = d.createVariable("letter", "S1", ())
        letter[...] = b"k"

        for i in range(4):
            time[i] = 6 * i
            for t in types:
                if t == "i2" and i in (1, 3):
                    continue  # left to netCDF's fill value
                d[f"rec_{t}"][i, :] = d[f"fixed_{t}"][i, :]
            rec_names[i] = netCDF4.stringtochar(np.array([f"rec{i}"], "S6"))[0]
            rec_chars[i] = b"abcd"[i:i + 1]


def write_one_record_variable(path, fmt):
    """A single record variable: records are packed without padding."""
    with netCDF4.Dataset(path, "w", format=fmt) as d:
        d.createDimension("time", None)
        d.createDimension("x", 3)
        v = d.createVariable("v", "i2", ("time", "x"))  # 6 bytes per record
        for i in range(5):
            v[i] = [i, -i, 100 * i]
        fixed = d.createVariable("fixed", "i1", ("x",))
        fixed[:] = [1, 2, 3]


def write_empty_record_dim(path, fmt):
    with netCDF4.Dataset(path, "w", format=fmt) as d:
        d.createDimension("time", None)
        d.createDimension("x", 4)
        d.createVariable("time", "f8", ("time",))
        d.createVariable("v", "f4", ("time", "x"))
        fixed = d.createVariable("fixed", "i4", ("x",))
        fixed[:] = [4, 3, 2, 1]


# ---------------------------------------------------------------- tests


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_variable_exact_through_zarr(tmp_path, fmt):
    src = tmp_path / "full.nc"
    write_full_file(src, fmt)
    refs = tmp_path / "full.json"
    generate(src, refs)
    group = zarr_group(refs)
    expected = native_values(src)
    assert set(group.array_keys()) == set(expected)
    for name, values in expected.items():
        assert_exact(values, group[name][...], name)
    # The default-filled records came through as netCDF's fill value.
    assert (group["rec_i2"][1] == -32767).all()


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_variable_exact_through_plugin(tmp_path, fmt):
    src = tmp_path / "full.nc"
    write_full_file(src, fmt)
    refs = tmp_path / "full.json"
    generate(src, refs)
    exact, failures = count_exact_plugin(src, refs)
    assert failures == []
    assert exact == len(native_values(src))
    # netCDF's default fill value is the nodata value
    ds, root = plugin_root(refs)
    assert root.OpenMDArray("rec_i2").GetNoDataValueAsDouble() == -32767
    assert root.OpenMDArray("rec_f8").GetNoDataValueAsDouble() == -999.5


def write_cf_file(path, fmt):
    """A small CF grid: lat/lon coordinates, a record dimension."""
    with netCDF4.Dataset(path, "w", format=fmt) as d:
        d.createDimension("time", None)
        d.createDimension("lat", 6)
        d.createDimension("lon", 8)
        lat = d.createVariable("lat", "f8", ("lat",))
        lat[:] = np.linspace(50, 45, 6)
        lat.units = "degrees_north"
        lat.standard_name = "latitude"
        lon = d.createVariable("lon", "f4", ("lon",))
        lon[:] = np.linspace(0, 3.5, 8)
        lon.units = "degrees_east"
        lon.standard_name = "longitude"
        time = d.createVariable("time", "f8", ("time",))
        time.units = "hours since 2000-01-01"
        crs = d.createVariable("crs", "i4", ())
        crs.grid_mapping_name = "latitude_longitude"
        crs.semi_major_axis = 6378137.0
        crs.inverse_flattening = 298.257223563
        t = d.createVariable("t", "i2", ("time", "lat", "lon"), fill_value=-1)
        t.units = "K"
        t.grid_mapping = "crs"
        for i in range(3):
            time[i] = i
            t[i] = (np.arange(48) * (i + 1)).reshape(6, 8)
        t[1, 0, 0] = -1


@pytest.mark.parametrize("fmt", FORMATS)
def test_classic_view_matches_netcdf_driver(tmp_path, fmt):
    src = tmp_path / "cf.nc"
    write_cf_file(src, fmt)
    refs = tmp_path / "cf.json"
    generate(src, refs)
    if fmt == "NETCDF3_64BIT_DATA":
        # GDAL 3.6's netCDF driver does not recognise CDF-5: compare with the
        # same content in CDF-2.
        src = tmp_path / "cf_cdf2.nc"
        write_cf_file(src, "NETCDF3_64BIT_OFFSET")
    native = gdal.Open(f'NETCDF:"{src}":t')
    ours = gdal.Open(f'KERCHUNK:"{refs}":t')
    assert (ours.RasterXSize, ours.RasterYSize, ours.RasterCount) == \
        (native.RasterXSize, native.RasterYSize, native.RasterCount) == (8, 6, 3)
    assert ours.GetGeoTransform() == pytest.approx(native.GetGeoTransform(), rel=1e-12)
    native_srs, our_srs = native.GetSpatialRef(), ours.GetSpatialRef()
    assert native_srs is not None and our_srs is not None and our_srs.IsSame(native_srs)
    for i in range(1, native.RasterCount + 1):
        nb, ob = native.GetRasterBand(i), ours.GetRasterBand(i)
        assert ob.Checksum() == nb.Checksum()
        assert ob.GetNoDataValue() == nb.GetNoDataValue() == -1
        assert ob.GetUnitType() == nb.GetUnitType() == "K"
        assert np.array_equal(ob.ReadAsArray(), nb.ReadAsArray())


@pytest.mark.parametrize("fmt", FORMATS)
def test_zarr_metadata(tmp_path, fmt):
    src = tmp_path / "full.nc"
    write_full_file(src, fmt)
    refs = tmp_path / "full.json"
    generate(src, refs)
    doc = load_refs(refs)
    with netCDF4.Dataset(src) as d:
        # xarray's rule for decoding char arrays into strings
        string_dims = {
            dim: dim not in d.variables and not d.dimensions[dim].isunlimited() and all(
                v.dtype.char == "S" and v.dimensions[-1] == dim
                for v in d.variables.values() if dim in v.dimensions)
            for dim in d.dimensions}
        assert string_dims["strlen"] and not string_dims["x"]
        for name, var in d.variables.items():
            zarray = json.loads(doc[f"{name}/.zarray"])
            zattrs = json.loads(doc[f"{name}/.zattrs"])
            dims = list(var.dimensions)
            shape = list(var.shape)
            if var.dtype.char == "S" and var.ndim and string_dims[dims[-1]]:
                expected_dtype = f"|S{shape[-1]}"
                dims, shape = dims[:-1], shape[:-1]
            elif var.dtype.char == "S":
                expected_dtype = "|S1"
            else:
                expected_dtype = ("|" if var.dtype.itemsize == 1 else ">") + var.dtype.str[1:]
            assert zarray["dtype"] == expected_dtype, name
            assert zarray["shape"] == shape, name
            assert zarray["compressor"] is None and zarray["filters"] is None
            assert zattrs["_ARRAY_DIMENSIONS"] == dims, name
            if var.dimensions and var.dimensions[0] == "time":
                assert zarray["chunks"][0] == 1, name
            else:
                assert zarray["chunks"] == shape, name
            # fill value: the _FillValue attribute, else netCDF4's default
            if var.dtype.char != "S":
                fill = (var.getncattr("_FillValue") if "_FillValue" in var.ncattrs()
                        else netCDF4.default_fillvals[var.dtype.str[1:]])
                assert zarray["fill_value"] == python_attr(np.array(fill, var.dtype)[()]), name
            # attributes as netCDF4 reports them, _FillValue in fill_value only
            expected_attrs = {k: python_attr(var.getncattr(k)) for k in var.ncattrs()
                              if k != "_FillValue"}
            assert {k: v for k, v in zattrs.items() if k != "_ARRAY_DIMENSIONS"} == expected_attrs
        root = json.loads(doc[".zattrs"])
        assert root == {k: python_attr(d.getncattr(k)) for k in d.ncattrs()}
        assert root["title"] == "NetCDF-3 test file, température"
    assert json.loads(doc[".zgroup"]) == {"zarr_format": 2}


def assert_xarray_identical(src, refs):
    """xarray sees the same dataset through the references as in the file
    (_FillValue aside: netCDF's default fill is the Zarr fill_value)."""
    import xarray as xr
    native = xr.open_dataset(src, mask_and_scale=False, decode_times=False)
    fs = fsspec.filesystem("reference", fo=str(refs), skip_instance_cache=True)
    ours = xr.open_dataset(fs.get_mapper(""), engine="zarr", consolidated=False,
                           mask_and_scale=False, decode_times=False)
    for ds in (native, ours):
        for var in ds.variables.values():
            var.attrs.pop("_FillValue", None)
            # NaN/Infinity in attributes are the strings "NaN"/"Infinity" in
            # JSON (checked by test_zarr_metadata)
            var.attrs.pop("att_nan", None)
    xr.testing.assert_identical(native, ours)


@pytest.mark.parametrize("fmt", FORMATS)
def test_xarray_sees_the_same_dataset(tmp_path, fmt):
    src = tmp_path / "full.nc"
    write_full_file(src, fmt, title="NetCDF-3 test file")
    refs = tmp_path / "full.json"
    generate(src, refs)
    assert_xarray_identical(src, refs)


def test_xarray_non_ascii_attributes(tmp_path):
    src = tmp_path / "full.nc"
    write_full_file(src, "NETCDF3_CLASSIC")
    refs = tmp_path / "full.json"
    generate(src, refs)
    assert_xarray_identical(src, refs)


@pytest.mark.parametrize("fmt", FORMATS)
def test_record_chunks_are_records(tmp_path, fmt):
    """Record i of a record variable is at begin + i * recsize."""
    src = tmp_path / "full.nc"
    write_full_file(src, fmt)
    refs = tmp_path / "full.json"
    generate(src, refs, "--inline-threshold", "0")
    doc = load_refs(refs)
    raw = src.read_bytes()
    with netCDF4.Dataset(src) as d:
        d.set_auto_maskandscale(False)
        offsets = [doc[f"rec_f8/{i}.0"][1] for i in range(4)]
        strides = {b - a for a, b in zip(offsets, offsets[1:])}
        assert len(strides) == 1
        for i in range(4):
            _, off, size = doc[f"rec_f8/{i}.0"]
            assert size == 7 * 8
            assert raw[off:off + size] == d["rec_f8"][i].astype(">f8").tobytes()


@pytest.mark.parametrize("fmt", FORMATS)
def test_one_record_variable_has_no_padding(tmp_path, fmt):
    src = tmp_path / "one.nc"
    write_one_record_variable(src, fmt)
    refs = tmp_path / "one.json"
    generate(src, refs, "--inline-threshold", "0")
    doc = load_refs(refs)
    offsets = [doc[f"v/{i}.0"][1] for i in range(5)]
    assert [b - a for a, b in zip(offsets, offsets[1:])] == [6] * 4
    group = zarr_group(refs)
    for name, values in native_values(src).items():
        assert_exact(values, group[name][...], name)
    assert count_exact_plugin(src, refs) == (2, [])


@pytest.mark.parametrize("fmt", FORMATS)
def test_empty_record_dimension(tmp_path, fmt):
    src = tmp_path / "empty.nc"
    write_empty_record_dim(src, fmt)
    refs = tmp_path / "empty.json"
    generate(src, refs)
    doc = load_refs(refs)
    assert json.loads(doc["v/.zarray"])["shape"] == [0, 4]
    assert json.loads(doc["time/.zarray"])["shape"] == [0]
    assert not [k for k in doc if k.startswith(("v/", "time/")) and not k.split("/")[1].startswith(".")]
    group = zarr_group(refs)
    for name, values in native_values(src).items():
        assert_exact(values, group[name][...], name)
    # GDAL 3.6's Zarr driver refuses a 0 in a shape ("Invalid content for
    # shape"): through the plugin only the fixed variable is there.
    ds, root = plugin_root(refs)
    assert np.array_equal(root.OpenMDArray("fixed").ReadAsArray(), [4, 3, 2, 1])


@pytest.mark.parametrize("threshold", ["0", "100000"])
def test_inline_threshold(tmp_path, threshold):
    src = tmp_path / "full.nc"
    write_full_file(src, "NETCDF3_64BIT_DATA")
    refs = tmp_path / "full.json"
    generate(src, refs, "--inline-threshold", threshold)
    doc = load_refs(refs)
    chunks = {k: v for k, v in doc.items() if not k.rsplit("/", 1)[-1].startswith(".")}
    ranges = [k for k, v in chunks.items() if isinstance(v, list)]
    if threshold == "0":
        assert len(ranges) == len(chunks)
    else:
        assert ranges == []
    group = zarr_group(refs)
    for name, values in native_values(src).items():
        assert_exact(values, group[name][...], name)


def test_variable_selection_keeps_coordinates(tmp_path):
    src = tmp_path / "full.nc"
    write_full_file(src, "NETCDF3_CLASSIC")
    refs = tmp_path / "sel.json"
    generate(src, refs, "--var", "rec_f4", "--var", "fixed_i2")
    group = zarr_group(refs)
    assert set(group.array_keys()) == {"rec_f4", "fixed_i2", "time", "x", "y"}
    r = generate(src, refs, "--var", "nope", check=False)
    assert r.returncode != 0
    assert "full.nc: no variable 'nope'" in r.stderr


@pytest.mark.parametrize("last_in_file", [False, True])
def test_big_variables_split_in_whole_rows(tmp_path, last_in_file):
    """KERCHUNK_CONTIGUOUS_SPLIT_BYTES lowers the ~64 MB split size."""
    src = tmp_path / "big.nc"
    with netCDF4.Dataset(src, "w", format="NETCDF3_64BIT_OFFSET") as d:
        d.createDimension("y", 13)  # prime: no even split
        d.createDimension("x", 10)
        big = d.createVariable("big", "f8", ("y", "x"))
        big[:] = np.arange(130.0).reshape(13, 10)
        if not last_in_file:
            d.createDimension("z", 100)  # more than the last chunk's overhang
            after = d.createVariable("after", "i4", ("z",))
            after[:] = np.arange(100)
    refs = tmp_path / "big.json"
    generate(src, refs, "--inline-threshold", "0",
             "--config", "KERCHUNK_CONTIGUOUS_SPLIT_BYTES", "400")
    doc = load_refs(refs)
    zarray = json.loads(doc["big/.zarray"])
    # 400 bytes hold 5 rows of 80 bytes; at the end of the file the last
    # chunk cannot overhang, so a divisor of 13 (1) is used instead.
    assert zarray["chunks"] == ([1, 10] if last_in_file else [5, 10])
    assert all(doc[f"big/{i}.0"][2] == zarray["chunks"][0] * 80
               for i in range(math.ceil(13 / zarray["chunks"][0])))
    group = zarr_group(refs)
    for name, values in native_values(src).items():
        assert_exact(values, group[name][...], name)
    # 0 disables splitting
    generate(src, refs, "--config", "KERCHUNK_CONTIGUOUS_SPLIT_BYTES", "0")
    assert json.loads(load_refs(refs)["big/.zarray"])["chunks"] == [13, 10]


def test_streaming_numrecs(tmp_path):
    """numrecs = STREAMING (-1): the records are counted from the file size."""
    src = tmp_path / "one.nc"
    write_one_record_variable(src, "NETCDF3_CLASSIC")
    raw = bytearray(src.read_bytes())
    assert raw[4:8] == (5).to_bytes(4, "big")
    raw[4:8] = b"\xff\xff\xff\xff"
    streaming = tmp_path / "streaming.nc"
    streaming.write_bytes(bytes(raw))
    refs = tmp_path / "streaming.json"
    generate(streaming, refs)
    group = zarr_group(refs)
    for name, values in native_values(src).items():
        assert_exact(values, group[name][...], name)


@pytest.mark.parametrize("mutate,message,header_error", [
    (lambda raw: raw[:6], "NetCDF-3 header: truncated: numrecs at byte 4 needs 4 bytes, "
     "the file has 2 left", True),
    (lambda raw: raw[:30], "NetCDF-3 header: dimension list count 2 exceeds what the "
     "remaining 14 bytes of the file can hold", True),
    (lambda raw: raw[:8] + b"\x00\x00\x00\x0a\x7f\xff\xff\xff" + raw[16:],
     "dimension list count 2147483647 exceeds what the remaining", True),
    (lambda raw: b"CDF\x03" + raw[4:], "unknown magic bytes", True),  # refused by the dispatcher
    (lambda raw: raw[:4] + b"\x7f\xff\xff\xf0" + raw[8:],
     "variable 'v': record 2147483631 extends past the end of the file", False),
])
def test_bad_files_fail_with_a_message(tmp_path, mutate, message, header_error):
    src = tmp_path / "one.nc"
    write_one_record_variable(src, "NETCDF3_CLASSIC")
    bad = tmp_path / "bad.nc"
    bad.write_bytes(mutate(src.read_bytes()))
    out = tmp_path / "bad.json"
    r = generate(bad, out, "--strict", check=False)
    assert r.returncode != 0
    assert f"{bad}: " in r.stderr
    assert message in r.stderr
    assert not out.exists()
    # Without --strict, a variable whose data is not in the file is skipped
    # with a warning; header errors still fail.
    r = generate(bad, out, check=False)
    assert message in r.stderr
    if header_error:
        assert r.returncode != 0
    else:
        assert r.returncode == 0
        doc = load_refs(out)
        assert "v/.zarray" not in doc and "fixed/.zarray" in doc


def test_variable_names_that_cannot_be_zarr_keys(tmp_path):
    src = tmp_path / "names.nc"
    with netCDF4.Dataset(src, "w", format="NETCDF3_CLASSIC") as d:
        d.createDimension("x", 2)
        d.createVariable("aXb", "i4", ("x",))[:] = [1, 2]
        d.createVariable("ok", "i4", ("x",))[:] = [3, 4]
    bad = tmp_path / "bad.nc"
    bad.write_bytes(src.read_bytes().replace(b"aXb", b"a/b", 1))
    out = tmp_path / "bad.json"
    # The wording all three generators share (refgen/generation_reporter.h).
    reason = "variable 'a/b': name cannot be a Zarr key ('/' or leading '.')"
    r = generate(bad, out, "--strict", check=False)
    assert r.returncode != 0 and f"{bad}: /a/b: {reason} (--strict)" in r.stderr
    r = generate(bad, out, check=False)
    assert r.returncode == 0 and f"{bad}: /a/b skipped: {reason}" in r.stderr
    assert [k for k in load_refs(out) if k.startswith("a/")] == []
    assert list(zarr_group(out)["ok"][...]) == [3, 4]


@pytest.mark.parametrize("name", sorted(p.name for p in DATA_NC3.glob("*.nc")))
def test_repository_corpus_files(tmp_path, name):
    refs = tmp_path / (name + ".json")
    generate(DATA_NC3 / name, refs)
    total = len(native_values(DATA_NC3 / name))
    assert count_exact_zarr(DATA_NC3 / name, refs) == (total, [])
    assert count_exact_plugin(DATA_NC3 / name, refs) == (total, [])
    assert_xarray_identical(DATA_NC3 / name, refs)


@pytest.mark.corpus
@pytest.mark.skipif(not (SHARED_CORPUS / "netcdf3").is_dir(), reason="no ../shared corpus")
def test_shared_corpus_sweep(tmp_path):
    """Every variable (char arrays too) of ../shared/corpus/netcdf3, through
    fsspec+zarr and through the plugin. Arrays along an empty record
    dimension cannot be opened by GDAL 3.6's Zarr driver: the plugin count
    reports them apart."""
    total = via_zarr = via_plugin = empty = 0
    for src in sorted((SHARED_CORPUS / "netcdf3").glob("*.nc")):
        refs = tmp_path / (src.name + ".json")
        values = native_values(src)
        total += len(values)
        empty_here = {n for n, v in values.items() if v.size == 0}
        empty += len(empty_here)
        r = generate(src, refs, check=False)
        if r.returncode != 0:
            print(f"FAIL {src.name}: {r.stderr.strip()}")
            continue
        ok, failures = count_exact_zarr(src, refs)
        via_zarr += ok
        for f in failures:
            print(f"FAIL zarr {src.name}:{f}")
        ok, failures = count_exact_plugin(src, refs)
        via_plugin += ok
        for f in failures:
            if f.split(":")[0] not in empty_here:
                print(f"FAIL plugin {src.name}:{f}")
    print(f"NetCDF-3 corpus: {via_zarr}/{total} variables exact through fsspec+zarr, "
          f"{via_plugin}/{total} through the plugin ({empty} have 0 records)")
    assert via_zarr == total
    assert via_plugin == total - empty
