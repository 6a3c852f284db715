// KERCHUNK:<source> where <source> is a NetCDF/HDF5/GRIB file rather than a
// references file: the references come from the cache (cache/).
#pragma once

#include "reference_cache.h"

#include <string>

namespace kerchunk
{

// For KERCHUNK:<source> where <source> is not a references file: returns the
// GDAL path of up-to-date references for it (cached entry, or generated now),
// or throws kerchunk::Error (common/error.h) with a message saying why. Never
// returns stale or partial references. When the cache cannot be written the
// path is a /vsimem/ file and a CE_Warning says why.
std::string GetReferencesForSource(const std::string &osSource);
// The same, generating with fnGenerate on a cache miss.
std::string GetReferencesForSource(const std::string &osSource, const GenerateFunc &fnGenerate);

}  // namespace kerchunk
