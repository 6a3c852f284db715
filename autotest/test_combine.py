"""gdal_kerchunk combine and the lazy multi-file open (issue 10, items 1 and 2):
365 daily NetCDF-4 files with CF time coordinates in a different unit each
("hours since <that day>"), combined, read through the plugin and compared bit
for bit with netCDF4's MFDataset/MFTime on the same files."""
import datetime
import json
import os
import shutil
import subprocess

import netCDF4
import numpy as np
import pytest
from osgeo import gdal

from conftest import KERCHUNK_CLI

DAYS = 365
START = datetime.date(2021, 1, 1)


def write_day(path, day, chunk_time=1, steps=2, lat=4, lon=5, seed=None):
    rng = np.random.default_rng(day.toordinal() if seed is None else seed)
    with netCDF4.Dataset(path, "w", format="NETCDF4_CLASSIC") as ds:
        ds.createDimension("time", None)
        ds.createDimension("lat", lat)
        ds.createDimension("lon", lon)
        t = ds.createVariable("time", "f8", ("time",))
        t.units = f"hours since {day.isoformat()} 00:00:00"
        t.calendar = "standard"
        t[:] = np.arange(steps) * (24 // steps)
        ds.createVariable("lat", "f4", ("lat",))[:] = np.linspace(50, 40, lat)
        ds.createVariable("lon", "f4", ("lon",))[:] = np.linspace(0, 8, lon)
        v = ds.createVariable("t2m", "f4", ("time", "lat", "lon"), zlib=True,
                              chunksizes=(chunk_time, lat, lon))
        v[:] = rng.standard_normal((steps, lat, lon)).astype("f4")


def combine(*args, check=True):
    r = subprocess.run([str(KERCHUNK_CLI), "combine", *[str(a) for a in args]],
                       capture_output=True, text=True, timeout=900)
    if check:
        assert r.returncode == 0, r.stderr
    return r


@pytest.fixture(scope="module")
def year(tmp_path_factory):
    folder = tmp_path_factory.mktemp("year")
    files = []
    for i in range(DAYS):
        day = START + datetime.timedelta(days=i)
        path = folder / f"t2m_{day:%Y%m%d}.nc"
        write_day(path, day)
        files.append(path)
    return folder, files


def read_md(name, array):
    ds = gdal.OpenEx(name, gdal.OF_MULTIDIM_RASTER)
    return ds.GetRootGroup().OpenMDArray(array).ReadAsArray()


def test_year_equals_mfdataset(year, tmp_path):
    folder, files = year
    out = tmp_path / "year.json"
    # Listed in reverse: the inputs are ordered by their time values.
    listing = tmp_path / "inputs.txt"
    listing.write_text("\n".join(str(f) for f in reversed(files)) + "\n")
    r = combine("--from-file", listing, "-o", out, "--concat-dim", "time", "-j", "2")
    assert f"{out}: 365 inputs (365 generated), 4 arrays, {DAYS * 2 + 2} chunks, 730 along time" \
        in r.stdout
    assert "converted to 'hours since 2021-01-01 00:00:00'" in r.stdout

    with netCDF4.MFDataset([str(f) for f in files], aggdim="time") as mf:
        mf.set_auto_maskandscale(False)
        expected = np.asarray(mf["t2m"][:])
        expected_time = np.asarray(netCDF4.MFTime(mf["time"])[:])
        expected_lat = np.asarray(mf["lat"][:])
    got = read_md(f"KERCHUNK:{out}", "t2m")
    assert got.shape == (730, 4, 5)
    assert got.dtype == expected.dtype and got.tobytes() == expected.tobytes()
    got_time = read_md(f"KERCHUNK:{out}", "time")
    assert got_time.tobytes() == expected_time.astype("<f8").tobytes()
    assert read_md(f"KERCHUNK:{out}", "lat").tobytes() == expected_lat.tobytes()
    refs = json.load(open(out))["refs"]
    assert json.loads(refs["time/.zattrs"])["units"] == "hours since 2021-01-01 00:00:00"

    # The classic view: one band per time step.
    ds = gdal.Open(f'KERCHUNK:"{out}":t2m')
    assert ds.RasterCount == 730
    # Latitudes decrease: rows are already north-up, nothing flipped.
    assert ds.GetRasterBand(730).ReadAsArray().tobytes() == expected[729].tobytes()


def test_year_readable_by_fsspec_zarr(year, tmp_path):
    fsspec = pytest.importorskip("fsspec")
    zarr = pytest.importorskip("zarr")
    folder, files = year
    out = tmp_path / "year.json"
    combine(*files, "-o", out, "--concat-dim", "time", "-q")
    mapper = fsspec.filesystem("reference", fo=str(out)).get_mapper("")
    group = zarr.open_group(mapper, mode="r")
    with netCDF4.MFDataset([str(f) for f in files], aggdim="time") as mf:
        mf.set_auto_maskandscale(False)
        expected = np.asarray(mf["t2m"][:])
        expected_time = np.asarray(netCDF4.MFTime(mf["time"])[:])
    assert group["t2m"][:].tobytes() == expected.tobytes()
    assert group["time"][:].tobytes() == expected_time.astype("<f8").tobytes()


def test_year_decoded_by_xarray(year, tmp_path):
    """xarray on our references decodes the same datetimes as xarray on the
    files themselves (open_mfdataset needs dask, absent here: concat instead)."""
    xarray = pytest.importorskip("xarray")
    pytest.importorskip("fsspec")
    folder, files = year
    out = tmp_path / "year.json"
    combine(*files[:40], "-o", out, "--concat-dim", "time", "-q")
    ours = xarray.open_dataset("reference://", engine="zarr", backend_kwargs={
        "consolidated": False, "storage_options": {"fo": str(out)}})
    theirs = xarray.concat([xarray.open_dataset(f) for f in files[:40]], dim="time")
    assert (ours.time.values == theirs.time.values).all()
    assert ours.t2m.values.tobytes() == theirs.t2m.values.tobytes()


def mfdataset_values(files):
    with netCDF4.MFDataset([str(f) for f in files], aggdim="time") as mf:
        mf.set_auto_maskandscale(False)
        return np.asarray(mf["t2m"][:]), np.asarray(netCDF4.MFTime(mf["time"])[:])


def test_year_to_parquet_equals_mfdataset(year, tmp_path, duckdb):
    """-of parquet writes fsspec's layout directly: the plugin reads it like
    netCDF4, and DuckDB reads back the references the JSON output holds."""
    folder, files = year
    out = tmp_path / "year.parq"
    r = combine(*files, "-o", out, "--concat-dim", "time", "-of", "parquet",
                "--record-size", "100", "--compression", "snappy")
    assert f"{out}: 365 inputs (365 generated), 4 arrays, {DAYS * 2 + 2} chunks, 730 along time" \
        in r.stdout
    meta = json.loads((out / ".zmetadata").read_text())
    assert meta["record_size"] == 100
    assert meta["metadata"]["t2m/.zarray"]["shape"] == [730, 4, 5]
    # 730 chunks of t2m in records of 100.
    assert sorted(p.name for p in (out / "t2m").iterdir()) == sorted(
        f"refs.{n}.parq" for n in range(8))
    expected, expected_time = mfdataset_values(files)
    got = read_md(f"KERCHUNK:{out}", "t2m")
    assert got.shape == (730, 4, 5) and got.tobytes() == expected.tobytes()
    assert read_md(f"KERCHUNK:{out}", "time").tobytes() == expected_time.astype("<f8").tobytes()

    as_json = tmp_path / "year.json"
    combine(*files, "-o", as_json, "--concat-dim", "time", "-q")
    refs = json.load(open(as_json))["refs"]
    rows = duckdb(f"SELECT path, \"offset\", \"size\", to_base64(raw) AS raw "
                  f"FROM read_parquet('{out}/t2m/refs.7.parq')")
    assert len(rows) == 30  # chunks 700..729
    for i, row in enumerate(rows):
        want = refs[f"t2m/{700 + i}.0.0"]
        if isinstance(want, str):  # small chunks are inlined by generate
            assert row["path"] is None and "base64:" + row["raw"] == want
        else:
            assert [row["path"], int(row["offset"]), int(row["size"])] == want
            assert row["raw"] is None
    assert duckdb(f"SELECT compression FROM parquet_metadata('{out}/t2m/refs.0.parq')")[0][
        "compression"] == "SNAPPY"


def test_parquet_output_readable_by_fsspec_if_it_reads_parquet(year, tmp_path):
    """fsspec reads Parquet references from 2023.1 (LazyReferenceMapper);
    Debian 12's 2022.11 does not, and then this test is skipped."""
    fsspec = pytest.importorskip("fsspec")
    zarr = pytest.importorskip("zarr")
    reference = pytest.importorskip("fsspec.implementations.reference")
    if not hasattr(reference, "LazyReferenceMapper"):
        pytest.skip(f"fsspec {fsspec.__version__} has no Parquet references")
    folder, files = year
    out = tmp_path / "year.parq"
    combine(*files[:30], "-o", out, "--concat-dim", "time", "-of", "parquet", "-q")
    mapper = fsspec.filesystem("reference", fo=str(out)).get_mapper("")
    expected, _ = mfdataset_values(files[:30])
    assert zarr.open_group(mapper, mode="r")["t2m"][:].tobytes() == expected.tobytes()


def test_parquet_output_folder(year, tmp_path):
    folder, files = year
    # A relative output of one component (GDAL 3.6's VSIMkdirRecursive alone
    # cannot make it).
    r = subprocess.run([str(KERCHUNK_CLI), "combine", *map(str, files[:2]), "-o", "rel.parq",
                        "--concat-dim", "time", "-of", "parquet", "-q"], cwd=tmp_path,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    expected, _ = mfdataset_values(files[:2])
    assert read_md(f"KERCHUNK:{tmp_path / 'rel.parq'}", "t2m").tobytes() == expected.tobytes()

    out = tmp_path / "busy.parq"
    out.mkdir()
    (out / "keep.txt").write_text("x")
    r = combine(*files[:2], "-o", out, "--concat-dim", "time", "-of", "parquet", check=False)
    assert r.returncode == 1
    assert f"{out} already exists" in r.stderr
    assert sorted(p.name for p in out.iterdir()) == ["keep.txt"]


def test_same_units_keep_dtype_and_values(tmp_path):
    files = []
    for i in range(3):
        path = tmp_path / f"s{i}.nc"
        with netCDF4.Dataset(path, "w", format="NETCDF4_CLASSIC") as ds:
            ds.createDimension("time", None)
            ds.createDimension("x", 3)
            t = ds.createVariable("time", "i4", ("time",))
            t.units = "days since 2000-01-01"
            t[:] = [i * 2, i * 2 + 1]
            ds.createVariable("v", "i2", ("time", "x"), chunksizes=(1, 3))[:] = \
                np.arange(6, dtype="i2").reshape(2, 3) + 10 * i
        files.append(path)
    out = tmp_path / "s.json"
    r = combine(*files, "-o", out, "--concat-dim", "time", "-q")
    assert r.stdout == ""
    assert read_md(f"KERCHUNK:{out}", "time").tolist() == [0, 1, 2, 3, 4, 5]
    assert json.loads(json.load(open(out))["refs"]["time/.zarray"])["dtype"] == "<i4"
    with netCDF4.MFDataset([str(f) for f in files]) as mf:
        assert read_md(f"KERCHUNK:{out}", "v").tobytes() == np.asarray(mf["v"][:]).tobytes()


def test_new_dimension_from_file_names(tmp_path):
    files = []
    for member in (3, 1, 2):
        path = tmp_path / f"member{member}.nc"
        with netCDF4.Dataset(path, "w", format="NETCDF4_CLASSIC") as ds:
            ds.createDimension("x", 4)
            ds.createVariable("x", "f8", ("x",))[:] = np.arange(4.0)
            ds.createVariable("v", "f4", ("x",))[:] = np.arange(4.0) + member
        files.append(path)
    out = tmp_path / "members.json"
    combine(*files, "-o", out, "--new-dim", "member", "--dim-values", r"regex:member(\d+)", "-q")
    assert read_md(f"KERCHUNK:{out}", "member").tolist() == [1, 2, 3]
    got = read_md(f"KERCHUNK:{out}", "v")
    assert got.tolist() == [[m + x for x in range(4)] for m in (1, 2, 3)]
    assert read_md(f"KERCHUNK:{out}", "x").tolist() == [0, 1, 2, 3]


def refuse(tmp_path, *files, extra=("--concat-dim", "time")):
    r = combine(*files, "-o", tmp_path / "bad.json", *extra, check=False)
    assert r.returncode == 1
    assert not (tmp_path / "bad.json").exists()
    return r.stderr


def test_errors_name_arrays_and_files(tmp_path):
    a, b = tmp_path / "a.nc", tmp_path / "b.nc"
    write_day(a, START)
    write_day(b, START + datetime.timedelta(days=1))
    same = tmp_path / "a_copy.nc"
    shutil.copy(a, same)
    assert f"{a} and {same} both hold time 2021-01-01T00:00:00 to 2021-01-01T12:00:00 " \
        "(duplicate inputs)" in refuse(tmp_path, a, b, same)
    later = tmp_path / "later.nc"
    write_day(later, START, steps=3)  # 00:00, 08:00, 16:00: overlaps a
    assert f"the values of time overlap between {a} (0 to 12) and {later} (0 to 16)" \
        in refuse(tmp_path, a, later)

    other_chunks = tmp_path / "c.nc"
    write_day(other_chunks, START + datetime.timedelta(days=2), chunk_time=2)
    assert f"array t2m: chunks differ between {a} ([1,4,5]) and {other_chunks} ([2,4,5])" \
        in refuse(tmp_path, a, other_chunks)

    other_grid = tmp_path / "d.nc"
    write_day(other_grid, START + datetime.timedelta(days=3), lat=3)
    # lat is contiguous in the file: one chunk as long as the array.
    assert f"array lat: chunks differ between {a} ([4]) and {other_grid} ([3])" \
        in refuse(tmp_path, a, other_grid)

    partial, after = tmp_path / "p.nc", tmp_path / "q.nc"
    write_day(partial, START, chunk_time=2, steps=3)
    write_day(after, START + datetime.timedelta(days=1), chunk_time=2, steps=3)
    assert (f"{partial}: array t2m ends with a partial chunk along time (3 values, chunks of 2)"
            in refuse(tmp_path, after, partial))

    assert "unknown output format 'csv'" in refuse(tmp_path, a, b, extra=(
        "--concat-dim", "time", "-of", "csv"))
    assert "--record-size and --compression only apply with -of parquet" in refuse(
        tmp_path, a, b, extra=("--concat-dim", "time", "--record-size", "10"))
    assert f"{a}: no coordinate variable 'level'" in refuse(tmp_path, a, b, extra=(
        "--concat-dim", "level"))

    c = tmp_path / "noleap.nc"
    write_day(c, START + datetime.timedelta(days=5))
    with netCDF4.Dataset(c, "a") as ds:
        ds["time"].calendar = "noleap"
    assert "coordinate time: units or dtype differ between" in refuse(tmp_path, a, c)


GENERATION = "KERCHUNK: generating references for "


def open_glob_logged(pattern, log, cache):
    code = ("from osgeo import gdal\nimport sys\n"
            "ds = gdal.OpenEx('KERCHUNK:\"' + sys.argv[1] + '\"', gdal.OF_MULTIDIM_RASTER)\n"
            "a = ds.GetRootGroup().OpenMDArray('t2m')\n"
            "print(a.GetDimensions()[0].GetSize())\n")
    if log.exists():
        log.unlink()
    env = dict(os.environ, CPL_DEBUG="ON", CPL_LOG=str(log), KERCHUNK_CACHE_DIR=str(cache))
    r = subprocess.run(["/usr/bin/python3", "-c", code, str(pattern)], env=env,
                       capture_output=True, text=True, check=True)
    lines = [l for l in log.read_text().splitlines() if GENERATION in l]
    return int(r.stdout), lines


def test_lazy_glob_open_generates_only_new_files(tmp_path, config_options):
    folder = tmp_path / "days"
    folder.mkdir()
    files = [folder / f"d{i:02d}.nc" for i in range(4)]
    for i, f in enumerate(files):
        write_day(f, START + datetime.timedelta(days=i))
    cache, log = tmp_path / "cache", tmp_path / "debug.log"
    pattern = folder / "*.nc"
    length, lines = open_glob_logged(pattern, log, cache)
    assert length == 8 and len(lines) == 4
    length, lines = open_glob_logged(pattern, log, cache)
    assert length == 8 and lines == []

    new = folder / "d04.nc"
    write_day(new, START + datetime.timedelta(days=4))
    length, lines = open_glob_logged(pattern, log, cache)
    assert length == 10
    assert lines == [f"{GENERATION}{new}"]

    config_options(KERCHUNK_CACHE_DIR=str(cache))
    with netCDF4.MFDataset(sorted(str(f) for f in folder.glob("*.nc"))) as mf:
        mf.set_auto_maskandscale(False)
        expected = np.asarray(mf["t2m"][:])
    assert read_md(f'KERCHUNK:"{pattern}"', "t2m").tobytes() == expected.tobytes()
    listing = tmp_path / "days.lst"
    listing.write_text("# sources\n" + "\n".join(f"days/{f.name}" for f in
                                                 sorted(folder.glob("*.nc"))) + "\n")
    assert read_md(f"KERCHUNK:{listing}", "t2m").tobytes() == expected.tobytes()


def test_lazy_open_errors(tmp_path, gdal_errors):
    with pytest.raises(RuntimeError):
        gdal.OpenEx(f'KERCHUNK:"{tmp_path}/*.nc"', gdal.OF_MULTIDIM_RASTER)
    assert "no sources (nothing matches, or the list is empty)" in gdal_errors.text
