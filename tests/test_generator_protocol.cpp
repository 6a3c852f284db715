// The line protocol between the driver and its generator child
// (cache/generator_protocol.h): what one side formats, the other parses back
// exactly; anything else is a foreign line, quoted but never trusted.
#include "generator_protocol.h"

#include <gtest/gtest.h>

namespace kerchunk
{
namespace
{

std::string WithoutNewline(std::string osLine)
{
    EXPECT_EQ(osLine.back(), '\n');
    osLine.pop_back();
    return osLine;
}

TEST(GeneratorProtocol, ProgressRoundTrips)
{
    const auto oEvent =
        ParseGeneratorEvent(WithoutNewline(FormatProgressEvent(0.25, "array /t")));
    EXPECT_EQ(oEvent.eKind, GeneratorEvent::Kind::Progress);
    EXPECT_DOUBLE_EQ(oEvent.dfProgress, 0.25);
    EXPECT_EQ(oEvent.osText, "array /t");
}

TEST(GeneratorProtocol, MessagesWithNewlinesAndBackslashesStayOneLine)
{
    const std::string osMessage = "a\\nb\nc\r\\";
    const std::string osLine = FormatFailedEvent(osMessage);
    EXPECT_EQ(osLine.find('\n'), osLine.size() - 1);
    const auto oEvent = ParseGeneratorEvent(WithoutNewline(osLine));
    EXPECT_EQ(oEvent.eKind, GeneratorEvent::Kind::Failed);
    EXPECT_EQ(oEvent.osText, osMessage);
}

TEST(GeneratorProtocol, CPLErrorRoundTrips)
{
    const auto oEvent =
        ParseGeneratorEvent(WithoutNewline(FormatCPLErrorEvent(2, 6, "x: y z")));
    EXPECT_EQ(oEvent.eKind, GeneratorEvent::Kind::CPLErrorMessage);
    EXPECT_EQ(oEvent.nErrClass, 2);
    EXPECT_EQ(oEvent.nErrNum, 6);
    EXPECT_EQ(oEvent.osText, "x: y z");
}

TEST(GeneratorProtocol, ResultRoundTrips)
{
    GenerateStats oStats;
    oStats.nArrays = 3;
    oStats.nChunks = 100000;
    oStats.nBytesRead = 5000000000;
    oStats.aosSkipped = {"/s: strings\nof \"two\" lines", "/c: compound"};
    const std::string osLine = FormatResultEvent(oStats);
    EXPECT_EQ(osLine.find('\n'), osLine.size() - 1);
    const auto oEvent = ParseGeneratorEvent(WithoutNewline(osLine));
    ASSERT_EQ(oEvent.eKind, GeneratorEvent::Kind::Result);
    EXPECT_EQ(oEvent.oStats.nArrays, 3u);
    EXPECT_EQ(oEvent.oStats.nChunks, 100000u);
    EXPECT_EQ(oEvent.oStats.nBytesRead, 5000000000u);
    EXPECT_EQ(oEvent.oStats.aosSkipped, oStats.aosSkipped);
    EXPECT_FALSE(oEvent.onReferencesSize.has_value());
}

TEST(GeneratorProtocol, BatchResultCarriesTheReferencesSize)
{
    GenerateStats oStats;
    oStats.nArrays = 1;
    const auto oEvent =
        ParseGeneratorEvent(WithoutNewline(FormatResultEvent(oStats, uint64_t{123456789012})));
    ASSERT_EQ(oEvent.eKind, GeneratorEvent::Kind::Result);
    ASSERT_TRUE(oEvent.onReferencesSize.has_value());
    EXPECT_EQ(*oEvent.onReferencesSize, 123456789012u);
}

TEST(GeneratorProtocol, SourceRequestIsOneLineAndRoundTrips)
{
    const std::string osSource = "/data/odd\\name\n\r.nc";
    const std::string osLine = FormatSourceRequest(osSource);
    EXPECT_EQ(osLine.find('\n'), osLine.size() - 1);
    EXPECT_EQ(ParseSourceRequest(WithoutNewline(osLine)), osSource);
}

TEST(GeneratorProtocol, ForeignAndMalformedLinesAreKeptVerbatim)
{
    for (const std::string osLine :
         {"free(): invalid pointer", "HDF5-DIAG: Error detected", "@KERCHUNK",
          "@KERCHUNK progress", "@KERCHUNK progress abc msg",
          "@KERCHUNK cplerror 2 msg", "@KERCHUNK result {\"arrays\": 1}",
          "@KERCHUNK result [1]", "@KERCHUNK result {\"arrays\":-1,\"chunks\":0,\"skipped\":[]}",
          "@KERCHUNK result {\"arrays\":1,\"chunks\":0,\"bytes_read\":\"x\",\"skipped\":[]}",
          "@KERCHUNK result {\"arrays\":1,\"chunks\":0,\"skipped\":[],\"references_size\":-2}",
          "@KERCHUNK unknown thing", " @KERCHUNK failed x"})
    {
        const auto oEvent = ParseGeneratorEvent(osLine);
        EXPECT_EQ(oEvent.eKind, GeneratorEvent::Kind::Other) << osLine;
        EXPECT_EQ(oEvent.osText, osLine);
    }
}

}  // namespace
}  // namespace kerchunk
