// The /vsikerchunk/ handler through GDAL's real VSI layer: references and
// targets live in /vsimem/, the code under test is reached by VSIFOpenL etc.
#include "test_files.h"
#include "vsikerchunk.h"

#include "cpl_conv.h"
#include "cpl_error.h"
#include "cpl_string.h"
#include "cpl_vsi.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace
{

using kerchunk_test::WriteFile;

// Reads a whole /vsikerchunk/ file; "<null>" when it cannot be opened. A
// small buffer on purpose: exercises partial reads.
std::string ReadAll(const std::string &osPath)
{
    return kerchunk_test::ReadAll(osPath, 7);
}

class VSIKerchunkTest : public ::testing::Test
{
  protected:
    void SetUp() override
    {
        kerchunk::InstallVSIKerchunkHandler();
        CPLErrorReset();
        WriteFile("/vsimem/vk/data.bin", "0123456789abcdefghij");
        WriteFile("/vsimem/vk/refs.json", R"({
            "version": 1,
            "refs": {
                ".zgroup": "{\"zarr_format\":2}",
                "g/.zgroup": "{\"zarr_format\":2}",
                "g/a/.zarray": "{\"chunks\":[4],\"compressor\":null,\"dtype\":\"|u1\",\"fill_value\":0,\"filters\":null,\"order\":\"C\",\"shape\":[8],\"zarr_format\":2}",
                "g/a/.zattrs": "{\"_ARRAY_DIMENSIONS\":[\"x\"]}",
                "g/a/0": ["data.bin", 10, 4],
                "g/a/1": "base64:AQIDBA==",
                "whole": ["data.bin"],
                "past_end": ["data.bin", 18, 5],
                "missing_target": ["nothere.bin", 0, 4],
                "loop": ["/vsikerchunk/{/vsimem/vk/refs.json}/whole", 0, 4],
                "huge": ["data.bin", 0, 9000000000000]
            }
        })");
    }
    void TearDown() override
    {
        VSIRmdirRecursive("/vsimem/vk");
    }
    const std::string m_osRoot = "/vsikerchunk/{/vsimem/vk/refs.json}";
};

TEST_F(VSIKerchunkTest, ReadsRangesInlineAndWholeFiles)
{
    EXPECT_EQ(ReadAll(m_osRoot + "/g/a/0"), "abcd");
    EXPECT_EQ(ReadAll(m_osRoot + "/g/a/1"), "\x01\x02\x03\x04");
    EXPECT_EQ(ReadAll(m_osRoot + "/whole"), "0123456789abcdefghij");
    EXPECT_EQ(ReadAll(m_osRoot + "/.zgroup"), "{\"zarr_format\":2}");
    // Braces are optional when the references path ends in .json.
    EXPECT_EQ(ReadAll("/vsikerchunk//vsimem/vk/refs.json/g/a/0"), "abcd");
}

TEST_F(VSIKerchunkTest, SeekStaysInsideTheRange)
{
    const kerchunk::VSIFilePtr poFile = kerchunk::OpenVSIFile(m_osRoot + "/g/a/0", "rb");
    ASSERT_TRUE(poFile);
    VSILFILE *fp = poFile.get();
    ASSERT_EQ(VSIFSeekL(fp, 0, SEEK_END), 0);
    EXPECT_EQ(VSIFTellL(fp), 4u);
    char achBuffer[16] = {};
    ASSERT_EQ(VSIFSeekL(fp, 2, SEEK_SET), 0);
    // Never bytes beyond the declared range ("efgh..." follows in the file).
    EXPECT_EQ(VSIFReadL(achBuffer, 1, sizeof(achBuffer), fp), 2u);
    EXPECT_EQ(std::string(achBuffer, 2), "cd");
    EXPECT_TRUE(VSIFEofL(fp));
}

TEST_F(VSIKerchunkTest, StatAndReadDir)
{
    VSIStatBufL sStat;
    ASSERT_EQ(VSIStatL(m_osRoot.c_str(), &sStat), 0);
    EXPECT_TRUE(VSI_ISDIR(sStat.st_mode));
    ASSERT_EQ(VSIStatL((m_osRoot + "/g/a").c_str(), &sStat), 0);
    EXPECT_TRUE(VSI_ISDIR(sStat.st_mode));
    ASSERT_EQ(VSIStatL((m_osRoot + "/g/a/0").c_str(), &sStat), 0);
    EXPECT_TRUE(VSI_ISREG(sStat.st_mode));
    EXPECT_EQ(sStat.st_size, 4);
    ASSERT_EQ(VSIStatL((m_osRoot + "/whole").c_str(), &sStat), 0);
    EXPECT_EQ(sStat.st_size, 20);

    const CPLStringList aosRoot(VSIReadDir(m_osRoot.c_str()));
    EXPECT_GE(aosRoot.FindString(".zmetadata"), 0);
    EXPECT_GE(aosRoot.FindString("g"), 0);
    EXPECT_GE(aosRoot.FindString("whole"), 0);
    const CPLStringList aosArray(VSIReadDir((m_osRoot + "/g/a").c_str()));
    EXPECT_EQ(aosArray.size(), 4);
}

