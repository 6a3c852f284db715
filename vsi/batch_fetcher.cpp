#include "batch_fetcher.h"
#include "direct_http_fetch.h"
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
#include <limits>
#include <map>
#include <mutex>
#include <new>
#include <utility>

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
    size_t nSlabOffset = 0;             // of its bytes in the batch's block
};

// Where a job's bytes are read to: its region of the batch's block
// (chunk_slab.h) when there is one, else a buffer of its own. Throws
// std::bad_alloc.
class JobBytes
{
  public:
    JobBytes(const FetchJob &oJob, std::shared_ptr<const ChunkSlab> poSlab)
        : m_poSlab(std::move(poSlab)), m_nSlabOffset(oJob.nSlabOffset),
          m_nSize(static_cast<size_t>(oJob.oSpan.nSize))
    {
        if (m_poSlab)
        {
            m_poSlab->Populate(m_nSlabOffset, m_nSize);
            m_pData = m_poSlab->data() + m_nSlabOffset;
        }
        else
        {
            m_poOwn = std::make_shared<ChunkBytes>(m_nSize);
            m_pData = m_poOwn->data();
        }
    }
    ~JobBytes()
    {
        // Bytes nobody took (a failed read, or copies made): back to the system.
        if (m_poSlab && !m_bViewed)
            m_poSlab->Release(m_nSlabOffset, m_nSize);
    }
    JobBytes(const JobBytes &) = delete;
    JobBytes &operator=(const JobBytes &) = delete;

    char *data() const
    {
        return m_pData;
    }

    // All the bytes, for the job's only request.
    SharedChunkBytes TakeAll()
    {
        if (!m_poSlab)
            return std::move(m_poOwn);
        m_bViewed = true;
        return std::make_shared<const ChunkBytes>(m_poSlab, m_nSlabOffset, m_nSize);
    }

    // [nStart, nStart + nSize) of the span for one of several requests: a
    // view when bDisjoint (no other request of the job overlaps it, since
    // a view gives its pages back when dropped), else a copy.
    SharedChunkBytes TakePart(size_t nStart, size_t nSize, bool bDisjoint)
    {
        if (!m_poSlab || !bDisjoint)
            return std::make_shared<const ChunkBytes>(m_pData + nStart, nSize);
        m_bViewed = true;
        return std::make_shared<const ChunkBytes>(m_poSlab, m_nSlabOffset + nStart, nSize);
    }

  private:
    std::shared_ptr<const ChunkSlab> m_poSlab{};
    size_t m_nSlabOffset = 0;
    size_t m_nSize = 0;
    std::shared_ptr<ChunkBytes> m_poOwn{};
    char *m_pData = nullptr;
    bool m_bViewed = false;
};

bool RequestsAreDisjoint(const FetchJob &oJob, const std::vector<RangeRequest> &aoRequests)
{
    std::vector<std::pair<uint64_t, uint64_t>> aoRanges;
    for (const size_t i : oJob.anRequests)
        aoRanges.emplace_back(aoRequests[i].nOffset, aoRequests[i].nSize);
    std::sort(aoRanges.begin(), aoRanges.end());
    for (size_t i = 1; i < aoRanges.size(); ++i)
    {
        if (aoRanges[i].first < aoRanges[i - 1].first + aoRanges[i - 1].second)
            return false;
    }
    return true;
}

// One block for a batch large enough to gain from huge pages, with each
// job's place in it; null (buffers job by job) otherwise.
std::shared_ptr<const ChunkSlab> MapBatchSlab(std::vector<FetchJob> &aoJobs, uint64_t nBytes)
{
    if (nBytes < ChunkSlab::MIN_SIZE || nBytes > std::numeric_limits<size_t>::max() / 4)
        return nullptr;
    auto poSlab = ChunkSlab::Create(static_cast<size_t>(nBytes));
    if (!poSlab)
        return nullptr;
    size_t nOffset = 0;
    for (auto &oJob : aoJobs)
    {
        oJob.nSlabOffset = nOffset;
        nOffset += static_cast<size_t>(oJob.oSpan.nSize);
    }
    return poSlab;
}

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
              TargetOpener &oOpener, char *pabyBuffer, std::string &osError)
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
        if (ReadExactRange(poFile.get(), nOffset, pabyBuffer, static_cast<size_t>(nSize)))
            return true;
        CPLErrorReset();
        if (VSIFSeekL(poFile.get(), nOffset, SEEK_SET) == 0)
            nRead = VSIFReadL(pabyBuffer, 1, static_cast<size_t>(nSize), poFile.get());
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

