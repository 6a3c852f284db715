// Hostile references through the real /vsikerchunk/ handler (issue 12):
// special local files, FIFOs, declared lengths an uncompressed chunk cannot
// have, metadata documents nested too deep. Every refusal asserts its message.
#include "test_files.h"
#include "vsikerchunk.h"

#include "cpl_conv.h"
#include "cpl_error.h"
#include "cpl_string.h"
#include "cpl_vsi.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>

namespace
{

using kerchunk_test::ReadAll;
using kerchunk_test::WriteFile;

// Reads a key quietly and returns the last error message.
std::string ReadError(const std::string &osPath, std::string *posContent = nullptr)
{
    CPLErrorHandlerPusher oQuiet(CPLQuietErrorHandler);
    CPLErrorReset();
    const std::string osContent = ReadAll(osPath);
    if (posContent)
        *posContent = osContent;
    return CPLGetLastErrorMsg();
}

// A real local folder (the policy is about local files), removed at the end.
class TargetPolicyTest : public ::testing::Test
{
  protected:
    void SetUp() override
    {
        kerchunk::InstallVSIKerchunkHandler();
        char szTemplate[] = "/tmp/kerchunk_policy_XXXXXX";
        ASSERT_NE(mkdtemp(szTemplate), nullptr);
        m_osDir = szTemplate;
        WriteFile(m_osDir + "/data.bin", "0123456789");
        ASSERT_EQ(mkfifo((m_osDir + "/fifo").c_str(), 0600), 0);
        ASSERT_EQ(symlink("/proc/self/environ", (m_osDir + "/link").c_str()), 0);
        ASSERT_EQ(symlink("data.bin", (m_osDir + "/good_link").c_str()), 0);
        WriteFile(m_osDir + "/refs.json", R"({
            "ok": ["data.bin", 2, 3],
            "good_link": ["good_link", 0, 4],
            "fifo": ["fifo", 0, 4],
            "environ": ["/proc/self/environ"],
            "stat": ["/proc/self/stat", 0, 8],
            "zero": ["/dev/zero", 0, 8],
            "link": ["link"],
            "folder": ["file:///tmp"],
            "subfile": ["/vsisubfile/0_8,/proc/self/environ"],
            "gzip_dev": ["/vsigzip//dev/zero", 0, 8],
            "stdin": ["/vsistdin/", 0, 8]
        })");
        m_osRoot = "/vsikerchunk/{" + m_osDir + "/refs.json}";
    }
    void TearDown() override
    {
        CPLSetConfigOption("KERCHUNK_ALLOW_SPECIAL_FILES", nullptr);
        VSIRmdirRecursive(m_osDir.c_str());
    }
    std::string m_osDir{};
    std::string m_osRoot{};
};

TEST_F(TargetPolicyTest, RegularFilesAreRead)
{
    EXPECT_EQ(ReadAll(m_osRoot + "/ok"), "234");
    EXPECT_EQ(ReadAll(m_osRoot + "/good_link"), "0123");
}

TEST_F(TargetPolicyTest, SpecialFilesAreRefusedNamingTheOption)
{
    const struct
    {
        const char *pszKey;
        std::string osExpected;
    } asCases[] = {
        {"environ", "key 'environ': target '/proc/self/environ' is under /proc, "
                    "/sys or /dev (set KERCHUNK_ALLOW_SPECIAL_FILES=YES to allow it)"},
        {"stat", "key 'stat': target '/proc/self/stat' is under /proc, /sys or /dev"},
        {"zero", "key 'zero': target '/dev/zero' is under /proc, /sys or /dev"},
        {"link", "key 'link': target '" + m_osDir + "/link' resolves to /proc/"},
        {"folder", "key 'folder': target '/tmp' is a directory, not a regular file"},
        {"subfile", "key 'subfile': target '/vsisubfile/0_8,/proc/self/environ' is "
                    "under /proc, /sys or /dev"},
        {"gzip_dev", "key 'gzip_dev': target '/vsigzip//dev/zero' is under /proc"},
        {"stdin", "key 'stdin': target '/vsistdin/' reads the standard input or output"},
    };
    for (const auto &sCase : asCases)
    {
        std::string osContent;
        const std::string osError = ReadError(m_osRoot + "/" + sCase.pszKey, &osContent);
        EXPECT_EQ(osContent, "") << sCase.pszKey;
        EXPECT_NE(osError.find(sCase.osExpected), std::string::npos)
            << sCase.pszKey << ": " << osError;
    }
    // The metadata domain does not tell a refused target either.
    const CPLStringList aosMD(VSIGetFileMetadata((m_osRoot + "/environ").c_str(),
                                                 "KERCHUNK", nullptr));
    EXPECT_EQ(aosMD.FetchNameValue("TARGET"), nullptr);
}

TEST_F(TargetPolicyTest, FifoIsRefusedWithoutBlocking)
{
    // Should open() ever block on the FIFO again, a writer appears after 10 s
    // so that the test fails instead of hanging.
    std::atomic<bool> bDone{false};
    const std::string osFifo = m_osDir + "/fifo";
    std::thread oUnblocker(
        [&]
        {
            const auto tStart = std::chrono::steady_clock::now();
            while (!bDone && std::chrono::steady_clock::now() - tStart < std::chrono::seconds(10))
                std::this_thread::sleep_for(std::chrono::milliseconds(20));
            if (!bDone)
            {
                // Opened and closed at once: enough to unblock a reader.
                const kerchunk::UniqueFd oFd(open(osFifo.c_str(), O_WRONLY | O_NONBLOCK));
            }
        });
    const std::string osError = ReadError(m_osRoot + "/fifo");
    bDone = true;
    oUnblocker.join();
    EXPECT_NE(osError.find("key 'fifo': target '" + osFifo +
                           "' is a FIFO, not a regular file (set "
                           "KERCHUNK_ALLOW_SPECIAL_FILES=YES to allow it)"),
              std::string::npos)
        << osError;
    // A FIFO as the references file itself is refused too.
    std::string osLoadError;
    EXPECT_EQ(kerchunk::LoadReferences(osFifo, osLoadError), nullptr);
    EXPECT_EQ(osLoadError, "kerchunk references " + osFifo + " is not a regular file");
}

