// Batch reads: range coalescing, the bounded chunk cache, the parallel
// fetcher through GDAL's VSI (/vsimem/ targets) and its thread pool, and
// /vsikerchunk/ serving prefetched keys from the cache.
#include "batch_fetcher.h"
#include "chunk_cache.h"
#include "chunk_prefetch.h"
#include "direct_http_fetch.h"
#include "fetch_worker_pool.h"
#include "range_coalescer.h"
#include "vsikerchunk.h"

#include "cpl_conv.h"
#include "cpl_error.h"
#include "cpl_vsi.h"

#include "loopback_http_server.h"
#include "test_files.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <cstring>
#include <condition_variable>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

using namespace kerchunk;
using namespace kerchunk_test;

namespace
{

std::string Text(const ChunkBytes &oBytes)
{
    return std::string(oBytes.data(), oBytes.size());
}

std::string Pattern(size_t nSize)
{
    std::string os(nSize, '\0');
    for (size_t i = 0; i < nSize; ++i)
        os[i] = static_cast<char>((i * 7 + i / 251) & 0xff);
    return os;
}

}  // namespace

TEST(RangeCoalescer, MergesWithinGapAndBoundsSize)
{
    // 0-10, 15-20 (gap 5), 100-110 (gap 80), 110-120 (touching), overlap 105-115
    const std::vector<ByteRange> aoRanges = {
        {100, 10}, {0, 10}, {15, 5}, {110, 10}, {105, 10}, {500, 0}};
    auto aoMerged = CoalesceRanges(aoRanges, 5, 1000);
    ASSERT_EQ(aoMerged.size(), 2u);
    EXPECT_EQ(aoMerged[0].nOffset, 0u);
    EXPECT_EQ(aoMerged[0].nSize, 20u);
    EXPECT_EQ(aoMerged[0].anMembers, (std::vector<size_t>{1, 2}));
    EXPECT_EQ(aoMerged[1].nOffset, 100u);
    EXPECT_EQ(aoMerged[1].nSize, 20u);
    EXPECT_EQ(aoMerged[1].anMembers, (std::vector<size_t>{0, 4, 3}));

    // Gap 0: only touching/overlapping ranges merge.
    EXPECT_EQ(CoalesceRanges(aoRanges, 0, 1000).size(), 3u);
    // Max size 15: 0-10 and 15-20 would span 20 bytes.
    aoMerged = CoalesceRanges(aoRanges, 5, 15);
    EXPECT_EQ(aoMerged.size(), 4u);
    // A range larger than the max stays whole.
    aoMerged = CoalesceRanges({{0, 100}, {100, 1}}, 64, 50);
    ASSERT_EQ(aoMerged.size(), 2u);
    EXPECT_EQ(aoMerged[0].nSize, 100u);
}

TEST(ChunkCache, EvictsLeastRecentlyUsedWithinCapacity)
{
    ChunkCache oCache;
    auto Bytes = [](size_t n)
    { return std::make_shared<const ChunkBytes>(std::string(n, 'x').data(), n); };
    oCache.Put("a", Bytes(40), 100);
    oCache.Put("b", Bytes(40), 100);
    ASSERT_NE(oCache.Get("a"), nullptr);  // a is now more recent than b
    oCache.Put("c", Bytes(40), 100);      // 120 > 100: b goes
    EXPECT_EQ(oCache.Get("b"), nullptr);
    EXPECT_NE(oCache.Get("a"), nullptr);
    EXPECT_NE(oCache.Get("c"), nullptr);
    EXPECT_EQ(oCache.GetTotalBytes(), 80u);
    oCache.Put("big", Bytes(101), 100);  // never stored
    EXPECT_FALSE(oCache.Contains("big"));
    EXPECT_LE(oCache.GetTotalBytes(), 100u);
    oCache.Put("a", Bytes(10), 100);  // replacing keeps the count right
    EXPECT_EQ(oCache.GetTotalBytes(), 50u);
    oCache.Put("d", Bytes(30), 60);  // a smaller capacity evicts more
    EXPECT_LE(oCache.GetTotalBytes(), 60u);
}

