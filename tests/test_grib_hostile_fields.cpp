// GRIB fields that a hostile header turns against the generator: sizes that
// would allocate gigabytes, a Gaussian N that would take minutes, eccodes
// assertions while keys are read. Each is a skipped field with a message
// naming it, never an abort, a hang or a huge allocation. Messages are
// eccodes' own samples (libeccodes-data) with header bytes overwritten.
#include "error.h"
#include "generator.h"
#include "grib/grib_handle.h"
#include "reference_writer.h"
#include "test_files.h"

#include "cpl_conv.h"
#include "cpl_vsi.h"

#include <eccodes.h>
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

namespace kerchunk
{
namespace
{

const std::string SAMPLES = "/usr/share/eccodes/samples/";

using kerchunk_test::ReadInputFile;

// Offset of GRIB2 section nNumber in a one-field message (WMO FM 92: 16-byte
// section 0, then sections of a 4-byte length and a 1-byte number).
size_t Grib2Section(const std::string &osMsg, int nNumber)
{
    size_t nPos = 16;
    while (nPos + 5 <= osMsg.size())
    {
        const auto *p = reinterpret_cast<const unsigned char *>(osMsg.data() + nPos);
        const uint32_t nLen = (uint32_t(p[0]) << 24) | (p[1] << 16) | (p[2] << 8) | p[3];
        if (p[4] == nNumber)
            return nPos;
        if (nLen < 5)
            break;
        nPos += nLen;
    }
    throw std::runtime_error("no section " + std::to_string(nNumber));
}

// Writes a big-endian 4-byte value at octet nOctet (1-based, as the WMO
// tables count) of the section at nSection.
void Put32(std::string &osMsg, size_t nSection, int nOctet, uint32_t nValue)
{
    for (int i = 0; i < 4; ++i)
        osMsg[nSection + nOctet - 1 + i] = static_cast<char>(nValue >> (24 - 8 * i));
}

// Generates the references of osBytes; their JSON text into *posJson.
GenerateStats Generate(const std::string &osBytes, std::string *posJson = nullptr)
{
    const std::string osPath = "/vsimem/test_grib_hostile/in.grib2";
    VSILFILE *fp = VSIFOpenL(osPath.c_str(), "wb");
    VSIFWriteL(osBytes.data(), 1, osBytes.size(), fp);
    VSIFCloseL(fp);
    VSILFILE *fpOut = VSIFOpenL("/vsimem/test_grib_hostile/out.json", "wb");
    GenerateStats oStats;
    try
    {
        ReferenceWriter oWriter(fpOut, osPath);
        oStats = GenerateGRIBReferences(osPath, GenerateOptions{}, oWriter);
        oWriter.Finish();
    }
    catch (...)
    {
        VSIFCloseL(fpOut);
        VSIRmdirRecursive("/vsimem/test_grib_hostile");
        throw;
    }
    VSIFCloseL(fpOut);
    vsi_l_offset nLength = 0;
    const GByte *pabyJson =
        VSIGetMemFileBuffer("/vsimem/test_grib_hostile/out.json", &nLength, FALSE);
    if (posJson)
        posJson->assign(reinterpret_cast<const char *>(pabyJson),
                        static_cast<size_t>(nLength));
    VSIRmdirRecursive("/vsimem/test_grib_hostile");
    return oStats;
}

// A 300-byte constant-field message may declare 2^31 points (Ni x Nj =
// numberOfDataPoints, as the generator requires of a rectangle): with Nj =
// 4, the longitude axis alone was a 4 GB allocation. Now the field is
// skipped naming the limit, and the good message beside it is referenced.
TEST(GribHostileFields, HugeDeclaredGridIsSkippedNamingTheLimit)
{
    const std::string osGood = ReadInputFile(SAMPLES + "regular_ll_sfc_grib2.tmpl");
    std::string osHuge = osGood;
    const size_t nSection3 = Grib2Section(osHuge, 3);
    ASSERT_EQ(osHuge[nSection3 + 13], 0);  // grid definition template 3.0
    Put32(osHuge, nSection3, 7, 2147483648u);  // numberOfDataPoints
    Put32(osHuge, nSection3, 31, 536870912u);  // Ni
    Put32(osHuge, nSection3, 35, 4u);          // Nj
    const GenerateStats oStats = Generate(osGood + osHuge);
    ASSERT_EQ(oStats.aosSkipped.size(), 1u);
    EXPECT_EQ(oStats.aosSkipped[0],
              "GRIB message 2 (offset " + std::to_string(osGood.size()) +
                  "): grid of 536870912 x 4 points: its float64 values exceed "
                  "KERCHUNK_MAX_CHUNK_SIZE (2147483648 bytes)");
    EXPECT_GT(oStats.nChunks, 0u);
}

// The limit is the option's: lowered, the sample's own 16 x 31 grid
// (3968 bytes as float64) is refused too.
TEST(GribHostileFields, FieldSizeLimitFollowsTheOption)
{
    CPLSetConfigOption("KERCHUNK_MAX_CHUNK_SIZE", "3967");
    std::string osError;
    try
    {
        Generate(ReadInputFile(SAMPLES + "regular_ll_sfc_grib2.tmpl"));
    }
    catch (const Error &e)
    {
        osError = e.what();
    }
    CPLSetConfigOption("KERCHUNK_MAX_CHUNK_SIZE", nullptr);
    EXPECT_NE(osError.find("no GRIB field could be referenced (GRIB message 1 "
                           "(offset 0): grid of 16 x 31 points: its float64 "
                           "values exceed KERCHUNK_MAX_CHUNK_SIZE (3967 bytes))"),
              std::string::npos)
        << osError;
}

// eccodes' Gaussian latitudes cost N^2: N = 100000 from a hostile header
// took minutes. Up to the limit they are eccodes' own, bit for bit.
TEST(GribHostileFields, GaussianLatitudesAreBoundedAndEccodesOwn)
{
    const auto oLatitudes = GaussianLatitudes(48);
    ASSERT_TRUE(oLatitudes);
    std::vector<double> adfExpected(96);
    ASSERT_EQ(codes_get_gaussian_latitudes(48, adfExpected.data()), 0);
    ASSERT_EQ(oLatitudes->size(), adfExpected.size());
    EXPECT_EQ(memcmp(oLatitudes->data(), adfExpected.data(),
                     adfExpected.size() * sizeof(double)),
              0);
    EXPECT_FALSE(GaussianLatitudes(0));
    EXPECT_FALSE(GaussianLatitudes(MAX_GAUSSIAN_N + 1));
    EXPECT_FALSE(GaussianLatitudes(100000));
}

// A regular Gaussian grid whose header declares N = 100000 (the sample is
// N = 32): generation gives up on its latitudes at once and still
// references the field, with y/x and no coordinates.
TEST(GribHostileFields, HugeGaussianNumberGivesAGridWithoutCoordinates)
{
    const std::string osGood = ReadInputFile(SAMPLES + "regular_gg_sfc_grib2.tmpl");
    std::string osJson;
    Generate(osGood, &osJson);
    EXPECT_NE(osJson.find("/latitude/.zarray"), std::string::npos);

    std::string osHostile = osGood;
    const size_t nSection3 = Grib2Section(osHostile, 3);
    ASSERT_EQ(osHostile[nSection3 + 13], 40);  // grid definition template 3.40
    Put32(osHostile, nSection3, 68, 100000u);  // N
    const GenerateStats oStats = Generate(osHostile, &osJson);
    EXPECT_EQ(oStats.aosSkipped.size(), 0u);
    EXPECT_EQ(osJson.find("/latitude/.zarray"), std::string::npos);
    // The field's dimensions, in its .zattrs (a JSON text inside the JSON).
    EXPECT_NE(osJson.find(R"(\"_ARRAY_DIMENSIONS\":[\"y\",\"x\"])"),
              std::string::npos);
}

}  // namespace
}  // namespace kerchunk
