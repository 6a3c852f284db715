#include "combined_references.h"

#include "gdal_paths.h"
#include "generation_metrics.h"

#include "cpl_string.h"
#include "cpl_vsi.h"

namespace kerchunk
{

namespace
{

// As the entries' purge: a writer may still be between its two writes.
constexpr double ABANDONED_TEMPORARY_SECONDS = 3600;

bool EndsWith(const std::string &osName, const char *pszSuffix)
{
    const std::string osSuffix(pszSuffix);
    return osName.size() > osSuffix.size() &&
           osName.compare(osName.size() - osSuffix.size(), osSuffix.size(), osSuffix) == 0;
}

}  // namespace

std::string CombinedReferencesDir(const std::string &osCacheDir)
{
    return osCacheDir + "/combined";
}

size_t PurgeCombinedReferences(const std::string &osCacheDir, double dfOlderThanDays)
{
    const std::string osDir = CombinedReferencesDir(osCacheDir);
    if (IsNetworkGDALPath(osDir))
        VSICurlPartialClearCache(osDir.c_str());
    const double dfNow = UnixTimeNow();
    size_t nRemoved = 0;
    const CPLStringList aosNames(VSIReadDir(osDir.c_str()));
    for (int i = 0; i < aosNames.size(); ++i)
    {
        const std::string osName = aosNames[i];
        const bool bReferences = EndsWith(osName, ".json");
        if (!bReferences && !EndsWith(osName, ".json.tmp"))
            continue;  // not ours
        const std::string osPath = osDir + "/" + osName;
        if (!bReferences || dfOlderThanDays > 0)
        {
            VSIStatBufL sStat;
            const double dfMaxAge =
                bReferences ? dfOlderThanDays * 86400 : ABANDONED_TEMPORARY_SECONDS;
            if (VSIStatL(osPath.c_str(), &sStat) != 0 ||
                dfNow - static_cast<double>(sStat.st_mtime) <= dfMaxAge)
                continue;
        }
        if (VSIUnlink(osPath.c_str()) == 0 && bReferences)
            ++nRemoved;
    }
    if (dfOlderThanDays == 0)
        VSIRmdir(osDir.c_str());  // when empty; none on object stores
    return nRemoved;
}

}  // namespace kerchunk
