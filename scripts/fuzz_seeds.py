#!/usr/bin/python3
"""Seed corpora for the libFuzzer harnesses (tests/fuzz/), derived at run
time from ../shared/corpus (when present) and tests/data, into OUT/<harness>/.
Nothing here is committed: only the small hand-made seeds of
tests/fuzz/seeds/ are, and they are copied too.

usage: fuzz_seeds.py OUT_DIR [SHARED_CORPUS_DIR]
"""
import hashlib
import os
import shutil
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MAX_SEED = 64 * 1024  # larger seeds only slow the fuzzer down

# fuzz_codecs: byte 0 selects the codec, as in tests/fuzz/fuzz_codecs.cpp.
CODEC_INDEX = {"shuffle": 0, "fletcher32": 1, "bz2": 6, "lzf": 7,
               "hdf5_lz4": 8, "szip": 9, "grib": 5,
               "chain_fletcher32_shuffle": 12,
               "chain_zlib_fletcher32_shuffle": 13}
# HDF5 filter ids (H5Zpublic.h and the registered plugin ids).
H5Z_DEFLATE, H5Z_SHUFFLE, H5Z_FLETCHER32, H5Z_SZIP = 1, 2, 3, 4
H5Z_LZF, H5Z_LZ4 = 32000, 32004


def save(out, harness, data):
    folder = os.path.join(out, harness)
    os.makedirs(folder, exist_ok=True)
    name = hashlib.sha1(data).hexdigest()
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


def small_files(folder, exts=None):
    for root, _, files in os.walk(folder):
        for name in sorted(files):
            path = os.path.join(root, name)
            if exts and not name.endswith(exts):
                continue
            yield path


def codec_seed(index, capacity, payload, options=b""):
    """The harness's input layout: codec, capacity, option bytes, chunk."""
    shift = 0
    while (capacity >> shift) > 0xFFFF and shift < 4:
        shift += 1
    cap = min(capacity >> shift, 0xFFFF)
    return (bytes([index, cap & 0xFF, cap >> 8, shift, len(options)]) +
            options + payload)


def hdf5_codec_seeds(out, paths):
    try:
        import h5py
    except ImportError:
        return

    def visit(dset):
        if not isinstance(dset, h5py.Dataset) or dset.chunks is None:
            return
        plist = dset.id.get_create_plist()
        filters = [plist.get_filter(i)[0] for i in range(plist.get_nfilters())]
        if dset.id.get_num_chunks() == 0:
            return
        offset = dset.id.get_chunk_info(0).chunk_offset
        _, chunk = dset.id.read_direct_chunk(offset)
        raw = int(dset.dtype.itemsize)
        for n in dset.chunks:
            raw *= n
        chain = {(H5Z_LZF,): "lzf", (H5Z_LZ4,): "hdf5_lz4", (H5Z_SZIP,): "szip",
                 (H5Z_SHUFFLE,): "shuffle",
                 (H5Z_SHUFFLE, H5Z_FLETCHER32): "chain_fletcher32_shuffle",
                 (H5Z_SHUFFLE, H5Z_DEFLATE, H5Z_FLETCHER32):
                     "chain_zlib_fletcher32_shuffle"}.get(tuple(filters))
        if chain and len(chunk) <= MAX_SEED:
            save(out, "fuzz_codecs", codec_seed(CODEC_INDEX[chain], raw, chunk))

    for path in paths:
        try:
            with h5py.File(path, "r") as f:
                f.visititems(lambda _, obj: visit(obj))
        except Exception:  # corpus files h5py cannot open are skipped
            continue


HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"


def hdf5_file_seeds(out, paths):
    """fuzz_hdf5: whole HDF5 / NetCDF-4 files small enough to mutate (the
    superblock may also sit at 512, 1024, ... bytes: a user block)."""
    for path in paths:
        if os.path.getsize(path) > MAX_SEED:
            continue
        with open(path, "rb") as f:
            data = f.read()
        if any(data[o:o + 8] == HDF5_SIGNATURE for o in (0, 512, 1024, 2048)):
            save(out, "fuzz_hdf5", data)


def numcodecs_seeds(out):
    try:
        import numcodecs
        import numpy as np
    except ImportError:
        return
    data = (np.arange(4096, dtype="<f4") * 0.37).tobytes()
    save(out, "fuzz_codecs",
         codec_seed(CODEC_INDEX["bz2"], len(data), numcodecs.BZ2().encode(data)))
    save(out, "fuzz_codecs",
         codec_seed(CODEC_INDEX["shuffle"], len(data),
                    bytes(numcodecs.Shuffle(elementsize=4).encode(data))))


def main():
    out = sys.argv[1]
    shared = sys.argv[2] if len(sys.argv) > 2 else os.path.join(
        REPO, "..", "shared", "corpus")
    seeds = os.path.join(REPO, "tests", "fuzz", "seeds")
    if os.path.isdir(seeds):
        for harness in os.listdir(seeds):
            for path in small_files(os.path.join(seeds, harness)):
                with open(path, "rb") as f:
                    save(out, harness, f.read())
    data = os.path.join(REPO, "tests", "data")
    for folder in (os.path.join(shared, "netcdf3"), os.path.join(data, "corpus")):
        for path in small_files(folder, (".nc",)):
            with open(path, "rb") as f:
                save(out, "fuzz_netcdf3_header", f.read(MAX_SEED))
    grib_paths = list(small_files(os.path.join(shared, "grib1"))) + \
        list(small_files(os.path.join(shared, "grib2"))) + \
        list(small_files(os.path.join(data, "grib")))
    for path in grib_paths:
        if path.endswith(".aux.xml"):
            continue
        with open(path, "rb") as f:
            head = f.read(MAX_SEED)
        save(out, "fuzz_grib", head)
        if os.path.getsize(path) <= 16 * 1024 and head[:4] == b"GRIB":
            save(out, "fuzz_codecs",
                 codec_seed(CODEC_INDEX["grib"], 4 * 65536, head))
    # A few references files per source (a GRIB file has one per message,
    # all alike): loading 1600 seeds would take a minute of the run.
    per_folder = {}
    for path in small_files(os.path.join(shared, "refs"), (".json",)):
        folder = os.path.dirname(path)
        per_folder[folder] = per_folder.get(folder, 0) + 1
        if os.path.getsize(path) <= MAX_SEED and per_folder[folder] <= 3:
            with open(path, "rb") as f:
                save(out, "fuzz_refs_json", f.read())
    hdf5_codec_seeds(out, list(small_files(os.path.join(data, "codecs"))) +
                     list(small_files(os.path.join(shared, "hdf5"))) +
                     list(small_files(os.path.join(shared, "netcdf4"))))
    hdf5_file_seeds(out, list(small_files(os.path.join(shared, "hdf5"))) +
                    list(small_files(os.path.join(shared, "netcdf4"))) +
                    list(small_files(data)))
    numcodecs_seeds(out)
    for harness in sorted(os.listdir(out)):
        print("seeds: %-22s %d" % (harness, len(os.listdir(os.path.join(out, harness)))))


if __name__ == "__main__":
    main()