// Gives each request of a job that was read its bytes. Throws
// std::bad_alloc.
void DeliverJob(const FetchJob &oJob, const std::vector<RangeRequest> &aoRequests,
                JobBytes &oBytes, const FetchOutcomeSink &oSink)
{
    const bool bDisjoint = RequestsAreDisjoint(oJob, aoRequests);
    for (const size_t i : oJob.anRequests)
    {
        const RangeRequest &oRequest = aoRequests[i];
        FetchOutcome oOutcome;
        if (oJob.anRequests.size() == 1 && oRequest.nSize == oJob.oSpan.nSize)
            oOutcome.poBytes = oBytes.TakeAll();
        else
            oOutcome.poBytes =
                oBytes.TakePart(static_cast<size_t>(oRequest.nOffset - oJob.oSpan.nOffset),
                                static_cast<size_t>(oRequest.nSize), bDisjoint);
        oSink(i, std::move(oOutcome));
    }
}

std::string OutOfMemoryReading(const FetchJob &oJob)
{
    return "out of memory reading " + *oJob.posTarget;
}

void RunJob(const FetchJob &oJob, const std::vector<RangeRequest> &aoRequests,
            const std::shared_ptr<const ChunkSlab> &poSlab,
            std::map<std::string, VSIFileUniquePtr> &oHandles, TargetOpener &oOpener,
            const FetchOutcomeSink &oSink, std::atomic<size_t> &nFailed)
{
    std::string osError;
    try
    {
        JobBytes oBytes(oJob, poSlab);
        if (ReadSpan(oJob, oHandles, oOpener, oBytes.data(), osError))
        {
            DeliverJob(oJob, aoRequests, oBytes, oSink);
            return;
        }
    }
    catch (const std::bad_alloc &)
    {
        osError = OutOfMemoryReading(oJob);
    }
    ++nFailed;
    FailJob(oJob, osError, oSink);
}

// The jobs of a batch, as fetched: directly (direct_http_fetch.h) by the
// calling thread, or through VSI by the workers.
struct JobRoutes
{
    std::vector<size_t> anDirect{};  // indices into the jobs
    std::vector<DirectRange> aoDirectRanges{};
    std::vector<size_t> anVSI{};
    std::map<std::string, std::string> oURLs{};  // target -> direct URL or ""
};

JobRoutes RouteJobs(const std::vector<FetchJob> &aoJobs, const FetchSettings &oSettings)
{
    JobRoutes oRoutes;
    for (size_t i = 0; i < aoJobs.size(); ++i)
    {
        const FetchJob &oJob = aoJobs[i];
        const std::string *posURL = nullptr;
        if (oSettings.bDirectHttp && oJob.oSpan.nSize > 0)
        {
            auto oFound = oRoutes.oURLs.find(*oJob.posTarget);
            if (oFound == oRoutes.oURLs.end())
                oFound = oRoutes.oURLs
                             .emplace(*oJob.posTarget, DirectHttpURL(*oJob.posTarget))
                             .first;
            if (!oFound->second.empty())
                posURL = &oFound->second;
        }
        if (posURL == nullptr)
        {
            oRoutes.anVSI.push_back(i);
            continue;
        }
        oRoutes.anDirect.push_back(i);
        oRoutes.aoDirectRanges.push_back({oJob.posTarget, posURL, oJob.oSpan.nOffset,
                                          static_cast<size_t>(oJob.oSpan.nSize)});
    }
    return oRoutes;
}

// One batch in progress: its jobs, where their bytes go, and what is
// shared by the threads fetching them.
class BatchRun
{
  public:
    BatchRun(const std::vector<RangeRequest> &aoRequests, const FetchSettings &oSettings,
             const FetchOutcomeSink &oSink, std::vector<FetchJob> &&aoJobs,
             std::shared_ptr<const ChunkSlab> poSlab)
        : m_aoRequests(aoRequests), m_oSettings(oSettings), m_oSink(oSink),
          m_aoJobs(std::move(aoJobs)), m_poSlab(std::move(poSlab)),
          m_aosThreadOptions(CPLGetThreadLocalConfigOptions(), TRUE)
    {
        try
        {
            m_oRoutes = RouteJobs(m_aoJobs, m_oSettings);
        }
        catch (const std::bad_alloc &)
        {
            m_oRoutes = JobRoutes();
            for (size_t i = 0; i < m_aoJobs.size(); ++i)
                m_oRoutes.anVSI.push_back(i);
        }
    }

    // Jobs of http(s) targets are fetched directly by the caller while the
    // workers read the others through VSI; failed direct jobs then go
    // through VSI too. Returns the number of requests that failed.
    size_t Run()
    {
        ReadThroughVSI(m_oRoutes.anVSI, !m_oRoutes.anDirect.empty());
        if (!m_anRetry.empty())
            ReadThroughVSI(m_anRetry, false);
        return m_nFailed;
    }

