// The reference cache with real files, real directories, real processes and
// an injected generator (so that locking, atomicity and staleness are tested
// independently of the format generators; end-to-end tests with real
// NetCDF-4 files are in autotest/test_cache*.py).
#include "gdal_paths.h"
#include "generation_lock.h"
#include "generation_metrics.h"
#include "reference_cache.h"
#include "sha256.h"
#include "test_files.h"

#include "error.h"

#include "cpl_conv.h"
#include "cpl_error.h"
#include "cpl_vsi.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <ctime>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include <csignal>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

namespace
{

using kerchunk::CacheConfig;
using kerchunk::GenerateStats;
using kerchunk::ReferenceCache;

using kerchunk_test::WriteFile;

std::string ReadFile(const std::string &osPath)
{
    return kerchunk_test::ReadAll(osPath);
}

// "References" that depend on the source's content, so that a stale entry
// shows as wrong content; one line appended to a log per call, with O_APPEND
// so that concurrent processes can count generations.
struct FakeGenerator
{
    std::string osLog;
    int nDelayMs = 0;
    std::atomic<int> nCalls{0};

    kerchunk::GenerateFunc Func()
    {
        return [this](const std::string &osSource, VSILFILE *fp,
                      GDALProgressFunc pfnProgress, void *pData)
        {
            ++nCalls;
            if (!osLog.empty())
            {
                const kerchunk::UniqueFd oFd(
                    open(osLog.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644));
                const std::string osLine = std::to_string(getpid()) + "\n";
                if (write(oFd.Get(), osLine.data(), osLine.size()) < 0)
                    abort();
            }
            for (int i = 0; i < nDelayMs / 10; ++i)
            {
                if (!pfnProgress(i / (nDelayMs / 10.0), "", pData))
                    throw kerchunk::Error("interrupted");
                std::this_thread::sleep_for(std::chrono::milliseconds(10));
            }
            const std::string osContent = ReadFile(osSource);
            // Large enough to take several writes.
            std::string osRefs = "{\"version\":1,\"refs\":{\"sha\":\"" +
                                 kerchunk::Sha256Hex(osContent) + "\",\"pad\":\"" +
                                 std::string(100000, 'x') + "\"}}\n";
            VSIFWriteL(osRefs.data(), 1, osRefs.size(), fp);
            GenerateStats oStats;
            oStats.nArrays = 1;
            oStats.nChunks = 42;
            return oStats;
        };
    }
};

std::string ExpectedSha(const std::string &osRefsPath)
{
    const std::string osRefs = ReadFile(osRefsPath);
    const size_t nPos = osRefs.find("\"sha\":\"");
    return nPos == std::string::npos ? "" : osRefs.substr(nPos + 7, 64);
}

class CacheTest : public ::testing::Test
{
  protected:
    void SetUp() override
    {
        char szTemplate[] = "/tmp/kerchunk_cache_test_XXXXXX";
        ASSERT_NE(mkdtemp(szTemplate), nullptr);
        m_osRoot = szTemplate;
        chmod(m_osRoot.c_str(), 0755);
        m_osSource = m_osRoot + "/source.nc";
        WriteFile(m_osSource, "version one of the source");
        m_oConfig.osDir = m_osRoot + "/cache";
        m_oConfig.osGeneratorVersion = "test 1";
        m_oGen.osLog = m_osRoot + "/generations.log";
        CPLSetConfigOption("CPL_DEBUG", nullptr);
    }
    void TearDown() override
    {
        const std::string osCmd = "chmod -R u+w " + m_osRoot + " && rm -rf " + m_osRoot;
        if (system(osCmd.c_str()) != 0)
            ADD_FAILURE() << "cannot clean " << m_osRoot;
    }
    int Generations() const
    {
        std::ifstream oIn(m_oGen.osLog);
        int n = 0;
        std::string osLine;
        while (std::getline(oIn, osLine))
            ++n;
        return n;
    }
    std::string SourceSha() const
    {
        return kerchunk::Sha256Hex(ReadFile(m_osSource));
    }

