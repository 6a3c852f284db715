// gdal_kerchunk cache list | info SOURCE | rm SOURCE... | purge [--older-than DAYS]
//                     | stats [--since DAYS] [-of FORMAT] | verify [-of FORMAT]
#include "commands.h"
#include "command_cache_stats.h"

#include "generation_metrics.h"
#include "reference_cache.h"

#include "error.h"

#include "cpl_string.h"

#include <cstdio>
#include <ctime>

namespace kerchunk::cli
{

namespace
{

std::string FormatTime(double dfUnixTime)
{
    return FormatUtc(dfUnixTime);
}

std::string FormatBytes(uint64_t nBytes)
{
    if (nBytes >= 10 * 1024 * 1024)
        return CPLSPrintf("%.1f MB", nBytes / 1048576.0);
    if (nBytes >= 10 * 1024)
        return CPLSPrintf("%.1f kB", nBytes / 1024.0);
    return CPLSPrintf("%llu B", static_cast<unsigned long long>(nBytes));
}

void CacheUsage()
{
    fprintf(stderr,
            "Usage: gdal_kerchunk cache list\n"
            "       gdal_kerchunk cache info SOURCE\n"
            "       gdal_kerchunk cache rm SOURCE...\n"
            "       gdal_kerchunk cache purge [--older-than DAYS]\n"
            "       gdal_kerchunk cache stats [--since DAYS] [-of text|json|prometheus]\n"
            "       gdal_kerchunk cache verify [-of text|json]\n"
            "The cache directory is KERCHUNK_CACHE_DIR (default "
            "$XDG_CACHE_HOME/gdal-kerchunk or ~/.cache/gdal-kerchunk).\n");
}

int RunList(ReferenceCache &oCache)
{
    const auto aoEntries = oCache.List();
    printf("Cache directory: %s (%zu entries)\n", oCache.GetConfig().osDir.c_str(),
           aoEntries.size());
    for (const auto &oEntry : aoEntries)
    {
        if (oEntry.osSource.empty())
        {
            printf("%.12s  (unreadable metadata: torn or corrupt entry, "
                   "removed by purge)\n",
                   oEntry.osKey.c_str());
            continue;
        }
        printf("%.12s  %s  %9llu chunks  %10s  %s\n", oEntry.osKey.c_str(),
               FormatTime(oEntry.dfCreated).c_str(),
               static_cast<unsigned long long>(oEntry.nChunks),
               FormatBytes(oEntry.nReferencesSize).c_str(), oEntry.osSource.c_str());
    }
    return 0;
}

int RunInfo(ReferenceCache &oCache, const std::string &osSource)
{
    std::string osState;
    const auto oInfo = oCache.Info(osSource, osState);
    const std::string osUri = NormalizeSourceUri(osSource);
    printf("Source:            %s\n", osUri.c_str());
    printf("Key:               %s\n", ReferenceCache::KeyOf(osUri).c_str());
    printf("State:             %s\n", osState.c_str());
    if (!oInfo)
        return 1;
    printf("References:        %s\n", oInfo->osReferencesPath.c_str());
    printf("References size:   %llu bytes\n",
           static_cast<unsigned long long>(oInfo->nReferencesSize));
    printf("References SHA256: %s\n", oInfo->osReferencesSha256.c_str());
    printf("Created:           %s\n", FormatTime(oInfo->dfCreated).c_str());
    printf("Generation time:   %.3f s\n", oInfo->dfDuration);
    printf("Generator:         %s\n", oInfo->osGeneratorVersion.c_str());
    printf("Arrays:            %llu\n", static_cast<unsigned long long>(oInfo->nArrays));
    printf("Chunks:            %llu\n", static_cast<unsigned long long>(oInfo->nChunks));
    printf("Skipped arrays:    %llu\n", static_cast<unsigned long long>(oInfo->nSkipped));
    printf("Source size:       %llu bytes\n",
           static_cast<unsigned long long>(oInfo->oFingerprint.nSize));
    printf("Source mtime:      %s (+%09lld ns)\n",
           FormatTime(static_cast<double>(oInfo->oFingerprint.nMTimeNs / 1000000000)).c_str(),
           static_cast<long long>(oInfo->oFingerprint.nMTimeNs % 1000000000));
    if (!oInfo->oFingerprint.osETag.empty())
        printf("Source ETag:       %s\n", oInfo->oFingerprint.osETag.c_str());
    return osState == "valid" ? 0 : 1;
}

}  // namespace

int RunCache(const std::vector<std::string> &aosArgs)
{
    if (aosArgs.empty() || aosArgs[0] == "--help" || aosArgs[0] == "-h")
    {
        CacheUsage();
        return aosArgs.empty() ? 1 : 0;
    }
    CacheConfig oConfig = CacheConfig::FromConfigOptions();
    // verify always reads the references through (KERCHUNK_CACHE_VERIFY=NO
    // is for opens, where speed matters).
    if (aosArgs[0] == "verify")
        oConfig.bVerifyChecksum = true;
    ReferenceCache oCache(std::move(oConfig));
    if (oCache.GetConfig().osDir.empty())
        throw Error("no cache directory: set KERCHUNK_CACHE_DIR, XDG_CACHE_HOME or HOME");
    const std::string &osVerb = aosArgs[0];
    if (osVerb == "list" && aosArgs.size() == 1)
        return RunList(oCache);
    if (osVerb == "stats" || osVerb == "verify")
    {
        const std::vector<std::string> aosRest(aosArgs.begin() + 1, aosArgs.end());
        return osVerb == "stats" ? RunCacheStats(oCache, aosRest)
                                 : RunCacheVerify(oCache, aosRest);
    }
    if (osVerb == "info" && aosArgs.size() == 2)
        return RunInfo(oCache, aosArgs[1]);
    if (osVerb == "rm" && aosArgs.size() >= 2)
    {
        int nRet = 0;
        for (size_t i = 1; i < aosArgs.size(); ++i)
        {
            if (oCache.Remove(aosArgs[i]))
                printf("removed %s\n", NormalizeSourceUri(aosArgs[i]).c_str());
            else
            {
                fprintf(stderr, "gdal_kerchunk: no cache entry for %s\n",
                        NormalizeSourceUri(aosArgs[i]).c_str());
                nRet = 1;
            }
        }
        return nRet;
    }
    if (osVerb == "purge" &&
        (aosArgs.size() == 1 || (aosArgs.size() == 3 && aosArgs[1] == "--older-than")))
    {
        double dfDays = 0;
        if (aosArgs.size() == 3)
        {
            char *pszEnd = nullptr;
            dfDays = CPLStrtod(aosArgs[2].c_str(), &pszEnd);
            if (pszEnd == aosArgs[2].c_str() || *pszEnd != '\0' || !(dfDays > 0))
                throw Error("--older-than " + aosArgs[2] + ": expected a positive number of days");
        }
        const PurgeCounts oCounts = oCache.Purge(dfDays);
        printf("removed %zu entr%s\n", oCounts.nEntries, oCounts.nEntries == 1 ? "y" : "ies");
        if (oCounts.nCombined > 0)
            printf("removed %zu combined reference%s\n", oCounts.nCombined,
                   oCounts.nCombined == 1 ? "" : "s");
        if (oCounts.nRecordDays > 0)
            printf("removed %zu day%s of generation records\n", oCounts.nRecordDays,
                   oCounts.nRecordDays == 1 ? "" : "s");
        return 0;
    }
    CacheUsage();
    throw Error("bad arguments for 'cache " + osVerb + "'");
}

}  // namespace kerchunk::cli
