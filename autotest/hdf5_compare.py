"""Reading generated references back (fsspec+zarr, the KERCHUNK plugin) and
comparing with h5py, bit for bit."""
import collections.abc

import fsspec
import h5py
import numpy as np
import zarr
from osgeo import gdal

from kerchunk_cli import generate, load_refs  # noqa: F401 (used by the tests)

# Codecs Debian's numcodecs 0.11 lacks: only the plugin can check these.
NUMCODECS_MISSING = {"lzf", "hdf5_lz4", "szip", "fletcher32"}


class _KeyByKeyStore(collections.abc.Mapping):
    """fsspec 2022.11's ReferenceFileSystem.cat() raises KeyError when one of
    several keys is absent (an unallocated chunk) instead of omitting it;
    reading key by key lets zarr see the missing chunk and use fill_value."""

    def __init__(self, mapper):
        self.mapper = mapper

    def __getitem__(self, key):
        return self.mapper[key]

    def __iter__(self):
        return iter(self.mapper)

    def __len__(self):
        return len(self.mapper)


def zarr_group(refs_path):
    fs = fsspec.filesystem("reference", fo=str(refs_path), skip_instance_cache=True)
    return zarr.open_group(zarr.storage.KVStore(_KeyByKeyStore(fs.get_mapper(""))), mode="r")


def codec_ids(zarray):
    ids = set()
    if zarray.get("compressor"):
        ids.add(zarray["compressor"]["id"])
    for f in zarray.get("filters") or []:
        ids.add(f["id"])
    return ids


# h5_datasets() value of a dataset over its max_bytes: not read.
TOO_LARGE = object()


def h5_datasets(path, max_bytes=None):
    """{zarr path: h5py dataset value} for every dataset h5py can read;
    TOO_LARGE for those over max_bytes (sparse multi-GB corpus datasets)."""
    out = {}

    def visit(name, obj):
        if isinstance(obj, h5py.Dataset):
            try:
                # obj.dtype raises too for types numpy lacks (float128...).
                if max_bytes is not None and (obj.size or 0) * obj.dtype.itemsize > max_bytes:
                    out[name] = TOO_LARGE
                    return
                out[name] = obj[()]
            except (OSError, ValueError, TypeError):
                out[name] = None  # h5py cannot decode it (plugin filter...)

    with h5py.File(path, "r") as f:
        f.visititems(visit)
    return out


def normalize_strings(value):
    """h5py gives vlen strings as objects (bytes or str): as |S like Zarr."""
    arr = np.asarray(value)
    if arr.dtype.kind == "O":
        flat = [v.encode() if isinstance(v, str) else bytes(v) for v in arr.ravel()]
        return np.array(flat, dtype="S").reshape(arr.shape) if flat else arr.astype("S1")
    return arr


def assert_exact(expected, got, name, widened=False):
    """`widened`: `got` may have a wider type holding the same values (GDAL
    3.6 has no Int8: int8 arrays are read as Int16)."""
    expected = normalize_strings(expected)
    got = np.asarray(got)
    if widened and expected.dtype.kind in "iu" and got.dtype.kind in "iu" and \
            expected.dtype.itemsize < got.dtype.itemsize:
        assert np.can_cast(expected.dtype, got.dtype, "safe"), f"{name}: {got.dtype}"
        expected = expected.astype(got.dtype)
    assert expected.shape == got.shape, f"{name}: shape {expected.shape} != {got.shape}"
    if expected.dtype.names:
        assert got.dtype.names == expected.dtype.names, f"{name}: fields {got.dtype}"
        assert expected.tobytes() == got.astype(expected.dtype).tobytes(), \
            f"{name}: values differ"
        return
    if expected.dtype.kind == "S":
        assert got.dtype.kind == "S", f"{name}: dtype {got.dtype}"
        assert expected.tolist() == got.tolist(), f"{name}: strings differ"
        return
    if expected.dtype.kind == "f" and got.dtype.kind == "f" and \
            expected.dtype.itemsize != got.dtype.itemsize:
        # float16 is widened by GDAL: exact, NaN and signed zeros included
        widened = expected.astype(got.dtype)
        assert np.array_equal(widened, got, equal_nan=True), f"{name}: values differ"
        assert np.array_equal(np.signbit(widened), np.signbit(got)), f"{name}: signs differ"
        return
    if expected.dtype.kind == "b" or got.dtype.kind == "b":
        expected, got = expected.astype("u1"), got.astype("u1")
    assert expected.dtype.kind == got.dtype.kind and \
        expected.dtype.itemsize == got.dtype.itemsize, \
        f"{name}: dtype {expected.dtype} != {got.dtype}"
    native = expected.dtype.newbyteorder("=")
    assert expected.astype(native).tobytes() == got.astype(native).tobytes(), \
        f"{name}: values differ"


def plugin_array(refs_path, name):
    ds = gdal.OpenEx(f"KERCHUNK:{refs_path}", gdal.OF_MULTIDIM_RASTER)
    assert ds is not None
    arr = ds.GetRootGroup().OpenMDArrayFromFullname("/" + name)
    assert arr is not None, name
    return arr.ReadAsArray() if arr.GetDimensionCount() else \
        np.array(arr.ReadAsArray())