    std::string m_osRoot{};
    std::string m_osSource{};
    CacheConfig m_oConfig{};
    FakeGenerator m_oGen{};
};

TEST_F(CacheTest, ColdThenCached)
{
    ReferenceCache oCache(m_oConfig, m_oGen.Func());
    auto oFirst = oCache.GetReferences(m_osSource);
    EXPECT_TRUE(oFirst.bGenerated);
    EXPECT_FALSE(oFirst.bInMemory);
    const std::string osKey = ReferenceCache::KeyOf(m_osSource);
    // KEY.<first 16 hex digits of the references' SHA-256>.json
    EXPECT_EQ(oFirst.osReferencesPath,
              m_oConfig.osDir + "/" + osKey + "." +
                  kerchunk::Sha256Hex(ReadFile(oFirst.osReferencesPath)).substr(0, 16) +
                  ".json");
    EXPECT_EQ(ExpectedSha(oFirst.osReferencesPath), SourceSha());
    EXPECT_EQ(oFirst.oInfo.nChunks, 42u);

    auto oSecond = oCache.GetReferences(m_osSource);
    EXPECT_FALSE(oSecond.bGenerated);
    EXPECT_EQ(oSecond.osReferencesPath, oFirst.osReferencesPath);
    EXPECT_EQ(oSecond.oInfo.nChunks, 42u);
    EXPECT_EQ(Generations(), 1);

    // The recorded metadata.
    std::string osState;
    auto oInfo = oCache.Info(m_osSource, osState);
    ASSERT_TRUE(oInfo.has_value());
    EXPECT_EQ(osState, "valid");
    EXPECT_EQ(oInfo->osSource, m_osSource);
    EXPECT_EQ(oInfo->oFingerprint.nSize, 25u);
    EXPECT_EQ(oInfo->osGeneratorVersion, "test 1");
    EXPECT_EQ(oInfo->nReferencesSize, ReadFile(oFirst.osReferencesPath).size());
    EXPECT_EQ(oInfo->osReferencesSha256,
              kerchunk::Sha256Hex(ReadFile(oFirst.osReferencesPath)));
    // No temporary file remains.
    VSIStatBufL sStat;
    EXPECT_NE(VSIStatL((oFirst.osReferencesPath + ".tmp").c_str(), &sStat), 0);
}

TEST_F(CacheTest, SameSourceSpelledDifferentlySharesEntry)
{
    ReferenceCache oCache(m_oConfig, m_oGen.Func());
    oCache.GetReferences(m_osSource);
    char *pszCwd = CPLGetCurrentDir();
    const std::string osCwd = pszCwd;
    CPLFree(pszCwd);
    ASSERT_EQ(chdir(m_osRoot.c_str()), 0);
    auto oResult = oCache.GetReferences("./sub/../source.nc");
    ASSERT_EQ(chdir(osCwd.c_str()), 0);
    EXPECT_FALSE(oResult.bGenerated);
    EXPECT_EQ(Generations(), 1);
    ASSERT_EQ(symlink(m_osSource.c_str(), (m_osRoot + "/link.nc").c_str()), 0);
    EXPECT_FALSE(oCache.GetReferences(m_osRoot + "//link.nc").bGenerated);
}

TEST_F(CacheTest, NormalizeSourceUri)
{
    EXPECT_EQ(kerchunk::NormalizeSourceUri("s3://bucket//a/./b.nc"),
              "/vsis3/bucket/a/b.nc");
    EXPECT_EQ(kerchunk::NormalizeSourceUri("/vsis3/bucket/x/../b.nc"),
              "/vsis3/bucket/b.nc");
    EXPECT_EQ(kerchunk::NormalizeSourceUri("https://h/a.nc"),
              "/vsicurl/https://h/a.nc");
    EXPECT_EQ(kerchunk::NormalizeSourceUri("file:///no/such/../file.nc"),
              "/no/file.nc");
    EXPECT_THROW(kerchunk::NormalizeSourceUri(""), kerchunk::Error);
    EXPECT_EQ(kerchunk::GDALPathToUrl("/vsis3/bucket/a.nc"), "s3://bucket/a.nc");
    EXPECT_EQ(kerchunk::GDALPathToUrl("/vsicurl/https://h/a.nc"), "https://h/a.nc");
    EXPECT_EQ(kerchunk::GDALPathToUrl("/data/a.nc"), "/data/a.nc");
}

TEST_F(CacheTest, RewrittenSourceIsRegenerated)
{
    ReferenceCache oCache(m_oConfig, m_oGen.Func());
    oCache.GetReferences(m_osSource);
    // Same size, same second: only the nanosecond mtime (or inode) tells.
    WriteFile(m_osSource, "version two of the source");
    std::string osState;
    oCache.Info(m_osSource, osState);
    EXPECT_EQ(osState.compare(0, 13, "stale: source"), 0) << osState;
    const std::string osOldPath =
        oCache.Info(m_osSource, osState)->osReferencesPath;
    auto oResult = oCache.GetReferences(m_osSource);
    EXPECT_TRUE(oResult.bGenerated);
    EXPECT_EQ(ExpectedSha(oResult.osReferencesPath), SourceSha());
    EXPECT_EQ(Generations(), 2);
    // New content, new path; the old file is gone.
    EXPECT_NE(oResult.osReferencesPath, osOldPath);
    VSIStatBufL sStat;
    EXPECT_NE(VSIStatL(osOldPath.c_str(), &sStat), 0);
}

TEST_F(CacheTest, GeneratorVersionChangeIsRegenerated)
{
    ReferenceCache(m_oConfig, m_oGen.Func()).GetReferences(m_osSource);
    m_oConfig.osGeneratorVersion = "test 2";
    ReferenceCache oCache(m_oConfig, m_oGen.Func());
    std::string osState;
    oCache.Info(m_osSource, osState);
    EXPECT_EQ(osState, "stale: made by test 1, now test 2");
    EXPECT_TRUE(oCache.GetReferences(m_osSource).bGenerated);
    EXPECT_FALSE(oCache.GetReferences(m_osSource).bGenerated);
    EXPECT_EQ(Generations(), 2);
}

TEST_F(CacheTest, ExpiredEntryIsRegenerated)
{
    m_oConfig.dfTTLDays = 1;
    ReferenceCache oCache(m_oConfig, m_oGen.Func());
    oCache.GetReferences(m_osSource);
    // Backdate the entry by two days.
    const std::string osMeta =
        m_oConfig.osDir + "/" + ReferenceCache::KeyOf(m_osSource) + ".meta.json";
    auto oJson = nlohmann::json::parse(ReadFile(osMeta));
    oJson["created"] = oJson["created"].get<double>() - 2 * 86400;
    WriteFile(osMeta, oJson.dump());
    std::string osState;
    oCache.Info(m_osSource, osState);
    EXPECT_EQ(osState, "stale: 2 days old, KERCHUNK_CACHE_TTL_DAYS=1");
    EXPECT_TRUE(oCache.GetReferences(m_osSource).bGenerated);
    EXPECT_EQ(Generations(), 2);
}

// Every way an entry can be torn or damaged: detected, never returned,
// replaced by a good one.
TEST_F(CacheTest, TornOrCorruptEntryIsReplaced)
{
    ReferenceCache oCache(m_oConfig, m_oGen.Func());
    const std::string osRefs = oCache.GetReferences(m_osSource).osReferencesPath;
    const std::string osMeta =
        m_oConfig.osDir + "/" + ReferenceCache::KeyOf(m_osSource) + ".meta.json";
    const std::string osGood = ReadFile(osRefs);
    const std::string osGoodMeta = ReadFile(osMeta);

    struct Damage
    {
        const char *pszName;
        std::function<void()> fn;
        const char *pszState;
    };
    const std::vector<Damage> aoDamages = {
        {"truncated references", [&] { WriteFile(osRefs, osGood.substr(0, 1000)); },
         "corrupt: references are 1000 bytes, expected"},
        {"flipped byte", [&] {
             std::string s = osGood;
             s[5000] = 'y';
             WriteFile(osRefs, s);
         },
         "corrupt: references checksum mismatch"},
        {"missing references", [&] { VSIUnlink(osRefs.c_str()); },
         "corrupt: references file missing"},
        {"truncated metadata", [&] { WriteFile(osMeta, osGoodMeta.substr(0, 40)); },
         "corrupt: unreadable metadata"},
        {"empty metadata", [&] { WriteFile(osMeta, ""); },
         "corrupt: unreadable metadata"},
        {"metadata pointing elsewhere", [&] {
             auto oJson = nlohmann::json::parse(osGoodMeta);
             oJson["references"] = "../source.nc";
             WriteFile(osMeta, oJson.dump());
         },
         "corrupt: unreadable metadata"},
    };
    int nExpected = 1;
    for (const auto &oDamage : aoDamages)
    {
        oDamage.fn();
        std::string osState;
        oCache.Info(m_osSource, osState);
        EXPECT_EQ(osState.find(oDamage.pszState), 0u)
            << oDamage.pszName << ": " << osState;
        auto oResult = oCache.GetReferences(m_osSource);
        EXPECT_TRUE(oResult.bGenerated) << oDamage.pszName;
        EXPECT_EQ(ReadFile(oResult.osReferencesPath), osGood) << oDamage.pszName;
        EXPECT_EQ(Generations(), ++nExpected) << oDamage.pszName;
    }
}

TEST_F(CacheTest, ForceRegenerates)
{
    ReferenceCache oCache(m_oConfig, m_oGen.Func());
    oCache.GetReferences(m_osSource);
    EXPECT_TRUE(oCache.GetReferences(m_osSource, true).bGenerated);
    EXPECT_EQ(Generations(), 2);
}

TEST_F(CacheTest, EightThreadsOneGeneration)
{
    m_oGen.nDelayMs = 300;
    std::vector<std::thread> aoThreads;
    std::vector<std::string> aosPaths(8);
    std::atomic<int> nErrors{0};
    for (int i = 0; i < 8; ++i)
        aoThreads.emplace_back(
            [&, i]
            {
                try
                {
                    ReferenceCache oCache(m_oConfig, m_oGen.Func());
                    aosPaths[i] = oCache.GetReferences(m_osSource).osReferencesPath;
                }
                catch (const std::exception &)
                {
                    ++nErrors;
                }
            });
    for (auto &oThread : aoThreads)
        oThread.join();
    EXPECT_EQ(nErrors, 0);
    EXPECT_EQ(Generations(), 1);
    for (const auto &osPath : aosPaths)
        EXPECT_EQ(ExpectedSha(osPath), SourceSha());
}

// fork()ed processes share nothing but the directory: only the lock file
// keeps them from generating twice.
TEST_F(CacheTest, EightProcessesOneGeneration)
{
    m_oGen.nDelayMs = 300;
    std::vector<pid_t> anPids;
    for (int i = 0; i < 8; ++i)
    {
        const pid_t nPid = fork();
        ASSERT_GE(nPid, 0);
        if (nPid == 0)
        {
            int nRet = 1;
            try
            {
                ReferenceCache oCache(m_oConfig, m_oGen.Func());
                const auto oResult = oCache.GetReferences(m_osSource);
                nRet = ExpectedSha(oResult.osReferencesPath) == SourceSha() ? 0 : 2;
            }
            catch (const std::exception &)
            {
                nRet = 3;
            }
            _exit(nRet);
        }
        anPids.push_back(nPid);
    }
    for (pid_t nPid : anPids)
    {
        int nStatus = 0;
        ASSERT_EQ(waitpid(nPid, &nStatus, 0), nPid);
        EXPECT_TRUE(WIFEXITED(nStatus) && WEXITSTATUS(nStatus) == 0) << nStatus;
    }
    EXPECT_EQ(Generations(), 1);
}

// A generator killed (SIGKILL) at various moments, while holding the lock:
// nothing torn remains, the lock is not left behind, the next call works.
TEST_F(CacheTest, KilledGeneratorLeavesNoTornEntry)
{
    m_oGen.nDelayMs = 200;
    for (int nKillAfterMs : {0, 20, 100, 190, 205, 215, 240})
    {
        ReferenceCache(m_oConfig).Remove(m_osSource);
        WriteFile(m_osSource, "content " + std::to_string(nKillAfterMs));
        const pid_t nPid = fork();
        ASSERT_GE(nPid, 0);
        if (nPid == 0)
        {
            ReferenceCache oCache(m_oConfig, m_oGen.Func());
            oCache.GetReferences(m_osSource);
            _exit(0);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(nKillAfterMs));
        kill(nPid, SIGKILL);
        int nStatus = 0;
        waitpid(nPid, &nStatus, 0);

        ReferenceCache oCache(m_oConfig, m_oGen.Func());
        std::string osState;
        oCache.Info(m_osSource, osState);
        EXPECT_TRUE(osState == "valid" || osState == "missing") << osState;
        const auto tStart = std::chrono::steady_clock::now();
        auto oResult = oCache.GetReferences(m_osSource);
        // The dead holder's lock did not make us wait for a lease timeout.
        EXPECT_LT(std::chrono::steady_clock::now() - tStart, std::chrono::seconds(5));
        EXPECT_EQ(ExpectedSha(oResult.osReferencesPath), SourceSha());
    }
}

TEST_F(CacheTest, GenerationTimeout)
{
    m_oGen.nDelayMs = 5000;
    m_oConfig.dfGenerationTimeout = 0.3;
    ReferenceCache oCache(m_oConfig, m_oGen.Func());
    try
    {
        oCache.GetReferences(m_osSource);
        FAIL() << "no timeout";
    }
    catch (const kerchunk::Error &e)
    {
        EXPECT_STREQ(e.what(), ("generation of references for " + m_osSource +
                                " timed out (KERCHUNK_GENERATION_TIMEOUT=0.3 s)")
                                   .c_str());
    }
    std::string osState;
    oCache.Info(m_osSource, osState);
    EXPECT_EQ(osState, "missing");
}

TEST_F(CacheTest, TimeoutWaitingForAnotherProcess)
{
    m_oGen.nDelayMs = 3000;
    const pid_t nPid = fork();
    ASSERT_GE(nPid, 0);
    if (nPid == 0)
    {
        ReferenceCache(m_oConfig, m_oGen.Func()).GetReferences(m_osSource);
        _exit(0);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    CacheConfig oConfig = m_oConfig;
    oConfig.dfGenerationTimeout = 0.5;
    try
    {
        ReferenceCache(oConfig, m_oGen.Func()).GetReferences(m_osSource);
        ADD_FAILURE() << "no timeout";
    }
    catch (const kerchunk::Error &e)
    {
        const std::string osMsg = e.what();
        EXPECT_NE(osMsg.find("timed out (KERCHUNK_GENERATION_TIMEOUT=0.5 s) waiting "
                             "for the references of " + m_osSource +
                             " being generated elsewhere: locked by pid " +
                             std::to_string(nPid)),
                  std::string::npos)
            << osMsg;
    }
    kill(nPid, SIGKILL);
    waitpid(nPid, nullptr, 0);
}

// Run fn in a child process without root's power to ignore permissions.
int RunAsUnprivileged(const std::function<int()> &fn)
{
    const pid_t nPid = fork();
    if (nPid == 0)
    {
        if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0))
            _exit(90);
        _exit(fn());
    }
    int nStatus = 0;
    waitpid(nPid, &nStatus, 0);
    return WIFEXITED(nStatus) ? WEXITSTATUS(nStatus) : 100 + nStatus;
}

