// GRIB message locator and header parsing, against eccodes itself on real
// messages (eccodes' samples from libeccodes-data, and two messages of
// pygrib's eta.grb, MIT, see data/LICENSES.md), plus malformed files whose
// error messages are asserted.
#include "error.h"
#include "test_files.h"
#include "generator.h"
#include "grib/grib_handle.h"
#include "grib/grib_locator.h"
#include "reference_writer.h"

#include "cpl_conv.h"
#include "cpl_string.h"
#include "cpl_vsi.h"

#include <eccodes.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

// eccodes 2.28 leaks a few internal blocks when it gives up on a malformed
// message (MutatedMessagesNeverCrash); not ours to fix: keep LeakSanitizer
// quiet about allocations made inside libeccodes only.
extern "C" const char *__lsan_default_suppressions();
extern "C" __attribute__((visibility("default"), used)) const char *
__lsan_default_suppressions()
{
    return "leak:libeccodes.so\n";
}

namespace kerchunk
{
namespace
{

const std::string SAMPLES = "/usr/share/eccodes/samples/";

using kerchunk_test::ReadInputFile;

std::string TestData(const std::string &osName)
{
    const char *pszDir = getenv("KERCHUNK_TEST_DATA");
    return std::string(pszDir ? pszDir : "tests/data") + "/" + osName;
}

class MemFile
{
  public:
    MemFile(const std::string &osName, const std::string &osBytes)
        : m_osPath("/vsimem/test_grib/" + osName)
    {
        kerchunk_test::WriteFile(m_osPath, osBytes);
    }
    ~MemFile()
    {
        VSIUnlink(m_osPath.c_str());
    }
    const std::string &Path() const
    {
        return m_osPath;
    }

