// ReferenceCache::Verify: the check behind `gdal_kerchunk cache verify`, the
// monitoring that catches a moved, deleted or rewritten source file.
#include "reference_cache.h"

#include "error.h"

namespace kerchunk
{

std::string ReferenceCache::Verify(const CacheEntryInfo &oEntry,
                                   std::string &osDetail) const
{
    if (oEntry.osSource.empty())
    {
        // List() gives entries with unreadable metadata by key only.
        std::string osWhy;
        ReadMetadata(oEntry.osKey, osWhy);
        osDetail = osWhy.compare(0, 9, "corrupt: ") == 0 ? osWhy.substr(9) : osWhy;
        return "corrupt";
    }
    SourceFingerprint oFingerprint;
    try
    {
        oFingerprint = GetSourceFingerprint(oEntry.osSource);
    }
    catch (const Error &e)
    {
        // "<source>: no such file": the table already names the source.
        osDetail = e.what();
        const std::string osPrefix = oEntry.osSource + ": ";
        if (osDetail.compare(0, osPrefix.size(), osPrefix) == 0)
            osDetail.erase(0, osPrefix.size());
        return "source gone";
    }
    CacheEntryInfo oChecked;
    std::string osWhy;
    if (CheckEntry(oEntry.osKey, oEntry.osSource, oFingerprint, oChecked, osWhy))
    {
        osDetail.clear();
        return "ok";
    }
    for (const char *pszState : {"stale", "corrupt"})
    {
        const std::string osPrefix = std::string(pszState) + ": ";
        if (osWhy.compare(0, osPrefix.size(), osPrefix) == 0)
        {
            osDetail = osWhy.substr(osPrefix.size());
            return pszState;
        }
    }
    // "missing": removed since List() read it.
    osDetail = "entry removed while verifying";
    return "corrupt";
}

}  // namespace kerchunk