std::string g_osLastWarning;
void CPL_STDCALL CollectWarning(CPLErr eErr, CPLErrorNum, const char *pszMsg)
{
    if (eErr == CE_Warning)
        g_osLastWarning = pszMsg;
}

TEST_F(CacheTest, ReadOnlyCacheDirKeepsReferencesInMemory)
{
    ASSERT_EQ(mkdir(m_oConfig.osDir.c_str(), 0555), 0);
    chmod(m_osRoot.c_str(), 0777);  // the generation log
    const int nRet = RunAsUnprivileged(
        [&]
        {
            ReferenceCache oCache(m_oConfig, m_oGen.Func());
            CPLPushErrorHandler(CollectWarning);
            auto oResult = oCache.GetReferences(m_osSource);
            CPLPopErrorHandler();
            if (!oResult.bInMemory || oResult.osReferencesPath.rfind("/vsimem/", 0) != 0)
                return 1;
            if (ExpectedSha(oResult.osReferencesPath) != SourceSha())
                return 2;
            if (g_osLastWarning.find("kept in memory only: cache directory " +
                                     m_oConfig.osDir + " is not writable") ==
                std::string::npos)
                return 3;
            // Reused in this process, not generated again.
            if (oCache.GetReferences(m_osSource).bGenerated)
                return 4;
            return 0;
        });
    EXPECT_EQ(nRet, 0) << g_osLastWarning;
    EXPECT_EQ(Generations(), 1);
}

