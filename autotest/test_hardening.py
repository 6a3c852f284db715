"""Hostile references and files through the built plugin (issue 12): each
finding of the hostile-input campaign ends in a clear error naming what is
wrong, never a crash, a hang or bytes the references may not read. Also the
gen template floats against fsspec (issue 8)."""
import json
import os
import subprocess
import sys
import textwrap

import fsspec
import numpy as np
import pytest
import zarr
from osgeo import gdal

from conftest import ROOT
from kerchunk_cli import generate

HOSTILE_GRIB = ROOT / "tests" / "data" / "hostile" / "grib2_eccodes_assert.grib2"


def write_refs(path, refs):
    path.write_text(json.dumps(refs))
    return path


def vsi_read(path):
    """Bytes of a /vsikerchunk/ key, or None when it cannot be opened."""
    f = gdal.VSIFOpenL(path, "rb")
    if f is None:
        return None
    try:
        data = b""
        while True:
            chunk = gdal.VSIFReadL(1, 65536, f)
            if not chunk:
                return data
            data += chunk
    finally:
        gdal.VSIFCloseL(f)


def read_error(path, gdal_errors):
    """(bytes read, every error message) for a /vsikerchunk/ key."""
    gdal.ErrorReset()
    try:
        data = vsi_read(path)
    except RuntimeError as e:
        data, gdal_errors.messages = b"", gdal_errors.messages + [str(e)]
    return data, gdal_errors.text


def run_python(script, timeout=120, **env):
    """Runs a script in a fresh Python with the plugin; returns the result."""
    full_env = dict(os.environ, **env)
    return subprocess.run([sys.executable, "-c", textwrap.dedent(script)],
                          capture_output=True, text=True, timeout=timeout, env=full_env,
                          cwd=str(ROOT / "autotest"))


# --- Finding 1: input-driven recursion ---------------------------------------

DEPTH = 100000
DEEP_CASES = [
    ("parentheses",
     json.dumps({"version": 1, "refs": {
         "a/0": ["{{" + "(" * 200000 + "1" + ")" * 200000 + "}}", 0, 1]}}),
     "key 'a/0': expression nested more than 100 levels deep"),
    ("unary_minus",
     json.dumps({"version": 1, "refs": {"a/0": ["{{" + "-" * 1000000 + "1}}", 0, 1]}}),
     "key 'a/0': expression nested more than 100 levels deep"),
    # Written as text: json.dumps itself would recurse.
    ("json_object", '{"a/.zattrs": ' + '{"k":' * DEPTH + "1" + "}" * DEPTH + "}",
     "JSON nested more than 512 levels deep"),
    ("json_array", '{"a/0": ' + "[" * DEPTH + "]" * DEPTH + "}",
     "JSON nested more than 512 levels deep"),
]


@pytest.mark.parametrize("name,text,message", DEEP_CASES, ids=[c[0] for c in DEEP_CASES])
def test_deep_input_is_an_error_not_a_crash(tmp_path, gdal_errors, name, text, message):
    refs = tmp_path / "refs.json"
    refs.write_text(text)
    data, errors = read_error(f"/vsikerchunk/{{{refs}}}/a/0", gdal_errors)
    assert data == b""
    assert f"invalid kerchunk references {refs}: " in errors
    assert message in errors
    assert len(errors) < 2000  # the expression is quoted, not copied


# --- Finding 3 and 4: FIFOs and special files --------------------------------

def test_fifo_target_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    refs = write_refs(tmp_path / "refs.json", {"a": ["fifo", 0, 4]})
    # In a child process: a regression would block forever in open().
    r = run_python(f"""
        import conftest
        from osgeo import gdal
        gdal.DontUseExceptions()
        gdal.PushErrorHandler("CPLQuietErrorHandler")
        f = gdal.VSIFOpenL("/vsikerchunk/{{{refs}}}/a", "rb")
        print(gdal.VSIFReadL(1, 4, f), gdal.GetLastErrorMsg())
        """, timeout=60)
    assert r.returncode == 0, r.stderr
    assert (f"key 'a': target '{fifo}' is a FIFO, not a regular file "
            "(set KERCHUNK_ALLOW_SPECIAL_FILES=YES to allow it)") in r.stdout