TEST(ChunkCache, ConcurrentUseStaysBounded)
{
    ChunkCache oCache;
    std::vector<std::thread> aoThreads;
    for (int t = 0; t < 4; ++t)
        aoThreads.emplace_back(
            [&oCache, t]
            {
                for (int i = 0; i < 2000; ++i)
                {
                    const std::string osKey = std::to_string((i * 13 + t) % 97);
                    const std::string osBytes(10 + i % 50, 'y');
                    oCache.Put(osKey,
                               std::make_shared<const ChunkBytes>(osBytes.data(),
                                                                            osBytes.size()),
                               1000);
                    oCache.Get(std::to_string(i % 97));
                }
            });
    for (auto &oThread : aoThreads)
        oThread.join();
    EXPECT_LE(oCache.GetTotalBytes(), 1000u);
}

TEST(BatchFetcher, CoalescesAndReturnsExactBytes)
{
    const std::string osData = Pattern(300000);
    WriteFile("/vsimem/bf/a.bin", osData);
    WriteFile("/vsimem/bf/b.bin", osData.substr(1000));
    std::vector<RangeRequest> aoRequests = {
        {"/vsimem/bf/a.bin", 10, 100},     {"/vsimem/bf/a.bin", 200, 50},
        {"/vsimem/bf/b.bin", 0, 10},       {"/vsimem/bf/a.bin", 200000, 5000},
        {"/vsimem/bf/a.bin", 299990, 20},  // past the end: short
        {"/vsimem/bf/missing.bin", 0, 4}};
    FetchSettings oSettings;
    oSettings.nGap = 1000;
    oSettings.nMaxMergedSize = 100000;
    oSettings.nMaxInFlight = 3;
    FetchStats oStats;
    const auto aoOutcomes = FetchRanges(aoRequests, oSettings, oStats);
    ASSERT_EQ(aoOutcomes.size(), aoRequests.size());
    // a: [10,250) one request, [200000,205000) one, [299990,300010) one; b; missing.
    EXPECT_EQ(oStats.nRequests, 5u);
    EXPECT_EQ(oStats.nFailedRequests, 2u);
    for (size_t i : {0, 1, 3})
    {
        ASSERT_NE(aoOutcomes[i].poBytes, nullptr) << i;
        EXPECT_EQ(Text(*aoOutcomes[i].poBytes),
                  osData.substr(aoRequests[i].nOffset, aoRequests[i].nSize))
            << i;
    }
    ASSERT_NE(aoOutcomes[2].poBytes, nullptr);
    EXPECT_EQ(Text(*aoOutcomes[2].poBytes), osData.substr(1000, 10));
    EXPECT_EQ(aoOutcomes[4].poBytes, nullptr);
    EXPECT_NE(aoOutcomes[4].osError.find("cannot read bytes [299990, 300010) of "
                                         "/vsimem/bf/a.bin: got 10 bytes"),
              std::string::npos)
        << aoOutcomes[4].osError;
    EXPECT_EQ(aoOutcomes[5].poBytes, nullptr);
    EXPECT_NE(aoOutcomes[5].osError.find("/vsimem/bf/missing.bin: cannot open it"),
              std::string::npos)
        << aoOutcomes[5].osError;
    VSIRmdirRecursive("/vsimem/bf");
}