// In-memory entries belong to one folder and one set of settings
// (cache_registry.h): caches that differ in either generate their own.
TEST_F(CacheTest, InMemoryEntriesAreNotSharedAcrossFoldersOrSettings)
{
    // Folders under a regular file cannot be created, even by root.
    CacheConfig oA = m_oConfig;
    oA.osDir = m_osSource + "/cache-a";
    CacheConfig oB = m_oConfig;
    oB.osDir = m_osSource + "/cache-b";
    CacheConfig oAVerifySizeOnly = oA;
    oAVerifySizeOnly.bVerifyChecksum = false;
    CacheConfig oATTL = oA;
    oATTL.dfTTLDays = 30;

    CPLPushErrorHandler(CPLQuietErrorHandler);
    const auto oFirst = ReferenceCache(oA, m_oGen.Func()).GetReferences(m_osSource);
    EXPECT_TRUE(oFirst.bInMemory && oFirst.bGenerated);
    // The same folder and settings, another object: reused.
    const auto oAgain = ReferenceCache(oA, m_oGen.Func()).GetReferences(m_osSource);
    EXPECT_FALSE(oAgain.bGenerated);
    EXPECT_EQ(oAgain.osReferencesPath, oFirst.osReferencesPath);
    EXPECT_EQ(Generations(), 1);
    // Another folder, then the same folder with other settings: generated.
    int nExpected = 1;
    for (const CacheConfig &oOther : {oB, oAVerifySizeOnly, oATTL})
    {
        const auto oResult = ReferenceCache(oOther, m_oGen.Func()).GetReferences(m_osSource);
        EXPECT_TRUE(oResult.bGenerated) << oOther.osDir;
        EXPECT_NE(oResult.osReferencesPath, oFirst.osReferencesPath);
        EXPECT_EQ(ExpectedSha(oResult.osReferencesPath), SourceSha());
        EXPECT_EQ(Generations(), ++nExpected);
    }
    // ... and the first one is still there, untouched.
    EXPECT_FALSE(ReferenceCache(oA, m_oGen.Func()).GetReferences(m_osSource).bGenerated);
    EXPECT_EQ(ExpectedSha(oFirst.osReferencesPath), SourceSha());
    CPLPopErrorHandler();
}

