// Reads planned ahead: a reader names the chunk keys one read needs; their
// byte ranges are fetched as one batch (coalesced, in parallel:
// batch_fetcher.h) into the process-wide chunk cache (chunk_cache.h) that
// /vsikerchunk/ serves keys from. A range that cannot be fetched is simply
// not cached: the key's own open then reads it again and reports the error
// naming the key and the URL, so a failure fails only the reads needing it.
#pragma once

#include "chunk_cache.h"
#include "vsikerchunk.h"

#include <cstdint>
#include <string>
#include <vector>

namespace kerchunk
{

struct PrefetchReport
{
    size_t nKeys = 0;           // keys asked for
    size_t nAlreadyCached = 0;  // ranges found in the cache
    size_t nFetched = 0;        // ranges fetched and cached
    size_t nFailed = 0;         // ranges that could not be fetched
    size_t nRequests = 0;       // requests made (after coalescing)
    size_t nDirectRequests = 0;  // of which with libcurl (direct_http_fetch.h)
    uint64_t nBytes = 0;        // bytes requested
    std::vector<std::string> aosFailures{};  // one message per failed request
};

// KERCHUNK_PREFETCH.
bool IsPrefetchEnabled();

// KERCHUNK_CHUNK_CACHE_SIZE (a bad value warns and gives the default).
uint64_t GetChunkCacheCapacity();

// The cache /vsikerchunk/ serves chunks from (owned by its handler).
ChunkCache &GetChunkCache();

// Bytes of the ranges the keys reference (inline, missing and whole-file
// keys count 0): what a batch of these keys would hold in the cache.
uint64_t ReferencedBytes(const LoadedReferences &oRefs,
                         const std::vector<std::string> &aosKeys);

// Fetches the ranges of aosKeys not cached yet into the chunk cache, at most
// the cache's capacity of them (the rest is left to the keys' own opens).
// Logs one "prefetch" CPLDebug line (KERCHUNK) with the report's figures.
PrefetchReport PrefetchKeys(const LoadedReferences &oRefs,
                            const std::vector<std::string> &aosKeys);

// PrefetchKeys without the log lines, for a batch fetched on a thread other
// than the reading one (whose error handler would not see them): the reading
// thread logs the report afterwards with LogPrefetchReport.
PrefetchReport PrefetchKeysUnlogged(const LoadedReferences &oRefs,
                                    const std::vector<std::string> &aosKeys);
void LogPrefetchReport(const LoadedReferences &oRefs, const PrefetchReport &oReport);

// How a chunk key of the array at osArrayKey ("" for the root, else "a/b")
// joins its indices: the .zarray's dimension_separator, "." by default.
std::string GetChunkKeySeparator(const LoadedReferences &oRefs,
                                 const std::string &osArrayKey);

}  // namespace kerchunk