TEST(ChunkSlab, DroppedViewGivesBackItsWholePagesOnly)
{
    const auto poSlab = ChunkSlab::Create(3 * ChunkSlab::MIN_SIZE / 2);
    ASSERT_NE(poSlab, nullptr);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(poSlab->data()) % ChunkSlab::MIN_SIZE, 0u);
    const std::string osData = Pattern(poSlab->size());
    poSlab->Populate(0, poSlab->size());
    memcpy(poSlab->data(), osData.data(), osData.size());
    // Three views, the middle one spanning whole pages and sharing the
    // pages at its ends with its neighbours.
    const size_t nFirstEnd = 100000;
    const size_t nMiddleEnd = 900000;
    auto poFirst = std::make_shared<const ChunkBytes>(poSlab, 0, nFirstEnd);
    auto poMiddle =
        std::make_shared<const ChunkBytes>(poSlab, nFirstEnd, nMiddleEnd - nFirstEnd);
    auto poLast = std::make_shared<const ChunkBytes>(poSlab, nMiddleEnd,
                                                     poSlab->size() - nMiddleEnd);
    EXPECT_EQ(Text(*poMiddle), osData.substr(nFirstEnd, nMiddleEnd - nFirstEnd));
    poMiddle.reset();
    // Its whole pages read as zeros now (given back); its neighbours' bytes,
    // in the pages they share with it too, are intact.
    const size_t nPage = 4096;
    const size_t nFirstWholePage = (nFirstEnd + nPage - 1) / nPage * nPage;
    EXPECT_EQ(std::string(poSlab->data() + nFirstWholePage, nPage), std::string(nPage, '\0'));
    EXPECT_EQ(Text(*poFirst), osData.substr(0, nFirstEnd));
    EXPECT_EQ(Text(*poLast), osData.substr(nMiddleEnd));
}

TEST(BatchFetcher, LargeBatchReadsIntoOneBlockAndOverlapsAreCopies)
{
    // Above ChunkSlab::MIN_SIZE: the batch's chunks are views of one block.
    const std::string osData = Pattern(6 * 1024 * 1024);
    WriteFile("/vsimem/bf_slab/a.bin", osData);
    std::vector<RangeRequest> aoRequests;
    for (uint64_t nOffset = 0; nOffset + 300000 <= osData.size(); nOffset += 400000)
        aoRequests.push_back({"/vsimem/bf_slab/a.bin", nOffset, 300000});
    // Two requests overlapping each other (merged into one span).
    aoRequests.push_back({"/vsimem/bf_slab/a.bin", 5000000, 200000});
    aoRequests.push_back({"/vsimem/bf_slab/a.bin", 5100000, 200000});
    FetchSettings oSettings;
    oSettings.nGap = 0;
    oSettings.nMaxInFlight = 4;
    FetchStats oStats;
    auto aoOutcomes = FetchRanges(aoRequests, oSettings, oStats);
    ASSERT_EQ(aoOutcomes.size(), aoRequests.size());
    EXPECT_EQ(oStats.nFailedRequests, 0u);
    // Dropping chunks, one by one, leaves every other chunk's bytes intact.
    for (size_t iDropped = 0; iDropped <= aoOutcomes.size(); ++iDropped)
    {
        for (size_t i = iDropped; i < aoOutcomes.size(); ++i)
        {
            ASSERT_NE(aoOutcomes[i].poBytes, nullptr) << i;
            ASSERT_EQ(Text(*aoOutcomes[i].poBytes),
                      osData.substr(aoRequests[i].nOffset, aoRequests[i].nSize))
                << "chunk " << i << " after dropping " << iDropped;
        }
        if (iDropped < aoOutcomes.size())
            aoOutcomes[iDropped].poBytes.reset();
    }
    VSIRmdirRecursive("/vsimem/bf_slab");
}

