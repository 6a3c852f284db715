"""The read path end to end through the built plugin: kerchunk references
written by kerchunk itself for real files, read by GDAL through the KERCHUNK
driver and /vsikerchunk/, compared with the native libraries bit for bit."""
import json
import os
import shutil

import h5py
import numpy as np
import pytest
from osgeo import gdal, osr

from grib_native import grib_coded_arrays, grib_expected
from conftest import DATA_DIR
from http_range_server import RangeServer

REFS_DIR = DATA_DIR / "kerchunk_refs"
HDF5_REFS = [
    "air.nc",
    "test_compressed_chunked_datasets_latest.hdf5",
    "test_byteshuffle_compressed_datasets_earliest.hdf5",
    "dataset_datatypes.hdf5",
]
GRIB_FILES = ["regular_latlon_surface.grib2", "regular_ll_sfc.grib", "rotated_wind_20x20.grib"]


def open_multidim(name):
    return gdal.OpenEx("KERCHUNK:" + str(name), gdal.OF_MULTIDIM_RASTER)


def declared_numeric_arrays(refs_path):
    """Arrays the references declare, with a numeric dtype."""
    refs = json.load(open(refs_path))
    table = refs.get("refs", refs)
    out = []
    for key, value in table.items():
        if key.endswith(".zarray"):
            meta = json.loads(value) if isinstance(value, str) else value
            if isinstance(meta["dtype"], str) and meta["dtype"][1] in "iufb":
                out.append(key[: -len("/.zarray")])
    return sorted(out)


def test_driver_is_registered_with_metadata():
    drv = gdal.GetDriverByName("KERCHUNK")
    assert drv is not None
    md = drv.GetMetadata()
    assert md["DCAP_RASTER"] == "YES"
    assert md["DCAP_MULTIDIM_RASTER"] == "YES"
    assert md["DMD_CONNECTION_PREFIX"] == "KERCHUNK:"
    options = md["DMD_OPENOPTIONLIST"]
    for name in ("ARRAY", "FLIP_NORTH_UP", "FALLBACK"):
        assert f"name='{name}'" in options
    assert "/vsikerchunk/" in gdal.GetFileSystemsPrefixes()


@pytest.mark.parametrize("name", HDF5_REFS)
def test_hdf5_references_read_equal_to_h5py(name):
    refs = REFS_DIR / (name + ".json")
    arrays = declared_numeric_arrays(refs)
    assert arrays, "the references declare numeric arrays"
    ds = open_multidim(refs)
    root = ds.GetRootGroup()
    with h5py.File(REFS_DIR / name, "r") as f:
        for path in arrays:
            got = root.OpenMDArrayFromFullname("/" + path).ReadAsArray()
            want = f[path][()]
            assert got.shape == want.shape, path
            # GDAL 3.6 has no Int8 (widened to Int16) nor Float16 (Float32):
            # the widening is exact, so narrowing back must give h5py's bytes.
            assert got.astype(want.dtype.newbyteorder("=")).tobytes() == \
                want.astype(want.dtype.newbyteorder("=")).tobytes(), path


@pytest.mark.parametrize("name", GRIB_FILES)
def test_grib_reference_sets_decode_equal_to_eccodes(name):
    data = (REFS_DIR / name).read_bytes()
    checked = 0
    for refs_name in sorted(os.listdir(REFS_DIR / (name + ".d"))):
        refs_path = REFS_DIR / (name + ".d") / refs_name
        table = json.load(open(refs_path))["refs"]
        root = open_multidim(refs_path).GetRootGroup()
        for var, meta, codec, offset, length in grib_coded_arrays(table):
            want = grib_expected(data[offset : offset + length], codec["var"])
            got = root.OpenMDArrayFromFullname("/" + var).ReadAsArray().astype("f8").ravel()
            assert np.array_equal(got, want.astype(meta["dtype"]).astype("f8"), equal_nan=True), var
            checked += 1
    assert checked > 0