SPECIAL_TARGETS = [
    ("environ", ["/proc/self/environ"], "target '/proc/self/environ' is under /proc, /sys or /dev"),
    ("mem", ["/proc/self/mem", 4096, 8], "target '/proc/self/mem' is under /proc, /sys or /dev"),
    ("zero", ["/dev/zero", 0, 1000000], "target '/dev/zero' is under /proc, /sys or /dev"),
    ("file_url", ["file:///proc/self/environ"], "target '/proc/self/environ' is under /proc"),
    ("subfile", ["/vsisubfile/0_100,/proc/self/environ"],
     "target '/vsisubfile/0_100,/proc/self/environ' is under /proc, /sys or /dev"),
]


@pytest.mark.parametrize("key,value,message", SPECIAL_TARGETS, ids=[c[0] for c in SPECIAL_TARGETS])
def test_special_files_are_not_read(tmp_path, gdal_errors, key, value, message):
    refs = write_refs(tmp_path / "refs.json", {key: value})
    data, errors = read_error(f"/vsikerchunk/{{{refs}}}/{key}", gdal_errors)
    assert data == b""
    assert f"key '{key}': {message}" in errors
    assert "KERCHUNK_ALLOW_SPECIAL_FILES=YES" in errors


def test_symlink_to_environ_is_not_read(tmp_path, gdal_errors):
    os.symlink("/proc/self/environ", tmp_path / "innocent.bin")
    refs = write_refs(tmp_path / "refs.json", {"a": ["innocent.bin"]})
    data, errors = read_error(f"/vsikerchunk/{{{refs}}}/a", gdal_errors)
    assert data == b""
    assert f"target '{tmp_path}/innocent.bin' resolves to /proc/" in errors


def test_option_allows_special_files(tmp_path, config_options):
    refs = write_refs(tmp_path / "refs.json", {"a": ["/proc/self/stat", 0, 12]})
    config_options(KERCHUNK_ALLOW_SPECIAL_FILES="YES")
    data = vsi_read(f"/vsikerchunk/{{{refs}}}/a")
    assert data == open("/proc/self/stat", "rb").read()[:12]


# --- Finding 5: silent acceptance --------------------------------------------

def uncompressed_refs(tmp_path, length):
    (tmp_path / "data.bin").write_bytes(np.arange(8, dtype="<f8").tobytes())
    return {"version": 1, "refs": {
        ".zgroup": json.dumps({"zarr_format": 2}),
        "a/.zarray": json.dumps({"chunks": [1], "compressor": None, "dtype": "<f8",
                                 "fill_value": None, "filters": None, "order": "C",
                                 "shape": [2], "zarr_format": 2}),
        "a/.zattrs": json.dumps({"_ARRAY_DIMENSIONS": ["x"]}),
        "a/0": [str(tmp_path / "data.bin"), 8, 8],
        "a/1": [str(tmp_path / "data.bin"), 16, length]}}


def test_uncompressed_chunk_of_the_wrong_length_is_refused_as_zarr_does(tmp_path, gdal_errors):
    refs = uncompressed_refs(tmp_path, 40)
    # Python's zarr refuses the chunk.
    fs = fsspec.filesystem("reference", fo=refs)
    with pytest.raises(ValueError, match="cannot reshape"):
        zarr.open(fs.get_mapper(""), mode="r")["a"][:]
    path = write_refs(tmp_path / "refs.json", refs)
    ds = gdal.OpenEx(f'KERCHUNK:"{path}":/a', gdal.OF_RASTER)
    with pytest.raises(RuntimeError):
        ds.ReadAsArray()
    assert (f"{path}: key 'a/1': length 40 is not the 8 bytes of a chunk of array "
            "'/a', which has no compressor and no filters") in gdal_errors.text
    # The right length reads as zarr does.
    path = write_refs(tmp_path / "good.json", uncompressed_refs(tmp_path, 8))
    got = gdal.OpenEx(f'KERCHUNK:"{path}":/a', gdal.OF_RASTER).ReadAsArray()
    np.testing.assert_array_equal(got.ravel(), [1.0, 2.0])