  private:
    std::string m_osPath;
};

std::vector<GribMessage> Locate(const std::string &osPath)
{
    GribFileReader oReader(osPath);
    return LocateGribMessages(oReader);
}

std::string LocateError(const std::string &osName, const std::string &osBytes)
{
    MemFile oFile(osName, osBytes);
    try
    {
        Locate(oFile.Path());
    }
    catch (const Error &e)
    {
        return e.what();
    }
    return "no error";
}

// Values of every field of a file, as eccodes decodes them with its
// multi-field support (the reference for what a reader must return).
std::vector<std::vector<double>> EccodesFields(const std::string &osPath)
{
    std::vector<std::vector<double>> aadf;
    const kerchunk_test::StdFilePtr poFile(fopen(osPath.c_str(), "rb"));
    if (!poFile)
        return aadf;
    codes_grib_multi_support_on(nullptr);
    int nErr = 0;
    while (codes_handle *h =
               codes_handle_new_from_file(nullptr, poFile.get(), PRODUCT_GRIB, &nErr))
    {
        size_t n = 0;
        codes_get_size(h, "values", &n);
        std::vector<double> adf(n);
        codes_get_double_array(h, "values", adf.data(), &n);
        aadf.push_back(adf);
        codes_handle_delete(h);
    }
    codes_grib_multi_support_off(nullptr);
    return aadf;
}

std::vector<double> DecodeMessage(const std::string &osBytes)
{
    codes_handle *h =
        codes_handle_new_from_message(nullptr, osBytes.data(), osBytes.size());
    if (!h)
        return {};
    size_t n = 0;
    codes_get_size(h, "values", &n);
    std::vector<double> adf(n);
    codes_get_double_array(h, "values", adf.data(), &n);
    codes_handle_delete(h);
    return adf;
}

TEST(GribLocator, PaddingWmoHeadersJunkAndMixedEditions)
{
    const std::string os2 = ReadInputFile(SAMPLES + "GRIB2.tmpl");
    const std::string os1 = ReadInputFile(SAMPLES + "GRIB1.tmpl");
    const std::string osLL = ReadInputFile(SAMPLES + "regular_ll_sfc_grib2.tmpl");
    // An 80-byte WMO abbreviated heading (as in NDFD files) before the first
    // message, zero padding, a false "GRIB" marker with an unknown edition,
    // and trailing bytes.
    std::string osWmo = "\x01\r\r\n123\r\r\nYTHZ98 KWBN 051200\r\r\n";
    osWmo.resize(80, ' ');
    std::string osFile = osWmo + os2;
    const uint64_t nOff1 = osFile.size() + 7;
    osFile += std::string(7, '\0') + os1 + "GRIB\x01\x02\x03\x09 not a message";
    const uint64_t nOff2 = osFile.size();
    osFile += osLL + "trailing junk, no marker here";

    MemFile oFile("mixed.grib", osFile);
    const auto aoMessages = Locate(oFile.Path());
    ASSERT_EQ(aoMessages.size(), 3u);
    EXPECT_EQ(aoMessages[0].nOffset, 80u);
    EXPECT_EQ(aoMessages[0].nLength, os2.size());
    EXPECT_EQ(aoMessages[0].nEdition, 2);
    EXPECT_EQ(aoMessages[1].nOffset, nOff1);
    EXPECT_EQ(aoMessages[1].nLength, os1.size());
    EXPECT_EQ(aoMessages[1].nEdition, 1);
    EXPECT_EQ(aoMessages[2].nOffset, nOff2);
    EXPECT_EQ(aoMessages[2].nLength, osLL.size());
    EXPECT_EQ(aoMessages[2].nNumber, 3);
    for (const auto &oMsg : aoMessages)
        EXPECT_EQ(oMsg.aoFields.size(), 1u);
}

TEST(GribLocator, MultiFieldMessageFieldsDecodeAlone)
{
    const std::string osPath = TestData("grib/eta_multifield.grb2");
    const auto aoExpected = EccodesFields(osPath);
    ASSERT_EQ(aoExpected.size(), 3u);  // 1 + 2 fields

    GribFileReader oReader(osPath);
    const auto aoMessages = LocateGribMessages(oReader);
    ASSERT_EQ(aoMessages.size(), 2u);
    ASSERT_EQ(aoMessages[0].aoFields.size(), 1u);
    ASSERT_EQ(aoMessages[1].aoFields.size(), 2u);
    // The second field repeats sections 4-7 and inherits 1 and 3.
    const auto &oField = aoMessages[1].aoFields[1];
    std::vector<int> anNumbers;
    for (const auto &oSec : oField.aoSections)
        anNumbers.push_back(oSec.nNumber);
    EXPECT_EQ(anNumbers, (std::vector<int>{1, 3, 4, 5, 6, 7}));
    EXPECT_EQ(oField.aoSections[1].nOffset,
              aoMessages[1].aoFields[0].aoSections[1].nOffset);

    // Whole message -> first field; rebuilt message -> second field, exactly.
    const std::string osWhole = oReader.ReadString(
        aoMessages[1].nOffset, static_cast<size_t>(aoMessages[1].nLength));
    EXPECT_EQ(DecodeMessage(osWhole), aoExpected[1]);
    const std::string osRebuilt =
        BuildSingleFieldMessage(oReader, aoMessages[1], oField);
    EXPECT_LT(osRebuilt.size(), osWhole.size());
    EXPECT_EQ(osRebuilt.substr(osRebuilt.size() - 4), "7777");
    EXPECT_EQ(DecodeMessage(osRebuilt), aoExpected[2]);
    EXPECT_NE(aoExpected[1], aoExpected[2]);
}

// The header-only bytes (partial GRIB2 message, reduced GRIB1 message) give
// eccodes the same keys as the complete message, for every eccodes sample.
TEST(GribLocator, HeaderMessagesAgreeWithFullParseOnAllSamples)
{
    char **papszFiles = VSIReadDir(SAMPLES.c_str());
    int nChecked = 0;
    for (char **ppsz = papszFiles; ppsz && *ppsz; ++ppsz)
    {
        const std::string osName = *ppsz;
        if (osName.find(".tmpl") == std::string::npos ||
            (osName.find("grib") == std::string::npos &&
             osName.find("GRIB") == std::string::npos))
            continue;
        const std::string osPath = SAMPLES + osName;
        GribFileReader oReader(osPath);
        std::vector<GribMessage> aoMessages;
        ASSERT_NO_THROW(aoMessages = LocateGribMessages(oReader)) << osName;
        ASSERT_FALSE(aoMessages.empty()) << osName;
        const auto &oMsg = aoMessages[0];
        const auto oHeader = EccodesHandle::FromBytes(
            BuildHeaderMessage(oReader, oMsg, oMsg.aoFields[0]),
            oMsg.nEdition == 2);
        const auto oFull = EccodesHandle::FromBytes(
            oReader.ReadString(oMsg.nOffset, static_cast<size_t>(oMsg.nLength)),
            false);
        ASSERT_TRUE(oHeader) << osName;
        ASSERT_TRUE(oFull) << osName;
        for (const char *pszKey :
             {"shortName", "cfVarName", "typeOfLevel", "stepType", "gridType",
              "dataDate", "dataTime", "validityDate", "validityTime", "level",
              "Ni", "Nj", "latitudeOfFirstGridPointInDegrees",
              "longitudeOfFirstGridPointInDegrees", "jScansPositively"})
        {
            EXPECT_EQ(oHeader.GetString(pszKey), oFull.GetString(pszKey))
                << osName << " " << pszKey;
        }
        ++nChecked;
    }
    CSLDestroy(papszFiles);
    EXPECT_GT(nChecked, 50);
}

std::string Grib2Sample()
{
    return ReadInputFile(SAMPLES + "GRIB2.tmpl");
}

void PutBE(std::string &os, size_t nAt, uint64_t nValue, int nBytes)
{
    for (int i = nBytes - 1; i >= 0; --i, nValue >>= 8)
        os[nAt + i] = static_cast<char>(nValue & 0xFF);
}

TEST(GribLocator, TruncatedFile)
{
    const std::string os = Grib2Sample();
    const std::string osErr =
        LocateError("cut.grib2", os + os.substr(0, os.size() - 10));
    EXPECT_NE(osErr.find("/vsimem/test_grib/cut.grib2: GRIB message 2 (offset " +
                         std::to_string(os.size()) + "): declared length " +
                         std::to_string(os.size()) +
                         " runs past the end of the file"),
              std::string::npos)
        << osErr;
}

TEST(GribLocator, MissingEndMarker)
{
    std::string os = Grib2Sample();
    os[os.size() - 1] = '6';
    const std::string osErr = LocateError("no7777.grib2", os);
    EXPECT_NE(osErr.find("no7777.grib2: GRIB message 1 (offset 0): no end "
                         "marker '7777'"),
              std::string::npos)
        << osErr;
}

TEST(GribLocator, LengthOverflow)
{
    std::string os = Grib2Sample();
    PutBE(os, 8, 0xFFFFFFFFFFFFFFFFULL, 8);
    const std::string osErr = LocateError("huge.grib2", os);
    EXPECT_NE(osErr.find("GRIB message 1 (offset 0): declared length "
                         "18446744073709551615 runs past the end"),
              std::string::npos)
        << osErr;
}

TEST(GribLocator, LengthTooSmall)
{
    std::string os = Grib2Sample();
    PutBE(os, 8, 10, 8);
    const std::string osErr = LocateError("tiny.grib2", os);
    EXPECT_NE(osErr.find("declared length 10 is too small for a GRIB2 message"),
              std::string::npos)
        << osErr;
}

TEST(GribLocator, SectionLengthOverflow)
{
    std::string os = Grib2Sample();
    PutBE(os, 16, 0xFFFFFFF0u, 4);  // section 1 length
    const std::string osErr = LocateError("sec1.grib2", os);
    EXPECT_NE(osErr.find("section 1 length 4294967280 does not fit in the "
                         "message length"),
              std::string::npos)
        << osErr;
}

TEST(GribLocator, UnknownSectionNumber)
{
    std::string os = Grib2Sample();
    os[20] = 9;  // section 1 number
    const std::string osErr = LocateError("sec9.grib2", os);
    EXPECT_NE(osErr.find("unknown section number 9 at offset 16"),
              std::string::npos)
        << osErr;
}

TEST(GribLocator, SectionsOutOfOrder)
{
    std::string os = Grib2Sample();
    // Renumber section 1 as 3: section 3 may not come first.
    os[20] = 3;
    const std::string osErr = LocateError("order.grib2", os);
    EXPECT_NE(osErr.find("section 3 follows section 0"), std::string::npos)
        << osErr;
}

TEST(GribLocator, TruncatedIndicatorSection)
{
    const std::string osErr =
        LocateError("ind.grib2", std::string("GRIB\0\0\0\x02\0\0", 10));
    EXPECT_NE(osErr.find("GRIB message 1 (offset 0): truncated indicator "
                         "section"),
              std::string::npos)
        << osErr;
}

TEST(GribLocator, Grib1SectionPastEnd)
{
    std::string os = ReadInputFile(SAMPLES + "GRIB1.tmpl");
    PutBE(os, 8, 0xFFFFFF, 3);  // PDS length
    const std::string osErr = LocateError("pds.grib1", os);
    EXPECT_NE(osErr.find("section 1 length 16777215 does not fit in the "
                         "message length"),
              std::string::npos)
        << osErr;
}

TEST(GribLocator, NotGrib)
{
    MemFile oFile("none.bin", "no marker in here at all");
    EXPECT_TRUE(Locate(oFile.Path()).empty());
}

// End to end: references for a file mixing editions, with a multi-field
// message: every field is a chunk, the first field of a message a byte
// range, later ones an inline single-field message.
TEST(GribGenerator, MultiFieldFileReferences)
{
    const std::string osPath = TestData("grib/eta_multifield.grb2");
    const std::string osOut = "/vsimem/test_grib/refs.json";
    kerchunk::VSIFilePtr poOut = kerchunk::OpenVSIFile(osOut, "wb");
    ASSERT_TRUE(poOut);
    GenerateStats oStats;
    {
        ReferenceWriter oWriter(poOut.get(), osPath);
        oStats = GenerateGRIBReferences(osPath, GenerateOptions{}, oWriter);
        oWriter.Finish();
    }
    ASSERT_TRUE(kerchunk::CloseVSIFile(poOut));
    vsi_l_offset nSize = 0;
    GByte *pabyJson = VSIGetMemFileBuffer(osOut.c_str(), &nSize, TRUE);
    const auto oRefs = nlohmann::json::parse(
        std::string(reinterpret_cast<char *>(pabyJson), nSize))["refs"];
    CPLFree(pabyJson);

    int nRanges = 0, nInline = 0;
    for (auto it = oRefs.begin(); it != oRefs.end(); ++it)
    {
        if (it.key().find("/.zarray") == std::string::npos)
            continue;
        const auto oZarray = nlohmann::json::parse(it.value().get<std::string>());
        if (!oZarray["compressor"].is_object())
            continue;
        EXPECT_EQ(oZarray["compressor"]["id"], "grib");
        EXPECT_EQ(oZarray["fill_value"], "NaN");
        EXPECT_EQ(oZarray["dtype"], "<f8");
        const std::string osArray = it.key().substr(0, it.key().size() - 8);
        for (auto jt = oRefs.begin(); jt != oRefs.end(); ++jt)
        {
            if (jt.key().rfind(osArray + "/", 0) != 0 ||
                jt.key()[osArray.size() + 1] == '.')
                continue;
            if (jt.value().is_array())
                ++nRanges;
            else if (jt.value().get<std::string>().rfind("base64:", 0) == 0)
                ++nInline;
        }
    }
    EXPECT_EQ(nRanges, 2);  // one per message
    EXPECT_EQ(nInline, 1);  // the second field of message 2
    EXPECT_EQ(oStats.aosSkipped.size(), 0u);
}

}  // namespace
}  // namespace kerchunk

