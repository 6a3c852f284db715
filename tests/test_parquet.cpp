// The Parquet reader and writer: round trips through each codec and
// encoding, and hostile files refused with an error saying what is wrong.
#include "error.h"
#include "page_compression.h"
#include "parquet_reader.h"
#include "parquet_writer.h"
#include "rle_hybrid.h"
#include "thrift_compact.h"

#include <gtest/gtest.h>

#include <cstring>

using namespace kerchunk;
using namespace kerchunk::parquet;

namespace
{

// fsspec's reference schema: nRows rows, every third one missing, every
// seventh inline, paths cycling over nPaths distinct URLs.
Table MakeReferences(size_t nRows, size_t nPaths)
{
    Table oTable;
    oTable.nRows = static_cast<int64_t>(nRows);
    Column oPath, oOffset, oSize, oRaw;
    oPath.osName = "path";
    oPath.eType = oRaw.eType = PhysicalType::ByteArray;
    oPath.bOptional = oPath.bUtf8 = oRaw.bOptional = true;
    oOffset.osName = "offset";
    oSize.osName = "size";
    oRaw.osName = "raw";
    for (size_t i = 0; i < nPaths; ++i)
        oPath.aosValues.push_back("s3://bucket/file" + std::to_string(i) + ".nc");
    for (size_t i = 0; i < nRows; ++i)
    {
        const bool bMissing = i % 3 == 1;
        const bool bInline = !bMissing && i % 7 == 0;
        oPath.anIndex.push_back(bMissing || bInline ? -1 : static_cast<int32_t>(i % nPaths));
        oOffset.anInts.push_back(bMissing || bInline ? 0 : static_cast<int64_t>(i) * 1000003);
        oSize.anInts.push_back(bMissing || bInline ? 0 : static_cast<int64_t>(i % 977) + 1);
        if (bInline)
        {
            oRaw.anIndex.push_back(static_cast<int32_t>(oRaw.aosValues.size()));
            oRaw.aosValues.push_back(std::string("\0\x01raw", 5) + std::to_string(i));
        }
        else
            oRaw.anIndex.push_back(-1);
    }
    oTable.aoColumns = {oPath, oOffset, oSize, oRaw};
    return oTable;
}

Table Read(const std::string &osBytes, const std::vector<std::string> &aosColumns = {})
{
    return ReadParquet(reinterpret_cast<const uint8_t *>(osBytes.data()), osBytes.size(),
                       "refs.0.parq", aosColumns);
}

// Values as read, row by row, whatever the encoding.
std::string CellText(const Column &oColumn, size_t nRow)
{
    if (oColumn.eType != PhysicalType::ByteArray)
        return std::to_string(oColumn.anInts[nRow]);
    return oColumn.IsNull(nRow) ? "<null>"
                                : oColumn.aosValues[static_cast<size_t>(oColumn.anIndex[nRow])];
}

std::string ErrorOf(const std::string &osBytes)
{
    try
    {
        Read(osBytes);
    }
    catch (const Error &e)
    {
        return e.what();
    }
    return "no error";
}

}  // namespace

class ParquetRoundTrip : public ::testing::TestWithParam<std::tuple<Codec, size_t>>
{
};

TEST_P(ParquetRoundTrip, ValuesEqual)
{
    const Codec eCodec = std::get<0>(GetParam());
    const size_t nPaths = std::get<1>(GetParam());  // 3: dictionary; 5000: plain
    const Table oIn = MakeReferences(20000, nPaths);
    const std::string osFile = WriteParquet(oIn, eCodec);
    ASSERT_EQ(osFile.compare(0, 4, "PAR1"), 0);
    const Table oOut = Read(osFile);
    ASSERT_EQ(oOut.nRows, oIn.nRows);
    ASSERT_EQ(oOut.aoColumns.size(), 4u);
    for (size_t c = 0; c < 4; ++c)
    {
        EXPECT_EQ(oOut.aoColumns[c].osName, oIn.aoColumns[c].osName);
        EXPECT_EQ(oOut.aoColumns[c].bOptional, oIn.aoColumns[c].bOptional);
        for (size_t i = 0; i < static_cast<size_t>(oIn.nRows); ++i)
            ASSERT_EQ(CellText(oOut.aoColumns[c], i), CellText(oIn.aoColumns[c], i))
                << oIn.aoColumns[c].osName << " row " << i;
    }
    // A dictionary keeps one copy of each path.
    if (nPaths == 3)
    {
        EXPECT_EQ(oOut.Find("path")->aosValues.size(), 3u);
    }
}

