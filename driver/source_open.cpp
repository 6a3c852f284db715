#include "source_open.h"

#include "generation_isolation.h"
#include "reference_cache.h"

namespace kerchunk
{

std::string GetReferencesForSource(const std::string &osSource)
{
    return GetReferencesForSource(osSource, SelectGenerateFunc());
}

std::string GetReferencesForSource(const std::string &osSource, const GenerateFunc &fnGenerate)
{
    // Config options are read at every open: a test or an application may
    // change KERCHUNK_CACHE_DIR between opens.
    ReferenceCache oCache(CacheConfig::FromConfigOptions(), fnGenerate);
    return oCache.GetReferences(osSource).osReferencesPath;
}

}  // namespace kerchunk