MESSAGE_CASES = [
    ("version_string", {"version": "1", "refs": {}}, "'version' must be an integer, got string \"1\""),
    ("template_undefined", {"version": 1, "templates": {"u": "{{v}}/data.bin"},
                            "refs": {"a/0": ["{{u}}", 0, 4]}},
     "key 'a/0': template 'u': undefined name 'v'"),
]


@pytest.mark.parametrize("name,refs,message", MESSAGE_CASES, ids=[c[0] for c in MESSAGE_CASES])
def test_malformed_references_say_what_is_wrong(tmp_path, gdal_errors, name, refs, message):
    path = write_refs(tmp_path / "refs.json", refs)
    data, errors = read_error(f"/vsikerchunk/{{{path}}}/a/0", gdal_errors)
    assert data == b""
    assert message in errors
    assert "cannot open target" not in errors


# --- Finding 2: eccodes assertion ---------------------------------------------

def test_grib_that_made_eccodes_abort_gives_an_error(tmp_path):
    refs = tmp_path / "refs.json"
    generate(HOSTILE_GRIB, refs)
    # In a child process: a regression aborts it.
    r = run_python(f"""
        import conftest
        from osgeo import gdal
        gdal.UseExceptions()
        gdal.PushErrorHandler(lambda cls, no, msg: print("error:", msg))
        ds = gdal.Open("KERCHUNK:{refs}")
        for band in range(1, ds.RasterCount + 1):
            try:
                ds.GetRasterBand(band).ReadAsArray()
                print("band", band, "read")
            except RuntimeError as e:
                print("band", band, "error:", e)
        print("survived")
        """)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "survived" in r.stdout
    assert "band 1 read" in r.stdout
    assert ("grib: corrupt packing: numberOfBitsUsedForTheGroupWidths is 128 (at most 64)"
            in r.stdout + r.stderr)


# --- Issue 8: gen floats as Python prints them ---------------------------------

FLOAT_EXPRESSIONS = [
    "i / 10", "i / 1", "i / 3", "i / 7 * 1000", "(i - 500) / 100000000",
    "i * 123456789 / 1000", "i * 1000000000000000 / 7", "i / 1000000", "-i / 9",
    "i / 4", "(i + 1) / 1024 / 1024 / 1024 / 1024 / 1024",
]


def test_gen_floats_render_as_fsspec(tmp_path):
    url = "|".join("{{ %s }}" % e for e in FLOAT_EXPRESSIONS)
    floats = [0.1, 1e-05, 1e16, 1e15, 123.456, -0.0, 5e-324, 1.7976931348623157e308,
              2.5e-7, 1 / 3, 100.0, 0.30000000000000004, -1.5e300, 0.0001, 9.999999999999999e-5]
    refs = {"version": 1, "refs": {}, "gen": [
        {"key": "k/{{i}}", "url": url, "dimensions": {"i": {"stop": 1000}}},
        {"key": "f/{{x}}", "url": "v{{x}}", "dimensions": {"x": floats}},
    ]}
    # fsspec renders gen with jinja2: the oracle.
    expected = fsspec.filesystem("reference", fo=refs).references
    assert expected["f/" + repr(0.1)] == ["v0.1"]
    path = write_refs(tmp_path / "refs.json", refs)
    mismatches = []
    for key, value in expected.items():
        md = gdal.GetFileMetadata(f"/vsikerchunk/{{{path}}}/{key}", "KERCHUNK") or {}
        if md.get("URL") != value[0]:
            mismatches.append((key, md.get("URL"), value[0]))
    assert len(expected) == 1000 + len(floats)
    assert mismatches == []