INSTANTIATE_TEST_SUITE_P(Codecs, ParquetRoundTrip,
                         ::testing::Combine(::testing::Values(Codec::Uncompressed, Codec::Snappy,
                                                              Codec::Zstd),
                                            ::testing::Values(size_t{3}, size_t{5000})));

TEST(Parquet, ReadsOnlyTheColumnsAsked)
{
    const std::string osFile = WriteParquet(MakeReferences(100, 2), Codec::Zstd);
    const Table oOut = Read(osFile, {"size", "raw"});
    ASSERT_EQ(oOut.aoColumns.size(), 2u);
    EXPECT_EQ(oOut.aoColumns[0].osName, "size");
    EXPECT_EQ(oOut.Find("path"), nullptr);
}

TEST(Parquet, RleHybridRoundTrip)
{
    std::vector<uint32_t> anValues;
    for (uint32_t i = 0; i < 1000; ++i)
        anValues.push_back(i < 500 ? 1 : (i * 37) % 300);
    for (const bool bPacked : {false, true})
    {
        std::string osEncoded;
        if (bPacked)
            EncodeBitPacked(anValues, BitWidthFor(299), osEncoded);
        else
            EncodeRleRuns(anValues, BitWidthFor(299), osEncoded);
        EXPECT_EQ(DecodeRleHybrid(reinterpret_cast<const uint8_t *>(osEncoded.data()),
                                  osEncoded.size(), BitWidthFor(299), anValues.size(), "t"),
                  anValues);
    }
}

TEST(Parquet, HostileFilesRefused)
{
    const std::string osGood = WriteParquet(MakeReferences(300, 3), Codec::Snappy);
    EXPECT_NE(ErrorOf("PAR1PAR1").find("not a Parquet file"), std::string::npos);
    EXPECT_NE(ErrorOf("XXXX" + osGood.substr(4)).find("not a Parquet file"), std::string::npos);

    // A footer length larger than the file.
    std::string osBad = osGood;
    const uint32_t nHuge = 0x7FFFFFFF;
    memcpy(&osBad[osBad.size() - 8], &nHuge, 4);
    EXPECT_NE(ErrorOf(osBad).find("footer of 2147483647 bytes larger than the file"),
              std::string::npos);

    // A truncated footer: its length claims fewer bytes than the struct.
    uint32_t nFooter = 0;
    memcpy(&nFooter, &osGood[osGood.size() - 8], 4);
    const uint32_t nShort = nFooter / 2;
    osBad = osGood.substr(0, osGood.size() - 8 - nFooter + nShort);
    osBad.append(reinterpret_cast<const char *>(&nShort), 4);
    osBad += "PAR1";
    EXPECT_NE(ErrorOf(osBad).find("refs.0.parq: footer: truncated thrift structure"),
              std::string::npos)
        << ErrorOf(osBad);

    // Every byte of the pages flipped in turn: an error or values, never a
    // crash (the sanitizer build checks reads out of bounds).
    for (size_t i = 4; i < osGood.size() - 8 - nFooter; ++i)
    {
        std::string osFlipped = osGood;
        osFlipped[i] = static_cast<char>(osFlipped[i] ^ 0x5A);
        (void)ErrorOf(osFlipped);
    }
}

TEST(Parquet, ThriftNestingBounded)
{
    // 100 nested struct fields: field 1, type struct (0x1C), never closed.
    const std::string osDeep(100, '\x1C');
    size_t nConsumed = 0;
    try
    {
        ReadThriftStruct(reinterpret_cast<const uint8_t *>(osDeep.data()), osDeep.size(),
                         nConsumed, "footer");
        FAIL() << "no error";
    }
    catch (const Error &e)
    {
        EXPECT_NE(std::string(e.what()).find("nested too deeply"), std::string::npos);
    }
    // A list claiming a billion elements in 3 bytes.
    const std::string osList("\x19\xFC\xFF\xFF\xFF\x03", 6);
    EXPECT_THROW(ReadThriftStruct(reinterpret_cast<const uint8_t *>(osList.data()),
                                  osList.size(), nConsumed, "footer"),
                 Error);
}

TEST(Parquet, UnknownCodecNamed)
{
    EXPECT_THROW(CodecFromName("brotli"), Error);
    try
    {
        DecompressPage(static_cast<Codec>(4), reinterpret_cast<const uint8_t *>("x"), 1, 1,
                       "refs.0.parq: column 'path'");
    }
    catch (const Error &e)
    {
        EXPECT_STREQ(e.what(), "refs.0.parq: column 'path': compression codec 4 not supported "
                               "(none, snappy and zstd are)");
    }
}