TEST_F(VSIKerchunkTest, MissingKeyIsSilentENOENT)
{
    VSIStatBufL sStat;
    EXPECT_NE(VSIStatL((m_osRoot + "/g/a/7").c_str(), &sStat), 0);
    EXPECT_EQ(VSIFOpenL((m_osRoot + "/g/a/7").c_str(), "rb"), nullptr);
    EXPECT_EQ(errno, ENOENT);
    EXPECT_EQ(CPLGetLastErrorType(), CE_None) << CPLGetLastErrorMsg();
}

TEST_F(VSIKerchunkTest, SynthesizedConsolidatedMetadata)
{
    const auto oDoc = nlohmann::json::parse(ReadAll(m_osRoot + "/.zmetadata"));
    EXPECT_EQ(oDoc["zarr_consolidated_format"], 1);
    EXPECT_EQ(oDoc["metadata"]["g/a/.zarray"]["shape"][0], 8);
    EXPECT_EQ(oDoc["metadata"]["g/.zgroup"]["zarr_format"], 2);
    EXPECT_FALSE(oDoc["metadata"].contains("g/a/0"));
}

TEST_F(VSIKerchunkTest, MetadataDomainTellsTheTarget)
{
    const CPLStringList aosMD(VSIGetFileMetadata((m_osRoot + "/g/a/0").c_str(), "KERCHUNK", nullptr));
    EXPECT_STREQ(aosMD.FetchNameValue("TYPE"), "range");
    EXPECT_STREQ(aosMD.FetchNameValue("URL"), "data.bin");
    EXPECT_STREQ(aosMD.FetchNameValue("TARGET"), "/vsimem/vk/data.bin");
    EXPECT_STREQ(aosMD.FetchNameValue("OFFSET"), "10");
    EXPECT_STREQ(aosMD.FetchNameValue("SIZE"), "4");
    const CPLStringList aosInline(VSIGetFileMetadata((m_osRoot + "/g/a/1").c_str(), "KERCHUNK", nullptr));
    EXPECT_STREQ(aosInline.FetchNameValue("TYPE"), "inline");
}

TEST_F(VSIKerchunkTest, BadTargetsGiveErrorsNamingTheKey)
{
    CPLPushErrorHandler(CPLQuietErrorHandler);
    // Range past the end of the target: an error, and only the bytes that exist.
    CPLErrorReset();
    EXPECT_EQ(ReadAll(m_osRoot + "/past_end"), "ij");
    EXPECT_NE(std::string(CPLGetLastErrorMsg()).find("key 'past_end'"), std::string::npos);
    EXPECT_NE(std::string(CPLGetLastErrorMsg()).find("goes past the end of the target"),
              std::string::npos)
        << CPLGetLastErrorMsg();

    CPLErrorReset();
    EXPECT_EQ(ReadAll(m_osRoot + "/missing_target"), "");  // opens, reads fail
    EXPECT_NE(std::string(CPLGetLastErrorMsg()).find("key 'missing_target': cannot open target"),
              std::string::npos)
        << CPLGetLastErrorMsg();

    CPLErrorReset();
    EXPECT_EQ(ReadAll(m_osRoot + "/loop"), "");
    EXPECT_NE(std::string(CPLGetLastErrorMsg()).find("recursion refused"), std::string::npos)
        << CPLGetLastErrorMsg();

    CPLErrorReset();
    EXPECT_EQ(ReadAll(m_osRoot + "/huge"), "");
    EXPECT_NE(std::string(CPLGetLastErrorMsg()).find("key 'huge': size 9000000000000 exceeds "
                                                     "KERCHUNK_MAX_CHUNK_SIZE"),
              std::string::npos)
        << CPLGetLastErrorMsg();

    // A bad option value is an error naming it, not a limit of 0.
    CPLSetConfigOption("KERCHUNK_MAX_CHUNK_SIZE", "abc");
    CPLErrorReset();
    EXPECT_EQ(ReadAll(m_osRoot + "/g/a/0"), "");
    CPLSetConfigOption("KERCHUNK_MAX_CHUNK_SIZE", nullptr);
    EXPECT_NE(std::string(CPLGetLastErrorMsg())
                  .find("key 'g/a/0': KERCHUNK_MAX_CHUNK_SIZE=abc: expected a "
                        "non-negative integer"),
              std::string::npos)
        << CPLGetLastErrorMsg();

    CPLErrorReset();
    EXPECT_EQ(VSIFOpenL((m_osRoot + "/g/a/0").c_str(), "wb"), nullptr);
    EXPECT_NE(std::string(CPLGetLastErrorMsg()).find("read-only"), std::string::npos);
    CPLPopErrorHandler();
}

