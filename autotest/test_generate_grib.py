"""GRIB (editions 1 and 2) reference generation, end to end.

References are made by `gdal_kerchunk generate` for eccodes' own samples and
small real files (autotest/data/grib, licenses in autotest/data/LICENSES.md),
then read back through the plugin (multidimensional and classic API) and,
byte range by byte range, through fsspec's reference filesystem. Every field
of every message must appear exactly once, value for value equal to eccodes'
decode (missing points -> NaN); the classic view's geotransform and CRS must
agree with GDAL's GRIB driver.
"""
import base64
import hashlib
import json
import pathlib
import shutil

import eccodes
import numpy as np
import pytest

from kerchunk_cli import generate, load_refs
from conftest import DATA_DIR, SHARED_CORPUS

import fsspec  # noqa: E402  (after conftest, like every autotest)
from osgeo import gdal, osr  # noqa: E402

from http_range_server import RangeServer  # noqa: E402

DATA_GRIB = DATA_DIR / "grib"
SAMPLES = pathlib.Path("/usr/share/eccodes/samples")
SAMPLE_NAMES = [
    "GRIB1.tmpl", "GRIB2.tmpl", "regular_ll_pl_grib1.tmpl", "regular_ll_pl_grib2.tmpl",
    "regular_gg_ml_grib2.tmpl", "rotated_ll_sfc_grib2.tmpl", "lambert_bf_grib2.tmpl",
    "polar_stereographic_pl_grib2.tmpl", "reduced_gg_pl_32_grib2.tmpl", "reduced_ll_sfc_grib1.tmpl",
    "sh_ml_grib2.tmpl", "ccsds_grib2.tmpl",
]


# ---------------------------------------------------------------- helpers


def eccodes_fields(path):
    """Every field of every message (multi-field messages give one per field),
    as eccodes decodes it; points flagged missing (bitmap, or missing-value
    management of complex packing) become NaN. eccodes 2.28's multi-field
    reader fails on padding between messages: then read message by message."""
    try:
        return _eccodes_fields(path, True)
    except eccodes.KeyValueNotFoundError:
        return _eccodes_fields(path, False)


def _eccodes_fields(path, multi):
    fields = []
    if multi:
        eccodes.codes_grib_multi_support_on()
    try:
        with open(path, "rb") as f:
            while True:
                h = eccodes.codes_grib_new_from_file(f)
                if h is None:
                    break
                try:
                    v = np.asarray(eccodes.codes_get_values(h), dtype="f8").copy()
                    flagged = eccodes.codes_get(h, "bitmapPresent")
                    if eccodes.codes_is_defined(h, "missingValueManagementUsed"):
                        flagged = flagged or eccodes.codes_get(h, "missingValueManagementUsed")
                    if flagged:
                        v[v == eccodes.codes_get(h, "missingValue")] = np.nan
                    fields.append((eccodes.codes_get(h, "shortName"), v))
                finally:
                    eccodes.codes_release(h)
    finally:
        eccodes.codes_grib_multi_support_off()
    return fields


def digest(values):
    v = np.ascontiguousarray(values, dtype="<f8").ravel()
    return hashlib.sha1(np.where(np.isnan(v), -1.2345e300, v).tobytes()).hexdigest()


def data_arrays(refs):
    """{array path: .zarray} of the GRIB-coded arrays."""
    out = {}
    for key, value in refs.items():
        if key.endswith("/.zarray"):
            meta = json.loads(value)
            if (meta.get("compressor") or {}).get("id") == "grib":
                out[key[:-len("/.zarray")]] = meta
    return out


def chunk_keys(refs, array):
    return [k for k in refs if k.startswith(array + "/") and not k.rsplit("/", 1)[1].startswith(".")]


def open_multidim(refs_path):
    return gdal.OpenEx("KERCHUNK:" + str(refs_path), gdal.OF_MULTIDIM_RASTER)