// A full disk: writes fail once the file grows past RLIMIT_FSIZE.
TEST_F(CacheTest, FullCacheDirKeepsReferencesInMemory)
{
    const pid_t nPid = fork();
    ASSERT_GE(nPid, 0);
    if (nPid == 0)
    {
        signal(SIGXFSZ, SIG_IGN);
        struct rlimit sLimit = {4096, 4096};
        setrlimit(RLIMIT_FSIZE, &sLimit);
        ReferenceCache oCache(m_oConfig, m_oGen.Func());
        CPLPushErrorHandler(CollectWarning);
        auto oResult = oCache.GetReferences(m_osSource);
        CPLPopErrorHandler();
        if (!oResult.bInMemory)
            _exit(1);
        if (ExpectedSha(oResult.osReferencesPath) != SourceSha())
            _exit(2);
        if (g_osLastWarning.find("cannot write to cache directory") == std::string::npos)
            _exit(3);
        _exit(0);
    }
    int nStatus = 0;
    waitpid(nPid, &nStatus, 0);
    EXPECT_TRUE(WIFEXITED(nStatus) && WEXITSTATUS(nStatus) == 0) << nStatus;
    // Nothing half-written became an entry.
    std::string osState;
    ReferenceCache(m_oConfig).Info(m_osSource, osState);
    EXPECT_EQ(osState, "missing");
}

