"""QGIS (Debian's python3-qgis, headless) loads KERCHUNK layers and renders
them pixel for pixel as it renders the same data opened through GDAL's own
driver (netCDF, GRIB). Extent, CRS and band count are checked as QGIS reports
them. QGIS runs in a child process (qgis_render.py): checked with QGIS 3.22,
QgsApplication.exitQgis() in a process that had already imported osgeo.gdal
aborts with "double free or corruption" (both tear down GDAL's driver
manager)."""
import importlib.util
import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest
from osgeo import gdal, osr

from conftest import DATA_DIR, PLUGIN_DIR, ROOT

# Probed, not imported: QGIS stays out of this process.
HAVE_QGIS = importlib.util.find_spec("qgis") is not None

pytestmark = pytest.mark.skipif(
    not HAVE_QGIS, reason="python3-qgis is not installed (scripts/install-deps.sh installs it)")

RENDER_SCRIPT = os.path.join(os.path.dirname(__file__), "qgis_render.py")
AIR = DATA_DIR / "kerchunk_refs" / "air.nc"
AIR_REFS = DATA_DIR / "kerchunk_refs" / "air.nc.json"
GOES = DATA_DIR / "netcdf4" / "20171025_2056.Cloud_Top_Height.nc"
ROTATED_GRIB = DATA_DIR / "grib" / "rotated_wind_20x20.grib"


def case(name, kerchunk, reference, band, width, height, reference_band=None):
    return {"name": name, "width": width, "height": height,
            "bands": {"kerchunk": band, "reference": reference_band or band},
            "layers": {"kerchunk": kerchunk, "reference": reference}}


CASES = [
    # (1) kerchunk references made by kerchunk 0.2.2, against netCDF.
    case("references", 'KERCHUNK:"%s":air' % AIR_REFS, 'NETCDF:"%s":air' % AIR, 1, 420, 220),
    # (2) a NetCDF-4 source opened lazily: references generated on first open
    # into an empty cache (GOES-16 cloud-top height, geostationary, deflate).
    case("lazy_netcdf4", 'KERCHUNK:"{goes}":HT', 'NETCDF:"{goes}":HT', 1, 500, 300),
    # (3) a rotated-pole GRIB 1 file, against GDAL's GRIB driver: its second
    # message (v10) is one array of the kerchunk view and band 2 of GDAL's.
    case("grib_rotated", 'KERCHUNK:"%s":/v10/instant/surface/v10' % ROTATED_GRIB,
         str(ROTATED_GRIB), 1, 360, 180, reference_band=2),
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


def same_crs(a, b):
    """WKT equivalence (QGIS compares WKT text, which differs in ID[] details)."""
    sa, sb = osr.SpatialReference(), osr.SpatialReference()
    sa.ImportFromWkt(a)
    sb.ImportFromWkt(b)
    return bool(sa.IsSame(sb))


@pytest.mark.parametrize("name", [c["name"] for c in CASES])
def test_layer_extent_and_size_as_gdal_driver(rendered, name):
    layers = rendered[0][name]["layers"]
    k, ref = layers["kerchunk"], layers["reference"]
    assert (k["width"], k["height"]) == (ref["width"], ref["height"])
    assert k["extent"] == pytest.approx(ref["extent"], rel=1e-12, abs=1e-9)


@pytest.mark.parametrize("name,bands", [("references", 124), ("multidim_band", 124),
                                        ("lazy_netcdf4", 1)])
def test_layer_band_count_as_netcdf_driver(rendered, name, bands):
    layers = rendered[0][name]["layers"]
    assert layers["kerchunk"]["band_count"] == layers["reference"]["band_count"] == bands


def test_layer_band_count_grib(rendered):
    layers = rendered[0]["grib_rotated"]["layers"]
    # Legitimate difference: GDAL's GRIB driver shows the file's two
    # messages (u10, v10) as two bands of one raster; the kerchunk view has
    # one array per variable (cfgrib's layout), each a one-band raster.
    assert layers["reference"]["band_count"] == 2
    assert layers["kerchunk"]["band_count"] == 1


def test_layer_crs_references(rendered):
    layers = rendered[0]["references"]["layers"]
    # Legitimate difference: a plain longitude/latitude grid without
    # grid_mapping gets WGS 84 from the plugin; GDAL 3.6's netCDF driver
    # gives no CRS (docs/kerchunk.rst, classic view).
    assert layers["kerchunk"]["authid"] == "EPSG:4326"
    assert not layers["reference"]["crs_valid"]


def test_layer_crs_lazy_netcdf4(rendered):
    results, tmp = rendered
    layers = results["lazy_netcdf4"]["layers"]
    assert "Geostationary" in layers["kerchunk"]["wkt"]
    assert same_crs(layers["kerchunk"]["wkt"], layers["reference"]["wkt"])
    # Opened lazily: QGIS's open generated the references into the empty cache.
    assert list((tmp / "cache").glob("*.meta.json")), "no cache entry written"


def test_layer_crs_grib_rotated(rendered):
    layers = rendered[0]["grib_rotated"]["layers"]
    assert "Pole rotation (GRIB convention)" in layers["kerchunk"]["wkt"]
    assert same_crs(layers["kerchunk"]["wkt"], layers["reference"]["wkt"])


def test_docs_screenshot_is_this_render(rendered):
    # docs/images/qgis_kerchunk.png is the kerchunk layer of "lazy_netcdf4"
    # as rendered here: the picture in the docs is what QGIS shows.
    shot = read_png(ROOT / "docs" / "images" / "qgis_kerchunk.png")
    assert differing_pixels(shot, read_png(rendered[1] / "lazy_netcdf4_kerchunk.png")) == 0
