// Codecs that GDAL 3.6's Zarr driver lacks, registered in GDAL's compressor
// registry (cpl_compressor.h) under their numcodecs/kerchunk ids.
#pragma once

namespace kerchunk
{

// Registers shuffle, fletcher32, fixedscaleoffset, bitround, quantize and
// grib (decompressor + a compressor that refuses). Idempotent; ids that
// GDAL already knows are left alone.
void RegisterCodecs();

}  // namespace kerchunk