TEST(DirectHttp, OnlyHttpURLsOfCurlAndSignedS3TargetsAreFetchedDirectly)
{
    EXPECT_EQ(DirectHttpURL("/vsicurl/http://h:81/d/a.nc"), "http://h:81/d/a.nc");
    EXPECT_EQ(DirectHttpURL("/vsicurl/https://h/a.nc"), "https://h/a.nc");
    EXPECT_EQ(DirectHttpURL("/vsicurl/ftp://h/a.nc"), "");
    EXPECT_EQ(DirectHttpURL("/vsimem/a.nc"), "");
    EXPECT_EQ(DirectHttpURL("/vsigs/bucket/a.nc"), "");
    // /vsis3/: the URL GDAL signs with the configured credentials.
    CPLConfigOptionSetter oEndpoint("AWS_S3_ENDPOINT", "127.0.0.1:9", false);
    CPLConfigOptionSetter oHttps("AWS_HTTPS", "NO", false);
    CPLConfigOptionSetter oVirtualHosting("AWS_VIRTUAL_HOSTING", "FALSE", false);
    CPLConfigOptionSetter oKey("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE", false);
    CPLConfigOptionSetter oSecret("AWS_SECRET_ACCESS_KEY", "secret", false);
    const std::string osSigned = DirectHttpURL("/vsis3/bucket/d/a.nc");
    EXPECT_EQ(osSigned.rfind("http://127.0.0.1:9/bucket/d/a.nc?", 0), 0u) << osSigned;
    EXPECT_NE(osSigned.find("X-Amz-Signature="), std::string::npos) << osSigned;
    // A public bucket: the unsigned URL.
    CPLConfigOptionSetter oNoSign("AWS_NO_SIGN_REQUEST", "YES", false);
    EXPECT_EQ(DirectHttpURL("/vsis3/bucket/d/a.nc"), "http://127.0.0.1:9/bucket/d/a.nc");
}

namespace
{

// Fetches aoRanges of osURL directly, at most nMaxInFlight at once; each
// range's bytes, and whether it came.
struct DirectResults
{
    std::vector<std::string> aosBytes{};
    std::vector<bool> abOK{};
};

DirectResults FetchDirect(const std::string &osTarget, const std::string &osURL,
                          const std::vector<std::pair<uint64_t, size_t>> &aoRanges,
                          size_t nMaxInFlight)
{
    std::vector<DirectRange> aoDirect;
    for (const auto &oRange : aoRanges)
        aoDirect.push_back({&osTarget, &osURL, oRange.first, oRange.second});
    DirectResults oResults;
    oResults.aosBytes.resize(aoRanges.size());
    oResults.abOK.resize(aoRanges.size());
    FetchDirectRanges(
        aoDirect, nMaxInFlight,
        [&](size_t i)
        {
            oResults.aosBytes[i].resize(aoRanges[i].second);
            return &oResults.aosBytes[i][0];
        },
        [&](size_t i, bool bOK) { oResults.abOK[i] = bOK; });
    return oResults;
}

}  // namespace

TEST(DirectHttp, RangesGoStraightToTheirBuffersWithoutHead)
{
    const std::string osData = Pattern(1000000);
    LoopbackHttpServer oServer(osData);
    const std::string osTarget = "/vsicurl/" + oServer.URL("/a.bin");
    const std::string osURL = DirectHttpURL(osTarget);
    ASSERT_EQ(osURL, oServer.URL("/a.bin"));
    std::vector<std::pair<uint64_t, size_t>> aoRanges;
    for (uint64_t nOffset = 7; nOffset + 20000 < osData.size(); nOffset += 33333)
        aoRanges.emplace_back(nOffset, 20000);
    const auto oResults = FetchDirect(osTarget, osURL, aoRanges, 8);
    for (size_t i = 0; i < aoRanges.size(); ++i)
    {
        ASSERT_TRUE(oResults.abOK[i]) << i;
        EXPECT_EQ(oResults.aosBytes[i], osData.substr(aoRanges[i].first, aoRanges[i].second))
            << i;
    }
    EXPECT_EQ(oServer.Gets(), aoRanges.size());
    EXPECT_EQ(oServer.Heads(), 0u);
}