TEST_F(CacheTest, ListRemovePurge)
{
    ReferenceCache oCache(m_oConfig, m_oGen.Func());
    const std::string osOther = m_osRoot + "/other.nc";
    WriteFile(osOther, "another source");
    oCache.GetReferences(m_osSource);
    oCache.GetReferences(osOther);
    auto aoEntries = oCache.List();
    ASSERT_EQ(aoEntries.size(), 2u);
    EXPECT_TRUE((aoEntries[0].osSource == m_osSource && aoEntries[1].osSource == osOther) ||
                (aoEntries[1].osSource == m_osSource && aoEntries[0].osSource == osOther));

    EXPECT_TRUE(oCache.Remove(osOther));
    EXPECT_FALSE(oCache.Remove(osOther));
    ASSERT_EQ(oCache.List().size(), 1u);

    // Backdated entry goes with --older-than 1, the fresh one stays.
    oCache.GetReferences(osOther);
    const std::string osMeta =
        m_oConfig.osDir + "/" + ReferenceCache::KeyOf(osOther) + ".meta.json";
    auto oJson = nlohmann::json::parse(ReadFile(osMeta));
    oJson["created"] = oJson["created"].get<double>() - 3 * 86400;
    WriteFile(osMeta, oJson.dump());
    EXPECT_EQ(oCache.Purge(1).nEntries, 1u);
    aoEntries = oCache.List();
    ASSERT_EQ(aoEntries.size(), 1u);
    EXPECT_EQ(aoEntries[0].osSource, m_osSource);
    EXPECT_EQ(oCache.Purge(0).nEntries, 1u);
    EXPECT_TRUE(oCache.List().empty());
}