    size_t DirectRequests() const
    {
        return m_oRoutes.anDirect.size();
    }

  private:
    // anJobs on the pool's threads and the caller's, the caller first
    // fetching the direct jobs when bDirectInCaller.
    void ReadThroughVSI(const std::vector<size_t> &anJobs, bool bDirectInCaller)
    {
        std::atomic<size_t> nNextJob{0};
        auto Work = [&](bool bInCaller)
        {
            // Failures are reported by the reads that need the bytes,
            // naming the key: nothing is printed from here.
            CPLErrorHandlerPusher oQuiet(CPLQuietErrorHandler);
            // Workers see the caller's thread-local options (credentials,
            // headers).
            if (!bInCaller)
                CPLSetThreadLocalConfigOptions(m_aosThreadOptions.List());
            else if (bDirectInCaller)
                FetchDirectJobs();
            std::map<std::string, VSIFileUniquePtr> oHandles;
            for (size_t i = nNextJob++; i < anJobs.size(); i = nNextJob++)
                RunJob(m_aoJobs[anJobs[i]], m_aoRequests, m_poSlab, oHandles, m_oOpener,
                       m_oSink, m_nFailed);
            if (!bInCaller)
                CPLSetThreadLocalConfigOptions(nullptr);
        };
        // The caller works too: the batch gets done even when no pool
        // thread can be started. While it fetches directly, the pool alone
        // reads through VSI.
        const size_t nWorkers =
            std::min(anJobs.size(), std::max<size_t>(1, m_oSettings.nMaxInFlight));
        const size_t nPoolThreads = bDirectInCaller ? nWorkers : nWorkers > 0 ? nWorkers - 1 : 0;
        RunOnPoolThreads(nPoolThreads, [&] { Work(false); },
                         [&]
                         {
                             CPLErrorStateBackuper oKeepCallerError;
                             Work(true);
                         });
    }

    // The direct jobs; those that failed go to m_anRetry, to be read
    // through VSI (which retries and reports as GDAL does).
    void FetchDirectJobs()
    {
        std::vector<std::unique_ptr<JobBytes>> apoBytes(m_oRoutes.anDirect.size());
        m_anRetry.reserve(m_oRoutes.anDirect.size());  // push_back below cannot throw
        FetchDirectRanges(
            m_oRoutes.aoDirectRanges, m_oSettings.nMaxInFlight,
            [&](size_t i) -> char *
            {
                try
                {
                    apoBytes[i] =
                        std::make_unique<JobBytes>(m_aoJobs[m_oRoutes.anDirect[i]], m_poSlab);
                    return apoBytes[i]->data();
                }
                catch (const std::bad_alloc &)
                {
                    return nullptr;
                }
            },
            [&](size_t i, bool bOK)
            {
                const FetchJob &oJob = m_aoJobs[m_oRoutes.anDirect[i]];
                if (!bOK || !apoBytes[i])
                    m_anRetry.push_back(m_oRoutes.anDirect[i]);
                else
                    DeliverOrFail(oJob, *apoBytes[i]);
                apoBytes[i].reset();
            });
    }

    void DeliverOrFail(const FetchJob &oJob, JobBytes &oBytes)
    {
        try
        {
            DeliverJob(oJob, m_aoRequests, oBytes, m_oSink);
        }
        catch (const std::bad_alloc &)
        {
            ++m_nFailed;
            FailJob(oJob, OutOfMemoryReading(oJob), m_oSink);
        }
    }

    const std::vector<RangeRequest> &m_aoRequests;
    const FetchSettings &m_oSettings;
    const FetchOutcomeSink &m_oSink;
    const std::vector<FetchJob> m_aoJobs;
    const std::shared_ptr<const ChunkSlab> m_poSlab;
    const CPLStringList m_aosThreadOptions;
    JobRoutes m_oRoutes{};
    std::atomic<size_t> m_nFailed{0};
    std::vector<size_t> m_anRetry{};  // direct jobs that failed
    TargetOpener m_oOpener{};
};

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
    std::vector<FetchJob> aoJobs = PlanJobs(aoRequests, oSettings);
    uint64_t nBatchBytes = 0;
    for (const auto &oJob : aoJobs)
        nBatchBytes += oJob.oSpan.nSize;
    oStats.nRequests = aoJobs.size();
    oStats.nBytes += nBatchBytes;
    auto poSlab = MapBatchSlab(aoJobs, nBatchBytes);
    BatchRun oRun(aoRequests, oSettings, oSink, std::move(aoJobs), std::move(poSlab));
    oStats.nDirectRequests = oRun.DirectRequests();
    oStats.nFailedRequests = oRun.Run();
}

}  // namespace kerchunk