TEST(DirectHttp, FailedTransfersAreReportedNeverTakenForData)
{
    const std::string osData = Pattern(200000);
    const std::vector<std::pair<uint64_t, size_t>> aoRanges = {{1000, 50000}, {90000, 50000}};
    for (const auto eFault :
         {LoopbackHttpServer::Fault::Status503, LoopbackHttpServer::Fault::Reset,
          LoopbackHttpServer::Fault::ShortBody})
    {
        // A server each: libcurl itself sends a request again when a
        // connection it reuses closes unanswered.
        LoopbackHttpServer oServer(osData);
        const std::string osTarget = "/vsicurl/" + oServer.URL("/a.bin");
        const std::string osURL = DirectHttpURL(osTarget);
        // One at a time: the first range gets the fault, the second not.
        oServer.FailNext(eFault, 1);
        const auto oResults = FetchDirect(osTarget, osURL, aoRanges, 1);
        EXPECT_FALSE(oResults.abOK[0]) << static_cast<int>(eFault);
        EXPECT_TRUE(oResults.abOK[1]) << static_cast<int>(eFault);
        EXPECT_EQ(oResults.aosBytes[1], osData.substr(90000, 50000));
        // A failure of one request: the target still goes direct.
        EXPECT_EQ(DirectHttpURL(osTarget), osURL);
    }
}

TEST(DirectHttp, ServerIgnoringRangeGetsNoMoreDirectRequests)
{
    // Larger than the range asked for: the transfer must stop, not overflow.
    const std::string osData = Pattern(3000000);
    LoopbackHttpServer oServer(osData);
    const std::string osTarget = "/vsicurl/" + oServer.URL("/a.bin");
    const std::string osURL = DirectHttpURL(osTarget);
    oServer.FailNext(LoopbackHttpServer::Fault::WholeFile, 1);
    const auto oResults = FetchDirect(osTarget, osURL, {{100, 1000}}, 1);
    EXPECT_FALSE(oResults.abOK[0]);
    EXPECT_EQ(DirectHttpURL(osTarget), "");
}

TEST(DirectHttp, BatchReadsAFailedDirectRequestAgainThroughVSI)
{
    const std::string osData = Pattern(3000000);
    LoopbackHttpServer oServer(osData);
    const std::string osTarget = "/vsicurl/" + oServer.URL("/b.bin");
    CPLConfigOptionSetter oNoRetry("GDAL_HTTP_MAX_RETRY", "0", false);
    std::vector<RangeRequest> aoRequests;
    for (uint64_t nOffset = 0; nOffset + 100000 <= osData.size(); nOffset += 300000)
        aoRequests.push_back({osTarget, nOffset, 100000});
    FetchSettings oSettings;
    oSettings.nGap = 0;
    oSettings.nMaxInFlight = 1;  // the first request gets the fault
    oServer.FailNext(LoopbackHttpServer::Fault::Status503, 1);
    FetchStats oStats;
    const auto aoOutcomes = FetchRanges(aoRequests, oSettings, oStats);
    EXPECT_EQ(oStats.nDirectRequests, aoRequests.size());
    EXPECT_EQ(oStats.nFailedRequests, 0u);
    for (size_t i = 0; i < aoRequests.size(); ++i)
    {
        ASSERT_NE(aoOutcomes[i].poBytes, nullptr) << i << aoOutcomes[i].osError;
        EXPECT_EQ(Text(*aoOutcomes[i].poBytes), osData.substr(aoRequests[i].nOffset, 100000))
            << i;
    }
    // The failed one again through GDAL's /vsicurl/: its HEAD, then its GET.
    EXPECT_EQ(oServer.Heads(), 1u);
    EXPECT_EQ(oServer.Gets(), aoRequests.size() + 1);
    VSICurlClearCache();
}

