#include "source_open.h"

#include "reference_cache.h"

namespace kerchunk
{

std::string GetReferencesForSource(const std::string &osSource)
{
    // Config options are read at every open: a test or an application may
    // change KERCHUNK_CACHE_DIR between opens.
    ReferenceCache oCache(CacheConfig::FromConfigOptions());
    return oCache.GetReferences(osSource).osReferencesPath;
}

}  // namespace kerchunk
