#!/bin/sh
# The main job on the bundled sample: the KERCHUNK plugin opening a real
# NetCDF-4 file (air.nc, from kerchunk's test data) through kerchunk
# references, and reading it; then the same through references that
# gdal_kerchunk generates.
set -eu
cd "$(dirname "$0")/.."
BUILD=${KERCHUNK_BUILD_DIR:-build}
export GDAL_DRIVER_PATH="$PWD/$BUILD/gdalplugins"
SAMPLE=autotest/data/kerchunk_refs

gdalinfo --formats | grep KERCHUNK
gdalinfo -nomd "KERCHUNK:$SAMPLE/air.nc.json" | head -n 40
/usr/bin/python3 - "$SAMPLE" <<'PY'
import sys
from osgeo import gdal
import netCDF4
gdal.UseExceptions()
sample = sys.argv[1]
ds = gdal.Open("KERCHUNK:%s/air.nc.json" % sample)
through_refs = ds.ReadAsArray()
with netCDF4.Dataset("%s/air.nc" % sample) as nc:
    nc.set_auto_maskandscale(False)
    native = nc["air"][:]
print("air through kerchunk references: %d bands, mean %.4f; identical to netCDF4: %s"
      % (ds.RasterCount, through_refs.mean(), (through_refs == native).all()))
PY

OUT=$(mktemp -d)
"$BUILD/gdal_kerchunk" generate "$SAMPLE/air.nc" -o "$OUT/air.json"
gdalinfo -nomd -stats "KERCHUNK:\"$OUT/air.json\":air" | grep -E "^Driver|^Size|^Origin|Minimum=" | head -n 5
rm -rf "$OUT"