TEST(BatchFetcher, StreamsEachOutcomeOnceAsItsRequestEnds)
{
    const std::string osData = Pattern(200000);
    WriteFile("/vsimem/bfs/a.bin", osData);
    std::vector<RangeRequest> aoRequests;
    for (uint64_t i = 0; i < 40; ++i)  // 40 requests: no gap joins them
        aoRequests.push_back({"/vsimem/bfs/a.bin", i * 5000, 1000 + i});
    aoRequests.push_back({"/vsimem/bfs/a.bin", 199999, 2});  // short
    aoRequests.push_back({"/vsimem/bfs/a.bin", 4500, 1});    // one byte
    FetchSettings oSettings;
    oSettings.nGap = 0;
    oSettings.nMaxInFlight = 4;
    FetchStats oStats;
    std::mutex oMutex;
    std::vector<int> anCalls(aoRequests.size(), 0);
    std::vector<FetchOutcome> aoOutcomes(aoRequests.size());
    FetchRanges(aoRequests, oSettings, oStats,
                [&](size_t i, FetchOutcome &&oOutcome)
                {
                    std::lock_guard<std::mutex> oLock(oMutex);
                    ++anCalls[i];
                    aoOutcomes[i] = std::move(oOutcome);
                });
    EXPECT_EQ(oStats.nRequests, aoRequests.size());
    EXPECT_EQ(oStats.nFailedRequests, 1u);
    for (size_t i = 0; i < aoRequests.size(); ++i)
    {
        EXPECT_EQ(anCalls[i], 1) << i;
        if (i == 40)
        {
            EXPECT_EQ(aoOutcomes[i].poBytes, nullptr);
            EXPECT_NE(aoOutcomes[i].osError.find("got 1 bytes"), std::string::npos)
                << aoOutcomes[i].osError;
            continue;
        }
        ASSERT_NE(aoOutcomes[i].poBytes, nullptr) << i << aoOutcomes[i].osError;
        EXPECT_EQ(Text(*aoOutcomes[i].poBytes),
                  osData.substr(aoRequests[i].nOffset, aoRequests[i].nSize))
            << i;
    }
    VSIRmdirRecursive("/vsimem/bfs");
}

TEST(FetchWorkerPool, RunsOnThatManyThreadsAtOnceAndKeepsThemForTheNextBatch)
{
    // More threads than any earlier test of this binary asked for, so the
    // pool holds exactly these after the first call.
    constexpr size_t N = 32;
    std::mutex oMutex;
    std::condition_variable oArrived;
    size_t nArrived = 0;
    bool bAllAtOnce = true;
    std::set<std::thread::id> aoFirst;
    std::set<std::thread::id> aoSecond;
    std::thread::id oCallerThread;
    auto RunsOn = [&](std::set<std::thread::id> &aoIds)
    {
        return [&]
        {
            std::unique_lock<std::mutex> oLock(oMutex);
            aoIds.insert(std::this_thread::get_id());
            ++nArrived;
            oArrived.notify_all();
            // Each run waits for all N: they can only all finish if they
            // run at the same time.
            if (!oArrived.wait_for(oLock, std::chrono::seconds(60),
                                   [&] { return nArrived % N == 0; }))
                bAllAtOnce = false;
        };
    };
    const auto InCaller = [&]
    {
        std::lock_guard<std::mutex> oLock(oMutex);
        oCallerThread = std::this_thread::get_id();
    };
    EXPECT_EQ(RunOnPoolThreads(N, RunsOn(aoFirst), InCaller), N);
    EXPECT_EQ(oCallerThread, std::this_thread::get_id());
    EXPECT_EQ(RunOnPoolThreads(N, RunsOn(aoSecond), [] {}), N);
    EXPECT_TRUE(bAllAtOnce);
    EXPECT_EQ(aoFirst.size(), N);
    EXPECT_EQ(aoFirst.count(std::this_thread::get_id()), 0u);
    EXPECT_EQ(aoSecond, aoFirst);  // no new thread for the second batch
}

