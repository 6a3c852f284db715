"""HDF5 / NetCDF-4 reference generation (`gdal_kerchunk generate`), end to end.

Files are written here by h5py and netCDF4; references are read back through
fsspec+zarr (Python's kerchunk stack) and through the KERCHUNK plugin, and must
equal h5py's values bit for bit. Chunk keys/offsets/sizes must equal what
libhdf5's H5Dget_chunk_info reports (h5py's get_chunk_info).
"""
import http.server
import json
import os
import pathlib
import shutil
import struct
import subprocess
import threading

import h5py
import numpy as np
import pytest

from conftest import KERCHUNK_CLI, SHARED_CORPUS

import hdf5_compare as hc  # noqa: E402  (after conftest: GDAL_DRIVER_PATH)
import hdf5_files  # noqa: E402
from osgeo import gdal  # noqa: E402


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return tmp_path_factory.mktemp("hdf5gen")


@pytest.fixture(scope="module")
def features(workdir):
    src = workdir / "features.h5"
    expected = hdf5_files.build_features(src)
    out = workdir / "features.json"
    hc.generate(src, out)
    values = hc.h5_datasets(src)
    for name, value in expected.items():
        values[name.lstrip("/")] = value
    return src, out, values


@pytest.fixture(scope="module")
def netcdf4_file(workdir):
    src = workdir / "features.nc"
    hdf5_files.build_netcdf4(src)
    out = workdir / "features_nc.json"
    hc.generate(src, out)
    return src, out


# ------------------------------------------------------------ coverage / values


def test_every_dataset_is_referenced(features):
    src, out, values = features
    refs = hc.load_refs(out)
    for name in values:
        assert f"{name}/.zarray" in refs, name
    assert json.loads(refs["types/scalar_f8/.zarray"])["shape"] == []
    assert json.loads(refs["types/i4_be_chunked/.zarray"])["dtype"] == ">i4"
    assert json.loads(refs["types/f2_le_contig/.zarray"])["dtype"] == "<f2"
    assert json.loads(refs["types/bool/.zarray"])["dtype"] == "|b1"


def test_values_through_fsspec_zarr(features):
    src, out, values = features
    refs = hc.load_refs(out)
    group = hc.zarr_group(out)
    checked = 0
    for name, expected in values.items():
        zarray = json.loads(refs[f"{name}/.zarray"])
        if hc.codec_ids(zarray) & hc.NUMCODECS_MISSING:
            continue
        assert expected is not None, name
        hc.assert_exact(expected, group[name][...], name)
        checked += 1
    assert checked >= len(values) - 8


def test_values_through_plugin(features):
    src, out, values = features
    refs = hc.load_refs(out)
    checked = 0
    for name, expected in values.items():
        zarray = json.loads(refs[f"{name}/.zarray"])
        if isinstance(zarray["dtype"], list) or "S" in zarray["dtype"] or 0 in zarray["shape"]:
            continue  # python3-gdal 3.6 cannot read string arrays
        hc.assert_exact(expected, hc.plugin_array(out, name), name, widened=True)
        checked += 1
    assert checked >= 60


@pytest.mark.parametrize("name,codec", [
    ("codecs/gzip", {"compressor": {"id": "zlib", "level": 6}, "filters": None}),
    ("codecs/gzip_shuffle", {"compressor": {"id": "zlib", "level": 4},
                             "filters": [{"id": "shuffle", "elementsize": 4}]}),
    ("codecs/fletcher32", {"compressor": None, "filters": None}),
    ("codecs/shuffle_gzip_fletcher32", {"compressor": {"id": "zlib", "level": 4},
                                        "filters": [{"id": "shuffle", "elementsize": 4}]}),
    ("codecs/lzf", {"compressor": {"id": "lzf"}, "filters": None}),
    ("codecs/zstd", {"compressor": {"id": "zstd", "level": 3}, "filters": None}),
    ("codecs/bzip2", {"compressor": {"id": "bz2", "level": 9}, "filters": None}),
    ("codecs/lz4", {"compressor": {"id": "hdf5_lz4"}, "filters": None}),
])
def test_codec_mapping(features, name, codec):
    src, out, values = features
    zarray = json.loads(hc.load_refs(out)[f"{name}/.zarray"])
    for key, value in codec.items():
        assert zarray[key] == value, (name, key, zarray[key])


