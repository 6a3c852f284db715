"""Builders of HDF5 / NetCDF-4 test files (h5py, netCDF4), for the HDF5
reference generator tests and benchmark.

Every builder returns a dict {dataset path: expected numpy array} for the
datasets whose values h5py itself cannot decode (plugin filters written with
write_direct_chunk): there the expected values are the arrays we encoded.
"""
import bz2
import struct

import h5py
import numpy as np
from numcodecs import Blosc, Zstd, LZ4


INT_TYPES = ["i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8"]
FLOAT_TYPES = ["f2", "f4", "f8"]

# Registered HDF5 filter ids (HDFGroup/hdf5_plugins RegisteredFilterPlugins.md)
FILTER_LZF = 32000
FILTER_BLOSC = 32001
FILTER_LZ4 = 32004
FILTER_ZSTD = 32015
FILTER_BZIP2 = 307


def _values(dtype, shape, seed=0):
    rng = np.random.default_rng(seed)
    dtype = np.dtype(dtype)
    if dtype.byteorder == ">":
        return _values(dtype.newbyteorder("="), shape, seed).astype(dtype)
    n = int(np.prod(shape))
    if dtype.kind == "f":
        v = rng.normal(0, 1000, n).astype(dtype)
        if n > 4:
            v[1], v[2], v[3] = np.nan, np.inf, -np.inf
            v[4] = -0.0
    elif dtype.kind == "b":
        v = rng.integers(0, 2, n).astype(bool)
    else:
        info = np.iinfo(dtype)
        v = rng.integers(info.min, info.max, n, dtype=dtype, endpoint=True)
    return v.reshape(shape)


def hdf5_lz4_frame(raw, block_size=1 << 16):
    """HDF5 lz4 filter framing (H5Zlz4.c): 8-byte BE size, 4-byte BE block
    size, then per block a 4-byte BE compressed size and an lz4 block."""
    out = struct.pack(">QI", len(raw), block_size)
    for i in range(0, len(raw), block_size):
        block = raw[i:i + block_size]
        comp = LZ4().encode(block)[4:]  # numcodecs prefixes a 4-byte LE size
        if len(comp) >= len(block):
            comp = block
        out += struct.pack(">I", len(comp)) + comp
    return out