def exposed_fields(refs_path):
    """Digests of every chunk of every GRIB array, read through the plugin."""
    refs = load_refs(refs_path)
    root = open_multidim(refs_path).GetRootGroup()
    seen = []
    for array, meta in data_arrays(refs).items():
        values = np.asarray(root.OpenMDArrayFromFullname("/" + array).ReadAsArray())
        assert list(values.shape) == meta["shape"], array
        grid_ndim = sum(1 for s, c in zip(meta["shape"], meta["chunks"]) if c == s and c != 1) or 1
        grid_ndim = len([c for c in meta["chunks"] if c != 1]) or grid_ndim
        for key in chunk_keys(refs, array):
            index = tuple(int(i) for i in key.rsplit("/", 1)[1].split("."))
            seen.append(digest(values[index[:len(index) - grid_ndim]]))
    return seen


def assert_all_fields_exact(src, refs_path):
    want = sorted(digest(v) for _, v in eccodes_fields(src))
    assert want, src
    assert sorted(exposed_fields(refs_path)) == want


# ---------------------------------------------------------------- values


GRIB_FILES = sorted(p.name for p in DATA_GRIB.iterdir())


@pytest.mark.parametrize("name", GRIB_FILES)
def test_data_files_every_field_exact(tmp_path, name):
    out = tmp_path / (name + ".json")
    generate(DATA_GRIB / name, out)
    assert_all_fields_exact(DATA_GRIB / name, out)


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_eccodes_samples_every_field_exact(tmp_path, name):
    out = tmp_path / (name + ".json")
    generate(SAMPLES / name, out)
    assert_all_fields_exact(SAMPLES / name, out)


def test_padding_wmo_headers_trailing_junk_mixed_editions(tmp_path):
    """Messages of both editions behind an 80-byte WMO heading, with zero
    padding, a false marker and trailing bytes: all found, all exact."""
    wmo = b"\x01\r\r\n123\r\r\nYTHZ98 KWBN 051200\r\r\n".ljust(80, b" ")
    parts = [wmo, (SAMPLES / "GRIB2.tmpl").read_bytes(), b"\0" * 13,
             (DATA_GRIB / "rotated_wind_20x20.grib").read_bytes(), b"GRIB\x09 junk",
             wmo, (DATA_GRIB / "eta_multifield.grb2").read_bytes(), b"trailing junk"]
    src = tmp_path / "mixed.grib"
    src.write_bytes(b"".join(parts))
    out = tmp_path / "mixed.json"
    generate(src, out)
    # (eccodes itself stops at the false marker: expected values come from
    # the source files one by one.)
    want = [digest(v) for p in (SAMPLES / "GRIB2.tmpl", DATA_GRIB / "rotated_wind_20x20.grib",
                                DATA_GRIB / "eta_multifield.grb2") for _, v in eccodes_fields(p)]
    assert len(want) == 6
    assert sorted(exposed_fields(out)) == sorted(want)
    # Every range reference starts at a "GRIB" marker and ends with "7777".
    data = src.read_bytes()
    refs = load_refs(out)
    ranges = [refs[k] for a in data_arrays(refs) for k in chunk_keys(refs, a) if isinstance(refs[k], list)]
    assert len(ranges) == 5  # 1 + 2 + 2 messages, the multi-field one once
    for _, offset, length in ranges:
        assert data[offset:offset + 4] == b"GRIB" and data[offset + length - 4:offset + length] == b"7777"


def test_multi_field_message(tmp_path):
    """eta_multifield.grb2: message 2 holds two fields. The first is its
    message's byte range (eccodes decodes the first field); the second an
    inline single-field message rebuilt from its sections."""
    src = DATA_GRIB / "eta_multifield.grb2"
    out = tmp_path / "eta.json"
    generate(src, out)
    refs = load_refs(out)
    fields = eccodes_fields(src)
    assert len(fields) == 3
    inline = [refs[k] for a in data_arrays(refs) for k in chunk_keys(refs, a) if isinstance(refs[k], str)]
    assert len(inline) == 1 and inline[0].startswith("base64:")
    msg = base64.b64decode(inline[0][7:])
    h = eccodes.codes_new_from_message(msg)
    try:
        assert digest(eccodes.codes_get_values(h)) == digest(fields[2][1])
    finally:
        eccodes.codes_release(h)
    assert_all_fields_exact(src, out)