def test_szip_mapping(features):
    """szip options are HDF5's cd_values after set_local (H5Zszip.c)."""
    src, out, values = features
    with h5py.File(src) as f:
        code, flags, cd, name = f["codecs/szip"].id.get_create_plist().get_filter(0)
    assert code == 4
    zarray = json.loads(hc.load_refs(out)["codecs/szip/.zarray"])
    assert zarray["compressor"] == {"id": "szip", "mask": cd[0], "pixels_per_block": cd[1],
                                    "bits_per_pixel": cd[2], "pixels_per_scanline": cd[3]}
    assert zarray["filters"] is None


def test_blosc_mapping(features):
    zarray = json.loads(hc.load_refs(features[1])["codecs/blosc_zstd/.zarray"])
    assert zarray["compressor"]["id"] == "blosc"
    assert zarray["compressor"]["cname"] == "zstd"


def test_fletcher32_checksum_left_out(features, workdir):
    src, _, values = features
    out = workdir / "no_inline.json"
    hc.generate(src, out, "--inline-threshold", "0")
    refs = hc.load_refs(out)
    with h5py.File(src) as f:
        info = f["codecs/fletcher32"].id.get_chunk_info(0)
    assert refs["codecs/fletcher32/0.0"][1:] == [info.byte_offset, info.size - 4]


def test_masked_chunks_are_reencoded_and_inlined(features, workdir):
    src, _, values = features
    out = workdir / "no_inline.json"
    hc.generate(src, out, "--inline-threshold", "0")
    refs = hc.load_refs(out)
    with h5py.File(src) as f:
        d = f["codecs/masked_chunk"]
        assert d.id.read_direct_chunk((10, 7))[0] == 1  # really stored unfiltered
    assert isinstance(refs["codecs/masked_chunk/1.1"], str)  # inlined
    assert isinstance(refs["codecs/masked_chunk/0.0"], list)
    group = hc.zarr_group(out)
    hc.assert_exact(values["codecs/masked_chunk"], group["codecs/masked_chunk"][...],
                    "masked_chunk")
    hc.assert_exact(values["codecs/lzf_tiny"], hc.plugin_array(out, "codecs/lzf_tiny"),
                    "lzf_tiny")


def test_fill_values_and_unallocated_chunks(features):
    src, out, values = features
    refs = hc.load_refs(out)
    zarray = json.loads(refs["storage/sparse/.zarray"])
    assert zarray["fill_value"] == -1.5
    assert "storage/sparse/0.0" in refs and "storage/sparse/0.1" not in refs
    assert json.loads(refs["storage/nan_fill/.zarray"])["fill_value"] == "NaN"
    assert json.loads(refs["storage/unwritten_contig/.zarray"])["fill_value"] == 9
    assert not any(k.startswith("storage/unwritten_contig/0") for k in refs)
    assert json.loads(refs["storage/chunked_unwritten/.zarray"])["fill_value"] == 2.5
    assert not any(k.startswith("storage/chunked_unwritten/0") for k in refs)
    # fully written, HDF5's implicit zero fill: no fill_value (xarray would
    # otherwise mask real zeros)
    assert json.loads(refs["storage/edge_chunks/.zarray"])["fill_value"] is None


def test_attributes(features):
    refs = hc.load_refs(features[1])
    attrs = json.loads(refs[".zattrs"])
    assert attrs["title"] == "features"
    assert attrs["int_array"] == [0, 1, 2, 3, 4]
    assert attrs["nan_value"] == "NaN"
    assert attrs["inf_list"] == [1.0, "Infinity", "-Infinity"]
    assert attrs["string_list"] == ["ab", "cde"]
    assert attrs["vlen_string"] == "h\u00e9llo"
    assert attrs["matrix"] == [[0, 1, 2], [3, 4, 5]]
    assert attrs["one"] == 7
    assert json.loads(refs["a/b/c/.zattrs"]) == {"depth": 3}
    assert json.loads(refs["a/.zgroup"]) == {"zarr_format": 2}


def test_dimension_scales(features):
    refs = hc.load_refs(features[1])
    assert json.loads(refs["dims/v/.zattrs"])["_ARRAY_DIMENSIONS"][0] == "x"
    assert json.loads(refs["dims/x/.zattrs"])["_ARRAY_DIMENSIONS"] == ["x"]
    phony = json.loads(refs["dims/v/.zattrs"])["_ARRAY_DIMENSIONS"][1]
    assert phony.startswith("phony_dim_")
    a, b = json.loads(refs["types/i1_le_contig/.zattrs"])["_ARRAY_DIMENSIONS"]
    assert a != b and a.startswith("phony_dim_")
    # same size in the same group: same phony dimension
    assert json.loads(refs["types/i2_le_contig/.zattrs"])["_ARRAY_DIMENSIONS"] == [a, b]