def test_classic_view_matches_netcdf_driver():
    k = gdal.Open("KERCHUNK:" + str(REFS_DIR / "air.nc.json"))
    n = gdal.Open('NETCDF:"%s":air' % (REFS_DIR / "air.nc"))
    assert k.GetDriver().ShortName == "KERCHUNK"
    assert (k.RasterXSize, k.RasterYSize, k.RasterCount) == (n.RasterXSize, n.RasterYSize, n.RasterCount)
    assert k.GetGeoTransform() == pytest.approx(n.GetGeoTransform(), rel=1e-12)
    # GDAL 3.6's netCDF driver gives no CRS to a plain longitude/latitude grid;
    # the KERCHUNK driver gives it WGS 84 (EPSG:4326).
    assert n.GetSpatialRef() is None
    wgs84 = osr.SpatialReference()
    wgs84.ImportFromEPSG(4326)
    wgs84.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    assert k.GetSpatialRef().IsSame(wgs84)
    for i in range(1, k.RasterCount + 1):
        kb, nb = k.GetRasterBand(i), n.GetRasterBand(i)
        assert kb.DataType == nb.DataType
        assert kb.Checksum() == nb.Checksum(), i
    kb, nb = k.GetRasterBand(1), n.GetRasterBand(1)
    assert kb.GetScale() == nb.GetScale()
    assert kb.GetUnitType() == nb.GetUnitType()
    assert kb.GetMetadataItem("NETCDF_DIM_time") == nb.GetMetadataItem("NETCDF_DIM_time")


def test_python_one_liner_and_translate(tmp_path):
    ds = gdal.Open("KERCHUNK:" + str(REFS_DIR / "air.nc.json"))
    assert ds.ReadAsArray().mean() == pytest.approx(
        h5py.File(REFS_DIR / "air.nc", "r")["air"][()].mean())
    out = tmp_path / "air.tif"
    gdal.Translate(str(out), 'KERCHUNK:"%s":air' % (REFS_DIR / "air.nc.json"))
    tif = gdal.Open(str(out))
    assert tif.RasterCount == ds.RasterCount
    assert tif.GetRasterBand(7).Checksum() == ds.GetRasterBand(7).Checksum()


def test_subdatasets_reopen():
    refs = REFS_DIR / "test_compressed_chunked_datasets_latest.hdf5.json"
    ds = gdal.Open("KERCHUNK:" + str(refs))
    assert ds.RasterCount == 0
    subdatasets = ds.GetMetadata("SUBDATASETS")
    names = [v for k, v in subdatasets.items() if k.endswith("_NAME")]
    assert 'KERCHUNK:"%s":/float/float32' % refs in names
    with h5py.File(REFS_DIR / "test_compressed_chunked_datasets_latest.hdf5", "r") as f:
        for name in names:
            sub = gdal.Open(name)
            path = name.split('":', 1)[1]
            want = f[path][()]
            assert sub.GetDriver().ShortName == "KERCHUNK"
            assert np.array_equal(sub.ReadAsArray(), want)


def test_array_open_option_equals_array_syntax():
    refs = str(REFS_DIR / "test_compressed_chunked_datasets_latest.hdf5.json")
    a = gdal.OpenEx("KERCHUNK:" + refs, gdal.OF_RASTER, open_options=["ARRAY=/int/int16"])
    b = gdal.Open('KERCHUNK:"%s":/int/int16' % refs)
    assert np.array_equal(a.ReadAsArray(), b.ReadAsArray())


def test_multidim_keeps_full_paths():
    ds = open_multidim(REFS_DIR / "test_compressed_chunked_datasets_latest.hdf5.json")
    root = ds.GetRootGroup()
    assert sorted(root.GetGroupNames()) == ["float", "int"]
    array = root.OpenGroup("int").OpenMDArray("int16")
    assert array.GetFullName() == "/int/int16"


def write_refs(path, refs):
    path.write_text(json.dumps(refs))
    return path


ZARRAY_U1 = json.dumps({"chunks": [4], "compressor": None, "dtype": "|u1", "fill_value": 7,
                        "filters": None, "order": "C", "shape": [8], "zarr_format": 2})