namespace kerchunk
{
namespace
{

// Random byte mutations of real messages: the generator either succeeds or
// throws kerchunk::Error; it never crashes or reads outside the file (run
// under AddressSanitizer in CI).
TEST(GribGenerator, MutatedMessagesNeverCrash)
{
    const std::string osGood = ReadInputFile(SAMPLES + "regular_ll_sfc_grib2.tmpl") +
                               ReadInputFile(SAMPLES + "GRIB1.tmpl") +
                               ReadInputFile(TestData("grib/eta_multifield.grb2"));
    uint32_t nSeed = 12345;
    auto Next = [&nSeed]()
    {
        nSeed = nSeed * 1664525u + 1013904223u;
        return nSeed >> 8;
    };
    int nErrors = 0, nOk = 0;
    for (int iCase = 0; iCase < 120; ++iCase)
    {
        std::string os = osGood;
        const int nMutations = 1 + static_cast<int>(Next() % 4);
        for (int i = 0; i < nMutations; ++i)
        {
            // Mostly in the headers, where the lengths and templates are.
            const size_t nAt = Next() % 2 ? Next() % 200 : Next() % os.size();
            os[nAt % os.size()] = static_cast<char>(Next() & 0xFF);
        }
        MemFile oFile("mutated.grib", os);
        {
            const kerchunk::VSIFilePtr poOut =
                kerchunk::OpenVSIFile("/vsimem/test_grib/mutated.json", "wb");
            try
            {
                ReferenceWriter oWriter(poOut.get(), oFile.Path());
                GenerateGRIBReferences(oFile.Path(), GenerateOptions{}, oWriter);
                oWriter.Finish();
                ++nOk;
            }
            catch (const Error &e)
            {
                EXPECT_NE(std::string(e.what()).find(oFile.Path()),
                          std::string::npos)
                    << e.what();
                ++nErrors;
            }
        }
        VSIUnlink("/vsimem/test_grib/mutated.json");
    }
    EXPECT_GT(nErrors, 0);
    EXPECT_GT(nOk, 0);
}

}  // namespace
}  // namespace kerchunk

