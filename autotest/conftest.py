# Shared set-up of the end-to-end tests: the plugin from the build directory
# is put on GDAL_DRIVER_PATH *before* osgeo.gdal is imported (GDAL registers
# plugins on import).
import json
import os
import pathlib
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
BUILD_DIR = pathlib.Path(os.environ.get("KERCHUNK_BUILD_DIR", ROOT / "build")).resolve()
PLUGIN_DIR = BUILD_DIR / "gdalplugins"
KERCHUNK_CLI = BUILD_DIR / "gdal_kerchunk"
DATA_DIR = pathlib.Path(__file__).resolve().parent / "data"
NPM_DIR = pathlib.Path(__file__).resolve().parent / "npm"
SHARED_CORPUS = (ROOT.parent / "shared" / "corpus").resolve()

os.environ["GDAL_DRIVER_PATH"] = str(PLUGIN_DIR)
# Tests must not share a reference cache with the user or with each other.
os.environ.setdefault("KERCHUNK_CACHE_DIR", str(BUILD_DIR / "autotest-cache"))

# Debian's python3-eccodes imports ecmwflibs, which points PROJ_LIB at a
# folder without proj.db: GDAL would then fail every CRS lookup. Import it
# here, once, and put PROJ_LIB back.
_saved_proj_lib = os.environ.get("PROJ_LIB")
try:
    import eccodes  # noqa: E402,F401
except ImportError:
    pass
if _saved_proj_lib is None:
    os.environ.pop("PROJ_LIB", None)
else:
    os.environ["PROJ_LIB"] = _saved_proj_lib

from osgeo import gdal  # noqa: E402

gdal.UseExceptions()


def pytest_configure(config):
    if gdal.GetDriverByName("KERCHUNK") is None:
        raise pytest.UsageError(f"KERCHUNK plugin not found in {PLUGIN_DIR}; build first")


# Options GDAL reads once per process, at the first use of /vsicurl/ (the
# block size and the block cache of cpl_vsil_curl.cpp): set by one test they
# would stay in force for every later test of the pytest process, whatever
# the fixture restores. They belong in a child process's environment.
PROCESS_WIDE_OPTIONS = frozenset({"CPL_VSIL_CURL_CHUNK_SIZE", "CPL_VSIL_CURL_CACHE_SIZE"})


@pytest.fixture
def config_options():
    """Set GDAL config options for one test (python3-gdal 3.6 lacks gdal.config_option)."""
    saved = {}

    def setter(**options):
        latched = PROCESS_WIDE_OPTIONS.intersection(options)
        if latched:
            raise ValueError("%s: GDAL reads these once per process; set them in a "
                             "child process's environment instead" % ", ".join(sorted(latched)))
        for key, value in options.items():
            saved.setdefault(key, gdal.GetConfigOption(key))
            gdal.SetConfigOption(key, value)

    yield setter
    for key, value in saved.items():
        gdal.SetConfigOption(key, value)


class ErrorCollector:
    """Collects CPLError messages; python3-gdal 3.6 lacks gdal.quiet_errors."""

    def __init__(self):
        self.messages = []

    def __call__(self, err_class, err_no, msg):
        self.messages.append(msg)

    @property
    def text(self):
        return "\n".join(self.messages)


@pytest.fixture
def gdal_errors():
    collector = ErrorCollector()
    gdal.PushErrorHandler(collector)
    try:
        yield collector
    finally:
        gdal.PopErrorHandler()


@pytest.fixture(scope="session")
def duckdb():
    """Runs SQL with DuckDB; returns the rows of the last statement."""
    if not (NPM_DIR / "node_modules" / "@duckdb" / "node-api").exists():
        r = subprocess.run(["npm", "install", "--no-audit", "--no-fund"], cwd=NPM_DIR,
                           capture_output=True, text=True, timeout=600)
        if r.returncode != 0:
            pytest.skip(f"cannot install @duckdb/node-api: {r.stderr[-500:]}")

    def run(*statements):
        r = subprocess.run(["/usr/bin/node", str(NPM_DIR / "duckdb_sql.mjs"), *statements],
                           capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, r.stderr
        return json.loads(r.stdout)

    return run