def _direct_chunks(dset, data, encode):
    """Writes every chunk of `data` into `dset` with write_direct_chunk."""
    chunks = dset.chunks
    grid = [(s + c - 1) // c for s, c in zip(data.shape, chunks)]
    for idx in np.ndindex(*grid):
        block = np.zeros(chunks, dtype=dset.dtype)
        sl = tuple(slice(i * c, min((i + 1) * c, s)) for i, c, s in zip(idx, chunks, data.shape))
        part = data[sl]
        block[tuple(slice(0, n) for n in part.shape)] = part
        dset.id.write_direct_chunk(tuple(i * c for i, c in zip(idx, chunks)),
                                   encode(block.tobytes()))


def build_features(path):
    """A plain HDF5 file exercising every feature the generator handles."""
    expected = {}
    with h5py.File(path, "w") as f:
        f.attrs["title"] = "features"
        f.attrs["int_array"] = np.arange(5, dtype="i2")
        f.attrs["nan_value"] = np.float64(np.nan)
        f.attrs["inf_list"] = np.array([1.0, np.inf, -np.inf])
        f.attrs["string_list"] = np.array([b"ab", b"cde"])
        f.attrs["vlen_string"] = "h\u00e9llo"
        f.attrs["matrix"] = np.arange(6, dtype="f4").reshape(2, 3)
        f.attrs["one"] = np.array([7], dtype="i4")

        t = f.create_group("types")
        for dt in INT_TYPES + FLOAT_TYPES:
            for order in "<>":
                full = np.dtype(dt).newbyteorder(order)
                t.create_dataset(f"{dt}_{'le' if order == '<' else 'be'}_contig",
                                 data=_values(full, (7, 9)))
                t.create_dataset(f"{dt}_{'le' if order == '<' else 'be'}_chunked",
                                 data=_values(full, (13, 11), 1), chunks=(4, 5))
        t.create_dataset("bool", data=_values(bool, (20,)))
        t.create_dataset("scalar_f8", data=np.float64(3.25))
        t.create_dataset("scalar_i4", data=np.int32(-7))
        t.create_dataset("fixed_strings", data=np.array([b"alpha", b"be", b"", b"gamma!"]))
        t.create_dataset("vlen_strings", data=["x", "yyy", "", "z\u00e9"],
                         dtype=h5py.string_dtype())
        t.create_dataset("vlen_ascii", data=[b"one", b"three"],
                         dtype=h5py.string_dtype("ascii"))
        t.create_dataset("enum_u2", data=np.array([0, 1, 2, 1], dtype="u2"),
                         dtype=h5py.enum_dtype({"A": 0, "B": 1, "C": 2}, basetype="u2"))
        t.create_dataset("empty_1d", shape=(0,), dtype="f4")
        t.create_dataset("big_inline_off", data=np.arange(1000, dtype="f8"))

        c = f.create_group("codecs")
        data = _values("f4", (40, 30), 2)
        c.create_dataset("gzip", data=data, chunks=(10, 7), compression="gzip", compression_opts=6)
        c.create_dataset("gzip_shuffle", data=data, chunks=(10, 7), compression="gzip",
                         shuffle=True)
        c.create_dataset("fletcher32", data=data, chunks=(10, 7), fletcher32=True)
        c.create_dataset("shuffle_gzip_fletcher32", data=data, chunks=(10, 7),
                         compression="gzip", shuffle=True, fletcher32=True)
        c.create_dataset("shuffle_only", data=data, chunks=(10, 7), shuffle=True)
        c.create_dataset("lzf", data=data, chunks=(10, 7), compression="lzf")
        c.create_dataset("lzf_shuffle", data=data, chunks=(10, 7), compression="lzf",
                         shuffle=True)
        c.create_dataset("szip", data=np.arange(1200, dtype="i4").reshape(40, 30),
                         chunks=(10, 10), compression="szip", compression_opts=("nn", 8))
        c.create_dataset("gzip_be_i8", data=_values(">i8", (30, 20), 3), chunks=(7, 7),
                         compression="gzip", shuffle=True)
        # Plugin filters (no decoder in this libhdf5): chunks encoded here.
        ints = np.arange(2000, dtype="i4").reshape(50, 40) * 37
        plugin = {
            "zstd": (FILTER_ZSTD, (3,), lambda b: Zstd(3).encode(b)),
            "blosc_lz4": (FILTER_BLOSC, (2, 2, 4, 0, 5, 1, 1),
                          lambda b: Blosc("lz4", 5, Blosc.SHUFFLE).encode(b)),
            "blosc_zstd": (FILTER_BLOSC, (2, 2, 4, 0, 5, 1, 5),
                           lambda b: Blosc("zstd", 5, Blosc.SHUFFLE).encode(b)),
            "bzip2": (FILTER_BZIP2, (9,), lambda b: bz2.compress(b, 9)),
            "lz4": (FILTER_LZ4, (0,), hdf5_lz4_frame),
        }
        for name, (fid, opts, encode) in plugin.items():
            d = c.create_dataset(name, shape=ints.shape, dtype=ints.dtype, chunks=(20, 16),
                                 compression=fid, compression_opts=opts,
                                 allow_unknown_filter=True)
            _direct_chunks(d, ints, encode)
            expected[d.name] = ints

        # A gzip chunk stored raw (filter mask 1), as an optional filter that
        # failed, or write_direct_chunk with a mask, leaves it.
        d = c.create_dataset("masked_chunk", data=data, chunks=(10, 7), compression="gzip")
        raw = np.zeros((10, 7), dtype="f4")
        raw[:] = data[10:20, 7:14]
        d.id.write_direct_chunk((10, 7), raw.tobytes(), filter_mask=1)
        # LZF gives up on incompressible tiny chunks: h5py then stores them
        # with the (optional) filter skipped.
        c.create_dataset("lzf_tiny", data=np.arange(3, dtype="i2"), compression="lzf")

        cmp = f.create_group("compound")
        rec = np.dtype([("id", "<i4"), ("value", ">f8"), ("tag", "S3"), ("flag", "u1")])
        recs = np.zeros(12, dtype=rec)
        recs["id"] = np.arange(12)
        recs["value"] = np.linspace(-1, 1, 12)
        recs["tag"] = [b"a", b"bb", b"ccc"] * 4
        recs["flag"] = np.arange(12) % 2
        cmp.create_dataset("records", data=recs)
        cmp.create_dataset("records_chunked", data=recs, chunks=(5,), compression="gzip",
                           shuffle=True)
        nested_t = np.dtype([("pos", "<f4", (3,)), ("inner", [("a", "<i2"), ("b", "<u2")])])
        nested = np.zeros(4, dtype=nested_t)
        nested["pos"] = np.arange(12, dtype="f4").reshape(4, 3)
        nested["inner"]["a"] = [-1, -2, -3, -4]
        nested["inner"]["b"] = [1, 2, 3, 4]
        cmp.create_dataset("nested", data=nested)
        z = (np.arange(10) + 1j * np.arange(10)[::-1]).astype("c8")
        cmp.create_dataset("complex64", data=z)
        cmp.create_dataset("complex128_be", data=z.astype(">c16"), chunks=(4,),
                           compression="gzip")

        s = f.create_group("storage")
        s.create_dataset("chunked_unwritten", shape=(10, 10), chunks=(5, 5), dtype="f4",
                         fillvalue=2.5)
        sp = s.create_dataset("sparse", shape=(20, 20), chunks=(5, 5), dtype="f4",
                              fillvalue=-1.5)
        sp[0:5, 0:5] = 3
        sp[15:20, 10:15] = 4
        nf = s.create_dataset("nan_fill", shape=(10,), chunks=(5,), dtype="f8",
                              fillvalue=np.nan)
        nf[0:5] = 1
        s.create_dataset("unwritten_contig", shape=(6,), dtype="i2", fillvalue=9)
        s.create_dataset("edge_chunks", data=_values("i2", (17, 23), 4), chunks=(5, 6),
                         compression="gzip")
        s.create_dataset("contig_split", data=_values("f8", (64, 10), 5))
        _compact(s, "compact_f4", _values("f4", (4, 3), 6))
        _compact(s, "compact_strings", np.array([b"ab", b"cd"]))
        nested = f.create_group("a/b/c")
        nested.attrs["depth"] = 3
        nested.create_dataset("deep", data=np.arange(12, dtype="u2").reshape(3, 4))

        # HDF5 dimension scales without netCDF.
        dims = f.create_group("dims")
        x = dims.create_dataset("x", data=np.arange(5, dtype="f8"))
        x.make_scale("x")
        v = dims.create_dataset("v", data=_values("f4", (5, 3), 7))
        v.dims[0].attach_scale(x)
    return expected


def _compact(group, name, data):
    tid = h5py.h5t.py_create(data.dtype, logical=True)
    space = h5py.h5s.create_simple(data.shape)
    dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
    dcpl.set_layout(h5py.h5d.COMPACT)
    dsid = h5py.h5d.create(group.id, name.encode(), tid, space, dcpl=dcpl)
    dsid.write(h5py.h5s.ALL, h5py.h5s.ALL, np.ascontiguousarray(data))


def build_unsupported(path):
    """Datasets references cannot express, next to one that works."""
    with h5py.File(path, "w") as f:
        f.create_dataset("good", data=np.arange(10, dtype="i4"))
        f.create_dataset("scaleoffset", data=np.arange(100, dtype="i4"), chunks=(10,),
                         scaleoffset=0)
        cdt = np.dtype([("a", "i4"), ("s", h5py.string_dtype())])
        f.create_dataset("compound_vlen", data=np.array([(1, "x")], dtype=cdt))
        f.create_dataset("refs", data=[f["good"].ref], dtype=h5py.ref_dtype)
        f.create_dataset("opaque", data=np.void(b"\x01\x02\x03"))
        padded = np.dtype([("a", "i1"), ("b", "i8")], align=True)
        f.create_dataset("compound_padded", data=np.zeros(3, dtype=padded))


def build_index_types(path):
    """One chunked dataset per HDF5 1.10 chunk index type."""
    data = np.arange(60 * 50, dtype="i4").reshape(60, 50)
    with h5py.File(path, "w", libver="latest") as f:
        f.create_dataset("fixed_array", data=data, chunks=(7, 9), compression="gzip")
        f.create_dataset("fixed_array_paged", data=np.arange(20000, dtype="i2"),
                         chunks=(8,))
        ea = f.create_dataset("extensible_array", shape=(60, 50), maxshape=(None, 50),
                              chunks=(7, 9), dtype="i4", compression="gzip")
        ea[...] = data
        v2 = f.create_dataset("v2_btree", shape=(60, 50), maxshape=(None, None),
                              chunks=(7, 9), dtype="i4")
        v2[...] = data
        v2[0:7, 0:9] = 0  # still allocated
        f.create_dataset("single_chunk", data=data, chunks=(60, 50), compression="gzip")
        sp = f.create_dataset("sparse_fixed", shape=(60, 50), chunks=(7, 9), dtype="i4")
        sp[30:40, 10:20] = 5
        dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
        dcpl.set_chunk((7, 9))
        dcpl.set_alloc_time(h5py.h5d.ALLOC_TIME_EARLY)
        tid = h5py.h5t.py_create(np.dtype("i4"))
        dsid = h5py.h5d.create(f.id, b"implicit", tid, h5py.h5s.create_simple((60, 50)),
                               dcpl=dcpl)
        dsid.write(h5py.h5s.ALL, h5py.h5s.ALL, data)
    with h5py.File(str(path).replace(".h5", "_earliest.h5"), "w") as f:
        _huge_sparse(f)
        f.create_dataset("v1_btree", data=data, chunks=(7, 9), compression="gzip")
        sp = f.create_dataset("v1_sparse", shape=(60, 50), chunks=(7, 9), dtype="i4")
        sp[30:40, 10:20] = 5


def _huge_sparse(f):
    """A huge extent with a handful of chunks: 10^8 grid positions. (v1
    B-tree only: libhdf5 iterates an extensible array slot by slot, so any
    enumeration there costs the whole extent.)"""
    d = f.create_dataset("huge_sparse", shape=(10**9,), maxshape=(None,), chunks=(10,),
                         dtype="i1", fillvalue=-3)
    d[:25] = 1
    d[-15:] = 2
    d[500_000_000:500_000_005] = 3


def build_netcdf4(path):
    """A NetCDF-4 file as netCDF-C writes it: dimension scales, coordinate
    variables, a dimension without variable, groups, fill values."""
    import netCDF4
    with netCDF4.Dataset(path, "w", format="NETCDF4") as d:
        d.title = "netcdf4 features"
        d.history = "made by the test"
        d.createDimension("time", None)
        d.createDimension("lat", 6)
        d.createDimension("lon", 8)
        d.createDimension("nv", 2)  # no coordinate variable
        t = d.createVariable("time", "f8", ("time",))
        t.units = "hours since 2000-01-01"
        t[:] = np.arange(4) * 6.0
        la = d.createVariable("lat", "f4", ("lat",))
        la.units = "degrees_north"
        la[:] = np.linspace(50, 45, 6)
        lo = d.createVariable("lon", "f4", ("lon",))
        lo.units = "degrees_east"
        lo[:] = np.linspace(0, 7, 8)
        v = d.createVariable("t2m", "f4", ("time", "lat", "lon"), zlib=True, complevel=4,
                             shuffle=True, chunksizes=(1, 3, 4), fill_value=-999.0)
        v.units = "K"
        v.valid_range = np.array([150, 350], dtype="f4")
        v[:] = 270 + np.arange(4 * 6 * 8, dtype="f4").reshape(4, 6, 8) / 10
        v[1, 0, 0] = np.ma.masked
        b = d.createVariable("bounds", "f8", ("lat", "nv"))
        b[:] = np.arange(12, dtype="f8").reshape(6, 2)
        i = d.createVariable("counts", "i2", ("lat", "lon"), fill_value=-1)
        i[:2, :] = 3  # the rest keeps the fill value
        s = d.createVariable("name", str, ("lat",))
        for k in range(6):
            s[k] = f"row{k}"
        g = d.createGroup("sub")
        g.createDimension("level", 3)
        lv = g.createVariable("level", "i4", ("level",))
        lv[:] = [1000, 850, 500]
        gv = g.createVariable("z", "f4", ("level", "lat"))
        gv[:] = np.arange(18, dtype="f4").reshape(3, 6)
        gv.long_name = "geopotential"


def build_bench(path, nchunks, libver, chunk=4):
    """One 1-D int16 dataset of `nchunks` allocated chunks of `chunk` values
    (tiny chunks: the cost measured is the chunk index, not the data)."""
    n = nchunks * chunk
    with h5py.File(path, "w", libver=libver) as f:
        f.create_dataset("data", data=np.arange(n, dtype="i2"), chunks=(chunk,))
