"""gdal_kerchunk combine along several existing dimensions at once (kerchunk's
MultiZarrToZarr concat_dims=[...]): forecast files, one per reference time
and block of steps, placed on a grid by their coordinate values; values
compared bit for bit with netCDF4 reading each file."""
import datetime
import json
import shutil
import zlib

import netCDF4
import numpy as np
import pytest
from osgeo import gdal

from kerchunk_cli import generate
from test_combine import combine, read_md, refuse

START = datetime.date(2021, 1, 1)
RUNS = 3          # forecast reference times, one day apart
STEP_BLOCKS = 2   # files per run, each with STEPS steps
STEPS = 2


def write_forecast(path, run, block, steps=STEPS, step_chunk=1):
    day = START + datetime.timedelta(days=run)
    rng = np.random.default_rng(run * 10 + block)
    with netCDF4.Dataset(path, "w", format="NETCDF4_CLASSIC") as ds:
        ds.createDimension("time", None)
        ds.createDimension("step", steps)
        ds.createDimension("lat", 3)
        ds.createDimension("lon", 4)
        t = ds.createVariable("time", "f8", ("time",))
        t.units = f"hours since {day.isoformat()} 00:00:00"  # a different unit per run
        t.calendar = "standard"
        t[:] = [0]
        s = ds.createVariable("step", "i4", ("step",))
        s.units = "hours"
        s[:] = (np.arange(steps) + block * steps) * 6
        ds.createVariable("lat", "f4", ("lat",))[:] = [50, 45, 40]
        ds.createVariable("lon", "f4", ("lon",))[:] = [0, 2, 4, 6]
        v = ds.createVariable("t2m", "f4", ("time", "step", "lat", "lon"), zlib=True,
                              chunksizes=(1, step_chunk, 3, 4))
        v[:] = rng.standard_normal((1, steps, 3, 4)).astype("f4")
        # The analysis of the run: the same in every file of one run.
        a = ds.createVariable("analysis", "f4", ("time", "lat", "lon"), zlib=True)
        a[:] = np.random.default_rng(run).standard_normal((1, 3, 4)).astype("f4")


@pytest.fixture(scope="module")
def forecasts(tmp_path_factory):
    folder = tmp_path_factory.mktemp("forecasts")
    files = {}
    for run in range(RUNS):
        for block in range(STEP_BLOCKS):
            files[run, block] = folder / f"fc_{run}_{block}.nc"
            write_forecast(files[run, block], run, block)
    return folder, files


def native(path, name):
    with netCDF4.Dataset(path) as ds:
        ds.set_auto_maskandscale(False)
        return np.asarray(ds[name][:])


def expected_t2m(files):
    out = np.empty((RUNS, STEP_BLOCKS * STEPS, 3, 4), dtype="f4")
    for (run, block), path in files.items():
        out[run, block * STEPS:(block + 1) * STEPS] = native(path, "t2m")[0]
    return out


def expected_analysis(files):
    return np.stack([native(files[run, 0], "analysis")[0] for run in range(RUNS)])


def assert_grid_values(name, files):
    assert read_md(name, "t2m").tobytes() == expected_t2m(files).tobytes()
    assert read_md(name, "analysis").tobytes() == expected_analysis(files).tobytes()
    assert read_md(name, "time").tolist() == [0.0, 24.0, 48.0]
    assert read_md(name, "step").tolist() == [0, 6, 12, 18]
    assert read_md(name, "lat").tobytes() == native(files[0, 0], "lat").tobytes()


def test_grid_of_runs_and_steps(forecasts, tmp_path):
    folder, files = forecasts
    out = tmp_path / "grid.json"
    # Given in no particular order: placed by their coordinate values.
    shuffled = [files[k] for k in sorted(files, key=lambda k: (k[1], -k[0]))]
    r = combine(*shuffled, "-o", out, "--concat-dim", "time", "--concat-dim", "step")
    chunks = RUNS * STEP_BLOCKS * STEPS + RUNS + 2  # t2m, analysis, lat, lon
    assert f"{out}: 6 inputs (6 generated), 6 arrays, {chunks} chunks, 3 along time, " \
        "4 along step" in r.stdout
    assert "note: time units differ between inputs: values converted to " \
        "'hours since 2021-01-01 00:00:00' (float64)" in r.stdout
    refs = json.load(open(out))["refs"]
    assert json.loads(refs["t2m/.zarray"])["shape"] == [3, 4, 3, 4]
    assert json.loads(refs["t2m/.zattrs"])["_ARRAY_DIMENSIONS"] == ["time", "step", "lat", "lon"]
    assert json.loads(refs["analysis/.zarray"])["shape"] == [3, 3, 4]
    # One chunk per run and step: 3 x 4 keys, nothing beyond the grid.
    assert sorted(k for k in refs if k.startswith("t2m/") and "/." not in k) == sorted(
        f"t2m/{r}.{s}.0.0" for r in range(3) for s in range(4))
    assert_grid_values(f"KERCHUNK:{out}", files)



