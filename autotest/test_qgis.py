"""QGIS (Debian's python3-qgis, headless) loads KERCHUNK layers and renders
them pixel for pixel as it renders the same data opened through GDAL's own
driver (netCDF, GRIB). Extent, CRS and band count are checked as QGIS reports
them. QGIS runs in a child process (qgis_render.py): it installs its own GDAL
error handler on start, which must not leak into this pytest process."""
import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest
from osgeo import gdal

from conftest import DATA_DIR, PLUGIN_DIR

try:
    import qgis.core  # noqa: F401
    HAVE_QGIS = True
except ImportError:
    HAVE_QGIS = False

pytestmark = pytest.mark.skipif(
    not HAVE_QGIS, reason="python3-qgis is not installed (scripts/install-deps.sh installs it)")

RENDER_SCRIPT = os.path.join(os.path.dirname(__file__), "qgis_render.py")
AIR = DATA_DIR / "kerchunk_refs" / "air.nc"
AIR_REFS = DATA_DIR / "kerchunk_refs" / "air.nc.json"
GOES = DATA_DIR / "netcdf4" / "20171025_2056.Cloud_Top_Height.nc"
ROTATED_GRIB = DATA_DIR / "grib" / "rotated_wind_20x20.grib"


def case(name, kerchunk, reference, band, width, height):
    return {"name": name, "band": band, "width": width, "height": height,
            "layers": {"kerchunk": kerchunk, "reference": reference}}


CASES = [
    # (1) kerchunk references made by kerchunk 0.2.2, against netCDF.
    case("references", 'KERCHUNK:"%s":air' % AIR_REFS, 'NETCDF:"%s":air' % AIR, 1, 420, 220),
    # (2) a NetCDF-4 source opened lazily: references generated on first open
    # into an empty cache (GOES-16 cloud-top height, geostationary, deflate).
    case("lazy_netcdf4", 'KERCHUNK:"{goes}":HT', 'NETCDF:"{goes}":HT', 1, 500, 300),
    # (3) a rotated-pole GRIB 1 file, against GDAL's GRIB driver.
    case("grib_rotated", 'KERCHUNK:"%s":v' % ROTATED_GRIB, str(ROTATED_GRIB), 2, 360, 180),
    # (4) a band deep inside a 3-D variable (time 100 of 124).
    case("multidim_band", 'KERCHUNK:"%s":air' % AIR_REFS, 'NETCDF:"%s":air' % AIR, 100, 420, 220),
]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """Runs QGIS once for every case; returns (results, tmp dir)."""
    tmp = tmp_path_factory.mktemp("qgis")
    # A private copy of the GOES file: its references must be generated here,
    # into an empty cache, not found in the session's.
    goes = tmp / GOES.name
    shutil.copyfile(GOES, goes)
    cases = json.loads(json.dumps(CASES).replace("{goes}", str(goes)))
    for c in cases:
        c["outputs"] = {role: str(tmp / ("%s_%s.png" % (c["name"], role))) for role in c["layers"]}
    (tmp / "spec.json").write_text(json.dumps({"cases": cases}))
    env = dict(os.environ)
    env.update({
        "GDAL_DRIVER_PATH": str(PLUGIN_DIR),  # before QGIS initialises GDAL
        "QT_QPA_PLATFORM": "offscreen",
        "XDG_RUNTIME_DIR": str(tmp),
        "KERCHUNK_CACHE_DIR": str(tmp / "cache"),
        # QGIS computes band statistics: keep GDAL from writing .aux.xml
        # files next to the test data.
        "GDAL_PAM_ENABLED": "NO",
    })
    proc = subprocess.run([sys.executable, RENDER_SCRIPT, str(tmp / "spec.json"),
                           str(tmp / "result.json")],
                          env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    return json.loads((tmp / "result.json").read_text()), tmp


def read_png(path):
    ds = gdal.Open(str(path))
    return ds.ReadAsArray()  # (bands, rows, columns), RGBA


def differing_pixels(a, b):
    return int(np.count_nonzero(np.any(a != b, axis=0)))


@pytest.mark.parametrize("name", [c["name"] for c in CASES])
def test_render_identical_to_gdal_driver(rendered, name):
    results, tmp = rendered
    r = results[name]
    for role, layer in r["layers"].items():
        assert layer["valid"], "%s %s: %s" % (name, role, layer["error"])
    assert r["render_errors"] == {"kerchunk": [], "reference": []}
    k = read_png(tmp / ("%s_kerchunk.png" % name))
    ref = read_png(tmp / ("%s_reference.png" % name))
    assert k.shape == ref.shape
    # The image shows the data: many colours of the ramp, no blank canvas.
    colours = {tuple(p) for p in ref[:3].reshape(3, -1).T}
    assert len(colours) >= 20, (name, len(colours))
    assert differing_pixels(k, ref) == 0


@pytest.mark.parametrize("name", [c["name"] for c in CASES])
def test_layer_extent_and_bands_as_gdal_driver(rendered, name):
    layers = rendered[0][name]["layers"]
    k, ref = layers["kerchunk"], layers["reference"]
    assert (k["width"], k["height"], k["band_count"]) == (ref["width"], ref["height"], ref["band_count"])
    assert k["extent"] == pytest.approx(ref["extent"], rel=1e-12, abs=1e-9)


def test_layer_crs_references(rendered):
    layers = rendered[0]["references"]["layers"]
    # A plain longitude/latitude grid without grid_mapping: the plugin gives
    # it WGS 84; GDAL 3.6's netCDF driver gives no CRS (docs/kerchunk.rst).
    assert layers["kerchunk"]["authid"] == "EPSG:4326"
    assert not layers["reference"]["crs_valid"]
    assert layers["kerchunk"]["band_count"] == 124


def test_layer_crs_lazy_netcdf4(rendered):
    results, tmp = rendered
    r = results["lazy_netcdf4"]
    assert r["crs_equal"], (r["layers"]["kerchunk"]["wkt"], r["layers"]["reference"]["wkt"])
    assert "Geostationary" in r["layers"]["kerchunk"]["wkt"]
    # Opened lazily: QGIS's open generated the references into the empty cache.
    assert list((tmp / "cache").glob("*.meta.json")), "no cache entry written"


def test_layer_crs_grib_rotated(rendered):
    r = rendered[0]["grib_rotated"]
    assert r["crs_equal"], (r["layers"]["kerchunk"]["wkt"], r["layers"]["reference"]["wkt"])
    assert "Pole rotation" in r["layers"]["kerchunk"]["wkt"]
