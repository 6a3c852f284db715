// Fetching many byte ranges at once: ranges of one target are coalesced
// (range_coalescer.h) and the resulting requests run concurrently, at most
// nMaxInFlight at a time, each worker with its own VSILFILE per target;
// the workers are the caller and threads of a process-wide pool
// (fetch_worker_pool.h), which keep their connections between batches.
// A span is read as an exact range (exact_range_read.h), not as whole
// /vsicurl/ blocks, and fetched bytes go to the caller's sink as each
// request ends, so a batch holds no more than its requests in flight. A
// large batch reads into one block of memory (chunk_slab.h), whose pages
// are mapped as each request starts and given back as its chunks are
// dropped.
// Ranges of /vsicurl/ http(s) and /vsis3/ targets are first fetched by the
// calling thread with libcurl, straight into their buffers and with GDAL's
// HTTP options (direct_http_fetch.h); everything else, and every such
// request that failed, goes through GDAL's VSI, so /vsicurl/, /vsis3/,
// /vsigs/, /vsiaz/... keep their credentials, headers and retry options
// (GDAL_HTTP_MAX_RETRY, GDAL_HTTP_RETRY_DELAY), and the caller's
// thread-local configuration options are passed to the workers.
#pragma once

#include "chunk_bytes.h"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace kerchunk
{

struct RangeRequest
{
    std::string osTarget{};  // a GDAL path
    uint64_t nOffset = 0;
    uint64_t nSize = 0;
};

struct FetchSettings
{
    uint64_t nGap = 65536;
    uint64_t nMaxMergedSize = 16 * 1024 * 1024;
    size_t nMaxInFlight = 16;
    bool bDirectHttp = true;  // http(s) targets fetched with libcurl (direct_http_fetch.h)
};

// One range's outcome: its bytes (exactly nSize of them), or null and a
// message naming the target and the failed span.
struct FetchOutcome
{
    SharedChunkBytes poBytes{};
    std::string osError{};
};

struct FetchStats
{
    size_t nRequests = 0;        // requests made after coalescing
    size_t nFailedRequests = 0;  // of which failed or came back short
    size_t nDirectRequests = 0;  // of which tried directly (direct_http_fetch.h)
    uint64_t nBytes = 0;         // bytes asked for by those requests
};

// Receives the outcome of aoRequests[iRequest] as soon as the request
// serving it is done, from the worker thread that made it (so concurrently
// with other calls); nothing of the batch is held once it returns.
using FetchOutcomeSink = std::function<void(size_t iRequest, FetchOutcome &&oOutcome)>;

// Gives each request's outcome to oSink. A failed or short request fails
// only the ranges it serves. Never throws (oSink must not either).
void FetchRanges(const std::vector<RangeRequest> &aoRequests, const FetchSettings &oSettings,
                 FetchStats &oStats, const FetchOutcomeSink &oSink);

// One outcome per request, in the same order.
std::vector<FetchOutcome> FetchRanges(const std::vector<RangeRequest> &aoRequests,
                                      const FetchSettings &oSettings,
                                      FetchStats &oStats);

}  // namespace kerchunk
