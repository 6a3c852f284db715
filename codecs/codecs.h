// Codecs that GDAL 3.6's Zarr driver lacks, registered in GDAL's compressor
// registry (cpl_compressor.h) under their numcodecs/kerchunk ids.
//
// Ids and options, spelled exactly as they appear in .zarray JSON
// ("filters": [{"id": ..., option: value}], or "compressor": {...}):
//
//   id                options                         decodes
//   ----------------  ------------------------------  -------------------------
//   shuffle           elementsize (default 4)         HDF5/numcodecs byte shuffle;
//                                                     trailing bytes copied as is
//   fletcher32        -                               data + 4-byte LE HDF5
//                                                     Fletcher-32 footer; verifies
//                                                     and strips it
//   fixedscaleoffset  scale, offset, dtype, astype    stored(astype)/scale+offset
//                                                     as numcodecs/numpy compute it
//   bitround          keepbits                        identity
//   quantize          digits, dtype, astype           identity (astype -> dtype)
//   grib              var, dtype                      one GRIB message (eccodes):
//                                                     var latitude/longitude ->
//                                                     grid coordinates, else
//                                                     "values" with missingValue ->
//                                                     NaN; dtype float32/float64
//                                                     (default: values float32,
//                                                     coordinates float64)
//   bz2               level (ignored)                 bzip2 stream(s)
//   lzf               -                               HDF5 LZF filter 32000 chunk
//   hdf5_lz4          -                               HDF5 lz4 filter 32004 chunk
//   szip              mask, pixels_per_block,         HDF5 szip filter 4 chunk
//                     bits_per_pixel,                 (cd_values[0..3] of the
//                     pixels_per_scanline             filter, in that order:
//                                                     mask, ppb, bpp, pps)
//
// GDAL 3.6 gives a decoder in the "compressor" position no options (see
// codec_contract.h). grib and szip need theirs: use RegisterCodecVariant, or
// let AdaptZarrayForGDAL36 rewrite a .zarray document.
#pragma once

#include "cpl_json.h"

#include <string>
#include <vector>

namespace kerchunk
{

// Registers the decoders above (each with a compressor that refuses to
// encode). Idempotent and thread-safe; ids GDAL already knows are left alone.
void RegisterCodecs();

// Registers (once) a decoder for oCodec ({"id": ..., options...}, one of the
// ids above) with its options built in, for the compressor position where
// GDAL 3.6 passes none, and returns its id: options sorted by name, values
// with ';', '=' and '%' %-escaped, e.g. "szip;bits_per_pixel=32;mask=141;
// pixels_per_block=32;pixels_per_scanline=30". Options that do not change
// decoding are left out (bz2 level; a grib var other than latitude/longitude
// becomes "values"), so {"id": "grib", "var": "t2m", "dtype": "float32"} gives
// "grib;dtype=float32;var=values". Returns "" with a CPLError when the id is
// not one of ours.
std::string RegisterCodecVariant(const CPLJSONObject &oCodec);

// Registers (once) a decoder running aoStages ({"id": ...} objects, ours or
// GDAL's, in DECODING order) one after the other, and returns its id,
// "chain:" + the stages' JSON joined by '>'. Intermediate stages may produce
// more than the tile (room is made for each fletcher32 footer still to
// strip), which GDAL 3.6's Zarr buffers do not allow. "" with a CPLError if a
// stage's id is unknown.
std::string RegisterCodecChain(const std::vector<CPLJSONObject> &aoStages);

// Rewrites a parsed .zarray document so that GDAL 3.6 decodes it as
// numcodecs would (the one home of this rule; /vsikerchunk/ runs it once per
// array when references are loaded):
// - with "compressor": null and one of GDAL's compression codecs (zlib, gzip,
//   zstd, lz4, lzma, blosc) as the LAST filter, that filter moves to the
//   compressor position (kerchunk writes HDF5 deflate as filters=[zlib]);
// - a fletcher32 filter with stages decoded before it (a compressor, later
//   filters) becomes, with those stages, one chain compressor
//   (RegisterCodecChain), since they produce tile + 4 bytes;
// - a compressor of ours with options becomes its variant id;
// - with "compressor": null and a codec of ours as the LAST filter (the first
//   one decoding), that filter moves to the compressor position, so GDAL reads
//   the whole chunk (kerchunk writes GRIB as filters=[grib], compressor=null).
// - filters still left after these rules become, with the compressor, one
//   chain compressor, and "filters" null: GDAL 3.6 reads a filter's JSON on
//   its AdviseRead worker threads, which json-c does not allow (see
//   FoldFiltersIntoChain in zarray_adapter.cpp); a compressor goes by id.
// Returns true if it changed anything. Never fails: anything it does not
// recognise is left for the Zarr driver to report.
bool AdaptZarrayForGDAL36(CPLJSONObject &oZarray);

}  // namespace kerchunk