TEST_F(VSIKerchunkTest, MalformedReferencesFileIsReportedOnOpen)
{
    WriteFile("/vsimem/vk/bad.json", R"({"a/0": ["data.bin", -5, 1]})");
    CPLPushErrorHandler(CPLQuietErrorHandler);
    CPLErrorReset();
    // A handle that fails every read, so that a Zarr reader never takes the
    // chunk for a missing one (fill value).
    EXPECT_EQ(ReadAll("/vsikerchunk/{/vsimem/vk/bad.json}/a/0"), "");
    EXPECT_NE(std::string(CPLGetLastErrorMsg())
                  .find("invalid kerchunk references /vsimem/vk/bad.json: key 'a/0': offset -5 is negative"),
              std::string::npos)
        << CPLGetLastErrorMsg();
    CPLPopErrorHandler();
    std::string osError;
    EXPECT_EQ(kerchunk::LoadReferences("/vsimem/vk/none.json", osError), nullptr);
    EXPECT_EQ(osError, "kerchunk references /vsimem/vk/none.json not found");
}

TEST_F(VSIKerchunkTest, ReloadsWhenTheReferencesChange)
{
    EXPECT_EQ(ReadAll(m_osRoot + "/g/a/0"), "abcd");
    // Same key, other range; a different size makes the change visible
    // even within the same second.
    WriteFile("/vsimem/vk/refs.json",
              R"({"version": 1, "refs": {"g/a/0": ["data.bin", 0, 3], "new": "x"}})");
    EXPECT_EQ(ReadAll(m_osRoot + "/g/a/0"), "012");
    EXPECT_EQ(ReadAll(m_osRoot + "/new"), "x");
}

TEST_F(VSIKerchunkTest, ConcurrentReadersSeeConsistentBytes)
{
    std::atomic<int> nFailures{0};
    std::vector<std::thread> aoThreads;
    for (int iThread = 0; iThread < 8; ++iThread)
    {
        aoThreads.emplace_back(
            [&]
            {
                for (int i = 0; i < 200; ++i)
                {
                    if (ReadAll(m_osRoot + "/g/a/0") != "abcd" ||
                        ReadAll(m_osRoot + "/g/a/1") != "\x01\x02\x03\x04")
                        ++nFailures;
                }
            });
    }
    for (auto &oThread : aoThreads)
        oThread.join();
    EXPECT_EQ(nFailures.load(), 0);
}

}  // namespace

namespace
{

TEST(VSIKerchunkMetadata, CompressionFilterMovesToCompressorForGDAL36)
{
    kerchunk::InstallVSIKerchunkHandler();
    // kerchunk writes HDF5 deflate as filters=[shuffle, zlib], compressor=null.
    WriteFile("/vsimem/vkm/refs.json", R"({"version": 1, "refs": {
        ".zgroup": "{\"zarr_format\":2}",
        "a/.zarray": "{\"chunks\":[4],\"compressor\":null,\"dtype\":\"<i4\",\"fill_value\":0,\"filters\":[{\"id\":\"shuffle\",\"elementsize\":4},{\"id\":\"zlib\",\"level\":4}],\"order\":\"C\",\"shape\":[8],\"zarr_format\":2}"
    }})");
    const auto oZarray =
        nlohmann::json::parse(ReadAll("/vsikerchunk/{/vsimem/vkm/refs.json}/a/.zarray"));
    // zlib moves to the compressor position; the shuffle filter left is
    // folded with it into one chain compressor (GDAL 3.6's AdviseRead threads
    // must not read filter JSON: issue 9).
    EXPECT_EQ(oZarray["compressor"]["id"],
              R"(chain:{"id":"zlib","level":4}>{"id":"shuffle","elementsize":4})");
    EXPECT_TRUE(oZarray["filters"].is_null());
    // The consolidated metadata says the same.
    const auto oConsolidated =
        nlohmann::json::parse(ReadAll("/vsikerchunk/{/vsimem/vkm/refs.json}/.zmetadata"));
    EXPECT_EQ(oConsolidated["metadata"]["a/.zarray"], oZarray);
    VSIRmdirRecursive("/vsimem/vkm");
}

}  // namespace
