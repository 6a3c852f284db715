"""Loads raster layers in a headless QGIS and renders each to PNG.

Run by test_qgis.py in its own process: QGIS 3.22 tears down GDAL's driver
manager on exit, which aborts a process that also imported osgeo.gdal (as
conftest does). The caller sets GDAL_DRIVER_PATH and QT_QPA_PLATFORM=offscreen.

    qgis_render.py SPEC.json RESULT.json

SPEC: {"cases": [{"name", "bands": {"kerchunk": N, "reference": N},
                  "width", "height", "ramp",
                  "layers": {"kerchunk": URI, "reference": URI},
                  "outputs": {"kerchunk": PNG, "reference": PNG}}]}
Both layers of a case are drawn with one renderer: the reference layer's
band minimum/maximum as QGIS computes them, the same colour ramp, the
reference layer's extent, the same output size, each in its own CRS. RESULT gives, per case and
layer, what QGIS reports: validity, extent, CRS, band count, size.
"""
import json
import sys

from qgis.core import (QgsApplication, QgsColorRampShader, QgsCoordinateReferenceSystem,
                       QgsMapRendererSequentialJob, QgsMapSettings, QgsRasterBandStats, QgsRasterLayer, QgsRasterShader,
                       QgsSingleBandPseudoColorRenderer, QgsStyle)
from qgis.PyQt.QtCore import QSize
from qgis.PyQt.QtGui import QColor


def describe(layer):
    extent = layer.extent()
    crs = layer.crs()
    return {
        "valid": layer.isValid(),
        "error": layer.error().summary() if not layer.isValid() else "",
        "extent": [extent.xMinimum(), extent.yMinimum(), extent.xMaximum(), extent.yMaximum()],
        "crs_valid": crs.isValid(),
        "authid": crs.authid(),
        "wkt": crs.toWkt(QgsCoordinateReferenceSystem.WKT_PREFERRED) if crs.isValid() else "",
        "band_count": layer.bandCount(),
        "width": layer.width(),
        "height": layer.height(),
    }


def band_range(layer, band):
    stats = layer.dataProvider().bandStatistics(
        band, QgsRasterBandStats.Min | QgsRasterBandStats.Max)
    return stats.minimumValue, stats.maximumValue


def pseudocolor(layer, band, vmin, vmax, ramp_name):
    ramp = QgsStyle.defaultStyle().colorRamp(ramp_name)
    ramp.invert()  # Spectral and RdYlBu: blue for low values, red for high
    shader_fn = QgsColorRampShader(vmin, vmax, ramp, QgsColorRampShader.Interpolated)
    shader_fn.classifyColorRamp(band=band)
    shader = QgsRasterShader()
    shader.setRasterShaderFunction(shader_fn)
    return QgsSingleBandPseudoColorRenderer(layer.dataProvider(), band, shader)


def render(layer, settings, path):
    settings.setLayers([layer])
    job = QgsMapRendererSequentialJob(settings)
    job.start()
    job.waitForFinished()
    if not job.renderedImage().save(path, "PNG"):
        raise RuntimeError("cannot write " + path)
    return [e.message for e in job.errors()]


def run_case(case):
    layers = {role: QgsRasterLayer(uri, role, "gdal") for role, uri in case["layers"].items()}
    result = {"layers": {role: describe(layer) for role, layer in layers.items()}}
    if not all(layer.isValid() for layer in layers.values()):
        return result
    ref = layers["reference"]
    bands = case["bands"]
    vmin, vmax = band_range(ref, bands["reference"])
    result["range"] = [vmin, vmax]
    errors = {}
    for role, layer in layers.items():
        layer.setRenderer(pseudocolor(layer, bands[role], vmin, vmax, case.get("ramp", "Spectral")))
        settings = QgsMapSettings()
        # Each layer in its own CRS: QGIS compares CRSs by their WKT text, so
        # two equivalent CRSs written differently would be reprojected (PROJ
        # rounding moves cell edges by a pixel). The caller checks that the
        # CRSs are equivalent.
        settings.setDestinationCrs(layer.crs() if layer.crs().isValid() else ref.crs())
        settings.setExtent(ref.extent())
        settings.setOutputSize(QSize(case["width"], case["height"]))
        settings.setBackgroundColor(QColor(255, 255, 255))
        settings.setOutputDpi(96)
        errors[role] = render(layer, settings, case["outputs"][role])
    result["render_errors"] = errors
    return result


def main(spec_path, result_path):
    with open(spec_path) as f:
        spec = json.load(f)
    app = QgsApplication([], False)
    app.initQgis()
    try:
        results = {case["name"]: run_case(case) for case in spec["cases"]}
    finally:
        app.exitQgis()
    with open(result_path, "w") as f:
        json.dump(results, f, indent=1)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
