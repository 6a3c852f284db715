"""KERCHUNK:<source>: a NetCDF-4, NetCDF-3 or GRIB file opened directly, its
references made on first open and taken from the cache afterwards.

What is read through the lazy open must equal the native library's values (and
what `gdal_kerchunk generate` + KERCHUNK:<references> gives); the fallback to
GDAL's own driver says why references could not be made.
"""
import pathlib
import shutil
import subprocess

import eccodes
import netCDF4
import numpy as np
import pytest

from conftest import KERCHUNK_CLI

from osgeo import gdal  # noqa: E402  (after conftest: GDAL_DRIVER_PATH)

GRIB_SAMPLE = pathlib.Path("/usr/share/eccodes/samples/regular_ll_sfc_grib2.tmpl")


@pytest.fixture
def cache(tmp_path, config_options):
    directory = tmp_path / "cache"
    config_options(KERCHUNK_CACHE_DIR=str(directory))
    return directory


def write_netcdf(path, fmt, seed=0):
    rng = np.random.default_rng(seed)
    t = rng.standard_normal((30, 40)).astype("f4")
    q = rng.integers(-1000, 1000, (30, 40)).astype("i2")
    with netCDF4.Dataset(path, "w", format=fmt) as ds:
        ds.createDimension("y", 30)
        ds.createDimension("x", 40)
        kw = {"chunksizes": (10, 10), "zlib": True, "shuffle": False} if fmt == "NETCDF4" else {}
        ds.createVariable("t", "f4", ("y", "x"), **kw)[:] = t
        ds.createVariable("q", "i2", ("y", "x"), **kw)[:] = q
    with netCDF4.Dataset(path) as ds:
        ds.set_auto_maskandscale(False)
        return {name: np.asarray(ds[name][:]) for name in ("t", "q")}


def write_grib(path):
    """Two GRIB2 messages from eccodes' sample with known values; returns the
    values eccodes decodes back."""
    rng = np.random.default_rng(7)
    decoded = []
    with open(GRIB_SAMPLE, "rb") as f:
        sample = eccodes.codes_grib_new_from_file(f)
    with open(path, "wb") as out:
        for level, name in ((2, "2t"), (10, "10u")):
            h = eccodes.codes_clone(sample)
            eccodes.codes_set(h, "shortName", name)
            n = eccodes.codes_get(h, "numberOfValues")
            eccodes.codes_set_values(h, 250 + 20 * rng.random(n))
            eccodes.codes_write(h, out)
            decoded.append(eccodes.codes_get_values(h))
            eccodes.codes_release(h)
    eccodes.codes_release(sample)
    return decoded


def all_arrays(name):
    """{full name: values} of every array, through the multidimensional API."""
    ds = gdal.OpenEx(name, gdal.OF_MULTIDIM_RASTER)
    out = {}

    def walk(group):
        for array_name in group.GetMDArrayNames() or []:
            array = group.OpenMDArray(array_name)
            out[array.GetFullName()] = array.ReadAsArray()
        for sub in group.GetGroupNames() or []:
            walk(group.OpenGroup(sub))

    walk(ds.GetRootGroup())
    return out


def same_bits(a, b):
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and a.dtype == b.dtype and a.tobytes() == b.tobytes()


@pytest.mark.parametrize("fmt", ["NETCDF4", "NETCDF3_CLASSIC"])
def test_netcdf_source_equals_native_and_generated(tmp_path, cache, fmt):
    src = tmp_path / "s.nc"
    native = write_netcdf(src, fmt)
    lazy = all_arrays(f"KERCHUNK:{src}")
    for name, values in native.items():
        assert same_bits(lazy["/" + name], values), name
    refs = tmp_path / "s.json"
    subprocess.run([str(KERCHUNK_CLI), "generate", str(src), "-o", str(refs), "-q"], check=True)
    explicit = all_arrays(f"KERCHUNK:{refs}")
    assert lazy.keys() == explicit.keys()
    for name in lazy:
        assert same_bits(lazy[name], explicit[name]), name
    # The second open comes from the cache entry made by the first.
    entries = [p for p in cache.iterdir() if p.name.endswith(".meta.json")]
    assert len(entries) == 1