def test_missing_chunk_reads_as_fill_value(tmp_path):
    (tmp_path / "data.bin").write_bytes(bytes(range(16)))
    refs = write_refs(tmp_path / "r.json", {"version": 1, "refs": {
        ".zgroup": '{"zarr_format":2}', "a/.zarray": ZARRAY_U1,
        "a/.zattrs": '{"_ARRAY_DIMENSIONS":["x"]}', "a/0": ["data.bin", 4, 4]}})
    got = open_multidim(refs).GetRootGroup().OpenMDArray("a").ReadAsArray()
    assert got.tolist() == [4, 5, 6, 7, 7, 7, 7, 7]


def test_v0_gen_and_templates_end_to_end(tmp_path):
    (tmp_path / "data.bin").write_bytes(bytes(range(16)))
    refs = write_refs(tmp_path / "r.json", {
        "version": 1, "templates": {"u": "data.bin"},
        "gen": [{"key": "a/{{i}}", "url": "{{u}}", "offset": "{{i * 4 + 8}}", "length": "4",
                 "dimensions": {"i": {"stop": 2}}}],
        "refs": {".zgroup": {"zarr_format": 2}, "a/.zarray": ZARRAY_U1,
                 "a/.zattrs": '{"_ARRAY_DIMENSIONS":["x"]}'}})
    got = open_multidim(refs).GetRootGroup().OpenMDArray("a").ReadAsArray()
    assert got.tolist() == list(range(8, 16))


def test_unknown_codec_error_names_codec_and_array(tmp_path, gdal_errors):
    meta = json.loads(ZARRAY_U1)
    meta["compressor"] = {"id": "lzo"}
    refs = write_refs(tmp_path / "r.json", {".zgroup": '{"zarr_format":2}',
                                            "a/.zarray": json.dumps(meta)})
    with pytest.raises(RuntimeError) as e:
        gdal.Open('KERCHUNK:"%s":/a' % refs)
    assert "array /a cannot be read: codec 'lzo' (compressor) is not supported" in str(e.value)


MALFORMED = [
    ("not json", "{", "invalid JSON"),
    ("bad version", '{"version": 3, "refs": {}}', "unsupported kerchunk references version 3"),
    ("wrong type", '{"a/0": 5}', "key 'a/0': value must be a string"),
    ("negative offset", '{"a/0": ["f", -2, 4]}', "key 'a/0': offset -2 is negative"),
    ("overflow", '{"a/0": ["f", 9223372036854775807, 9]}', "key 'a/0': offset + length overflows"),
    ("bad base64", '{"a/0": "base64:%%%"}', "key 'a/0': invalid base64 inline value"),
]