def test_byte_ranges_through_fsspec(tmp_path):
    """Python's reference filesystem reads each chunk; eccodes decodes it to
    the field it stands for."""
    src = DATA_GRIB / "ngm.grb"
    out = tmp_path / "ngm.json"
    generate(src, out)
    refs = load_refs(out)
    fs = fsspec.filesystem("reference", fo=str(out), skip_instance_cache=True)
    got = []
    for array in data_arrays(refs):
        for key in chunk_keys(refs, array):
            h = eccodes.codes_new_from_message(fs.cat(key))
            try:
                got.append(digest(eccodes.codes_get_values(h)))
            finally:
                eccodes.codes_release(h)
    assert sorted(got) == sorted(digest(v) for _, v in eccodes_fields(src))


def test_generate_over_http(tmp_path):
    """Reading only headers through /vsicurl/: the scan works remotely and
    gives the same references."""
    shutil.copy(DATA_GRIB / "ngm.grb", tmp_path / "ngm.grb")
    local = tmp_path / "local.json"
    generate(tmp_path / "ngm.grb", local)
    with RangeServer(tmp_path) as server:
        remote = tmp_path / "remote.json"
        url = "/vsicurl/%s/ngm.grb" % server.url
        generate(url, remote)
    a, b = load_refs(local), load_refs(remote)
    assert a.keys() == b.keys()
    for k in a:
        if isinstance(a[k], list):
            assert a[k][1:] == b[k][1:] and b[k][0].endswith("ngm.grb")


# ---------------------------------------------------------------- structure


def test_grouping_and_coordinates(tmp_path):
    """ngm.grb (5 fields): kerchunk grib_tree layout <var>/<stepType>/<level
    type>/<var>, CF coordinates and a grid mapping with the CRS."""
    src = DATA_GRIB / "ngm.grb"
    out = tmp_path / "ngm.json"
    generate(src, out)
    refs = load_refs(out)
    fields = []
    eccodes.codes_grib_multi_support_on()
    with open(src, "rb") as f:
        while True:
            h = eccodes.codes_grib_new_from_file(f)
            if h is None:
                break
            fld = {k: eccodes.codes_get(h, k) for k in
                   ("cfVarName", "shortName", "stepType", "typeOfLevel", "level", "Nx", "Ny")}
            if fld["cfVarName"] in ("unknown", "undef"):
                fld["cfVarName"] = fld["shortName"]
            fields.append(fld)
            eccodes.codes_release(h)
    eccodes.codes_grib_multi_support_off()
    root = open_multidim(out).GetRootGroup()
    for fld in fields:
        path = "/%s/%s/%s" % (fld["cfVarName"], fld["stepType"], fld["typeOfLevel"])
        arr = root.OpenMDArrayFromFullname(path + "/" + fld["cfVarName"])
        assert arr is not None, path
        dims = [d.GetName() for d in arr.GetDimensions()]
        assert dims[-2:] == ["y", "x"]
        assert arr.GetShape()[-2:] == [fld["Ny"], fld["Nx"]] or list(arr.GetShape()[-2:]) == [fld["Ny"], fld["Nx"]]
        attrs = json.loads(refs[path[1:] + "/" + fld["cfVarName"] + "/.zattrs"])
        assert attrs["grid_mapping"] == "crs"
        assert "time" in attrs["coordinates"].split() and "x" in attrs["coordinates"].split()
        crs = json.loads(refs[path[1:] + "/crs/.zattrs"])
        assert crs["grid_mapping_name"] == "polar_stereographic"
        srs = osr.SpatialReference()
        assert srs.ImportFromWkt(crs["crs_wkt"]) == 0
        level = np.frombuffer(base64.b64decode(refs[path[1:] + "/" + fld["typeOfLevel"] + "/0"][7:]), "<f8")
        assert fld["level"] in level