class PrefetchTest : public ::testing::Test
{
  protected:
    void SetUp() override
    {
        InstallVSIKerchunkHandler();
        GetChunkCache().Clear();
        m_osData = Pattern(4000);
        WriteFile("/vsimem/pf/data.bin", m_osData);
        WriteFile("/vsimem/pf/refs.json", R"({
            "version": 1,
            "refs": {
                ".zgroup": "{\"zarr_format\":2}",
                "a/.zarray": "{\"chunks\":[100],\"compressor\":null,\"dtype\":\"|u1\",\"fill_value\":0,\"filters\":null,\"order\":\"C\",\"shape\":[400],\"zarr_format\":2,\"dimension_separator\":\"/\"}",
                "a/0": ["data.bin", 0, 100],
                "a/1": ["data.bin", 1000, 100],
                "a/2": ["data.bin", 2000, 100],
                "a/3": ["missing.bin", 0, 100]
            }})");
    }
    void TearDown() override
    {
        CPLSetConfigOption("KERCHUNK_CHUNK_CACHE_SIZE", nullptr);
        GetChunkCache().Clear();
        VSIRmdirRecursive("/vsimem/pf");
    }
    std::string m_osData;
};

TEST_F(PrefetchTest, BatchFillsCacheAndKeysAreServedFromIt)
{
    std::string osError;
    const auto poRefs = LoadReferences("/vsimem/pf/refs.json", osError);
    ASSERT_NE(poRefs, nullptr) << osError;
    EXPECT_EQ(GetChunkKeySeparator(*poRefs, "a"), "/");
    const auto oReport = PrefetchKeys(*poRefs, {"a/0", "a/1", "a/2", "a/3", "a/9", "a/0"});
    EXPECT_EQ(oReport.nFetched, 3u);
    EXPECT_EQ(oReport.nFailed, 1u);
    EXPECT_EQ(oReport.nRequests, 2u);  // gap 64 KB joins a/0..a/2
    EXPECT_EQ(GetChunkCache().GetTotalBytes(), 300u);
    // The target changes: a cached key still gives the fetched bytes, which
    // proves it is served from the cache.
    WriteFile("/vsimem/pf/data.bin", std::string(4000, 'z'));
    EXPECT_EQ(ReadAll("/vsikerchunk/{/vsimem/pf/refs.json}/a/1"), m_osData.substr(1000, 100));
    // A key that failed is read, and fails, on its own.
    CPLPushErrorHandler(CPLQuietErrorHandler);
    CPLErrorReset();
    const kerchunk::VSIFilePtr poFile =
        kerchunk::OpenVSIFile("/vsikerchunk/{/vsimem/pf/refs.json}/a/3", "rb");
    CPLPopErrorHandler();
    if (poFile)  // a handle failing every read, never "missing"
    {
        char ch;
        EXPECT_EQ(VSIFReadL(&ch, 1, 1, poFile.get()), 0u);
    }
    EXPECT_NE(std::string(CPLGetLastErrorMsg()).find("key 'a/3'"), std::string::npos)
        << CPLGetLastErrorMsg();
    // A second batch finds everything cached.
    const auto oAgain = PrefetchKeys(*poRefs, {"a/0", "a/1"});
    EXPECT_EQ(oAgain.nAlreadyCached, 2u);
    EXPECT_EQ(oAgain.nRequests, 0u);
}

TEST_F(PrefetchTest, BatchNeverExceedsCacheSize)
{
    CPLSetConfigOption("KERCHUNK_CHUNK_CACHE_SIZE", "250");
    std::string osError;
    const auto poRefs = LoadReferences("/vsimem/pf/refs.json", osError);
    ASSERT_NE(poRefs, nullptr) << osError;
    const auto oReport = PrefetchKeys(*poRefs, {"a/0", "a/1", "a/2"});
    EXPECT_EQ(oReport.nFetched, 2u);
    EXPECT_LE(GetChunkCache().GetTotalBytes(), 250u);
    // Not prefetched: read directly, same bytes.
    EXPECT_EQ(ReadAll("/vsikerchunk/{/vsimem/pf/refs.json}/a/2"), m_osData.substr(2000, 100));
}