def test_grib_source_equals_eccodes(tmp_path, cache):
    src = tmp_path / "two.grib2"
    decoded = write_grib(src)
    refs = tmp_path / "two.json"
    subprocess.run([str(KERCHUNK_CLI), "generate", str(src), "-o", str(refs), "-q"], check=True)
    lazy = all_arrays(f"KERCHUNK:{src}")
    explicit = all_arrays(f"KERCHUNK:{refs}")
    assert lazy.keys() == explicit.keys()
    for name in lazy:
        assert same_bits(lazy[name], explicit[name]), name
    # Each message's field is there, with eccodes' values (as float32 or
    # float64, whichever the generator declared), in some array.
    flat = [np.asarray(v).ravel() for v in lazy.values()]
    for values in decoded:
        assert any(f.size == values.size and np.array_equal(f.astype("f8"),
                                                             values.astype(f.dtype).astype("f8"))
                   for f in flat)


def test_array_syntax_and_subdatasets(tmp_path, cache):
    src = tmp_path / "two.nc"
    native = write_netcdf(src, "NETCDF4", seed=3)
    # The classic view is laid out as GDAL's netCDF driver lays it out
    # (north up: rows flipped when there are no coordinates).
    ds = gdal.Open(f'KERCHUNK:"{src}":q')
    # (python3-gdal 3.6: keep the dataset referenced while using its band)
    native_ds = gdal.Open(f'NETCDF:"{src}":q')
    reference = native_ds.GetRasterBand(1).ReadAsArray()
    assert same_bits(reference[::-1], native["q"])
    assert same_bits(ds.GetRasterBand(1).ReadAsArray(), reference)
    ds = gdal.Open(f"KERCHUNK:{src}")
    subdatasets = ds.GetMetadata("SUBDATASETS")
    names = sorted(v for k, v in subdatasets.items() if k.endswith("_NAME"))
    assert len(names) == 2
    # Subdataset names point at the source, not at the cache entry.
    for name in names:
        assert name.startswith(f'KERCHUNK:"{src}":'), name
        var = name.rsplit(":", 1)[1].lstrip("/")
        sub = gdal.Open(name)
        assert same_bits(sub.GetRasterBand(1).ReadAsArray()[::-1], native[var])


def test_timeout_falls_back_to_native_driver_with_warning(tmp_path, cache, config_options,
                                                          gdal_errors):
    src = tmp_path / "slow.nc"
    native = write_netcdf(src, "NETCDF4", seed=4)
    config_options(KERCHUNK_GENERATION_TIMEOUT="0.000001")
    ds = gdal.Open(f'KERCHUNK:"{src}":t')
    assert ds.GetDriver().ShortName == "netCDF"
    assert same_bits(ds.GetRasterBand(1).ReadAsArray()[::-1], native["t"])
    assert (f"generation of references for {src} timed out "
            f"(KERCHUNK_GENERATION_TIMEOUT=1e-06 s)") in gdal_errors.text
    assert "opening it with GDAL's own driver instead" in gdal_errors.text
    # Nothing was cached.
    assert not cache.exists() or not any(p.name.endswith(".meta.json") for p in cache.iterdir())


def test_timeout_with_fallback_no_is_an_error(tmp_path, cache, config_options, gdal_errors):
    src = tmp_path / "slow.nc"
    write_netcdf(src, "NETCDF4", seed=5)
    config_options(KERCHUNK_GENERATION_TIMEOUT="0.000001", KERCHUNK_FALLBACK="NO")
    with pytest.raises(RuntimeError):
        gdal.Open(f"KERCHUNK:{src}")
    assert (f"{src}: cannot make kerchunk references: generation of references for {src} "
            f"timed out (KERCHUNK_GENERATION_TIMEOUT=1e-06 s) (KERCHUNK_FALLBACK=NO)"
            ) in gdal_errors.text


def test_generation_logs_one_debug_line_per_generation(tmp_path, cache):
    src = tmp_path / "d.nc"
    write_netcdf(src, "NETCDF3_CLASSIC", seed=6)
    log = tmp_path / "debug.log"
    code = ("from osgeo import gdal\n"
            "import sys\n"
            "for _ in range(3):\n"
            "    gdal.OpenEx('KERCHUNK:' + sys.argv[1], gdal.OF_MULTIDIM_RASTER)\n")
    env = dict(__import__("os").environ, CPL_DEBUG="ON", CPL_LOG=str(log),
               KERCHUNK_CACHE_DIR=str(cache))
    subprocess.run(["/usr/bin/python3", "-c", code, str(src)], env=env, check=True)
    lines = [l for l in log.read_text().splitlines() if "generating references" in l]
    assert lines == [f"KERCHUNK: generating references for {src}"]