def test_time_step_and_level_dimensions(tmp_path):
    """eccodes' regular_ll_pl sample with its level and step changed: fields
    that differ by level and step stack along those dimensions."""
    src = tmp_path / "stack.grib2"
    base = (SAMPLES / "regular_ll_pl_grib2.tmpl").read_bytes()
    expected = {}
    with open(src, "wb") as f:
        for level in (850, 500):
            for step in (0, 6, 12):
                h = eccodes.codes_new_from_message(base)
                eccodes.codes_set(h, "level", level)
                eccodes.codes_set(h, "stepRange", str(step))
                vals = eccodes.codes_get_values(h) + level + step
                eccodes.codes_set_values(h, vals)
                f.write(eccodes.codes_get_message(h))
                expected[(level, step)] = eccodes.codes_get_values(h)
                eccodes.codes_release(h)
    out = tmp_path / "stack.json"
    generate(src, out)
    refs = load_refs(out)
    arrays = data_arrays(refs)
    assert len(arrays) == 1
    path, meta = next(iter(arrays.items()))
    attrs = json.loads(refs[path + "/.zattrs"])
    assert attrs["_ARRAY_DIMENSIONS"] == ["step", "isobaricInhPa", "latitude", "longitude"]
    group = path.rsplit("/", 1)[0]
    steps = np.frombuffer(base64.b64decode(refs[group + "/step/0"][7:]), "<f8")
    levels = np.frombuffer(base64.b64decode(refs[group + "/isobaricInhPa/0"][7:]), "<f8")
    assert list(steps) == [0.0, 6.0, 12.0] and list(levels) == [500.0, 850.0]
    values = open_multidim(out).GetRootGroup().OpenMDArrayFromFullname("/" + path).ReadAsArray()
    for (level, step), want in expected.items():
        got = values[list(steps).index(step), list(levels).index(level)]
        assert got.ravel().tobytes() == np.asarray(want, "<f8").tobytes()


# ---------------------------------------------------------------- classic view


GEOREF_FILES = ["ngm.grb", "no-radius-shapeOfEarth-7.grb2", "CMC_reg_WIND_ISBL_300_ps60km_2010052400_P012.grib",
                "rotated_wind_20x20.grib", "regular_latlon_surface.grib2", "eta_multifield.grb2",
                "rotated_ll_sfc_grib2.tmpl", "polar_stereographic_pl_grib2.tmpl"]


@pytest.mark.parametrize("name", GEOREF_FILES)
def test_classic_view_matches_gdal_grib_driver(tmp_path, config_options, name):
    """The first field's raster: same size, geotransform and CRS as GDAL's
    GRIB driver (longitudes left as in the file, as GDAL does with
    GRIB_ADJUST_LONGITUDE_RANGE=NO)."""
    config_options(GRIB_ADJUST_LONGITUDE_RANGE="NO")
    src = DATA_GRIB / name if (DATA_GRIB / name).exists() else SAMPLES / name
    out = tmp_path / (name + ".json")
    generate(src, out)
    grib = gdal.Open(str(src))
    refs = load_refs(out)
    first_offset = min(v[1] for a in data_arrays(refs) for k in chunk_keys(refs, a)
                       for v in [refs[k]] if isinstance(v, list))
    array = next(a for a in data_arrays(refs) for k in chunk_keys(refs, a)
                 if isinstance(refs[k], list) and refs[k][1] == first_offset)
    ds = gdal.Open('KERCHUNK:"%s":/%s' % (out, array))
    assert (ds.RasterXSize, ds.RasterYSize) == (grib.RasterXSize, grib.RasterYSize)
    gt, want = ds.GetGeoTransform(), grib.GetGeoTransform()
    for a, b in zip(gt, want):
        assert a == pytest.approx(b, rel=1e-9, abs=1e-6), (gt, want)
    ours, theirs = ds.GetSpatialRef(), grib.GetSpatialRef()
    assert ours is not None
    assert ours.IsSame(theirs, ["IGNORE_DATA_AXIS_TO_SRS_AXIS_MAPPING=YES"]), ours.ExportToWkt()


