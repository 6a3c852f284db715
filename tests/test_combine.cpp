// Units of combine/: CF time arithmetic, chunk keys, and CombineReferences on
// small reference sets written to /vsimem/ (uncompressed inline chunks).
#include "cf_time.h"
#include "combine_input.h"
#include "test_files.h"
#include "combiner.h"
#include "reference_writer.h"  // Base64Encode

#include "cpl_conv.h"
#include "cpl_vsi.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstring>
#include <stdexcept>

namespace kerchunk
{
namespace
{

TEST(CfTime, ParsesUnitsAndReferenceDates)
{
    auto oUnits = ParseCfTimeUnits("hours since 2021-01-02 00:00:00");
    ASSERT_TRUE(oUnits);
    EXPECT_EQ(oUnits->dfUnitSeconds, 3600);
    EXPECT_EQ(oUnits->dfReferenceSeconds, 1609545600);  // date -ud 2021-01-02 +%s
    oUnits = ParseCfTimeUnits("days since 1900-01-01");
    ASSERT_TRUE(oUnits);
    EXPECT_EQ(oUnits->dfReferenceSeconds, -2208988800.0);
    oUnits = ParseCfTimeUnits("seconds since 2000-01-01T06:00:00Z");
    ASSERT_TRUE(oUnits);
    EXPECT_EQ(oUnits->dfReferenceSeconds, 946706400);
    oUnits = ParseCfTimeUnits("minutes since 2000-01-01 06:00 +02:00");
    ASSERT_TRUE(oUnits);
    EXPECT_EQ(oUnits->dfUnitSeconds, 60);
    EXPECT_EQ(oUnits->dfReferenceSeconds, 946706400 - 7200);
    EXPECT_FALSE(ParseCfTimeUnits("K"));
    EXPECT_FALSE(ParseCfTimeUnits("fortnights since 2000-01-01"));
    EXPECT_FALSE(ParseCfTimeUnits("days since yesterday"));
    EXPECT_TRUE(IsGregorianCalendar(""));
    EXPECT_TRUE(IsGregorianCalendar("proleptic_gregorian"));
    EXPECT_FALSE(IsGregorianCalendar("noleap"));
    EXPECT_EQ(FormatInstant(1609545600 + 43200), "2021-01-02T12:00:00");
    EXPECT_EQ(FormatInstant(-2208988800.0), "1900-01-01T00:00:00");
}

TEST(ChunkKeys, ParseAndMakeWithBothSeparators)
{
    ArrayMetadata oArray;
    oArray.osPath = "g/t2m";
    oArray.anShape = {4, 3};
    std::vector<uint64_t> anIndex;
    EXPECT_TRUE(ParseChunkKey(oArray, "g/t2m/3.1", anIndex));
    EXPECT_EQ(anIndex, (std::vector<uint64_t>{3, 1}));
    EXPECT_FALSE(ParseChunkKey(oArray, "g/t2m/.zarray", anIndex));
    EXPECT_FALSE(ParseChunkKey(oArray, "g/t2m/3", anIndex));
    EXPECT_FALSE(ParseChunkKey(oArray, "g/t2m/3.1.0", anIndex));
    oArray.osSeparator = "/";
    EXPECT_TRUE(ParseChunkKey(oArray, "g/t2m/3/1", anIndex));
    EXPECT_EQ(MakeChunkKey(oArray, {7, 2}), "g/t2m/7/2");
}

// Output that keeps what it is given, to look at.
class RecordingOutput final : public ReferencesOutput
{
  public:
    nlohmann::json oRefs = nlohmann::json::object();
    void AddMetadata(const std::string &osKey, const std::string &osJson) override
    {
        oRefs[osKey] = nlohmann::json::parse(osJson);
    }
    void AddInline(const std::string &osKey, const std::string &osBytes) override
    {
        oRefs[osKey] = "inline:" + std::to_string(osBytes.size());
    }
    void AddRange(const std::string &osKey, const std::string &osUrl, uint64_t nOffset,
                  uint64_t nSize) override
    {
        oRefs[osKey] = {osUrl, nOffset, nSize};
    }
    void AddWholeFile(const std::string &osKey, const std::string &osUrl) override
    {
        oRefs[osKey] = {osUrl};
    }
    void Finish() override
    {
    }
};

std::string Int32Bytes(std::vector<int32_t> an)
{
    std::string os(an.size() * 4, '\0');
    std::memcpy(&os[0], an.data(), os.size());  // little-endian host (x86, arm64)
    return os;
}

// A file with time (int32, `units`) holding `anTimes`, and v(time) in chunks
// of `nChunk`, its chunks pointing into data.bin; with `anLevels`, also a
// coordinate level(level), its chunk referenced in <osName>_level.bin.
CombineInput MakeInput(const std::string &osName, const std::string &osUnits,
                       std::vector<int32_t> anTimes, uint64_t nChunk,
                       std::vector<int32_t> anLevels = {})
{
    const uint64_t n = anTimes.size();
    nlohmann::json oRefs = {
        {".zgroup", R"({"zarr_format":2})"},
        {"time/.zarray", nlohmann::json({{"shape", {n}}, {"chunks", {n}}, {"dtype", "<i4"},
                                         {"compressor", nullptr}, {"filters", nullptr},
                                         {"fill_value", nullptr}, {"order", "C"},
                                         {"zarr_format", 2}}).dump()},
        {"time/.zattrs", nlohmann::json({{"_ARRAY_DIMENSIONS", {"time"}}, {"units", osUnits}}).dump()},
        {"time/0", "base64:" + Base64Encode(Int32Bytes(anTimes))},
        {"v/.zarray", nlohmann::json({{"shape", {n}}, {"chunks", {nChunk}}, {"dtype", "<f4"},
                                      {"compressor", nullptr}, {"filters", nullptr},
                                      {"fill_value", nullptr}, {"order", "C"},
                                      {"zarr_format", 2}}).dump()},
        {"v/.zattrs", R"({"_ARRAY_DIMENSIONS":["time"]})"}};
    for (uint64_t i = 0; i * nChunk < n; ++i)
        oRefs["v/" + std::to_string(i)] = {"data.bin", 100 * i, 4 * nChunk};
    if (!anLevels.empty())
    {
        const uint64_t nLevels = anLevels.size();
        oRefs["level/.zarray"] =
            nlohmann::json({{"shape", {nLevels}}, {"chunks", {nLevels}}, {"dtype", "<i4"},
                            {"compressor", nullptr}, {"filters", nullptr},
                            {"fill_value", nullptr}, {"order", "C"}, {"zarr_format", 2}})
                .dump();
        oRefs["level/.zattrs"] = R"({"_ARRAY_DIMENSIONS":["level"]})";
        kerchunk_test::WriteFile("/vsimem/test_combine/" + osName + "_level.bin",
                                 "header" + Int32Bytes(anLevels));
        oRefs["level/0"] = {osName + "_level.bin", 6, 4 * nLevels};
    }
    const std::string osPath = "/vsimem/test_combine/" + osName + ".json";
    const std::string osText = nlohmann::json({{"version", 1}, {"refs", oRefs}}).dump();
    kerchunk_test::WriteFile(osPath, osText);
    return LoadCombineInput(osName, osPath);
}

// CombineInput is move-only: no initializer lists.
template <class... Inputs> std::vector<CombineInput> InputList(Inputs &&...aoInputs)
{
    std::vector<CombineInput> aoList;
    (aoList.push_back(std::move(aoInputs)), ...);
    return aoList;
}

std::string CombineError(std::vector<CombineInput> aoInputs, const CombineOptions &oOptions)
{
    RecordingOutput oOutput;
    try
    {
        CombineReferences(aoInputs, oOptions, oOutput);
    }
    catch (const std::exception &e)
    {
        return e.what();
    }
    return "(no error)";
}

TEST(Combine, OrdersByTimeAndRenumbersChunks)
{
    std::vector<CombineInput> aoInputs;
    aoInputs.push_back(MakeInput("b", "days since 2000-01-01", {4, 5, 6, 7}, 2));
    aoInputs.push_back(MakeInput("a", "days since 2000-01-01", {0, 1, 2, 3}, 2));
    CombineOptions oOptions;
    oOptions.aosConcatDims = {"time"};
    RecordingOutput oOutput;
    const CombineSummary oSummary = CombineReferences(aoInputs, oOptions, oOutput);
    EXPECT_EQ(oSummary.aoLengths, (std::vector<std::pair<std::string, uint64_t>>{{"time", 8}}));
    EXPECT_EQ(oSummary.nChunks, 4u);
    EXPECT_EQ(oOutput.oRefs["v/.zarray"]["shape"], nlohmann::json({8}));
    // a's chunks first, then b's, shifted by a's two chunks; URLs absolute.
    EXPECT_EQ(oOutput.oRefs["v/0"], nlohmann::json({"/vsimem/test_combine/data.bin", 0, 8}));
    EXPECT_EQ(oOutput.oRefs["v/2"], nlohmann::json({"/vsimem/test_combine/data.bin", 0, 8}));
    EXPECT_EQ(oOutput.oRefs["v/3"], nlohmann::json({"/vsimem/test_combine/data.bin", 100, 8}));
    EXPECT_EQ(oOutput.oRefs["time/.zarray"]["dtype"], "<i4");
    EXPECT_EQ(oOutput.oRefs["time/0"], "inline:32");
}

TEST(Combine, ConvertsDifferingTimeUnitsToTheEarliest)
{
    std::vector<CombineInput> aoInputs;
    aoInputs.push_back(MakeInput("day2", "hours since 2000-01-02", {0, 12}, 1));
    aoInputs.push_back(MakeInput("day1", "hours since 2000-01-01", {0, 12}, 1));
    CombineOptions oOptions;
    oOptions.aosConcatDims = {"time"};
    RecordingOutput oOutput;
    const CombineSummary oSummary = CombineReferences(aoInputs, oOptions, oOutput);
    EXPECT_EQ(oSummary.osNote, "time units differ between inputs: values converted to "
                               "'hours since 2000-01-01' (float64)");
    EXPECT_EQ(oOutput.oRefs["time/.zarray"]["dtype"], "<f8");
    EXPECT_EQ(oOutput.oRefs["time/.zattrs"]["units"], "hours since 2000-01-01");
}

TEST(Combine, RefusesWithArrayAndFilesNamed)
{
    CombineOptions oOptions;
    oOptions.aosConcatDims = {"time"};
    EXPECT_EQ(CombineError(InputList(MakeInput("a", "days since 2000-01-01", {0, 1, 2}, 2),
                            MakeInput("b", "days since 2000-01-01", {3, 4}, 2)),
                           oOptions),
              "a: array v ends with a partial chunk along time (3 values, chunks of 2); "
              "Zarr v2 chunks are regular, so only the last input may end with a partial "
              "chunk (rechunk the source, or regenerate it so that its length is a "
              "multiple of the chunk length)");
    EXPECT_EQ(CombineError(InputList(MakeInput("a", "days since 2000-01-01", {0, 1}, 2),
                            MakeInput("b", "days since 2000-01-01", {2, 3}, 1)),
                           oOptions),
              "array v: chunks differ between a ([2]) and b ([1])");
    EXPECT_EQ(CombineError(InputList(MakeInput("a", "days since 2000-01-01", {0, 2}, 2),
                            MakeInput("b", "days since 2000-01-01", {1, 3}, 2)),
                           oOptions),
              "the values of time overlap between a (0 to 2) and b (1 to 3)");
    EXPECT_EQ(CombineError(InputList(MakeInput("a", "days since 2000-01-01", {1, 0}, 2)), oOptions),
              "a: the values of time are not strictly increasing (index 1)");
    EXPECT_EQ(CombineError(InputList(MakeInput("a", "days since 2000-01-01", {0, 1}, 2),
                            MakeInput("b", "days since 2000-01-03", {0, 1}, 2),
                            MakeInput("c", "days since 2000-01-02", {0, 1}, 2)),
                           oOptions),
              "the values of time overlap between a (2000-01-01T00:00:00 to "
              "2000-01-02T00:00:00) and c (2000-01-02T00:00:00 to 2000-01-03T00:00:00)");
}

TEST(Combine, ArraysTakenOnceMustHoldTheSameValues)
{
    // level is referenced, not inline: its values are read and compared.
    CombineOptions oOptions;
    oOptions.aosConcatDims = {"time"};
    EXPECT_EQ(CombineError(InputList(MakeInput("a", "days since 2000-01-01", {0, 1}, 2, {1000, 850}),
                            MakeInput("b", "days since 2000-01-01", {2, 3}, 2, {1000, 850})),
                           oOptions),
              "(no error)");
    EXPECT_EQ(CombineError(InputList(MakeInput("a", "days since 2000-01-01", {0, 1}, 2, {1000, 850}),
                            MakeInput("b", "days since 2000-01-01", {2, 3}, 2, {1000, 500})),
                           oOptions),
              "array level: values differ between a and b; it is taken once, so it must be "
              "identical");
}

std::string LoadError(const std::string &osName, const std::string &osPath)
{
    try
    {
        LoadCombineInput(osName, osPath);
    }
    catch (const std::exception &e)
    {
        return e.what();
    }
    return "(no error)";
}

TEST(Combine, UnreadableInputsNameTheFileAndTheLimit)
{
    EXPECT_EQ(LoadError("x", "/vsimem/test_combine/none.json"),
              "x: cannot read references /vsimem/test_combine/none.json");
    MakeInput("small", "days since 2000-01-01", {0, 1}, 2);
    CPLConfigOptionSetter oLimit("KERCHUNK_MAX_REFS_FILE_SIZE", "100", false);
    EXPECT_EQ(LoadError("small", "/vsimem/test_combine/small.json"),
              "small: references /vsimem/test_combine/small.json are larger than 100 "
              "bytes (KERCHUNK_MAX_REFS_FILE_SIZE)");
}

// A forecast-like input: time (one value, days since 2000-01-01), step
// (`anSteps`), v(time, step) in chunks of (1, nStepChunk) and w(time), their
// chunks pointing into "<name>.bin".
CombineInput MakeGridInput(const std::string &osName, int32_t nTime, std::vector<int32_t> anSteps,
                           uint64_t nStepChunk)
{
    const uint64_t n = anSteps.size();
    const auto Zarray = [](std::vector<uint64_t> anShape, std::vector<uint64_t> anChunks,
                           const char *pszDtype)
    {
        return nlohmann::json({{"shape", anShape}, {"chunks", anChunks}, {"dtype", pszDtype},
                               {"compressor", nullptr}, {"filters", nullptr},
                               {"fill_value", nullptr}, {"order", "C"}, {"zarr_format", 2}})
            .dump();
    };
    nlohmann::json oRefs = {
        {".zgroup", R"({"zarr_format":2})"},
        {"time/.zarray", Zarray({1}, {1}, "<i4")},
        {"time/.zattrs", R"({"_ARRAY_DIMENSIONS":["time"],"units":"days since 2000-01-01"})"},
        {"time/0", "base64:" + Base64Encode(Int32Bytes({nTime}))},
        {"step/.zarray", Zarray({n}, {n}, "<i4")},
        {"step/.zattrs", R"({"_ARRAY_DIMENSIONS":["step"],"units":"hours"})"},
        {"step/0", "base64:" + Base64Encode(Int32Bytes(anSteps))},
        {"v/.zarray", Zarray({1, n}, {1, nStepChunk}, "<f4")},
        {"v/.zattrs", R"({"_ARRAY_DIMENSIONS":["time","step"]})"},
        {"w/.zarray", Zarray({1}, {1}, "<f4")},
        {"w/.zattrs", R"({"_ARRAY_DIMENSIONS":["time"]})"},
        {"w/0", {osName + ".bin", 0, 4}}};
    for (uint64_t i = 0; i * nStepChunk < n; ++i)
        oRefs["v/0." + std::to_string(i)] = {osName + ".bin", 100 * (i + 1), 4 * nStepChunk};
    const std::string osPath = "/vsimem/test_combine/" + osName + ".json";
    const std::string osText = nlohmann::json({{"version", 1}, {"refs", oRefs}}).dump();
    kerchunk_test::WriteFile(osPath, osText);
    return LoadCombineInput(osName, osPath);
}

TEST(Combine, PlacesInputsOnAGridOfTwoDimensions)
{
    CombineOptions oOptions;
    oOptions.aosConcatDims = {"time", "step"};
    RecordingOutput oOutput;
    std::vector<CombineInput> aoInputs =
        InputList(MakeGridInput("t1s1", 1, {12, 18}, 2), MakeGridInput("t0s1", 0, {12, 18}, 2),
                  MakeGridInput("t1s0", 1, {0, 6}, 2), MakeGridInput("t0s0", 0, {0, 6}, 2));
    const CombineSummary oSummary = CombineReferences(aoInputs, oOptions, oOutput);
    EXPECT_EQ(oSummary.aoLengths, (std::vector<std::pair<std::string, uint64_t>>{
                                      {"time", 2}, {"step", 4}}));
    EXPECT_EQ(oOutput.oRefs["v/.zarray"]["shape"], nlohmann::json({2, 4}));
    EXPECT_EQ(oOutput.oRefs["v/0.0"], nlohmann::json({"/vsimem/test_combine/t0s0.bin", 100, 8}));
    EXPECT_EQ(oOutput.oRefs["v/0.1"], nlohmann::json({"/vsimem/test_combine/t0s1.bin", 100, 8}));
    EXPECT_EQ(oOutput.oRefs["v/1.1"], nlohmann::json({"/vsimem/test_combine/t1s1.bin", 100, 8}));
    // w has no step: taken from the inputs at the first step position.
    EXPECT_EQ(oOutput.oRefs["w/.zarray"]["shape"], nlohmann::json({2}));
    EXPECT_EQ(oOutput.oRefs["w/1"], nlohmann::json({"/vsimem/test_combine/t1s0.bin", 0, 4}));
    EXPECT_EQ(oSummary.nChunks, 4u + 2u);
    EXPECT_EQ(oOutput.oRefs["step/0"], "inline:16");
}

TEST(Combine, RefusesAnIncompleteGridOrDuplicates)
{
    CombineOptions oOptions;
    oOptions.aosConcatDims = {"time", "step"};
    EXPECT_EQ(CombineError(InputList(MakeGridInput("a", 0, {0, 6}, 2), MakeGridInput("b", 0, {12, 18}, 2),
                                     MakeGridInput("c", 1, {0, 6}, 2)),
                           oOptions),
              "no input for time 1 (as in c), step 12 to 18 (as in b): the inputs form a 2 x 2 "
              "grid along time, step and each cell needs exactly one input");
    EXPECT_EQ(CombineError(InputList(MakeGridInput("a", 0, {0, 6}, 2), MakeGridInput("b", 0, {0, 6}, 2)),
                           oOptions),
              "a and b both hold time 0, step 0 to 6 (duplicate inputs)");
    EXPECT_EQ(CombineError(InputList(MakeGridInput("a", 0, {0, 6, 12}, 2),
                                     MakeGridInput("b", 0, {18, 24, 30}, 2)),
                           oOptions),
              "a: array v ends with a partial chunk along step (3 values, chunks of 2); "
              "Zarr v2 chunks are regular, so only the last input may end with a partial "
              "chunk (rechunk the source, or regenerate it so that its length is a "
              "multiple of the chunk length)");
    oOptions.aosConcatDims = {"time", "time"};
    EXPECT_EQ(CombineError(InputList(MakeGridInput("a", 0, {0, 6}, 2)), oOptions),
              "--concat-dim time is given twice");
}

TEST(Combine, NewDimensionFromIndex)
{
    CombineOptions oOptions;
    oOptions.osNewDim = "member";
    oOptions.oIdenticalArrays = {"time"};
    RecordingOutput oOutput;
    std::vector<CombineInput> aoInputs;
    aoInputs.push_back(MakeInput("a", "days since 2000-01-01", {0, 1}, 2));
    aoInputs.push_back(MakeInput("b", "days since 2000-01-01", {0, 1}, 2));
    CombineReferences(aoInputs, oOptions, oOutput);
    EXPECT_EQ(oOutput.oRefs["v/.zarray"]["shape"], nlohmann::json({2, 2}));
    EXPECT_EQ(oOutput.oRefs["v/.zarray"]["chunks"], nlohmann::json({1, 2}));
    EXPECT_EQ(oOutput.oRefs["v/.zattrs"]["_ARRAY_DIMENSIONS"], nlohmann::json({"member", "time"}));
    EXPECT_TRUE(oOutput.oRefs.contains("v/1.0"));
    EXPECT_EQ(oOutput.oRefs["member/.zarray"]["dtype"], "<i8");
    EXPECT_EQ(oOutput.oRefs["time/.zarray"]["shape"], nlohmann::json({2}));
}

}  // namespace
}  // namespace kerchunk