// Sets the modification time of a local file dfAgeSeconds into the past.
void Backdate(const std::string &osPath, double dfAgeSeconds)
{
    struct timespec asTimes[2];
    clock_gettime(CLOCK_REALTIME, &asTimes[0]);
    asTimes[0].tv_sec -= static_cast<time_t>(dfAgeSeconds);
    asTimes[1] = asTimes[0];
    ASSERT_EQ(utimensat(AT_FDCWD, osPath.c_str(), asTimes, 0), 0) << osPath;
}

TEST_F(CacheTest, PurgeCoversCombinedReferencesAndGenerationRecords)
{
    ReferenceCache oCache(m_oConfig, m_oGen.Func());
    const std::string osCombined = m_oConfig.osDir + "/combined";
    const std::string osMetrics = m_oConfig.osDir + "/metrics";
    ASSERT_EQ(VSIMkdirRecursive(osCombined.c_str(), 0755), 0);
    const std::string osOld = osCombined + "/" + std::string(64, 'a') + ".json";
    const std::string osNew = osCombined + "/" + std::string(64, 'b') + ".json";
    const std::string osOldTemporary = osOld + ".tmp";
    const std::string osNewTemporary = osNew + ".tmp";
    const std::string osForeign = osCombined + "/README";
    for (const auto &osPath : {osOld, osNew, osOldTemporary, osNewTemporary, osForeign})
        WriteFile(osPath, "{}");
    Backdate(osOld, 3 * 86400);
    Backdate(osOldTemporary, 2 * 3600);
    // Day folders: one long past, today's, and a folder that is not a day.
    const std::string osToday = kerchunk::FormatUtc(
        static_cast<double>(time(nullptr)), "%Y-%m-%d");
    for (const std::string &osDay : {std::string("2001-02-03"), osToday, std::string("notaday")})
    {
        ASSERT_EQ(VSIMkdirRecursive((osMetrics + "/" + osDay).c_str(), 0755), 0);
        WriteFile(osMetrics + "/" + osDay + "/record.json", "{}");
    }
    const auto Exists = [](const std::string &osPath)
    {
        VSIStatBufL sStat;
        return VSIStatL(osPath.c_str(), &sStat) == 0;
    };

    kerchunk::PurgeCounts oCounts = oCache.Purge(1);
    EXPECT_EQ(oCounts.nEntries, 0u);
    EXPECT_EQ(oCounts.nCombined, 1u);
    EXPECT_EQ(oCounts.nRecordDays, 1u);
    EXPECT_FALSE(Exists(osOld));
    EXPECT_FALSE(Exists(osOldTemporary));  // abandoned for over an hour
    EXPECT_TRUE(Exists(osNew));
    EXPECT_TRUE(Exists(osNewTemporary));  // a writer may be at work
    EXPECT_TRUE(Exists(osForeign));
    EXPECT_FALSE(Exists(osMetrics + "/2001-02-03"));
    EXPECT_TRUE(Exists(osMetrics + "/" + osToday + "/record.json"));

    oCounts = oCache.Purge(0);
    EXPECT_EQ(oCounts.nCombined, 1u);
    EXPECT_EQ(oCounts.nRecordDays, 1u);
    EXPECT_FALSE(Exists(osNew));
    EXPECT_TRUE(Exists(osNewTemporary));
    EXPECT_TRUE(Exists(osForeign));
    EXPECT_FALSE(Exists(osMetrics + "/" + osToday));
    EXPECT_TRUE(Exists(osMetrics + "/notaday/record.json"));
}

