#include "batch_fetcher.h"
#include "exact_range_read.h"
#include "fetch_worker_pool.h"
#include "range_coalescer.h"
#include "target_open.h"
#include "target_state.h"

#include "cpl_conv.h"
#include "cpl_error.h"
#include "cpl_string.h"
#include "cpl_vsi.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <new>

namespace kerchunk
{

namespace
{

// One request: a merged span of one target and the requests it serves.
struct FetchJob
{
    const std::string *posTarget = nullptr;
    MergedRange oSpan{};
    std::vector<size_t> anRequests{};  // indices into the caller's requests
};

struct VSIFileCloser
{
    void operator()(VSILFILE *fp) const
    {
        VSIFCloseL(fp);
    }
};
using VSIFileUniquePtr = std::unique_ptr<VSILFILE, VSIFileCloser>;

std::vector<FetchJob> PlanJobs(const std::vector<RangeRequest> &aoRequests,
                               const FetchSettings &oSettings)
{
    std::map<std::string, std::vector<size_t>> oByTarget;
    for (size_t i = 0; i < aoRequests.size(); ++i)
        oByTarget[aoRequests[i].osTarget].push_back(i);
    std::vector<FetchJob> aoJobs;
    for (const auto &oTarget : oByTarget)
    {
        std::vector<ByteRange> aoRanges;
        for (const size_t i : oTarget.second)
            aoRanges.push_back({aoRequests[i].nOffset, aoRequests[i].nSize});
        for (auto &oSpan : CoalesceRanges(aoRanges, oSettings.nGap,
                                          oSettings.nMaxMergedSize))
        {
            FetchJob oJob;
            oJob.posTarget = &oTarget.first;
            for (const size_t iMember : oSpan.anMembers)
                oJob.anRequests.push_back(oTarget.second[iMember]);
            oJob.oSpan = std::move(oSpan);
            aoJobs.push_back(std::move(oJob));
        }
    }
    // oByTarget dies here: point the jobs at the caller's strings instead.
    for (auto &oJob : aoJobs)
        oJob.posTarget = &aoRequests[oJob.anRequests.front()].osTarget;
    return aoJobs;
}

// Reads a job's span; false with osError on failure or a short read.
bool ReadSpan(const FetchJob &oJob, std::map<std::string, VSIFileUniquePtr> &oHandles,
              TargetOpener &oOpener, std::shared_ptr<ChunkBytes> &poBuffer,
              std::string &osError)
{
    const std::string &osTarget = *oJob.posTarget;
    const uint64_t nOffset = oJob.oSpan.nOffset;
    const uint64_t nSize = oJob.oSpan.nSize;
    CPLErrorReset();
    auto &poFile = oHandles[osTarget];
    if (!poFile)
        poFile.reset(oOpener.Open(osTarget));
    size_t nRead = 0;
    if (poFile)
    {
        poBuffer = std::make_shared<ChunkBytes>(static_cast<size_t>(nSize));
        if (ReadExactRange(poFile.get(), nOffset, poBuffer->data(), poBuffer->size()))
            return true;
        CPLErrorReset();
        if (VSIFSeekL(poFile.get(), nOffset, SEEK_SET) == 0)
            nRead = VSIFReadL(poBuffer->data(), 1, poBuffer->size(), poFile.get());
    }
    if (poFile && nRead == nSize)
        return true;
    osError = "cannot read bytes [" + std::to_string(nOffset) + ", " +
              std::to_string(nOffset + nSize) + ") of " + osTarget + ": " +
              (poFile ? "got " + std::to_string(nRead) + " bytes"
                      : std::string("cannot open it"));
    const char *pszDetail = CPLGetLastErrorMsg();
    if (pszDetail && *pszDetail)
        osError += std::string(" (") + pszDetail + ")";
    // A failed handle may be in a bad state: the next job reopens.
    poFile.reset();
    ForgetTargetStateAfterFailure(osTarget);
    return false;
}

void FailJob(const FetchJob &oJob, const std::string &osError, const FetchOutcomeSink &oSink)
{
    for (const size_t i : oJob.anRequests)
    {
        FetchOutcome oOutcome;
        oOutcome.osError = osError;
        oSink(i, std::move(oOutcome));
    }
}

void RunJob(const FetchJob &oJob, const std::vector<RangeRequest> &aoRequests,
            std::map<std::string, VSIFileUniquePtr> &oHandles, TargetOpener &oOpener,
            const FetchOutcomeSink &oSink, std::atomic<size_t> &nFailed)
{
    std::shared_ptr<ChunkBytes> poBuffer;
    std::string osError;
    bool bOK = false;
    try
    {
        bOK = ReadSpan(oJob, oHandles, oOpener, poBuffer, osError);
        if (bOK)
        {
            for (const size_t i : oJob.anRequests)
            {
                const RangeRequest &oRequest = aoRequests[i];
                FetchOutcome oOutcome;
                if (oJob.anRequests.size() == 1 && oRequest.nSize == poBuffer->size())
                    oOutcome.poBytes = std::move(poBuffer);
                else
                    oOutcome.poBytes = std::make_shared<const ChunkBytes>(
                        poBuffer->data() + (oRequest.nOffset - oJob.oSpan.nOffset),
                        static_cast<size_t>(oRequest.nSize));
                oSink(i, std::move(oOutcome));
            }
            return;
        }
    }
    catch (const std::bad_alloc &)
    {
        osError = "out of memory reading " + *oJob.posTarget;
    }
    ++nFailed;
    FailJob(oJob, osError, oSink);
}

}  // namespace

std::vector<FetchOutcome> FetchRanges(const std::vector<RangeRequest> &aoRequests,
                                      const FetchSettings &oSettings,
                                      FetchStats &oStats)
{
    std::vector<FetchOutcome> aoOutcomes(aoRequests.size());
    // Each request's outcome is written by one worker only.
    FetchRanges(aoRequests, oSettings, oStats, [&](size_t i, FetchOutcome &&oOutcome)
                { aoOutcomes[i] = std::move(oOutcome); });
    return aoOutcomes;
}

void FetchRanges(const std::vector<RangeRequest> &aoRequests, const FetchSettings &oSettings,
                 FetchStats &oStats, const FetchOutcomeSink &oSink)
{
    const std::vector<FetchJob> aoJobs = PlanJobs(aoRequests, oSettings);
    oStats.nRequests = aoJobs.size();
    for (const auto &oJob : aoJobs)
        oStats.nBytes += oJob.oSpan.nSize;

    std::atomic<size_t> nNextJob{0};
    std::atomic<size_t> nFailed{0};
    TargetOpener oOpener;
    // Workers see the caller's thread-local options (credentials, headers).
    const CPLStringList aosThreadOptions(CPLGetThreadLocalConfigOptions(), TRUE);
    auto Work = [&](bool bInCaller)
    {
        // Failures are reported by the reads that need the bytes, naming
        // the key: nothing is printed from here.
        CPLErrorHandlerPusher oQuiet(CPLQuietErrorHandler);
        if (!bInCaller)
            CPLSetThreadLocalConfigOptions(aosThreadOptions.List());
        std::map<std::string, VSIFileUniquePtr> oHandles;
        for (size_t i = nNextJob++; i < aoJobs.size(); i = nNextJob++)
            RunJob(aoJobs[i], aoRequests, oHandles, oOpener, oSink, nFailed);
        if (!bInCaller)
            CPLSetThreadLocalConfigOptions(nullptr);
    };
    // The caller works too: the batch gets done even when no pool thread
    // can be started.
    const size_t nWorkers =
        std::min(aoJobs.size(), std::max<size_t>(1, oSettings.nMaxInFlight));
    RunOnPoolThreads(nWorkers > 0 ? nWorkers - 1 : 0, [&] { Work(false); },
                     [&]
                     {
                         CPLErrorStateBackuper oKeepCallerError;
                         Work(true);
                     });
    oStats.nFailedRequests = nFailed;
}

}  // namespace kerchunk