def test_dimension_scales_met_after_their_datasets(workdir):
    """Scales are named from the addresses the traversal met, whatever the
    order: here every dataset comes before its scales (name order), and the
    scales sit in another group, deeper or not."""
    src = workdir / "scales_after.h5"
    with h5py.File(src, "w") as f:
        data = [f.create_dataset(f"a_{i:03d}", data=np.zeros((2, 3), "i2")) for i in range(50)]
        deep = f.create_group("b/c").create_dataset("y_scale", data=np.arange(3, dtype="i2"))
        top = f.create_dataset("z_scale", data=np.arange(2, dtype="i2"))
        top.make_scale("z_scale")
        deep.make_scale("y_scale")
        for d in data:
            d.dims[0].attach_scale(top)
            d.dims[1].attach_scale(deep)
    out = workdir / "scales_after.json"
    hc.generate(src, out)
    refs = hc.load_refs(out)
    with h5py.File(src, "r") as f:
        for i in range(50):
            name = f"a_{i:03d}"
            native = [pathlib.PurePosixPath(f[name].dims[k][0].name).name for k in range(2)]
            assert native == ["z_scale", "y_scale"]
            assert json.loads(refs[f"{name}/.zattrs"])["_ARRAY_DIMENSIONS"] == native, name
    assert json.loads(refs["b/c/y_scale/.zattrs"])["_ARRAY_DIMENSIONS"] == ["y_scale"]


def test_compound_types(features):
    refs = hc.load_refs(features[1])
    assert json.loads(refs["compound/records/.zarray"])["dtype"] == \
        [["id", "<i4"], ["value", ">f8"], ["tag", "|S3"], ["flag", "|u1"]]
    assert json.loads(refs["compound/nested/.zarray"])["dtype"] == \
        [["pos", "<f4", [3]], ["inner", [["a", "<i2"], ["b", "<u2"]]]]
    assert json.loads(refs["compound/complex64/.zarray"])["dtype"] == "<c8"
    assert json.loads(refs["compound/complex128_be/.zarray"])["dtype"] == ">c16"
    zarray = json.loads(refs["compound/records_chunked/.zarray"])
    assert zarray["filters"] == [{"id": "shuffle", "elementsize": 16}]


def test_layouts(features):
    refs = hc.load_refs(features[1])
    assert isinstance(refs["storage/compact_f4/0.0"], str)  # compact: inline
    assert isinstance(refs["types/big_inline_off/0"], list)  # 8000 bytes: range
    assert isinstance(refs["types/scalar_i4/0"], str)
    assert json.loads(refs["types/vlen_strings/.zarray"])["dtype"] == "|S3"


def test_contiguous_split(features, workdir):
    src, _, values = features
    out = workdir / "split.json"
    hc.generate(src, out, "--config", "KERCHUNK_CONTIGUOUS_SPLIT_BYTES", "1300",
                "--inline-threshold", "0")
    refs = hc.load_refs(out)
    zarray = json.loads(refs["storage/contig_split/.zarray"])
    assert zarray["chunks"] == [16, 10]  # 64 rows of 80 bytes: 16 divides 64
    assert [k for k in refs if k.startswith("storage/contig_split/") and "z" not in k] == \
        [f"storage/contig_split/{i}.0" for i in range(4)]
    hc.assert_exact(values["storage/contig_split"],
                    hc.zarr_group(out)["storage/contig_split"][...], "contig_split")


def test_inline_threshold(features, workdir):
    src, _, values = features
    out = workdir / "inline_big.json"
    hc.generate(src, out, "--inline-threshold", "100000")
    refs = hc.load_refs(out)
    assert isinstance(refs["types/big_inline_off/0"], str)
    assert all(not isinstance(v, list) for v in refs.values())
    group = hc.zarr_group(out)
    hc.assert_exact(values["codecs/gzip_shuffle"], group["codecs/gzip_shuffle"][...], "gzip")