TEST_F(TargetPolicyTest, OptionAllowsSpecialFiles)
{
    CPLSetConfigOption("KERCHUNK_ALLOW_SPECIAL_FILES", "YES");
    const std::string osStat = ReadAll(m_osRoot + "/stat");
    ASSERT_EQ(osStat.size(), 8u);
    EXPECT_EQ(osStat.substr(0, std::to_string(getpid()).size()), std::to_string(getpid()));
    EXPECT_EQ(ReadAll(m_osRoot + "/zero"), std::string(8, '\0'));
}

class RawChunkLengthTest : public ::testing::Test
{
  protected:
    void SetUp() override
    {
        kerchunk::InstallVSIKerchunkHandler();
        WriteFile("/vsimem/rcl/data.bin", std::string(64, 'x'));
        WriteFile("/vsimem/rcl/refs.json", R"({"version": 1, "refs": {
            ".zgroup": "{\"zarr_format\":2}",
            "a/.zarray": "{\"chunks\":[1],\"compressor\":null,\"dtype\":\"<f8\",\"fill_value\":null,\"filters\":null,\"order\":\"C\",\"shape\":[2],\"zarr_format\":2}",
            "a/0": ["data.bin", 0, 8],
            "a/1": ["data.bin", 0, 4000],
            "b/.zarray": "{\"chunks\":[2,2],\"compressor\":null,\"dimension_separator\":\"/\",\"dtype\":\"<i2\",\"fill_value\":0,\"filters\":null,\"order\":\"C\",\"shape\":[4,4],\"zarr_format\":2}",
            "b/0/1": ["data.bin", 0, 7],
            "b/1/1": ["data.bin", 0, 8],
            "u/.zarray": "{\"chunks\":[3],\"compressor\":null,\"dtype\":\"<U2\",\"fill_value\":\"\",\"filters\":[],\"order\":\"C\",\"shape\":[3],\"zarr_format\":2}",
            "u/0": ["data.bin", 0, 20],
            "z/.zarray": "{\"chunks\":[4],\"compressor\":{\"id\":\"zlib\"},\"dtype\":\"<f8\",\"fill_value\":null,\"filters\":null,\"order\":\"C\",\"shape\":[4],\"zarr_format\":2}",
            "z/0": ["data.bin", 0, 5]
        }})");
    }
    void TearDown() override
    {
        VSIRmdirRecursive("/vsimem/rcl");
    }
    const std::string m_osRoot = "/vsikerchunk/{/vsimem/rcl/refs.json}";
};

TEST_F(RawChunkLengthTest, UncompressedChunkOfTheWrongLengthIsAnError)
{
    EXPECT_EQ(ReadAll(m_osRoot + "/a/0"), std::string(8, 'x'));
    EXPECT_EQ(ReadAll(m_osRoot + "/b/1/1"), std::string(8, 'x'));
    std::string osContent;
    EXPECT_EQ(ReadError(m_osRoot + "/a/1", &osContent),
              "/vsimem/rcl/refs.json: key 'a/1': length 4000 is not the 8 bytes of a "
              "chunk of array '/a', which has no compressor and no filters");
    EXPECT_EQ(osContent, "");
    EXPECT_EQ(ReadError(m_osRoot + "/b/0/1"),
              "/vsimem/rcl/refs.json: key 'b/0/1': length 7 is not the 8 bytes of a "
              "chunk of array '/b', which has no compressor and no filters");
    // numpy "<U2": 4 bytes a character.
    EXPECT_EQ(ReadError(m_osRoot + "/u/0"),
              "/vsimem/rcl/refs.json: key 'u/0': length 20 is not the 24 bytes of a "
              "chunk of array '/u', which has no compressor and no filters");
    // With a codec, the stored length is the codec's business.
    EXPECT_EQ(ReadAll(m_osRoot + "/z/0"), std::string(5, 'x'));
}

TEST(VSIKerchunkNesting, DeepMetadataDocumentIsLeftOutWithAWarning)
{
    kerchunk::InstallVSIKerchunkHandler();
    const std::string osDeep = "{\"x\":" + std::string(600, '[') + std::string(600, ']') + "}";
    char *pszBase64 = CPLBase64Encode(static_cast<int>(osDeep.size()),
                                      reinterpret_cast<const GByte *>(osDeep.data()));
    WriteFile("/vsimem/nest/refs.json", std::string(R"({".zgroup": "{\"zarr_format\":2}",
        ".zattrs": "base64:)") + pszBase64 + "\"}");
    CPLFree(pszBase64);
    CPLErrorHandlerPusher oQuiet(CPLQuietErrorHandler);
    CPLErrorReset();
    const auto oDoc =
        nlohmann::json::parse(ReadAll("/vsikerchunk/{/vsimem/nest/refs.json}/.zmetadata"));
    EXPECT_EQ(std::string(CPLGetLastErrorMsg()),
              "/vsimem/nest/refs.json: key '.zattrs': JSON nested more than 512 levels "
              "deep (at byte 516)");
    EXPECT_TRUE(oDoc["metadata"].contains(".zgroup"));
    EXPECT_FALSE(oDoc["metadata"].contains(".zattrs"));
    VSIRmdirRecursive("/vsimem/nest");
}

}  // namespace
