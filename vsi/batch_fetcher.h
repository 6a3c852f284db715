// Fetching many byte ranges at once: ranges of one target are coalesced
// (range_coalescer.h) and the resulting requests run concurrently, at most
// nMaxInFlight at a time, each worker with its own VSILFILE per target.
// Everything goes through GDAL's VSI, so /vsicurl/, /vsis3/, /vsigs/,
// /vsiaz/... keep their credentials, headers and retry options
// (GDAL_HTTP_MAX_RETRY, GDAL_HTTP_RETRY_DELAY), and the caller's
// thread-local configuration options are passed to the workers.
#pragma once

#include <cstddef>
#include <cstdint>
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
};

// One range's outcome: its bytes (exactly nSize of them), or null and a
// message naming the target and the failed span.
struct FetchOutcome
{
    std::shared_ptr<const std::string> poBytes{};
    std::string osError{};
};

struct FetchStats
{
    size_t nRequests = 0;        // requests made after coalescing
    size_t nFailedRequests = 0;  // of which failed or came back short
    uint64_t nBytes = 0;         // bytes asked for by those requests
};

// One outcome per request, in the same order. A failed or short request
// fails only the ranges it serves. Never throws.
std::vector<FetchOutcome> FetchRanges(const std::vector<RangeRequest> &aoRequests,
                                      const FetchSettings &oSettings,
                                      FetchStats &oStats);

}  // namespace kerchunk