// fuzz_grib finding: a mutated multi-field message whose second field, as
// a single-field message, fails an eccodes assertion (`hand->loader != 0' in
// grib_accessor_class_bitmap.c) while its handle is built: that aborted the
// process. Now no handle, and the assertion's text for the generator's
// "eccodes cannot parse the message (...)".
TEST(GribHostile, EccodesAssertionWhileParsingGivesNoHandle)
{
    const char *pszData = getenv("KERCHUNK_TEST_DATA");
    ASSERT_NE(pszData, nullptr);
    kerchunk::GribFileReader oReader(
        std::string(pszData) +
        "/../fuzz/regressions/fuzz_grib/eccodes_assert_bitmap_loader");
    std::string osFailures;
    try
    {
        kerchunk::ScanGribMessages(
            oReader,
            [&](kerchunk::GribMessage &&oMsg)
            {
                for (const auto &oField : oMsg.aoFields)
                {
                    const auto oFull = kerchunk::EccodesHandle::FromBytes(
                        oField.nIndex == 0
                            ? oReader.ReadString(oMsg.nOffset,
                                                 static_cast<size_t>(oMsg.nLength))
                            : kerchunk::BuildSingleFieldMessage(oReader, oMsg, oField),
                        false);
                    if (!oFull.Failure().empty())
                    {
                        EXPECT_FALSE(oFull);
                        osFailures += oFull.Failure() + "\n";
                    }
                }
            });
    }
    catch (const kerchunk::Error &e)
    {
        // The second message is truncated (the locator says so).
        EXPECT_NE(std::string(e.what()).find("GRIB message 2"), std::string::npos)
            << e.what();
    }
    EXPECT_NE(osFailures.find("ecCodes assertion failed: `hand->loader != 0'"),
              std::string::npos)
        << osFailures;
}