// Leases (object stores, file systems without flock): tested on /vsimem/,
// which takes the object store code path (no exclusive create).
TEST(CacheLease, TakesOverAbandonedAndWaitsForLive)
{
    using kerchunk::GenerationLock;
    const std::string osLock = "/vsimem/lease_test/key.lock";
    VSIMkdir("/vsimem/lease_test", 0755);
    char szHost[256] = {};
    gethostname(szHost, sizeof(szHost) - 1);

    // A holder on this host whose pid is gone: taken over at once.
    const pid_t nDead = fork();
    if (nDead == 0)
        _exit(0);
    waitpid(nDead, nullptr, 0);
    WriteFile(osLock, std::to_string(nDead) + " " + szHost + " " +
                          std::to_string(time(nullptr)) + " deadbeef\n");
    std::unique_ptr<GenerationLock> poLock;
    std::string osWhy;
    EXPECT_EQ(GenerationLock::Acquire(osLock, kerchunk::Clock::now() + std::chrono::seconds(2),
                                      60, poLock, osWhy),
              GenerationLock::Status::Acquired) << osWhy;
    poLock.reset();
    // Released: the lease object is gone.
    VSIStatBufL sStat;
    EXPECT_NE(VSIStatL(osLock.c_str(), &sStat), 0);

    // A live holder elsewhere with a fresh heartbeat: we wait, then time out.
    WriteFile(osLock, "4242 otherhost " + std::to_string(time(nullptr)) + " cafe\n");
    EXPECT_EQ(GenerationLock::Acquire(osLock,
                                      kerchunk::Clock::now() + std::chrono::milliseconds(600),
                                      60, poLock, osWhy),
              GenerationLock::Status::TimedOut);
    EXPECT_EQ(osWhy, "locked by pid 4242 on host otherhost");

    // The same holder, silent for longer than the stale limit: taken over.
    WriteFile(osLock, "4242 otherhost " + std::to_string(time(nullptr) - 120) + " cafe\n");
    EXPECT_EQ(GenerationLock::Acquire(osLock, kerchunk::Clock::now() + std::chrono::seconds(2),
                                      60, poLock, osWhy),
              GenerationLock::Status::Acquired) << osWhy;
    // While held, the heartbeat keeps it fresh and others wait.
    std::unique_ptr<GenerationLock> poOther;
    EXPECT_EQ(GenerationLock::Acquire(osLock,
                                      kerchunk::Clock::now() + std::chrono::milliseconds(500),
                                      60, poOther, osWhy),
              GenerationLock::Status::TimedOut);
    poLock.reset();
    VSIRmdirRecursive("/vsimem/lease_test");
}

}  // namespace