def consecutive_copy(src, dst):
    """The first message of `src` rewritten by eccodes with
    jPointsAreConsecutive = 1 (values stored column by column): the same
    field, so GDAL's GRIB driver shows the same raster."""
    with open(src, "rb") as f:
        h = eccodes.codes_grib_new_from_file(f)
    try:
        ni, nj = eccodes.codes_get(h, "Ni"), eccodes.codes_get(h, "Nj")
        values = eccodes.codes_get_values(h).reshape(nj, ni)
        eccodes.codes_set(h, "jPointsAreConsecutive", 1)
        eccodes.codes_set_values(h, values.T.ravel())
        dst.write_bytes(eccodes.codes_get_message(h))
    finally:
        eccodes.codes_release(h)
    return dst


def assert_classic_view_equals_grib_driver(src, out, checksum=True, exact=True):
    """`exact`: pixels bit for bit; else within 1e-6 (GDAL's GRIB driver
    decodes JPEG 2000 packing with its own code, not eccodes')."""
    refs = load_refs(out)
    array = next(iter(data_arrays(refs)))
    ds = gdal.Open('KERCHUNK:"%s":/%s' % (out, array))
    grib = gdal.Open(str(src))
    assert (ds.RasterXSize, ds.RasterYSize) == (grib.RasterXSize, grib.RasterYSize)
    for a, b in zip(ds.GetGeoTransform(), grib.GetGeoTransform()):
        assert a == pytest.approx(b, rel=1e-9, abs=1e-6), (ds.GetGeoTransform(), grib.GetGeoTransform())
    ours, theirs = ds.GetSpatialRef(), grib.GetSpatialRef()
    assert ours is not None and ours.IsSame(theirs, ["IGNORE_DATA_AXIS_TO_SRS_AXIS_MAPPING=YES"]), \
        ours.ExportToWkt() if ours else None
    if checksum:
        band, want = ds.GetRasterBand(1), grib.GetRasterBand(1)
        got = np.frombuffer(band.ReadRaster(buf_type=gdal.GDT_Float64), "f8")
        ref = np.frombuffer(want.ReadRaster(buf_type=gdal.GDT_Float64), "f8")
        nodata = want.GetNoDataValue()
        if nodata is not None and (ref == nodata).any():
            # Missing points: GDAL's nodata value, NaN here (as kerchunk).
            ref = np.where(ref == nodata, np.nan, ref)
        else:
            assert band.Checksum() == want.Checksum()  # GRIB_NORMALIZE_UNITS=NO: kelvins
        if exact:
            assert np.array_equal(got, ref, equal_nan=True)
        else:
            assert np.allclose(got, ref, rtol=1e-6, atol=0, equal_nan=True)


@pytest.mark.parametrize("name", ["regular_latlon_surface.grib2", "rotated_wind_20x20.grib",
                                  "no-radius-shapeOfEarth-7.grb2"])
