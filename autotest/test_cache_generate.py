"""`gdal_kerchunk generate` over many sources: --cache, --force, --from-file,
-j N, GDAL's progress bar and the summary line."""
import os
import pathlib
import subprocess

import eccodes
import netCDF4
import numpy as np
import pytest

from conftest import KERCHUNK_CLI

from osgeo import gdal  # noqa: E402  (after conftest: GDAL_DRIVER_PATH)

GRIB_SAMPLE = pathlib.Path("/usr/share/eccodes/samples/regular_ll_sfc_grib2.tmpl")
PROGRESS = "0...10...20...30...40...50...60...70...80...90...100 - done."


def write_netcdf(path, fmt, seed):
    data = np.random.default_rng(seed).standard_normal((20, 30)).astype("f4")
    with netCDF4.Dataset(path, "w", format=fmt) as ds:
        ds.createDimension("y", 20)
        ds.createDimension("x", 30)
        kw = {"chunksizes": (10, 10), "zlib": True} if fmt == "NETCDF4" else {}
        ds.createVariable("t", "f4", ("y", "x"), **kw)[:] = data
    with netCDF4.Dataset(path) as ds:
        return np.asarray(ds["t"][:].data)


def write_grib(path):
    with open(GRIB_SAMPLE, "rb") as f:
        h = eccodes.codes_grib_new_from_file(f)
    with open(path, "wb") as out:
        eccodes.codes_write(h, out)
    eccodes.codes_release(h)


@pytest.fixture
def sources(tmp_path):
    values = {}
    paths = []
    for i, fmt in enumerate(["NETCDF4", "NETCDF4", "NETCDF3_CLASSIC"]):
        path = tmp_path / f"s{i}.nc"
        values[path] = write_netcdf(path, fmt, i)
        paths.append(path)
    grib = tmp_path / "g.grib2"
    write_grib(grib)
    paths.append(grib)
    return paths, values


def run(args, cache, **kwargs):
    env = dict(os.environ, KERCHUNK_CACHE_DIR=str(cache), **kwargs.pop("env", {}))
    return subprocess.run([str(KERCHUNK_CLI), "generate"] + [str(a) for a in args],
                          env=env, capture_output=True, text=True, timeout=300, **kwargs)


def test_cache_many_sources_in_parallel(tmp_path, sources):
    paths, values = sources
    cache = tmp_path / "cache"
    out = run(["--cache", "-j", "2"] + paths, cache)
    assert out.returncode == 0, out.stderr
    assert PROGRESS in out.stdout
    summary = out.stdout.strip().splitlines()[-1]
    assert summary.startswith("4 sources: 4 generated, 0 up to date in the cache, 0 failed; ")
    assert len([p for p in cache.iterdir() if p.name.endswith(".meta.json")]) == 4

    # The driver now finds them: no generation on open, values as netCDF4's.
    log = tmp_path / "open.log"
    code = ("import sys, numpy as np\nfrom osgeo import gdal\n"
            "ds = gdal.OpenEx('KERCHUNK:' + sys.argv[1], gdal.OF_MULTIDIM_RASTER)\n"
            "np.save(sys.argv[2], ds.GetRootGroup().OpenMDArray('t').ReadAsArray())\n")
    env = dict(os.environ, KERCHUNK_CACHE_DIR=str(cache), CPL_DEBUG="ON", CPL_LOG=str(log))
    for path in values:
        subprocess.run(["/usr/bin/python3", "-c", code, str(path), str(tmp_path / "v.npy")],
                       env=env, check=True)
        assert np.load(tmp_path / "v.npy").tobytes() == values[path].tobytes()
    assert "generating references" not in log.read_text()

    out = run(["--cache"] + paths, cache)
    assert out.stdout.strip().splitlines()[-1].startswith(
        "4 sources: 0 generated, 4 up to date in the cache, 0 failed; ")
    out = run(["--cache", "--force", "-q"] + paths, cache)
    assert out.returncode == 0 and out.stdout == ""
    out = run(["--cache", "--force"] + paths[:2], cache)
    assert out.stdout.strip().splitlines()[-1].startswith(
        "2 sources: 2 generated, 0 up to date in the cache, 0 failed; ")


def test_from_file_with_a_bad_source(tmp_path, sources):
    paths, _ = sources
    bad = tmp_path / "notes.txt"
    bad.write_text("not a data file\n")
    listing = tmp_path / "list.txt"
    listing.write_text("# sources\n\n" + "\n".join(str(p) for p in paths[:2]) +
                       f"\n  {bad}  \n")
    cache = tmp_path / "cache"
    out = run(["--cache", "--from-file", listing], cache)
    assert out.returncode == 1
    assert (f"gdal_kerchunk: {bad}: {bad}: not a NetCDF-4/HDF5, NetCDF-3 or GRIB file "
            "(unknown magic bytes)") in out.stderr
    assert out.stdout.strip().splitlines()[-1].startswith(
        "3 sources: 2 generated, 0 up to date in the cache, 1 failed; ")


def test_many_sources_into_a_folder(tmp_path, sources):
    paths, values = sources
    folder = tmp_path / "refs"
    folder.mkdir()
    out = run(["-o", folder, "-j", "3"] + paths, tmp_path / "unused-cache")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1].startswith("4 sources: 4 generated, 0 failed; ")
    assert not (tmp_path / "unused-cache").exists()
    for path, expected in values.items():
        refs = folder / (path.name + ".json")
        ds = gdal.OpenEx(f"KERCHUNK:{refs}", gdal.OF_MULTIDIM_RASTER)
        assert ds.GetRootGroup().OpenMDArray("t").ReadAsArray().tobytes() == expected.tobytes()
    assert (folder / "g.grib2.json").exists()


@pytest.mark.parametrize("args,message", [
    (["--cache", "-o", "x.json", "SRC"], "--cache and -o cannot be used together"),
    (["--force", "-o", "x.json", "SRC"], "--force only applies with --cache"),
    (["--cache", "-j", "0", "SRC"], "-j expects a number of jobs from 1 to 256, not '0'"),
    (["-o", "NOFOLDER", "SRC", "SRC2"],
     "with several sources, -o must be an existing folder (or use --cache)"),
    (["--cache", "--var", "t", "SRC"],
     "--cache stores the references the driver uses: --var, --inline-threshold, "
     "--strict, --templates and --relative cannot be used with it"),
    (["--cache", "--from-file", "NOLIST"], "--from-file: cannot open NOLIST"),
])
def test_bad_arguments(tmp_path, sources, args, message):
    paths, _ = sources
    args = [str(paths[0]) if a == "SRC" else str(paths[1]) if a == "SRC2"
            else str(tmp_path / "missing") if a == "NOFOLDER" else a for a in args]
    out = run(args, tmp_path / "cache", cwd=tmp_path)
    assert out.returncode == 1
    assert message in out.stderr
