// KERCHUNK:<list> and KERCHUNK:<glob>: many sources opened as one cube.
//   KERCHUNK:/data/era5.lst          a list file (.lst or .txt): one source
//                                    per line; blank lines and '#' comments
//                                    ignored; relative paths are relative to
//                                    the list's folder
//   KERCHUNK:"/data/era5/*.nc"       a glob in the last path component
//                                    (*, ?, [...]), listed through VSI, so
//                                    /vsis3/bucket/era5/*.nc works too
// Each source's references come from the cache (generated when missing or
// stale); the combined references are cached under a key made from the
// sorted sources, their cached references and the combine options, so a
// grown set regenerates only the new sources before the cheap re-combine.
#pragma once

#include "combine_plan.h"

#include <string>
#include <vector>

namespace kerchunk
{

// True for names with glob characters in their last component, and for
// .lst/.txt list files. No I/O.
bool IsMultiSourceName(const std::string &osPath);

// The sources, sorted. Throws kerchunk::Error when there are none.
std::vector<std::string> ExpandSources(const std::string &osPath);

// GDAL path of the combined references (in the cache, or /vsimem/ when the
// cache cannot be written). Throws kerchunk::Error naming the source or the
// arrays that cannot be combined.
std::string GetCombinedReferences(const std::string &osPath, const CombineOptions &oOptions);

}  // namespace kerchunk
