// The NetCDF-3 header parser and layout on hand-built headers: valid CDF-1,
// CDF-2 and CDF-5 headers, and malformed ones (each asserting its message).
#include "netcdf3/netcdf3_attributes.h"
#include "file_handles.h"
#include "netcdf3/netcdf3_header.h"
#include "netcdf3/netcdf3_layout.h"

#include "error.h"

#include "cpl_conv.h"
#include "cpl_vsi.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>

namespace
{

using kerchunk::Error;
using kerchunk::NC3Header;
using kerchunk::NC3Type;

// Writes header fields as the classic format spec lays them out.
class HeaderBuilder
{
  public:
    explicit HeaderBuilder(int nVersion) : m_nVersion(nVersion)
    {
        m_os = std::string("CDF") + static_cast<char>(nVersion);
    }

    HeaderBuilder &U32(uint32_t n)
    {
        for (int i = 3; i >= 0; --i)
            m_os += static_cast<char>((n >> (8 * i)) & 0xFF);
        return *this;
    }
    HeaderBuilder &U64(uint64_t n)
    {
        for (int i = 7; i >= 0; --i)
            m_os += static_cast<char>((n >> (8 * i)) & 0xFF);
        return *this;
    }
    // NON_NEG: 4 bytes, 8 in CDF-5.
    HeaderBuilder &NonNeg(uint64_t n)
    {
        return m_nVersion == 5 ? U64(n) : U32(static_cast<uint32_t>(n));
    }
    HeaderBuilder &Offset(uint64_t n)
    {
        return m_nVersion == 1 ? U32(static_cast<uint32_t>(n)) : U64(n);
    }
    HeaderBuilder &Bytes(const std::string &os)
    {
        m_os += os;
        m_os.append((4 - os.size() % 4) % 4, '\0');
        return *this;
    }
    HeaderBuilder &Name(const std::string &os)
    {
        NonNeg(os.size());
        return Bytes(os);
    }
    HeaderBuilder &Absent()
    {
        U32(0);
        return NonNeg(0);
    }
    HeaderBuilder &List(uint32_t nTag, uint64_t nCount)
    {
        U32(nTag);
        return NonNeg(nCount);
    }
    HeaderBuilder &Dim(const std::string &osName, uint64_t nLength)
    {
        Name(osName);
        return NonNeg(nLength);
    }
    HeaderBuilder &TextAttr(const std::string &osName, const std::string &osValue)
    {
        Name(osName);
        U32(2);
        NonNeg(osValue.size());
        return Bytes(osValue);
    }
    // var header up to (not including) its attribute list
    HeaderBuilder &VarStart(const std::string &osName,
                            const std::vector<uint64_t> &anDimIds)
    {
        Name(osName);
        NonNeg(anDimIds.size());
        for (auto n : anDimIds)
            NonNeg(n);
        return *this;
    }
    HeaderBuilder &VarEnd(uint32_t nType, uint64_t nVSize, uint64_t nBegin)
    {
        U32(nType);
        NonNeg(nVSize);
        return Offset(nBegin);
    }

    size_t Size() const
    {
        return m_os.size();
    }
    std::string &Str()
    {
        return m_os;
    }