def test_points_consecutive_along_j(tmp_path, config_options, name):
    """jPointsAreConsecutive = 1 grids (made by eccodes from a data file):
    references keep the stored (x, y) order, as eccodes decodes it; the
    classic view is not transposed: size, geotransform, CRS and pixels equal
    GDAL's GRIB driver."""
    config_options(GRIB_ADJUST_LONGITUDE_RANGE="NO", GRIB_NORMALIZE_UNITS="NO")
    src = consecutive_copy(DATA_GRIB / name, tmp_path / ("cons_" + name))
    out = tmp_path / "cons.json"
    generate(src, out)
    assert_all_fields_exact(src, out)
    array, meta = next(iter(data_arrays(load_refs(out)).items()))
    grib = gdal.Open(str(src))
    assert meta["shape"][-2:] == [grib.RasterXSize, grib.RasterYSize]
    assert_classic_view_equals_grib_driver(src, out)
    # The same raster as the file stored row by row.
    plain = tmp_path / "plain.json"
    generate(DATA_GRIB / name, plain)
    a = gdal.Open('KERCHUNK:"%s":/%s' % (out, array))
    b = gdal.Open('KERCHUNK:"%s":/%s' % (plain, next(iter(data_arrays(load_refs(plain))))))
    assert a.ReadRaster() == b.ReadRaster()


def test_points_consecutive_with_bitmap(tmp_path, config_options):
    """A real jPointsAreConsecutive = 1 file (pygrib's sample, with a bitmap)."""
    config_options(GRIB_ADJUST_LONGITUDE_RANGE="NO", GRIB_NORMALIZE_UNITS="NO")
    src = DATA_GRIB / "scanning_mode_with_bitmap.grib2"
    out = tmp_path / "bitmap.json"
    generate(src, out)
    assert_all_fields_exact(src, out)
    assert_classic_view_equals_grib_driver(src, out)


def test_points_consecutive_lazy_open(tmp_path, config_options):
    config_options(GRIB_ADJUST_LONGITUDE_RANGE="NO", GRIB_NORMALIZE_UNITS="NO",
                   KERCHUNK_CACHE_DIR=str(tmp_path / "cache"))
    src = consecutive_copy(DATA_GRIB / "regular_latlon_surface.grib2", tmp_path / "cons.grib2")
    ds = gdal.Open("KERCHUNK:" + str(src))
    grib = gdal.Open(str(src))
    assert ds.GetDriver().ShortName == "KERCHUNK"
    assert (ds.RasterXSize, ds.RasterYSize) == (grib.RasterXSize, grib.RasterYSize)
    assert ds.GetRasterBand(1).Checksum() == grib.GetRasterBand(1).Checksum()


ROTATED_CORPUS = ["grib1/rotated_ll.grib1", "grib2/20260219T00Z_MSC_HRDPS_CAPE_Sfc_RLatLon0.0225_PT000H.grib2"]


@pytest.mark.parametrize("name", ROTATED_CORPUS)
def test_rotated_pole_corpus_classic_view(tmp_path, config_options, name):
    """Rotated lat/lon grids of the shared corpus: the classic view carries
    the CRS GDAL's GRIB driver gives (a derived geographic CRS with GRIB's
    pole rotation, WKT 2 only), and the same geotransform and pixels. The
    generator writes rotated longitudes in [-180, 180[, as GDAL's default
    GRIB_ADJUST_LONGITUDE_RANGE=YES shows them."""
    src = SHARED_CORPUS / name
    if not src.is_file():
        pytest.skip("shared corpus absent")
    config_options(GRIB_NORMALIZE_UNITS="NO")
    out = tmp_path / "rot.json"
    generate(src, out)
    assert_all_fields_exact(src, out)
    assert_classic_view_equals_grib_driver(src, out, exact=False)


def test_rotated_pole_crs_is_wkt2(tmp_path, config_options):
    config_options(GRIB_ADJUST_LONGITUDE_RANGE="NO", GRIB_NORMALIZE_UNITS="NO")
    src = DATA_GRIB / "rotated_wind_20x20.grib"
    out = tmp_path / "rot.json"
    generate(src, out)
    assert_classic_view_equals_grib_driver(src, out)
    array = next(iter(data_arrays(load_refs(out))))
    wkt = gdal.Open('KERCHUNK:"%s":/%s' % (out, array)).GetProjectionRef()
    assert "Pole rotation (GRIB convention)" in wkt