@pytest.mark.parametrize("label,text,message", MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_references_give_clear_errors(tmp_path, label, text, message):
    refs = tmp_path / "r.json"
    refs.write_text(text)
    with pytest.raises(RuntimeError) as e:
        gdal.Open("KERCHUNK:" + str(refs))
    assert message in str(e.value)
    assert str(refs) in str(e.value)


def test_bad_targets_give_errors_naming_the_key(tmp_path, gdal_errors):
    (tmp_path / "data.bin").write_bytes(bytes(range(6)))
    refs = write_refs(tmp_path / "r.json", {"version": 1, "refs": {
        ".zgroup": '{"zarr_format":2}', "a/.zarray": ZARRAY_U1,
        "a/.zattrs": '{"_ARRAY_DIMENSIONS":["x"]}',
        "a/0": ["data.bin", 4, 4],  # past the end: 2 bytes only
        "a/1": ["/vsikerchunk/{%s}/a/0" % (tmp_path / "r.json"), 0, 4]}})
    array = open_multidim(refs).GetRootGroup().OpenMDArray("a")
    with pytest.raises(RuntimeError):
        array.Read(array_start_idx=[0], count=[4])
    assert "key 'a/0'" in gdal_errors.text
    assert "range [4, 8) goes past the end of the target" in gdal_errors.text
    with pytest.raises(RuntimeError):
        array.Read(array_start_idx=[4], count=[4])
    assert "key 'a/1'" in gdal_errors.text and "recursion refused" in gdal_errors.text


def test_remote_references_over_http(tmp_path):
    shutil.copy(REFS_DIR / "air.nc", tmp_path / "air.nc")
    shutil.copy(REFS_DIR / "air.nc.json", tmp_path / "air.nc.json")
    with RangeServer(tmp_path) as server:
        ds = open_multidim("/vsicurl/%s/air.nc.json" % server.url)
        got = ds.GetRootGroup().OpenMDArray("air").ReadAsArray()
        want = h5py.File(REFS_DIR / "air.nc", "r")["air"][()]
        assert got.tobytes() == want.tobytes()
        # The chunk came with a range request, not the whole file.
        assert any(r[0] == "GET" and r[1] == "/air.nc" and r[2] for r in server.requests)


def test_remote_references_may_not_read_local_files(tmp_path, config_options, gdal_errors):
    (tmp_path / "secret.bin").write_bytes(b"secret!!")
    refs = {"version": 1, "refs": {".zgroup": '{"zarr_format":2}', "a/.zarray": ZARRAY_U1,
                                   "a/.zattrs": '{"_ARRAY_DIMENSIONS":["x"]}',
                                   "a/0": [str(tmp_path / "secret.bin"), 0, 4]}}
    (tmp_path / "r.json").write_text(json.dumps(refs))
    with RangeServer(tmp_path) as server:
        config_options(GDAL_DISABLE_READDIR_ON_OPEN="EMPTY_DIR")
        array = open_multidim("/vsicurl/%s/r.json" % server.url).GetRootGroup().OpenMDArray("a")
        with pytest.raises(RuntimeError):
            array.ReadAsArray()
        assert "may not read the local file" in gdal_errors.text
        assert "KERCHUNK_ALLOW_REMOTE_REFS_TO_LOCAL_FILES" in gdal_errors.text


def test_failing_server_gives_error_not_data(tmp_path):
    shutil.copy(REFS_DIR / "air.nc", tmp_path / "air.nc")
    shutil.copy(REFS_DIR / "air.nc.json", tmp_path / "air.nc.json")
    with RangeServer(tmp_path) as server:
        refs = "/vsicurl/%s/air.nc.json" % server.url
        array = open_multidim(refs).GetRootGroup().OpenMDArray("air")
        server.fail_with(503)
        gdal.VSICurlClearCache()
        with pytest.raises(RuntimeError):
            array.ReadAsArray()


def test_empty_array_is_reported_by_name(tmp_path, gdal_errors):
    meta = json.loads(ZARRAY_U1)
    meta["shape"] = [0]
    refs = write_refs(tmp_path / "r.json", {".zgroup": '{"zarr_format":2}',
                                            "empty/.zarray": json.dumps(meta),
                                            "a/.zarray": ZARRAY_U1})
    ds = open_multidim(refs)
    assert "array /empty cannot be read: zero-length dimension" in gdal_errors.text
    # The other arrays stay readable.
    assert ds.GetRootGroup().OpenMDArray("a").ReadAsArray().tolist() == [7] * 8


BAD_NAMES = [
    ("unterminated quote", 'KERCHUNK:"{tmp}/r.json', "Invalid dataset name"),
    ("junk after quote", 'KERCHUNK:"{tmp}/r.json"x', "Invalid dataset name"),
    ("missing file", "KERCHUNK:{tmp}/nothere.json", "{tmp}/nothere.json: no such file"),
    ("not references nor source", "KERCHUNK:{tmp}/notes.dat",
     "{tmp}/notes.dat is neither kerchunk JSON references nor a NetCDF-4/HDF5, NetCDF-3 or GRIB file"),
    ("missing array", 'KERCHUNK:"{tmp}/r.json":/nope', "{tmp}/r.json: no array /nope"),
]


@pytest.mark.parametrize("label,name,message", BAD_NAMES, ids=[b[0] for b in BAD_NAMES])
def test_bad_dataset_names_give_clear_errors(tmp_path, label, name, message):
    (tmp_path / "notes.dat").write_text("hello")
    write_refs(tmp_path / "r.json", {".zgroup": '{"zarr_format":2}', "a/.zarray": ZARRAY_U1})
    with pytest.raises(RuntimeError) as e:
        gdal.Open(name.format(tmp=tmp_path))
    assert message.format(tmp=tmp_path) in str(e.value)