  private:
    int m_nVersion;
    std::string m_os{};
};

constexpr uint32_t DIM = 0x0A, VAR = 0x0B, ATT = 0x0C;

// Builds the sample with correct offsets by building it twice.
std::string BuildSample(int nVersion, uint64_t nNumRecs = 3,
                        bool bWithData = true)
{
    auto Build = [&](uint64_t nFixedBegin, uint64_t nTBegin, uint64_t nRecBegin)
    {
        HeaderBuilder b(nVersion);
        b.NonNeg(nNumRecs);
        b.List(DIM, 2).Dim("time", 0).Dim("x", 3);
        b.List(ATT, 1).TextAttr("title", "hello");
        b.List(VAR, 3);
        b.VarStart("fixed", {1}).Absent().VarEnd(3, 8, nFixedBegin);
        b.VarStart("t", {0}).Absent().VarEnd(6, 8, nTBegin);
        b.VarStart("rec", {0, 1});
        b.List(ATT, 1).TextAttr("units", "m");
        b.VarEnd(1, 4, nRecBegin);
        return b.Str();
    };
    const uint64_t nHeader = Build(0, 0, 0).size();
    std::string os = Build(nHeader, nHeader + 8, nHeader + 16);
    if (bWithData)
    {
        // fixed: 6 bytes + 2 padding; records: t (8) + rec (3 + 1 padding)
        os.append(8, '\x01');
        for (uint64_t i = 0; i < nNumRecs; ++i)
            os += std::string(8, static_cast<char>(0x10 + i)) +
                  std::string(4, static_cast<char>(0x20 + i));
    }
    return os;
}

NC3Header Parse(const std::string &os)
{
    auto oHeader =
        kerchunk::ParseNetCDF3Header(os.data(), os.size(), os.size(), "test.nc");
    EXPECT_TRUE(oHeader.has_value());
    return oHeader ? *oHeader : NC3Header{};
}

// Expects ParseNetCDF3Header to throw an Error containing `osExpected`.
void ExpectHeaderError(const std::string &os, const std::string &osExpected)
{
    try
    {
        kerchunk::ParseNetCDF3Header(os.data(), os.size(), os.size(), "test.nc");
        ADD_FAILURE() << "no error, expected: " << osExpected;
    }
    catch (const Error &e)
    {
        EXPECT_NE(std::string(e.what()).find(osExpected), std::string::npos)
            << "message: " << e.what() << "\nexpected: " << osExpected;
        EXPECT_EQ(std::string(e.what()).rfind("test.nc: ", 0), 0u) << e.what();
    }
}

class NetCDF3Versions : public ::testing::TestWithParam<int>
{
};

TEST_P(NetCDF3Versions, ParsesDimsAttributesVariables)
{
    const std::string os = BuildSample(GetParam());
    const NC3Header o = Parse(os);
    EXPECT_EQ(o.nVersion, GetParam());
    EXPECT_EQ(o.nNumRecs, 3u);
    EXPECT_FALSE(o.bStreaming);
    ASSERT_EQ(o.aoDimensions.size(), 2u);
    EXPECT_EQ(o.aoDimensions[0].osName, "time");
    EXPECT_EQ(o.aoDimensions[1].nLength, 3u);
    ASSERT_TRUE(o.nRecordDimension.has_value());
    EXPECT_EQ(*o.nRecordDimension, 0u);
    ASSERT_EQ(o.aoAttributes.size(), 1u);
    EXPECT_EQ(o.aoAttributes[0].osValues, "hello");
    ASSERT_EQ(o.aoVariables.size(), 3u);
    EXPECT_FALSE(o.aoVariables[0].bIsRecord);
    EXPECT_TRUE(o.aoVariables[2].bIsRecord);
    EXPECT_EQ(o.aoVariables[2].eType, NC3Type::Byte);
    EXPECT_EQ(o.aoVariables[2].aoAttributes.at(0).osName, "units");
    EXPECT_EQ(o.aoVariables[0].nBegin, o.nHeaderSize);
}

TEST_P(NetCDF3Versions, Layout)
{
    const std::string os = BuildSample(GetParam());
    const NC3Header o = Parse(os);
    // two record variables: 8 + (3 padded to 4)
    const uint64_t nRecSize = kerchunk::NC3RecordSize(o, "test.nc");
    EXPECT_EQ(nRecSize, 12u);
    const auto oRec = kerchunk::ComputeNC3ArrayLayout(
        o, o.aoVariables[2], nRecSize, 3, os.size(), 1 << 26, "test.nc", kerchunk::NC3StringDimensions(o));
    EXPECT_EQ(oRec.anShape, (std::vector<uint64_t>{3, 3}));
    EXPECT_EQ(oRec.anChunks, (std::vector<uint64_t>{1, 3}));
    EXPECT_EQ(oRec.osDtype, "|i1");
    EXPECT_EQ(oRec.nChunkCount, 3u);
    EXPECT_EQ(oRec.nChunkStride, 12u);
    EXPECT_EQ(oRec.nChunkBytes, 3u);
    EXPECT_EQ(oRec.nFirstOffset, o.nHeaderSize + 16);
    const auto oFixed = kerchunk::ComputeNC3ArrayLayout(
        o, o.aoVariables[0], nRecSize, 3, os.size(), 1 << 26, "test.nc", kerchunk::NC3StringDimensions(o));
    EXPECT_EQ(oFixed.osDtype, ">i2");
    EXPECT_EQ(oFixed.nChunkCount, 1u);
    EXPECT_EQ(oFixed.nChunkBytes, 6u);
    EXPECT_EQ(oFixed.aosDimensions, (std::vector<std::string>{"x"}));
}

TEST_P(NetCDF3Versions, EveryTruncationFailsCleanlyOrAsksForMore)
{
    const std::string os = BuildSample(GetParam(), 3, false);
    const size_t nHeader = os.size();
    for (size_t n = 0; n < nHeader; ++n)
    {
        // The whole file is this prefix: a clear error.
        const std::string osPrefix = os.substr(0, n);
        try
        {
            kerchunk::ParseNetCDF3Header(osPrefix.data(), n, n, "test.nc");
            ADD_FAILURE() << "prefix of " << n << " bytes parsed";
        }
        catch (const Error &e)
        {
            const std::string osMsg = e.what();
            EXPECT_TRUE(osMsg.find("truncated") != std::string::npos ||
                        osMsg.find("exceeds what the remaining") != std::string::npos)
                << n << ": " << osMsg;
        }
        // The file is longer than what we have: ask for more.
        EXPECT_FALSE(kerchunk::ParseNetCDF3Header(os.data(), n, nHeader, "test.nc")
                         .has_value())
            << n;
    }
}

INSTANTIATE_TEST_SUITE_P(AllFormats, NetCDF3Versions, ::testing::Values(1, 2, 5));

TEST(NetCDF3Header, WrongMagic)
{
    std::string os = BuildSample(1);
    os[3] = 3;
    ExpectHeaderError(os, "NetCDF-3 header: not a NetCDF-3 file (bad magic bytes");
    os = BuildSample(1);
    os[0] = 'H';
    ExpectHeaderError(os, "not a NetCDF-3 file");
    ExpectHeaderError("CD", "truncated: the file has only 2 bytes");
}

TEST(NetCDF3Header, TruncatedMessageSaysWhatAndWhere)
{
    const std::string os = BuildSample(1, 3, false);
    ExpectHeaderError(os.substr(0, 6),
                      "truncated: numrecs at byte 4 needs 4 bytes, the file has 2 left");
    // Cut inside a long attribute name (after its length field).
    HeaderBuilder b(1);
    b.NonNeg(0).Absent().List(ATT, 1).TextAttr(std::string(100, 'n'), "v");
    ExpectHeaderError(b.Str().substr(0, 40),
                      "truncated: attribute name at byte 28 needs 100 bytes, the file "
                      "has 12 left (attribute #0)");
}

TEST(NetCDF3Header, CountsThatExceedTheFile)
{
    HeaderBuilder b(1);
    b.NonNeg(0).List(DIM, 0xFFFFFFFFu);
    ExpectHeaderError(b.Str() + std::string(64, '\0'),
                      "dimension list count 4294967295 exceeds what the remaining 64 "
                      "bytes of the file can hold");

    HeaderBuilder c(5);
    c.NonNeg(0).Absent().List(ATT, 1).Name("a").U32(6).NonNeg(uint64_t{1} << 61);
    ExpectHeaderError(c.Str() + std::string(64, '\0'),
                      "attribute value count 2305843009213693952 exceeds what the "
                      "remaining 64 bytes of the file can hold (attribute 'a')");

    HeaderBuilder d(5);
    d.NonNeg(0).List(DIM, 1).NonNeg(uint64_t{1} << 63);
    ExpectHeaderError(d.Str() + std::string(64, '\0'),
                      "dimension name is negative (dimension #0)");

    HeaderBuilder e(2);
    e.NonNeg(0).Absent().Absent().List(VAR, 1).VarStart("v", {}).U32(ATT).NonNeg(
        0x7FFFFFFF);
    ExpectHeaderError(e.Str() + std::string(16, '\0'),
                      "attribute list count 2147483647 exceeds what the remaining 16 "
                      "bytes of the file can hold (variable 'v')");

    HeaderBuilder f(1);
    f.NonNeg(0).List(DIM, 1).NonNeg(0xFFFFFFF0u);
    ExpectHeaderError(f.Str() + std::string(8, '\0'),
                      "truncated: dimension name at byte 20 needs 4294967280 bytes");
}

TEST(NetCDF3Header, StructuralErrors)
{
    HeaderBuilder a(1);
    a.NonNeg(0).List(DIM, 1).Dim("x", 2).Absent().List(VAR, 1).VarStart("v", {1});
    a.Absent().VarEnd(1, 4, 100);
    ExpectHeaderError(a.Str(),
                      "dimension id 1 out of range (the file has 1 dimensions) "
                      "(variable 'v')");

    HeaderBuilder b(1);
    b.NonNeg(0).List(DIM, 2).Dim("x", 2).Dim("time", 0).Absent().List(VAR, 1);
    b.VarStart("v", {0, 1}).Absent().VarEnd(1, 4, 100);
    ExpectHeaderError(b.Str(), "the record dimension 'time' is not the first "
                               "dimension (variable 'v')");

    HeaderBuilder c(1);
    c.NonNeg(0).List(DIM, 2).Dim("t1", 0).Dim("t2", 0).Absent().Absent();
    ExpectHeaderError(c.Str(), "more than one dimension of length 0 ('t1' and 't2')");

    HeaderBuilder d(2);
    d.NonNeg(0).Absent().Absent().List(VAR, 1).VarStart("v", {}).Absent();
    d.VarEnd(10, 8, 100);
    ExpectHeaderError(d.Str(), "unknown variable type 10 (a CDF-5 type in a CDF-2 "
                               "file) (variable 'v')");

    HeaderBuilder e(5);
    e.NonNeg(0).Absent().List(ATT, 1).Name("a").U32(42).NonNeg(0);
    ExpectHeaderError(e.Str(), "unknown attribute type 42 (attribute 'a')");

    HeaderBuilder f(1);
    f.NonNeg(0).U32(0).NonNeg(3);
    ExpectHeaderError(f.Str() + std::string(32, '\0'),
                      "dimension list: ABSENT with a non-zero count");

    HeaderBuilder g(1);
    g.NonNeg(0).List(VAR, 0);
    ExpectHeaderError(g.Str() + std::string(32, '\0'),
                      "dimension list: expected tag 10, found 11");

    HeaderBuilder h(1);
    h.NonNeg(0).List(DIM, 1).Dim("\xC0\x80", 2);
    ExpectHeaderError(h.Str() + std::string(32, '\0'),
                      "dimension name is not valid UTF-8 (dimension #0)");

    HeaderBuilder i(1);
    i.NonNeg(0).Absent().Absent().List(VAR, 2);
    i.VarStart("v", {}).Absent().VarEnd(1, 4, 100);
    i.VarStart("v", {}).Absent().VarEnd(1, 4, 104);
    ExpectHeaderError(i.Str(), "duplicate variable name (variable 'v')");
}

TEST(NetCDF3Header, NamesEndAtANul)
{
    // netCDF-C's nctest writes "yy\0" as a 3-byte name.
    HeaderBuilder b(1);
    b.NonNeg(0).Absent().Absent().List(VAR, 1);
    b.VarStart(std::string("yy\0", 3), {}).Absent();
    b.VarEnd(3, 4, 60);
    const NC3Header o = Parse(b.Str() + std::string(8, '\0'));
    EXPECT_EQ(o.aoVariables.at(0).osName, "yy");
}

TEST(NetCDF3Header, StreamingNumRecs)
{
    std::string os = BuildSample(1, 3);
    os[4] = os[5] = os[6] = os[7] = '\xFF';
    const NC3Header o = Parse(os);
    EXPECT_TRUE(o.bStreaming);
    const uint64_t nRecSize = kerchunk::NC3RecordSize(o, "test.nc");
    EXPECT_EQ(kerchunk::NC3NumRecords(o, nRecSize, os.size()), 3u);
    // A partial last record is not counted.
    EXPECT_EQ(kerchunk::NC3NumRecords(o, nRecSize, os.size() - 1), 2u);
}

TEST(NetCDF3Layout, SingleRecordVariableIsNotPadded)
{
    HeaderBuilder b(1);
    b.NonNeg(2).List(DIM, 2).Dim("t", 0).Dim("x", 3).Absent().List(VAR, 1);
    b.VarStart("v", {0, 1}).Absent().VarEnd(3, 8, 80);
    const NC3Header o = Parse(b.Str() + std::string(300, '\0'));
    EXPECT_EQ(kerchunk::NC3RecordSize(o, "test.nc"), 6u);
}

TEST(NetCDF3Layout, DataOutsideTheFile)
{
    const std::string os = BuildSample(1, 3);
    const NC3Header o = Parse(os);
    const uint64_t nRecSize = kerchunk::NC3RecordSize(o, "test.nc");
    auto ExpectLayoutError = [&](const kerchunk::NC3Variable &oVar,
                                 uint64_t nNumRecs, uint64_t nFileSize,
                                 const std::string &osExpected)
    {
        try
        {
            kerchunk::ComputeNC3ArrayLayout(o, oVar, nRecSize, nNumRecs, nFileSize,
                                            1 << 26, "test.nc", kerchunk::NC3StringDimensions(o));
            ADD_FAILURE() << "no error, expected: " << osExpected;
        }
        catch (const Error &e)
        {
            EXPECT_NE(std::string(e.what()).find(osExpected), std::string::npos)
                << e.what();
        }
    };
    kerchunk::NC3Variable oFixed = o.aoVariables[0];
    oFixed.nBegin = os.size() + 1;
    ExpectLayoutError(oFixed, 3, os.size(),
                      "test.nc: variable 'fixed': data offset " +
                          std::to_string(os.size() + 1) +
                          " is past the end of the file (" +
                          std::to_string(os.size()) + " bytes)");
    oFixed.nBegin = os.size() - 4;
    ExpectLayoutError(oFixed, 3, os.size(),
                      "variable 'fixed': data (6 bytes at offset " +
                          std::to_string(os.size() - 4) +
                          ") extends past the end of the file");
    oFixed.nBegin = 8;
    ExpectLayoutError(oFixed, 3, os.size(),
                      "variable 'fixed': data offset 8 lies inside the header");
    ExpectLayoutError(o.aoVariables[2], 4, os.size(),
                      "variable 'rec': record 3 extends past the end of the file");
    ExpectLayoutError(o.aoVariables[2], uint64_t{1} << 40, os.size(),
                      "variable 'rec': record 1099511627775 extends past");
    ExpectLayoutError(o.aoVariables[2], uint64_t{1} << 62, os.size(),
                      "variable 'rec': size overflows 64 bits");
    ExpectLayoutError(o.aoVariables[2], ~uint64_t{0}, os.size(),
                      "variable 'rec': size overflows 64 bits");
}

TEST(NetCDF3Layout, SizesThatOverflow)
{
    HeaderBuilder b(5);
    b.NonNeg(0).List(DIM, 2).Dim("a", uint64_t{1} << 40).Dim("b", uint64_t{1} << 30);
    b.Absent().List(VAR, 1).VarStart("v", {0, 1}).Absent().VarEnd(6, 8, 200);
    const NC3Header o = Parse(b.Str() + std::string(300, '\0'));
    try
    {
        kerchunk::NC3RecordSize(o, "test.nc");
        kerchunk::ComputeNC3ArrayLayout(o, o.aoVariables[0], 0, 0, 500, 1 << 26,
                                        "test.nc", kerchunk::NC3StringDimensions(o));
        ADD_FAILURE() << "no error";
    }
    catch (const Error &e)
    {
        EXPECT_STREQ(e.what(), "test.nc: variable 'v': size overflows 64 bits");
    }
}

TEST(NetCDF3Layout, CharArraysAreStringsAlongTheLastDimension)
{
    HeaderBuilder b(1);
    b.NonNeg(2).List(DIM, 3).Dim("t", 0).Dim("n", 4).Dim("len", 7).Absent();
    b.List(VAR, 3);
    b.VarStart("names", {1, 2}).Absent().VarEnd(2, 28, 300);
    b.VarStart("rec_names", {0, 2}).Absent().VarEnd(2, 8, 328);
    b.VarStart("rec_chars", {0}).Absent().VarEnd(2, 4, 336);
    const std::string os = b.Str() + std::string(400 - b.Size(), '\0');
    // a char coordinate variable, named after its (last) dimension
    HeaderBuilder c(1);
    c.NonNeg(0).List(DIM, 1).Dim("len", 7).Absent().List(VAR, 1);
    c.VarStart("len", {0}).Absent().VarEnd(2, 8, 80);
    const NC3Header oCoord = Parse(c.Str() + std::string(100 - c.Size(), '\0'));
    const auto oCoordLayout = kerchunk::ComputeNC3ArrayLayout(
        oCoord, oCoord.aoVariables[0], 0, 0, 100, 1 << 26, "test.nc", kerchunk::NC3StringDimensions(oCoord));
    EXPECT_EQ(oCoordLayout.osDtype, "|S1");
    EXPECT_EQ(oCoordLayout.anShape, (std::vector<uint64_t>{7}));
    EXPECT_EQ(oCoordLayout.aosDimensions, (std::vector<std::string>{"len"}));

    const NC3Header o = Parse(os);
    const uint64_t nRecSize = kerchunk::NC3RecordSize(o, "test.nc");
    EXPECT_EQ(nRecSize, 12u);
    auto a = kerchunk::ComputeNC3ArrayLayout(o, o.aoVariables[0], nRecSize, 2,
                                             os.size(), 1 << 26, "test.nc", kerchunk::NC3StringDimensions(o));
    EXPECT_EQ(a.osDtype, "|S7");
    EXPECT_EQ(a.anShape, (std::vector<uint64_t>{4}));
    EXPECT_EQ(a.aosDimensions, (std::vector<std::string>{"n"}));
    a = kerchunk::ComputeNC3ArrayLayout(o, o.aoVariables[1], nRecSize, 2,
                                        os.size(), 1 << 26, "test.nc", kerchunk::NC3StringDimensions(o));
    EXPECT_EQ(a.osDtype, "|S7");
    EXPECT_EQ(a.anShape, (std::vector<uint64_t>{2}));
    EXPECT_EQ(a.anChunks, (std::vector<uint64_t>{1}));
    // the last dimension is the record dimension: single characters
    a = kerchunk::ComputeNC3ArrayLayout(o, o.aoVariables[2], nRecSize, 2,
                                        os.size(), 1 << 26, "test.nc", kerchunk::NC3StringDimensions(o));
    EXPECT_EQ(a.osDtype, "|S1");
    EXPECT_EQ(a.anShape, (std::vector<uint64_t>{2}));
}

TEST(NetCDF3Layout, BigVariablesSplitInWholeRows)
{
    HeaderBuilder b(2);
    b.NonNeg(0).List(DIM, 2).Dim("y", 12).Dim("x", 10).Absent().List(VAR, 1);
    b.VarStart("v", {0, 1}).Absent().VarEnd(6, 960, 100);
    const std::string os = b.Str() + std::string(100 + 960 - b.Size(), '\0');
    const NC3Header o = Parse(os);
    auto a = kerchunk::ComputeNC3ArrayLayout(o, o.aoVariables[0], 0, 0, os.size(),
                                             320, "test.nc", kerchunk::NC3StringDimensions(o));
    EXPECT_EQ(a.anChunks, (std::vector<uint64_t>{4, 10}));  // 12 = 3 x 4 rows
    EXPECT_EQ(a.nChunkCount, 3u);
    EXPECT_EQ(a.nChunkBytes, 320u);
    EXPECT_EQ(a.nChunkStride, 320u);
    EXPECT_EQ(a.nFirstOffset, 100u);
    // 5 rows do not divide 12 and the last chunk would overhang the end of
    // the file: the largest divisor (4) is used.
    a = kerchunk::ComputeNC3ArrayLayout(o, o.aoVariables[0], 0, 0, os.size(), 400,
                                        "test.nc", kerchunk::NC3StringDimensions(o));
    EXPECT_EQ(a.anChunks, (std::vector<uint64_t>{4, 10}));
    // With room after the variable, the last chunk may overhang.
    a = kerchunk::ComputeNC3ArrayLayout(o, o.aoVariables[0], 0, 0, os.size() + 1000,
                                        400, "test.nc", kerchunk::NC3StringDimensions(o));
    EXPECT_EQ(a.anChunks, (std::vector<uint64_t>{5, 10}));
    EXPECT_EQ(a.nChunkCount, 3u);
}

TEST(NetCDF3Attributes, ValuesAndFills)
{
    kerchunk::NC3Attribute oText{"t", NC3Type::Char, 7, std::string("ab\0c\xFF\xC3\xA9", 7)};
    EXPECT_EQ(kerchunk::NC3AttributeValue(oText), "abc\xEF\xBF\xBD\xC3\xA9");
    kerchunk::NC3Attribute oShorts{"s", NC3Type::Short, 2, std::string("\xFF\xFE\x00\x05", 4)};
    EXPECT_EQ(kerchunk::NC3AttributeValue(oShorts), nlohmann::json({-2, 5}));
    kerchunk::NC3Attribute oOne{"u", NC3Type::UInt64, 1, std::string(8, '\xFF')};
    EXPECT_EQ(kerchunk::NC3AttributeValue(oOne), nlohmann::json(~uint64_t{0}));
    kerchunk::NC3Attribute oNaN{"f", NC3Type::Float, 1, std::string("\x7F\xC0\x00\x00", 4)};
    EXPECT_EQ(kerchunk::NC3AttributeValue(oNaN), "NaN");

    kerchunk::NC3Variable oVar;
    oVar.eType = NC3Type::Float;
    EXPECT_EQ(kerchunk::NC3FillValue(oVar).get<double>(),
              static_cast<double>(9.9692099683868690e+36f));
    oVar.eType = NC3Type::Int64;
    EXPECT_EQ(kerchunk::NC3FillValue(oVar), nlohmann::json(-9223372036854775806LL));
    oVar.eType = NC3Type::Byte;
    EXPECT_EQ(kerchunk::NC3FillValue(oVar), nlohmann::json(-127));
    oVar.eType = NC3Type::Char;
    EXPECT_TRUE(kerchunk::NC3FillValue(oVar).is_null());

    // _FillValue becomes the fill value and leaves the attributes...
    oVar.eType = NC3Type::Short;
    oVar.aoAttributes = {{"_FillValue", NC3Type::Short, 1, std::string("\xFF\x9C", 2)},
                         {"units", NC3Type::Char, 1, "K"}};
    EXPECT_EQ(kerchunk::NC3FillValue(oVar), nlohmann::json(-100));
    EXPECT_EQ(kerchunk::NC3VariableAttributes(oVar), nlohmann::json({{"units", "K"}}));
    // ... unless it does not fit the variable's type.
    oVar.aoAttributes[0] = {"_FillValue", NC3Type::Int, 1, std::string("\x00\x01\x00\x00", 4)};
    EXPECT_EQ(kerchunk::NC3FillValue(oVar), nlohmann::json(-32767));
    EXPECT_EQ(kerchunk::NC3VariableAttributes(oVar)["_FillValue"], nlohmann::json(65536));
}

// Random byte flips over a valid header: every outcome is a parsed header
// or a kerchunk::Error, and layouts of what parsed stay within the file.
TEST(NetCDF3Header, MutatedHeadersNeverCrash)
{
    std::mt19937 oRandom(1234);
    for (int nVersion : {1, 2, 5})
    {
        const std::string osGood = BuildSample(nVersion);
        for (int nIter = 0; nIter < 3000; ++nIter)
        {
            std::string os = osGood;
            const int nFlips = 1 + static_cast<int>(oRandom() % 4);
            for (int i = 0; i < nFlips; ++i)
                os[oRandom() % os.size()] = static_cast<char>(oRandom() & 0xFF);
            if (oRandom() % 4 == 0)
                os.resize(oRandom() % os.size());
            try
            {
                auto oHeader = kerchunk::ParseNetCDF3Header(os.data(), os.size(),
                                                            os.size(), "fuzz.nc");
                ASSERT_TRUE(oHeader.has_value());
                const uint64_t nRecSize = kerchunk::NC3RecordSize(*oHeader, "fuzz.nc");
                const uint64_t nNumRecs =
                    kerchunk::NC3NumRecords(*oHeader, nRecSize, os.size());
                for (const auto &oVar : oHeader->aoVariables)
                {
                    try
                    {
                        const auto a = kerchunk::ComputeNC3ArrayLayout(
                            *oHeader, oVar, nRecSize, nNumRecs, os.size(), 64,
                            "fuzz.nc", kerchunk::NC3StringDimensions(*oHeader));
                        if (a.nChunkCount > 0)
                        {
                            // the last chunk ends within the file
                            const uint64_t nEnd = a.nFirstOffset +
                                                  (a.nChunkCount - 1) * a.nChunkStride +
                                                  a.nChunkBytes;
                            EXPECT_LE(nEnd, os.size());
                        }
                        (void)kerchunk::NC3VariableAttributes(oVar).dump();
                    }
                    catch (const Error &)
                    {
                    }
                }
            }
            catch (const Error &e)
            {
                EXPECT_EQ(std::string(e.what()).rfind("fuzz.nc: ", 0), 0u) << e.what();
            }
        }
    }
}

TEST(NetCDF3Header, ReadsBigHeadersInGrowingBlocks)
{
    // A 300 kB attribute: the header spans several read blocks.
    HeaderBuilder b(1);
    const std::string osLong(300000, 'a');
    b.NonNeg(0).Absent().List(ATT, 1).TextAttr("long", osLong).Absent();
    const std::string osPath = "/vsimem/test_netcdf3_big_header.nc";
    const kerchunk::VSIFilePtr poFile(VSIFileFromMemBuffer(
        osPath.c_str(), reinterpret_cast<GByte *>(&b.Str()[0]), b.Size(), FALSE));
    ASSERT_TRUE(poFile);
    const NC3Header o = kerchunk::ReadNetCDF3Header(poFile.get(), osPath);
    EXPECT_EQ(o.aoAttributes.at(0).osValues, osLong);

    CPLSetConfigOption("KERCHUNK_NETCDF3_MAX_HEADER_SIZE", "100000");
    try
    {
        kerchunk::ReadNetCDF3Header(poFile.get(), osPath);
        ADD_FAILURE() << "no error";
    }
    catch (const Error &e)
    {
        EXPECT_STREQ(e.what(), (osPath + ": NetCDF-3 header larger than 100000 bytes "
                                         "(KERCHUNK_NETCDF3_MAX_HEADER_SIZE)")
                                   .c_str());
    }
    CPLSetConfigOption("KERCHUNK_NETCDF3_MAX_HEADER_SIZE", nullptr);
    VSIUnlink(osPath.c_str());
}

}  // namespace