def test_grid_to_parquet_from_references(forecasts, tmp_path, duckdb):
    """References files as inputs (nothing inlined, so every chunk is a
    path/offset/size row), combined straight to Parquet."""
    folder, files = forecasts
    inputs = []
    for (run, block), path in files.items():
        refs = tmp_path / f"{path.stem}.json"
        generate(path, refs, "--inline-threshold", "0")
        inputs.append(refs)
    parquet = tmp_path / "grid.parq"
    combine(*inputs, "-o", parquet, "--concat-dim", "time", "--concat-dim", "step",
            "-of", "parquet", "--record-size", "5", "-q")
    assert_grid_values(f"KERCHUNK:{parquet}", files)
    # t2m: 12 chunks in records of 5; chunk 11 (run 2, step 18) is row 1 of
    # refs.2.parq and points into fc_2_1.nc.
    assert sorted(p.name for p in (parquet / "t2m").iterdir()) == [
        "refs.0.parq", "refs.1.parq", "refs.2.parq"]
    rows = duckdb(f"SELECT path, \"offset\", \"size\", raw FROM read_parquet('{parquet}/t2m/refs.2.parq')")
    assert len(rows) == 2 and rows[1]["path"] == str(files[2, 1]) and rows[1]["raw"] is None
    with open(files[2, 1], "rb") as f:
        f.seek(int(rows[1]["offset"]))
        stored = f.read(int(rows[1]["size"]))
    # netCDF4's zlib=True: HDF5 shuffle (bytes grouped by significance), then deflate.
    unshuffled = np.frombuffer(zlib.decompress(stored), "u1").reshape(4, -1).T.tobytes()
    assert unshuffled == native(files[2, 1], "t2m")[0, 1].tobytes()


def test_grid_readable_by_fsspec_zarr(forecasts, tmp_path):
    fsspec = pytest.importorskip("fsspec")
    zarr = pytest.importorskip("zarr")
    folder, files = forecasts
    out = tmp_path / "grid.json"
    combine(*files.values(), "-o", out, "--concat-dim", "step", "--concat-dim", "time", "-q")
    group = zarr.open_group(fsspec.filesystem("reference", fo=str(out)).get_mapper(""), mode="r")
    assert group["t2m"][:].tobytes() == expected_t2m(files).tobytes()
    assert group["analysis"][:].tobytes() == expected_analysis(files).tobytes()
    assert group["time"][:].tolist() == [0.0, 24.0, 48.0]
    assert group["step"][:].tolist() == [0, 6, 12, 18]


def test_grid_refusals_name_the_files(forecasts, tmp_path):
    folder, files = forecasts
    grid = ("--concat-dim", "time", "--concat-dim", "step")
    missing = [f for k, f in files.items() if k != (1, 1)]
    error = refuse(tmp_path, *missing, extra=grid)
    assert f"no input for time 2021-01-02T00:00:00 (as in {files[1, 0]}), step 12 to 18 " \
        f"(as in {files[0, 1]}): the inputs form a 3 x 2 grid along time, step and each cell " \
        "needs exactly one input" in error

    copy = tmp_path / "copy.nc"
    shutil.copy(files[0, 0], copy)
    error = refuse(tmp_path, *files.values(), copy, extra=grid)
    assert f"{files[0, 0]} and {copy} both hold time 2021-01-01T00:00:00, step 0 to 6 " \
        "(duplicate inputs)" in error

    # Three steps in chunks of two: the first block ends with a partial chunk.
    odd = {(run, block): tmp_path / f"odd_{run}_{block}.nc"
           for run in range(2) for block in range(2)}
    for (run, block), path in odd.items():
        write_forecast(path, run, block, steps=3, step_chunk=2)
    error = refuse(tmp_path, *odd.values(), extra=grid)
    assert f"{odd[0, 0]}: array t2m ends with a partial chunk along step (3 values, " \
        "chunks of 2)" in error

    assert "combine needs --concat-dim DIM (one or more) or --new-dim NAME, not both" in refuse(
        tmp_path, files[0, 0], files[0, 1], extra=grid + ("--new-dim", "member"))

    overlapping = tmp_path / "overlap.nc"
    write_forecast(overlapping, 0, 0, steps=3)  # steps 0, 6, 12
    error = refuse(tmp_path, files[0, 0], files[0, 1], overlapping, extra=grid)
    assert "the values of step overlap between" in error and str(overlapping) in error


def test_multi_file_open_with_two_concat_dims(forecasts, tmp_path, config_options):
    folder, files = forecasts
    config_options(KERCHUNK_CACHE_DIR=str(tmp_path / "cache"),
                   KERCHUNK_GENERATION_ISOLATION="IN_PROCESS")
    name = f'KERCHUNK:"{folder}/fc_*.nc"'
    ds = gdal.OpenEx(name, gdal.OF_MULTIDIM_RASTER, open_options=["CONCAT_DIM=time,step"])
    t2m = ds.GetRootGroup().OpenMDArray("t2m")
    assert [d.GetName() for d in t2m.GetDimensions()] == ["time", "step", "lat", "lon"]
    assert t2m.ReadAsArray().tobytes() == expected_t2m(files).tobytes()
