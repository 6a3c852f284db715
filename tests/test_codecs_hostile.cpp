// The grib codec on hostile input (issue 12, finding 2): a corrupt message
// that made eccodes abort the process ends in a CPLError; the assertion
// handler keeps eccodes' default (abort) outside our decoder.
#include "codecs.h"
#include "eccodes_assertions.h"

#include "cpl_compressor.h"
#include "cpl_conv.h"
#include "cpl_error.h"
#include "cpl_vsi.h"

#include <eccodes.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

// Exported by libeccodes (what its Assert() macro calls), not declared in
// its headers.
extern "C" void codes_assertion_failed(const char *message, const char *file, int line);

namespace
{

using Bytes = std::vector<GByte>;

std::string HostileDir()
{
    const char *pszDir = std::getenv("KERCHUNK_TEST_DATA");
    return std::string(pszDir ? pszDir : "tests/data") + "/hostile";
}

// The GRIB2 messages of a file (section 0's 8-byte length), skipping the WMO
// headers between them.
std::vector<Bytes> ReadGrib2Messages(const std::string &osPath)
{
    GByte *pabyData = nullptr;
    vsi_l_offset nSize = 0;
    std::vector<Bytes> aoMessages;
    if (!VSIIngestFile(nullptr, osPath.c_str(), &pabyData, &nSize, 10 * 1024 * 1024))
        return aoMessages;
    const Bytes abyFile(pabyData, pabyData + nSize);
    VSIFree(pabyData);
    for (size_t nPos = 0; nPos + 16 <= abyFile.size();)
    {
        if (memcmp(&abyFile[nPos], "GRIB", 4) != 0 || abyFile[nPos + 7] != 2)
        {
            ++nPos;
            continue;
        }
        uint64_t nLength = 0;
        for (int i = 8; i < 16; ++i)
            nLength = (nLength << 8) | abyFile[nPos + i];
        if (nLength < 16 || nLength > abyFile.size() - nPos)
            break;
        aoMessages.emplace_back(abyFile.begin() + nPos, abyFile.begin() + nPos + nLength);
        nPos += nLength;
    }
    return aoMessages;
}

// eccodes' own decoding of a message's values, as float32.
std::vector<float> EccodesValues(const Bytes &abyMsg)
{
    codes_handle *h = codes_handle_new_from_message(nullptr, abyMsg.data(), abyMsg.size());
    std::vector<float> afValues;
    if (h == nullptr)
        return afValues;
    size_t nValues = 0;
    codes_get_size(h, "values", &nValues);
    std::vector<double> adf(nValues);
    codes_get_double_array(h, "values", adf.data(), &nValues);
    // kerchunk's rule: missingValue -> NaN, in messages declaring missing values.
    long nBitmap = 0, nManagement = 0;
    double dfMissing = 0;
    codes_get_long(h, "bitmapPresent", &nBitmap);
    codes_get_long(h, "missingValueManagementUsed", &nManagement);
    codes_get_double(h, "missingValue", &dfMissing);
    codes_handle_delete(h);
    for (double df : adf)
        afValues.push_back((nBitmap || nManagement > 0) && df == dfMissing
                               ? std::numeric_limits<float>::quiet_NaN()
                               : static_cast<float>(df));
    return afValues;
}

TEST(GribHostile, CorruptPackingIsAnErrorNotAnAbort)
{
    kerchunk::RegisterCodecs();
    const auto aoMessages = ReadGrib2Messages(HostileDir() + "/grib2_eccodes_assert.grib2");
    ASSERT_EQ(aoMessages.size(), 4u);
    const CPLCompressor *psDec = CPLGetDecompressor("grib");
    ASSERT_NE(psDec, nullptr);
    constexpr size_t N_VALUES = 339 * 224;
    for (size_t i = 0; i < aoMessages.size(); ++i)
    {
        std::vector<float> afOut(N_VALUES);
        void *pOut = afOut.data();
        size_t nOut = afOut.size() * sizeof(float);
        CPLErrorHandlerPusher oQuiet(CPLQuietErrorHandler);
        CPLErrorReset();
        const bool bOK = psDec->pfnFunc(aoMessages[i].data(), aoMessages[i].size(),
                                        &pOut, &nOut, nullptr, psDec->user_data);
        if (i == 0)
        {
            // The mutated message: 128-bit group widths.
            EXPECT_FALSE(bOK);
            EXPECT_STREQ(CPLGetLastErrorMsg(),
                         "grib: corrupt packing: numberOfBitsUsedForTheGroupWidths "
                         "is 128 (at most 64)");
            continue;
        }
        // The others decode exactly as eccodes does.
        ASSERT_TRUE(bOK) << i << ": " << CPLGetLastErrorMsg();
        const auto afExpected = EccodesValues(aoMessages[i]);
        ASSERT_EQ(afExpected.size(), N_VALUES);
        EXPECT_EQ(memcmp(afOut.data(), afExpected.data(), N_VALUES * sizeof(float)), 0) << i;
    }
}

// Decodes the one GRIB2 message of a fuzz_codecs regression input into a
// tile of 6 float64 (its grid's points) with the grib codec's option pszVar
// ("var=latitude", ... or nullptr for the values); the decoder must fail,
// and the error message is returned.
std::string GribDecodeError(const char *pszRegression, const char *pszVar)
{
    kerchunk::RegisterCodecs();
    const char *pszData = std::getenv("KERCHUNK_TEST_DATA");
    EXPECT_NE(pszData, nullptr);
    const auto aoMessages = ReadGrib2Messages(std::string(pszData ? pszData : "") +
                                              "/../fuzz/regressions/fuzz_codecs/" +
                                              pszRegression);
    EXPECT_EQ(aoMessages.size(), 1u);
    const CPLCompressor *psDec = CPLGetDecompressor("grib");
    EXPECT_NE(psDec, nullptr);
    if (aoMessages.size() != 1 || psDec == nullptr)
        return std::string();
    std::vector<double> adfOut(6);
    void *pOut = adfOut.data();
    size_t nOut = adfOut.size() * sizeof(double);
    const char *const apszOptions[] = {"id=grib", "dtype=float64", pszVar, nullptr};
    CPLErrorHandlerPusher oQuiet(CPLQuietErrorHandler);
    CPLErrorReset();
    EXPECT_FALSE(psDec->pfnFunc(aoMessages[0].data(), aoMessages[0].size(), &pOut, &nOut,
                                const_cast<char **>(apszOptions), psDec->user_data))
        << pszRegression << " " << (pszVar ? pszVar : "values");
    return CPLGetLastErrorMsg();
}

// fuzz_codecs finding: a 190-byte message with a bitmap, 6 points and
// numberOfValues (section 5) mutated to 268435461: eccodes allocated the
// coded values, 2 GB, before unpacking -- decoding "values", and decoding
// latitudes too (its geographic iterator decodes "values" first). Refused
// before any decoding now, with both keys.
TEST(GribHostile, HugeCodedValueCountIsRefusedBeforeDecoding)
{
    for (const char *pszVar : {static_cast<const char *>(nullptr), "var=latitude"})
        EXPECT_EQ(GribDecodeError("eccodes_iterator_values_allocation", pszVar),
                  "grib: message has 268435461 coded values "
                  "(numberOfCodedValues), more than the tile of 48 bytes holds");
}

// Found by fuzz_codecs: a 6-point regular lat/lon grid whose header declares
// Ni = 1969843828 and Nj = 825622531. eccodes' iterator allocates Nj
// latitudes (6.6 GB) before it compares Ni x Nj with the points.
TEST(GribHostile, HugeGridExtentIsRefusedBeforeTheIterator)
{
    for (const char *pszVar : {"var=latitude", "var=longitude"})
        EXPECT_EQ(GribDecodeError("eccodes_iterator_grid_extent_allocation", pszVar),
                  "grib: grid has Ni = 1969843828, more than the tile of 48 bytes "
                  "holds points");
}

// Found by fuzz_codecs: the same grid with Ni = 0: eccodes' regular lat/lon
// iterator writes its last longitude at index Ni - 1, before the array
// (SEGV at 0xfffffffffffffff8).
TEST(GribHostile, ZeroGridColumnsAreRefusedBeforeTheIterator)
{
    for (const char *pszVar : {"var=latitude", "var=longitude"})
        EXPECT_EQ(GribDecodeError("eccodes_iterator_zero_columns", pszVar),
                  "grib: grid has Ni = 0");
}

void AssertTwice(void *pnCalls)
{
    ++*static_cast<int *>(pnCalls);
    codes_assertion_failed("nbits <= max_nbits", "grib_bits_any_endian.c", 207);
    ++*static_cast<int *>(pnCalls);  // never reached: the handler jumps out
    codes_assertion_failed("second", "x.c", 1);
}

void RunNested(void *pnCalls)
{
    std::string osInner;
    // (a C++ object here is fine: the inner run returns normally)
    if (!kerchunk::RunEccodesGuarded(AssertTwice, pnCalls, osInner))
        *static_cast<int *>(pnCalls) += 100;
}

TEST(GribHostile, AssertionLeavesTheGuardedCall)
{
    int nCalls = 0;
    std::string osFailure;
    EXPECT_FALSE(kerchunk::RunEccodesGuarded(AssertTwice, &nCalls, osFailure));
    EXPECT_EQ(nCalls, 1);
    EXPECT_EQ(osFailure, "ecCodes assertion failed: `nbits <= max_nbits' "
                         "in grib_bits_any_endian.c:207");
    // Nested runs: the innermost one catches, the outer one completes.
    nCalls = 0;
    osFailure.clear();
    EXPECT_TRUE(kerchunk::RunEccodesGuarded(RunNested, &nCalls, osFailure));
    EXPECT_EQ(nCalls, 101);
    EXPECT_EQ(osFailure, "");
}

TEST(GribHostileDeathTest, AssertionOutsideAGuardStillAborts)
{
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    std::string osFailure;
    int nCalls = 0;
    // Installs the handler, and leaves no guard behind.
    EXPECT_FALSE(kerchunk::RunEccodesGuarded(AssertTwice, &nCalls, osFailure));
    EXPECT_DEATH(codes_assertion_failed("outside", "y.c", 2),
                 "ecCodes assertion failed: `outside' in y.c:2");
}

}  // namespace