# ---------------------------------------------------------------- bad input


def test_truncated_file(tmp_path):
    good = (SAMPLES / "GRIB2.tmpl").read_bytes()
    src = tmp_path / "cut.grib2"
    src.write_bytes(good + good[:-20])
    r = generate(src, tmp_path / "cut.json", check=False)
    assert r.returncode != 0
    assert "cut.grib2: GRIB message 2 (offset %d): declared length %d runs past the end of the file" \
        % (len(good), len(good)) in r.stderr


def test_message_cut_short(tmp_path):
    good = (SAMPLES / "GRIB1.tmpl").read_bytes()
    src = tmp_path / "short.grib1"
    src.write_bytes(good[:-4] + b"XXXX" + good)
    r = generate(src, tmp_path / "short.json", check=False)
    assert r.returncode != 0
    assert "short.grib1: GRIB message 1 (offset 0): no end marker '7777'" in r.stderr


def test_overflowing_length(tmp_path):
    good = bytearray((SAMPLES / "GRIB2.tmpl").read_bytes())
    good[8:16] = b"\xff" * 8
    src = tmp_path / "huge.grib2"
    src.write_bytes(bytes(good))
    r = generate(src, tmp_path / "huge.json", check=False)
    assert r.returncode != 0
    assert "declared length 18446744073709551615 runs past the end of the file" in r.stderr


def test_section_length_past_message(tmp_path):
    good = bytearray((SAMPLES / "GRIB2.tmpl").read_bytes())
    good[16:20] = (100000).to_bytes(4, "big")
    src = tmp_path / "sec.grib2"
    src.write_bytes(bytes(good))
    r = generate(src, tmp_path / "sec.json", check=False)
    assert r.returncode != 0
    assert "GRIB message 1 (offset 0): section 1 length 100000 does not fit" in r.stderr


def test_undecodable_grid_is_reported(tmp_path):
    """eccodes 2.28 has no HEALPix template (3.150): the field is skipped with
    a reason (in --strict mode: an error naming the message)."""
    if not (SHARED_CORPUS / "grib2" / "healpix_H8.grib2").exists():
        pytest.skip("shared corpus absent")
    src = SHARED_CORPUS / "grib2" / "healpix_H8.grib2"
    r = generate(src, tmp_path / "h.json", "--strict", check=False)
    assert r.returncode != 0
    assert f"{src}: GRIB message 1 (offset 0): eccodes cannot decode its grid" in r.stderr
    assert "grid definition template 150" in r.stderr
    # Without --strict: skipped in the wording all three generators share
    # (refgen/generation_reporter.h); nothing else is left to reference.
    r = generate(src, tmp_path / "h.json", check=False)
    assert f"{src}: GRIB message 1 (offset 0) skipped: eccodes cannot decode its grid" \
        in r.stderr
    assert "no GRIB field could be referenced (GRIB message 1 (offset 0): eccodes " \
        "cannot decode its grid" in r.stderr


# ---------------------------------------------------------------- corpus sweep


@pytest.mark.corpus
def test_corpus_sweep(tmp_path):
    """Every field of every GRIB file of ../shared/corpus: exposed through
    the plugin and exact against eccodes. Prints the counts."""
    if not SHARED_CORPUS.is_dir():
        pytest.skip("shared corpus absent")
    ok = total = undecodable = 0
    failures = []
    for src in sorted(list((SHARED_CORPUS / "grib1").iterdir()) + list((SHARED_CORPUS / "grib2").iterdir())):
        try:
            want = [digest(v) for _, v in eccodes_fields(src)]
        except Exception as e:  # eccodes itself cannot decode: nothing to compare with
            undecodable += 1
            continue
        total += len(want)
        out = tmp_path / (src.name + ".json")
        r = generate(src, out, check=False)
        if r.returncode:
            failures.append("%s: %s" % (src.name, r.stderr.strip()[-200:]))
            continue
        seen = exposed_fields(out)
        remaining = list(seen)
        for d in want:
            if d in remaining:
                remaining.remove(d)
                ok += 1
            else:
                failures.append("%s: a field is not exposed exactly" % src.name)
    print("\nGRIB fields exposed-and-exact: %d/%d (files eccodes cannot decode: %d)" % (ok, total, undecodable))
    for f in failures:
        print("  " + f)
    assert ok >= total - 3, failures