def test_userblock(workdir):
    """A user block shifts every address: offsets must be absolute."""
    src = workdir / "userblock.h5"
    with h5py.File(src, "w", userblock_size=1024) as f:
        f.create_dataset("contig", data=np.arange(1000, dtype="f8"))
        f.create_dataset("chunked", data=np.arange(1000, dtype="i4"), chunks=(100,),
                         compression="gzip")
    out = workdir / "userblock.json"
    hc.generate(src, out)
    group = hc.zarr_group(out)
    with h5py.File(src) as f:
        assert hc.load_refs(out)["contig/0"][1] == f["contig"].id.get_offset() >= 1024
        for name in ("contig", "chunked"):
            hc.assert_exact(f[name][()], group[name][...], name)


# ------------------------------------------------------------ chunk locations


@pytest.mark.parametrize("filename", ["index.h5", "index_earliest.h5"])
def test_chunk_locations_match_libhdf5(workdir, filename):
    src = workdir / filename
    if not src.exists():
        hdf5_files.build_index_types(workdir / "index.h5")
    out = workdir / (filename + ".json")
    hc.generate(src, out, "--inline-threshold", "0")
    refs = hc.load_refs(out)
    group = hc.zarr_group(out)
    with h5py.File(src) as f:
        for name, dset in f.items():
            chunks = dset.chunks
            expected = {}
            for i in range(dset.id.get_num_chunks()):
                info = dset.id.get_chunk_info(i)
                key = name + "/" + ".".join(str(o // c) for o, c in
                                            zip(info.chunk_offset, chunks))
                expected[key] = [str(src), info.byte_offset, info.size]
            got = {k: v for k, v in refs.items() if k.startswith(name + "/") and
                   not k.split("/")[-1].startswith(".")}
            assert got == expected, name
            assert len(got) > 0
            if name == "huge_sparse":  # 10^9 values: check the chunks only
                assert len(got) == 6
                for sl in (slice(0, 40), slice(-40, None), slice(499_999_990, 500_000_010)):
                    hc.assert_exact(dset[sl], group[name][sl], name)
                continue
            hc.assert_exact(dset[()], group[name][...], name)


# ------------------------------------------------------------ NetCDF-4


def test_netcdf4_structure(netcdf4_file):
    src, out = netcdf4_file
    refs = hc.load_refs(out)
    dims = {k[:-len("/.zattrs")]: json.loads(v)["_ARRAY_DIMENSIONS"]
            for k, v in refs.items() if k.endswith("/.zattrs") and
            "_ARRAY_DIMENSIONS" in json.loads(v)}
    assert dims["t2m"] == ["time", "lat", "lon"]
    assert dims["bounds"] == ["lat", "nv"]
    assert dims["sub/z"] == ["level", "lat"]
    assert "nv/.zarray" not in refs  # dimension without variable
    t2m = json.loads(refs["t2m/.zattrs"])
    assert t2m["units"] == "K" and "_Netcdf4Dimid" not in t2m and "DIMENSION_LIST" not in t2m
    assert json.loads(refs["t2m/.zarray"])["fill_value"] == -999.0
    assert "_NCProperties" not in json.loads(refs[".zattrs"])


def test_netcdf4_through_xarray(netcdf4_file):
    import xarray as xr
    src, out = netcdf4_file
    for group in (None, "sub"):
        native = xr.open_dataset(src, group=group, mask_and_scale=False, decode_times=False)
        refs = xr.open_dataset("reference://", engine="zarr", group=group,
                               mask_and_scale=False, decode_times=False,
                               backend_kwargs={"consolidated": False,
                                               "storage_options": {"fo": str(out)}})
        assert set(native.variables) == set(refs.variables)
        for name in native.variables:
            assert native[name].dims == refs[name].dims, name
            hc.assert_exact(native[name].values, refs[name].values, name)
        assert native.attrs == refs.attrs


def test_netcdf4_classic_view_matches_netcdf_driver(netcdf4_file):
    src, out = netcdf4_file
    nc = gdal.Open(f'NETCDF:"{src}":counts')
    kc = gdal.Open(f'KERCHUNK:"{out}":counts')
    assert (kc.RasterXSize, kc.RasterYSize, kc.RasterCount) == \
        (nc.RasterXSize, nc.RasterYSize, nc.RasterCount)
    assert kc.GetRasterBand(1).Checksum() == nc.GetRasterBand(1).Checksum()
    assert kc.GetRasterBand(1).GetNoDataValue() == nc.GetRasterBand(1).GetNoDataValue()
    assert kc.GetGeoTransform() == pytest.approx(nc.GetGeoTransform())


def test_var_selection(netcdf4_file, workdir):
    src, _ = netcdf4_file
    out = workdir / "var.json"
    hc.generate(src, out, "--var", "bounds")
    arrays = {k[:-len("/.zarray")] for k in hc.load_refs(out) if k.endswith("/.zarray")}
    assert arrays == {"bounds", "lat"}
    r = hc.generate(src, workdir / "novar.json", "--var", "nope", check=False)
    assert r.returncode != 0 and "no variable named 'nope'" in r.stderr
    assert not (workdir / "novar.json").exists()


# ------------------------------------------------------------ URLs


def test_relative_and_templates(features, workdir):
    src, _, values = features
    sub = workdir / "refs_sub"
    sub.mkdir(exist_ok=True)
    out = sub / "rel.json"
    hc.generate(src, out, "--relative", "--templates")
    doc = json.load(open(out))
    assert doc["templates"] == {"u": "../features.h5"}
    assert doc["refs"]["types/big_inline_off/0"][0] == "{{u}}"
    hc.assert_exact(values["types/big_inline_off"],
                    hc.plugin_array(out, "types/big_inline_off"), "relative")
    out = workdir / "abs.json"
    hc.generate(src, out)
    assert hc.load_refs(out)["types/big_inline_off/0"][0] == str(src)


class RangeHandler(http.server.SimpleHTTPRequestHandler):
    """Static files with Range support (what /vsicurl/ needs); counts GETs."""
    requests = 0

    def log_message(self, *args):
        pass

    def do_GET(self):
        RangeHandler.requests += 1
        path = self.translate_path(self.path)
        data = open(path, "rb").read()
        rng = self.headers.get("Range")
        if rng:
            start, end = rng.split("=")[1].split("-")
            start, end = int(start), min(int(end or len(data) - 1), len(data) - 1)
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{end}/{len(data)}")
            body = data[start:end + 1]
        else:
            self.send_response(200)
            body = data
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Accept-Ranges", "bytes")
        self.end_headers()
        self.wfile.write(body)


def test_vsicurl_source(features, workdir):
    src, local_out, values = features
    handler = lambda *a, **k: RangeHandler(*a, directory=str(workdir), **k)  # noqa: E731
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/features.h5"
        out = workdir / "remote.json"
        RangeHandler.requests = 0
        hc.generate(f"/vsicurl/{url}", out)
        requests = RangeHandler.requests
    finally:
        server.shutdown()
    remote, local = hc.load_refs(out), hc.load_refs(local_out)
    assert remote.keys() == local.keys()
    for key, value in remote.items():
        if isinstance(value, list):
            assert value == [url] + local[key][1:], key
        else:
            assert value == local[key], key
    # metadata read in large blocks: a handful of requests, not one per
    # object header / B-tree node / inline chunk
    assert requests < 40, requests


@pytest.fixture(scope="module")
def s3_env(tmp_path_factory):
    """A real S3-compatible server (s3rver), started by test_cache's fixture
    function (which finds or installs s3rver); stopped after this module."""
    try:
        import test_cache
        gen = test_cache.s3_server.__wrapped__(tmp_path_factory)
    except (ImportError, AttributeError) as e:
        pytest.skip(f"s3rver fixture unavailable: {e}")
    env = next(gen)
    yield env, test_cache.upload
    for _ in gen:  # runs the fixture's teardown (terminates s3rver)
        pass


def test_vsis3_source(features, workdir, s3_env, config_options):
    """An object on S3: referenced as s3://, read back through the plugin
    (which maps s3:// to /vsis3/)."""
    env, upload = s3_env
    src, _, values = features
    config_options(**env)
    upload(src, "/vsis3/src/dir/features.h5")
    out = workdir / "s3.json"
    r = subprocess.run([str(KERCHUNK_CLI), "generate", "/vsis3/src/dir/features.h5", "-o",
                        str(out), "-q"], capture_output=True, text=True, timeout=300,
                       env={**os.environ, **env})
    assert r.returncode == 0, r.stderr
    refs = hc.load_refs(out)
    assert refs["types/big_inline_off/0"][0] == "s3://src/dir/features.h5"
    for name in ("types/big_inline_off", "codecs/gzip_shuffle", "storage/sparse"):
        hc.assert_exact(values[name], hc.plugin_array(out, name), name)


# ------------------------------------------------------------ bad input


def test_unsupported_features_warn_and_skip(workdir):
    src = workdir / "unsupported.h5"
    hdf5_files.build_unsupported(src)
    out = workdir / "unsupported.json"
    r = hc.generate(src, out, quiet=False)
    refs = hc.load_refs(out)
    assert "good/.zarray" in refs
    for name, feature in [("scaleoffset", "scaleoffset filter"),
                          ("compound_vlen", "compound datatype with variable-length members"),
                          ("compound_padded", "compound datatype with padding between members"),
                          ("refs", "object/region references"),
                          ("opaque", "opaque datatype")]:
        assert f"{name}/.zarray" not in refs
        # The wording all three generators share (refgen/generation_reporter.h).
        assert f"{src}: /{name} skipped: {feature} is not supported" in r.stderr
        assert r.stderr.count(f"/{name} ") == 1  # one warning per dataset
    assert "5 skipped" in r.stdout
    r = hc.generate(src, workdir / "strict.json", "--strict", check=False)
    assert r.returncode != 0
    assert f"{src}: /compound_padded: compound datatype with padding between " \
        "members is not supported (--strict)" in r.stderr
    assert not (workdir / "strict.json").exists()
    assert not list(workdir.glob("strict.json.tmp*"))


def test_sizes_from_a_corrupt_header_are_refused_before_allocation(workdir):
    """A type size or a shape patched to billions (fuzz_hdf5 found a 4 GB
    allocation from a 64 KB file): the dataset is skipped with the size named,
    the others are generated."""
    src = workdir / "sizes.h5"
    with h5py.File(src, "w") as f:
        f.create_dataset("good", data=np.arange(4, dtype="i4"))
        f.create_dataset("big_element", data=np.array([b"x" * 10, b"y" * 10], dtype="S74565"))
        f.create_dataset("many_strings", data=np.array(["a", "bc"] * 38000, dtype=object),
                         dtype=h5py.string_dtype(), chunks=(1000,))
    data = bytearray(src.read_bytes())
    type_size, dims = struct.pack("<I", 74565), struct.pack("<Q", 76000)
    assert data.count(type_size) == 1 and data.count(dims) == 2  # current and maximum dims
    data = data.replace(type_size, struct.pack("<I", 0xFFFFFFF7))
    data = data.replace(dims, struct.pack("<Q", (1 << 29) + 1))
    corrupt = workdir / "sizes_corrupt.h5"
    corrupt.write_bytes(bytes(data))
    out = workdir / "sizes.json"
    r = hc.generate(corrupt, out, quiet=False)
    refs = hc.load_refs(out)
    assert "good/.zarray" in refs and "big_element/.zarray" not in refs
    assert f"{corrupt}: /big_element skipped: a datatype of 4294967287 bytes " \
        "(more than 16777216) is not supported" in r.stderr
    assert f"{corrupt}: /many_strings skipped: inlining 536870913 variable-length " \
        "strings (more than 8388608) is not supported" in r.stderr


def test_contiguous_data_past_end_of_file_is_skipped(workdir):
    """fuzz_hdf5's kept input: a 4.4 KB file whose contiguous /a declares
    2^57 - 1 elements; referenced block by block it took minutes. It is
    skipped with its extent named, the others generated."""
    src = workdir / "past_end.h5"
    shutil.copy(pathlib.Path(__file__).parent.parent / "tests" / "fuzz" / "regressions"
                / "fuzz_hdf5" / "contiguous_data_past_end_of_file", src)
    out = workdir / "past_end.json"
    r = hc.generate(src, out, quiet=False)
    refs = hc.load_refs(out)
    assert "a/.zarray" not in refs and "b/.zarray" in refs
    assert f"{src}: /a skipped: contiguous data of 576460752303424508 bytes at offset " \
        "2144, past the end of the file is not supported" in r.stderr, r.stderr


def _truncated(workdir, src):
    data = open(src, "rb").read()
    path = workdir / "truncated.h5"
    path.write_bytes(data[: len(data) // 3])
    return path


def _corrupt_superblock(workdir, src):
    data = bytearray(open(src, "rb").read())
    data[8:40] = b"\xff" * 32  # superblock version, sizes, addresses
    path = workdir / "corrupt.h5"
    path.write_bytes(bytes(data))
    return path


def _not_hdf5(workdir, src):
    path = workdir / "not_hdf5.h5"
    path.write_text("just some text, no HDF5 signature\n" * 10)
    return path


@pytest.mark.parametrize("make,message", [
    (_truncated, "cannot open as HDF5 (truncated or corrupt file?)"),
    (_corrupt_superblock, "cannot open as HDF5 (truncated or corrupt file?)"),
    (_not_hdf5, "not a NetCDF-4/HDF5, NetCDF-3 or GRIB file"),
    (lambda w, s: "/vsicurl/http://127.0.0.1:9/missing.h5", "cannot open"),
    (lambda w, s: w / "does_not_exist.h5", "cannot open"),
])
def test_bad_input(features, workdir, make, message):
    src = make(workdir, features[0])
    out = workdir / "bad.json"
    r = hc.generate(src, out, check=False)
    assert r.returncode != 0
    assert str(src) in r.stderr and message in r.stderr, r.stderr
    assert "Traceback" not in r.stderr and "HDF5-DIAG" not in r.stderr
    assert not out.exists()
    assert not list(workdir.glob("bad.json.tmp*"))


def test_truncated_chunk_data(workdir):
    """Metadata intact, chunk data cut off: a clear error naming the dataset."""
    src = workdir / "cut.h5"
    with h5py.File(src, "w") as f:
        f.create_dataset("small", data=np.arange(4, dtype="i4"))
        f.create_dataset("big", data=np.arange(50000, dtype="i4"), chunks=(10,))
        end = f["big"].id.get_chunk_info(4999).byte_offset
    data = open(src, "rb").read()
    cut = workdir / "cut_data.h5"
    cut.write_bytes(data[:end + 2])
    out = workdir / "cut.json"
    r = hc.generate(cut, out, "--inline-threshold", "100", check=False)
    assert r.returncode != 0
    assert str(cut) in r.stderr and ("/big" in r.stderr or "truncated" in r.stderr), r.stderr
    assert not out.exists()


# ------------------------------------------------------------ corpus sweep


@pytest.mark.corpus
def test_corpus_sweep(workdir):
    """Optional: every HDF5/NetCDF-4 file of the shared corpus; prints counts
    of datasets referenced / skipped by reason / exact vs h5py."""
    dirs = [SHARED_CORPUS / "hdf5", SHARED_CORPUS / "netcdf4"]
    if not all(d.is_dir() for d in dirs):
        pytest.skip("shared corpus absent")
    import collections
    counts = collections.Counter()
    reasons = collections.Counter()
    failures = []
    for d in dirs:
        for src in sorted(d.iterdir()):
            if src.suffix not in (".h5", ".hdf5", ".nc", ".he5", ".nc4", ".h5nc"):
                continue
            out = workdir / "sweep.json"
            r = hc.generate(src, out, quiet=False, check=False)
            if r.returncode != 0:
                counts["files failed"] += 1
                failures.append(f"{src.name}: {r.stderr.strip()[:200]}")
                continue
            counts["files"] += 1
            for line in r.stderr.splitlines():
                if " skipped: " in line:
                    reasons[line.split(" skipped: ")[1].split(" (")[0][:60]] += 1
                    counts["skipped"] += 1
            refs = hc.load_refs(out)
            group = hc.zarr_group(out)
            # The corpus holds sparse datasets of several GB: reading them
            # whole took the test past 10 GB of memory.
            for name, expected in hc.h5_datasets(src, max_bytes=256 << 20).items():
                if f"{name}/.zarray" not in refs:
                    continue
                counts["referenced"] += 1
                if expected is hc.TOO_LARGE:
                    counts["not compared (over 256 MB)"] += 1
                    continue
                if expected is None:
                    counts["unverifiable (h5py cannot decode)"] += 1
                    continue
                zarray = json.loads(refs[f"{name}/.zarray"])
                try:
                    if hc.codec_ids(zarray) & hc.NUMCODECS_MISSING:
                        hc.assert_exact(expected, hc.plugin_array(out, name), name,
                                        widened=True)
                    else:
                        hc.assert_exact(expected, group[name][...], name)
                    counts["exact"] += 1
                except Exception as e:  # noqa: BLE001 - reported below
                    counts["differ or unreadable"] += 1
                    failures.append(f"{src.name}:{name}: {str(e)[:150]}")
    print("\nHDF5/NetCDF-4 corpus sweep:", dict(counts))
    print("skipped by reason:", dict(reasons))
    for line in failures:
        print("  ", line)
    assert counts["files"] > 0
