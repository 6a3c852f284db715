#include "chunk_prefetch.h"
#include "batch_fetcher.h"
#include "config_options.h"
#include "error.h"

#include "cpl_error.h"

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <mutex>
#include <set>

namespace kerchunk
{

namespace
{

// An option read on every batch: a bad value warns and keeps the default,
// as the references themselves are fine.
uint64_t IntegerOptionOrDefault(const char *pszName)
{
    try
    {
        return GetIntegerOption(pszName);
    }
    catch (const Error &e)
    {
        const char *pszDefault = GetConfigOptionSpec(pszName).pszDefault;
        CPLError(CE_Warning, CPLE_IllegalArg, "%s; using %s", e.what(), pszDefault);
        return std::strtoull(pszDefault, nullptr, 10);
    }
}

FetchSettings GetFetchSettings()
{
    FetchSettings oSettings;
    oSettings.nGap = IntegerOptionOrDefault("KERCHUNK_COALESCE_GAP");
    oSettings.nMaxMergedSize = IntegerOptionOrDefault("KERCHUNK_COALESCE_MAX_SIZE");
    oSettings.nMaxInFlight =
        static_cast<size_t>(IntegerOptionOrDefault("KERCHUNK_MAX_PARALLEL_REQUESTS"));
    try
    {
        oSettings.bDirectHttp = GetBooleanOption("KERCHUNK_DIRECT_HTTP");
    }
    catch (const Error &e)
    {
        CPLError(CE_Warning, CPLE_IllegalArg, "%s; using YES", e.what());
    }
    return oSettings;
}

// The target range of a key worth fetching ahead; false for inline,
// missing, whole-file and invalid keys (their own open handles them).
bool PrefetchableRange(const LoadedReferences &oRefs, const std::string &osKey,
                       RangeRequest &oRequest)
{
    const Reference *poRef = oRefs.oSet.Find(osKey);
    if (poRef == nullptr || poRef->IsInline() || poRef->bWholeFile || poRef->nSize == 0)
        return false;
    std::string osError;
    if (!ResolveTarget(oRefs, osKey, *poRef, oRequest.osTarget, osError) ||
        poRef->nSize > IntegerOptionOrDefault("KERCHUNK_MAX_CHUNK_SIZE") ||
        !CheckRawChunkLength(oRefs, osKey, poRef->nSize, osError))
        return false;
    oRequest.nOffset = poRef->nOffset;
    oRequest.nSize = poRef->nSize;
    return true;
}

}  // namespace

bool IsPrefetchEnabled()
{
    try
    {
        return GetBooleanOption("KERCHUNK_PREFETCH");
    }
    catch (const Error &e)
    {
        CPLError(CE_Warning, CPLE_IllegalArg, "%s; using YES", e.what());
        return true;
    }
}

uint64_t GetChunkCacheCapacity()
{
    return IntegerOptionOrDefault("KERCHUNK_CHUNK_CACHE_SIZE");
}

uint64_t ReferencedBytes(const LoadedReferences &oRefs,
                         const std::vector<std::string> &aosKeys)
{
    uint64_t nBytes = 0;
    for (const auto &osKey : aosKeys)
    {
        const Reference *poRef = oRefs.oSet.Find(osKey);
        if (poRef && !poRef->IsInline() && !poRef->bWholeFile)
            nBytes += poRef->nSize;
    }
    return nBytes;
}

PrefetchReport PrefetchKeys(const LoadedReferences &oRefs,
                            const std::vector<std::string> &aosKeys)
{
    PrefetchReport oReport = PrefetchKeysUnlogged(oRefs, aosKeys);
    LogPrefetchReport(oRefs, oReport);
    return oReport;
}

void LogPrefetchReport(const LoadedReferences &oRefs, const PrefetchReport &oReport)
{
    if (oReport.nFetched + oReport.nFailed == 0)
        return;  // nothing was fetched: no batch to report
    for (const auto &osError : oReport.aosFailures)
        CPLDebug("KERCHUNK", "prefetch %s: %s (read key by key instead)",
                 oRefs.osRefsPath.c_str(), osError.c_str());
    CPLDebug("KERCHUNK",
             "prefetch %s: %zu keys, %zu cached, %zu fetched, %zu failed, "
             "%zu requests (%zu direct), %llu bytes",
             oRefs.osRefsPath.c_str(), oReport.nKeys, oReport.nAlreadyCached,
             oReport.nFetched, oReport.nFailed, oReport.nRequests, oReport.nDirectRequests,
             static_cast<unsigned long long>(oReport.nBytes));
}

PrefetchReport PrefetchKeysUnlogged(const LoadedReferences &oRefs,
                                    const std::vector<std::string> &aosKeys)
{
    PrefetchReport oReport;
    oReport.nKeys = aosKeys.size();
    ChunkCache &oCache = GetChunkCache();
    const uint64_t nCapacity = GetChunkCacheCapacity();
    std::vector<RangeRequest> aoRequests;
    std::vector<std::string> aosCacheKeys;
    std::set<std::string> oSeen;
    uint64_t nPlanned = 0;
    for (const auto &osKey : aosKeys)
    {
        RangeRequest oRequest;
        if (!PrefetchableRange(oRefs, osKey, oRequest))
            continue;
        std::string osCacheKey =
            ChunkCache::MakeKey(oRequest.osTarget, oRequest.nOffset, oRequest.nSize);
        if (!oSeen.insert(osCacheKey).second)
            continue;
        if (oCache.Contains(osCacheKey))
        {
            ++oReport.nAlreadyCached;
            continue;
        }
        // More than the cache holds would evict the batch's own first chunks.
        if (nPlanned + oRequest.nSize > nCapacity)
            break;
        nPlanned += oRequest.nSize;
        aoRequests.push_back(std::move(oRequest));
        aosCacheKeys.push_back(std::move(osCacheKey));
    }
    if (aoRequests.empty())
        return oReport;

    // Fetched bytes go into the cache as each request ends: the batch's
    // bytes are the cache's (within its bound) plus the requests in flight.
    FetchStats oStats;
    std::mutex oMutex;              // guards the report's counts and oErrors
    std::set<std::string> oErrors;  // one line per failed request
    FetchRanges(aoRequests, GetFetchSettings(), oStats,
                [&](size_t i, FetchOutcome &&oOutcome)
                {
                    const bool bFetched = oOutcome.poBytes != nullptr;
                    if (bFetched)
                        oCache.Put(aosCacheKeys[i], std::move(oOutcome.poBytes), nCapacity);
                    std::lock_guard<std::mutex> oLock(oMutex);
                    if (bFetched)
                        ++oReport.nFetched;
                    else
                    {
                        ++oReport.nFailed;
                        oErrors.insert(std::move(oOutcome.osError));
                    }
                });
    oReport.aosFailures.assign(oErrors.begin(), oErrors.end());
    oReport.nRequests = oStats.nRequests;
    oReport.nDirectRequests = oStats.nDirectRequests;
    oReport.nBytes = oStats.nBytes;
    return oReport;
}

std::string GetChunkKeySeparator(const LoadedReferences &oRefs,
                                 const std::string &osArrayKey)
{
    std::string osZarray;
    std::string osError;
    // A .zarray is a few hundred bytes; the Zarr driver already read it.
    if (!ReadKey(oRefs, osArrayKey.empty() ? ".zarray" : osArrayKey + "/.zarray",
                 osZarray, osError, 1024 * 1024))
        return ".";
    const auto oJson = nlohmann::json::parse(osZarray, nullptr, false);
    if (oJson.is_object())
    {
        const auto oIter = oJson.find("dimension_separator");
        if (oIter != oJson.end() && oIter->is_string() && *oIter == "/")
            return "/";
    }
    return ".";
}

}  // namespace kerchunk