def test_mercator_written_by_eccodes(tmp_path, config_options):
    """A Mercator grid (template 3.10) written here by eccodes: classic view
    equal to GDAL's GRIB driver, values equal to eccodes'."""
    config_options(GRIB_ADJUST_LONGITUDE_RANGE="NO")
    h = eccodes.codes_grib_new_from_samples("GRIB2")
    try:
        eccodes.codes_set(h, "gridDefinitionTemplateNumber", 10)
        for key, value in [("Ni", 40), ("Nj", 30), ("LaDInDegrees", 20.0),
                           ("latitudeOfFirstGridPointInDegrees", 10.0),
                           ("longitudeOfFirstGridPointInDegrees", 280.0),
                           ("latitudeOfLastGridPointInDegrees", 15.0),
                           ("longitudeOfLastGridPointInDegrees", 285.0),
                           ("DiInMetres", 12000.0), ("DjInMetres", 12000.0),
                           ("jScansPositively", 1), ("shapeOfTheEarth", 6)]:
            eccodes.codes_set(h, key, value)
        eccodes.codes_set_values(h, np.arange(1200, dtype="f8") * 0.5)
        src = tmp_path / "merc.grib2"
        src.write_bytes(eccodes.codes_get_message(h))
    finally:
        eccodes.codes_release(h)
    out = tmp_path / "merc.json"
    generate(src, out)
    assert_all_fields_exact(src, out)
    array = next(iter(data_arrays(load_refs(out))))
    ds = gdal.Open('KERCHUNK:"%s":/%s' % (out, array))
    grib = gdal.Open(str(src))
    for a, b in zip(ds.GetGeoTransform(), grib.GetGeoTransform()):
        assert a == pytest.approx(b, rel=1e-9, abs=1e-6)
    assert ds.GetSpatialRef().IsSame(grib.GetSpatialRef(), ["IGNORE_DATA_AXIS_TO_SRS_AXIS_MAPPING=YES"])


def test_sparse_fields_stack_along_field_dimension(tmp_path):
    """70 fields whose reference time and step both vary (a diagonal of a
    70 x 70 cube): stacked along one "field" dimension, not a mostly empty
    hypercube, each with its own time/step coordinates."""
    base = (SAMPLES / "regular_ll_sfc_grib2.tmpl").read_bytes()
    src = tmp_path / "diag.grib2"
    with open(src, "wb") as f:
        for i in range(70):
            h = eccodes.codes_new_from_message(base)
            eccodes.codes_set(h, "dataDate", 20200101 + (i % 28) + 100 * (i // 28))
            eccodes.codes_set(h, "stepRange", str(i))
            eccodes.codes_set_values(h, eccodes.codes_get_values(h) + i)
            f.write(eccodes.codes_get_message(h))
            eccodes.codes_release(h)
    out = tmp_path / "diag.json"
    generate(src, out)
    refs = load_refs(out)
    (path, meta), = data_arrays(refs).items()
    assert json.loads(refs[path + "/.zattrs"])["_ARRAY_DIMENSIONS"] == ["field", "latitude", "longitude"]
    assert meta["shape"][0] == 70
    group = path.rsplit("/", 1)[0]
    steps = np.frombuffer(base64.b64decode(refs[group + "/step/0"][7:]), "<f8")
    assert sorted(steps) == list(range(70))
    assert_all_fields_exact(src, out)
