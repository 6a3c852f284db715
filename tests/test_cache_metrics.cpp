// Generation records of the reference cache: written by many threads at once
// without loss, read back, summarized (nearest-rank percentiles), and
// failures grouped by cause from the generators' real messages.
#include "generation_metrics.h"

#include "error.h"

#include "cpl_conv.h"
#include "cpl_vsi.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include <unistd.h>

namespace
{

using kerchunk::GenerationRecord;

std::string TempDir(const char *pszName)
{
    const std::string osDir =
        std::string(CPLGetConfigOption("TMPDIR", "/tmp")) + "/kerchunk_metrics_" +
        pszName + "_" + std::to_string(getpid());
    VSIRmdirRecursive(osDir.c_str());
    return osDir;
}

TEST(CacheMetrics, ConcurrentWritersLoseNothing)
{
    const std::string osDir = TempDir("concurrent");
    constexpr int nThreads = 8, nPerThread = 40;
    std::vector<std::thread> aoThreads;
    for (int t = 0; t < nThreads; ++t)
        aoThreads.emplace_back(
            [&osDir, t]()
            {
                for (int i = 0; i < nPerThread; ++i)
                {
                    GenerationRecord o;
                    o.osSource = "/data/f" + std::to_string(t * 1000 + i) + ".nc";
                    o.dfStart = 1.7e9 + t;  // same second: names still unique
                    o.dfDuration = 0.5;
                    o.nChunks = 1;
                    o.bOK = true;
                    o.osHost = "host";
                    o.nPid = 1;
                    std::string osWhy;
                    EXPECT_TRUE(kerchunk::WriteGenerationRecord(osDir, o, osWhy)) << osWhy;
                }
            });
    for (auto &oThread : aoThreads)
        oThread.join();
    const auto oRecords = kerchunk::ReadGenerationRecords(osDir, 0);
    EXPECT_EQ(oRecords.aoRecords.size(), static_cast<size_t>(nThreads * nPerThread));
    EXPECT_EQ(oRecords.nUnreadable, 0u);
    EXPECT_EQ(kerchunk::ReadGenerationRecords(osDir, 1.7e9 + 4).aoRecords.size(),
              static_cast<size_t>(4 * nPerThread));
    VSIRmdirRecursive(osDir.c_str());
}

TEST(CacheMetrics, SummaryPercentilesAreNearestRank)
{
    std::vector<GenerationRecord> aoRecords;
    for (int i = 1; i <= 200; ++i)
    {
        GenerationRecord o;
        o.bOK = i <= 100;
        o.dfDuration = o.bOK ? i : 1000;  // failures do not count in durations
        o.nChunks = 2;
        o.nBytesRead = 10;
        o.dfStart = i;
        o.osCause = o.bOK ? "" : (i % 2 ? "timeout" : "a-cause-from-a-newer-version");
        aoRecords.push_back(o);
    }
    const auto o = kerchunk::Summarize(aoRecords);
    EXPECT_EQ(o.nOK, 100u);
    EXPECT_EQ(o.nFailed, 100u);
    EXPECT_EQ(o.dfP50, 50);
    EXPECT_EQ(o.dfP90, 90);
    EXPECT_EQ(o.dfP99, 99);
    EXPECT_EQ(o.dfMax, 100);
    EXPECT_EQ(o.dfSum, 5050);
    EXPECT_EQ(o.nChunks, 200u);
    EXPECT_EQ(o.nBytesRead, 2000u);
    EXPECT_EQ(o.oFailuresByCause.at("timeout"), 50u);
    EXPECT_EQ(o.oFailuresByCause.at("other"), 50u);
    EXPECT_EQ(o.oFailuresByCause.size(), kerchunk::FailureCauses().size());
    EXPECT_EQ(o.dfLastSuccess, 100);
    EXPECT_EQ(o.dfLastFailure, 200);
    const auto oEmpty = kerchunk::Summarize({});
    EXPECT_EQ(oEmpty.dfP99, 0);
}

// Messages as the generators and the cache write them.
TEST(CacheMetrics, FailureCauses)
{
    const std::pair<const char *, const char *> aoCases[] = {
        {"a.nc: not a NetCDF-4/HDF5, NetCDF-3 or GRIB file (unknown magic bytes)",
         "unknown_format"},
        {"a.nc: cannot open as HDF5 (truncated or corrupt file?): ...", "malformed_source"},
        {"a.nc: NetCDF-3 header: bad tag", "malformed_source"},
        {"a.grib: GRIB message 3 (offset 100): truncated", "malformed_source"},
        {"/x/a.nc: no such file", "source_not_found"},
        {"cannot open /vsis3/b/a.nc", "unreadable_source"},
        {"a.grib: read error at offset 10", "unreadable_source"},
        {"a.nc: interrupted", "timeout"},
        {"timed out (KERCHUNK_GENERATION_TIMEOUT=1 s) waiting", "timeout"},
        {"a.nc: dataset /t: scaleoffset filter is not supported (--strict)", "unsupported"},
        {"writing the references failed (disk full?)", "write_failed"},
        {"something new", "other"},
    };
    for (const auto &oCase : aoCases)
        EXPECT_EQ(kerchunk::ClassifyFailure(oCase.first), oCase.second) << oCase.first;
}

// The helper records success and failure and lets the exception through.
TEST(CacheMetrics, RecordedGeneration)
{
    const std::string osDir = TempDir("recorded");
    const auto oStats = kerchunk::RecordedGeneration(
        osDir, "/data/ok.nc",
        []()
        {
            kerchunk::GenerateStats o;
            o.nChunks = 7;
            o.nArrays = 2;
            o.nBytesRead = 1234;
            return o;
        });
    EXPECT_EQ(oStats.nChunks, 7u);
    EXPECT_THROW(kerchunk::RecordedGeneration(
                     osDir, "/data/bad.nc",
                     []() -> kerchunk::GenerateStats
                     { throw kerchunk::Error("/data/bad.nc: no such file"); }),
                 kerchunk::Error);
    const auto oRecords = kerchunk::ReadGenerationRecords(osDir, 0).aoRecords;
    ASSERT_EQ(oRecords.size(), 2u);
    const auto &oOK = oRecords[0].bOK ? oRecords[0] : oRecords[1];
    const auto &oBad = oRecords[0].bOK ? oRecords[1] : oRecords[0];
    EXPECT_EQ(oOK.osSource, "/data/ok.nc");
    EXPECT_EQ(oOK.nChunks, 7u);
    EXPECT_EQ(oOK.nBytesRead, 1234u);
    EXPECT_EQ(oOK.nPid, static_cast<int64_t>(getpid()));
    EXPECT_FALSE(oBad.bOK);
    EXPECT_EQ(oBad.osCause, "source_not_found");
    EXPECT_EQ(oBad.osError, "/data/bad.nc: no such file");
    // No cache directory: nothing recorded, nothing thrown.
    EXPECT_NO_THROW(kerchunk::RecordedGeneration("", "/data/ok.nc",
                                                 []() { return kerchunk::GenerateStats(); }));
    VSIRmdirRecursive(osDir.c_str());
}

}  // namespace
