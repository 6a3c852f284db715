// Unit tests of the reference model, the kerchunk JSON parser (v0, v1,
// templates, gen, inline forms, malformed input) and the template renderer.
#include "kerchunk_json_parser.h"
#include "reference_set.h"
#include "template_renderer.h"

#include "cpl_conv.h"
#include "cpl_vsi.h"

#include <gtest/gtest.h>

#include <string>

namespace
{

using kerchunk::ParseKerchunkJson;
using kerchunk::Reference;
using kerchunk::ReferenceSet;

std::unique_ptr<ReferenceSet> ParseOK(const std::string &osText)
{
    std::string osError;
    auto poSet = ParseKerchunkJson(osText, osError);
    EXPECT_TRUE(poSet != nullptr) << osError;
    EXPECT_EQ(osError, "");
    return poSet;
}

TEST(ReferenceSet, ListsDirectories)
{
    ReferenceSet oSet;
    oSet.AddInline(".zgroup", "{}");
    oSet.AddInline("a/.zarray", "{}");
    oSet.AddRange("a/0.0", "/x", 0, 4);
    oSet.AddRange("a/b/0", "/x", 4, 4);
    oSet.AddRange("ab", "/x", 4, 4);
    EXPECT_TRUE(oSet.IsDirectory(""));
    EXPECT_TRUE(oSet.IsDirectory("a"));
    EXPECT_TRUE(oSet.IsDirectory("a/b"));
    EXPECT_FALSE(oSet.IsDirectory("ab"));
    EXPECT_FALSE(oSet.IsDirectory("a/0.0"));
    const auto aosRoot = oSet.ListDirectory("");
    ASSERT_EQ(aosRoot, (std::vector<std::string>{".zgroup", "a", "ab"}));
    const auto aosA = oSet.ListDirectory("a");
    ASSERT_EQ(aosA, (std::vector<std::string>{".zarray", "0.0", "b"}));
    EXPECT_EQ(oSet.ListDirectory("a", 1).size(), 1u);
    // URLs are interned: one copy for all chunks of a file.
    EXPECT_EQ(oSet.Find("a/0.0")->posPath, oSet.Find("ab")->posPath);
}

TEST(KerchunkJson, Version0)
{
    auto poSet = ParseOK(R"({
        ".zgroup": "{\"zarr_format\": 2}",
        "a/.zattrs": {"x": 1},
        "a/0": ["data.bin", 100, 20],
        "a/1": ["s3://bucket/data.bin"],
        "a/2": "base64:AAEC"
    })");
    ASSERT_TRUE(poSet);
    EXPECT_EQ(poSet->size(), 5u);
    EXPECT_EQ(poSet->Find(".zgroup")->osInline, "{\"zarr_format\": 2}");
    // A JSON object value is serialized back.
    EXPECT_EQ(poSet->Find("a/.zattrs")->osInline, "{\"x\":1}");
    const Reference *poRange = poSet->Find("a/0");
    ASSERT_TRUE(poRange);
    EXPECT_EQ(*poRange->posPath, "data.bin");
    EXPECT_EQ(poRange->nOffset, 100u);
    EXPECT_EQ(poRange->nSize, 20u);
    EXPECT_FALSE(poRange->bWholeFile);
    EXPECT_TRUE(poSet->Find("a/1")->bWholeFile);
    EXPECT_EQ(poSet->Find("a/2")->osInline, std::string("\x00\x01\x02", 3));
}

TEST(KerchunkJson, Version1WithTemplatesAndLargeOffsets)
{
    auto poSet = ParseOK(R"({
        "version": 1,
        "templates": {"u": "server.domain/path", "f": "{{c}}"},
        "refs": {
            "key0": "data",
            "key1": ["http://{{u}}", 10000, 100],
            "key2": ["http://{{f(c='text')}}", 10000, 100],
            "key3": ["big.bin", 9007199254740993, 4294967296]
        }
    })");
    ASSERT_TRUE(poSet);
    EXPECT_EQ(*poSet->Find("key1")->posPath, "http://server.domain/path");
    EXPECT_EQ(*poSet->Find("key2")->posPath, "http://text");
    // 64-bit offsets survive exactly (beyond double precision).
    EXPECT_EQ(poSet->Find("key3")->nOffset, 9007199254740993ULL);
    EXPECT_EQ(poSet->Find("key3")->nSize, 4294967296ULL);
}

TEST(KerchunkJson, InlineTextKeepsUtf8AndNul)
{
    auto poSet = ParseOK("{\"version\": 1, \"refs\": {\"k\": \"a\\u0000\\u00e9\"}}");
    ASSERT_TRUE(poSet);
    EXPECT_EQ(poSet->Find("k")->osInline, std::string("a\0\xc3\xa9", 4));
}

TEST(KerchunkJson, GenFromSpecExample)
{
    // The example of the kerchunk specification (version 1, "gen").
    auto poSet = ParseOK(R"({
        "version": 1,
        "templates": {"u": "server.domain/path"},
        "gen": [{
            "key": "gen_key{{i}}",
            "url": "http://{{u}}_{{i}}",
            "offset": "{{(i + 1) * 1000}}",
            "length": "1000",
            "dimensions": {"i": {"stop": 5}}
        }],
        "refs": {}
    })");
    ASSERT_TRUE(poSet);
    ASSERT_EQ(poSet->size(), 5u);
    const Reference *poRef = poSet->Find("gen_key3");
    ASSERT_TRUE(poRef);
    EXPECT_EQ(*poRef->posPath, "http://server.domain/path_3");
    EXPECT_EQ(poRef->nOffset, 4000u);
    EXPECT_EQ(poRef->nSize, 1000u);
}

TEST(KerchunkJson, GenCartesianProductRangesAndLists)
{
    auto poSet = ParseOK(R"({
        "version": 1,
        "gen": [{
            "key": "v/{{j}}.{{k}}",
            "url": "f{{k}}{{s}}.bin",
            "offset": "{{j * 10 + k // 2 - 7 % 3}}",
            "length": 10,
            "dimensions": {"j": {"start": 2, "stop": 8, "step": 3},
                           "k": [0, 4], "s": ["x"]}
        }]
    })");
    ASSERT_TRUE(poSet);
    // j in {2, 5} x k in {0, 4} x s in {"x"}
    ASSERT_EQ(poSet->size(), 4u);
    EXPECT_EQ(*poSet->Find("v/5.4")->posPath, "f4x.bin");
    EXPECT_EQ(poSet->Find("v/5.4")->nOffset, 50u + 2u - 1u);
    EXPECT_TRUE(poSet->Find("v/2.0") != nullptr);
    // Gen without offset/length: whole files.
    auto poWhole = ParseOK(R"({"version": 1, "gen": [{"key": "a/{{i}}",
        "url": "f{{i}}", "dimensions": {"i": [7]}}]})");
    ASSERT_TRUE(poWhole);
    EXPECT_TRUE(poWhole->Find("a/7")->bWholeFile);
}

TEST(TemplateRenderer, ArithmeticAsPython)
{
    kerchunk::TemplateContext oContext;
    oContext.oVariables["i"] = int64_t{-7};
    std::string osOut, osError;
    ASSERT_TRUE(kerchunk::RenderTemplate("{{i // 2}},{{i % 3}},{{-i}},{{ i*2+1 }}",
                                         oContext, osOut, osError))
        << osError;
    // Python floor division and modulo.
    EXPECT_EQ(osOut, "-4,2,7,-13");
    ASSERT_TRUE(kerchunk::RenderTemplate("{{ 3 / 2 }}", oContext, osOut, osError));
    EXPECT_EQ(osOut, "1.5");
    EXPECT_FALSE(kerchunk::RenderTemplate("{{ 1 // 0 }}", oContext, osOut, osError));
    EXPECT_NE(osError.find("division by zero"), std::string::npos) << osError;
    EXPECT_FALSE(kerchunk::RenderTemplate("{{ 9223372036854775807 + 1 }}", oContext,
                                          osOut, osError));
    EXPECT_NE(osError.find("integer overflow"), std::string::npos) << osError;
}

TEST(TemplateRenderer, RecursiveTemplatesAreBounded)
{
    std::map<std::string, std::string> oTemplates{{"f", "{{f()}}"}};
    kerchunk::TemplateContext oContext;
    oContext.poTemplates = &oTemplates;
    std::string osOut, osError;
    EXPECT_FALSE(kerchunk::RenderTemplate("{{f()}}", oContext, osOut, osError));
    EXPECT_NE(osError.find("nested too deeply"), std::string::npos) << osError;
}

// Finding 1 of issue 12: input-driven recursion ended the process.
TEST(TemplateRenderer, DeepExpressionsAreRefusedNotCrashing)
{
    kerchunk::TemplateContext oContext;
    std::string osOut, osError;
    const std::string osParens =
        "{{" + std::string(200000, '(') + "1" + std::string(200000, ')') + "}}";
    EXPECT_FALSE(kerchunk::RenderTemplate(osParens, oContext, osOut, osError));
    EXPECT_NE(osError.find("expression nested more than 100 levels deep in "
                           "expression '((((("),
              std::string::npos)
        << osError.substr(0, 200);
    EXPECT_LT(osError.size(), 300u);  // the expression is quoted, not copied

    const std::string osUnary = "{{" + std::string(1000000, '-') + "1}}";
    EXPECT_FALSE(kerchunk::RenderTemplate(osUnary, oContext, osOut, osError));
    EXPECT_NE(osError.find("expression nested more than 100 levels deep"),
              std::string::npos)
        << osError.substr(0, 200);

    // Up to the limit, nesting works as in Python.
    const std::string osFine =
        "{{" + std::string(80, '(') + "-" + std::string(8, '-') + "7" +
        std::string(80, ')') + " // 2}}";
    ASSERT_TRUE(kerchunk::RenderTemplate(osFine, oContext, osOut, osError)) << osError;
    EXPECT_EQ(osOut, "-4");
}

TEST(KerchunkJson, VersionOneAsFloatIsAcceptedAsFsspecDoes)
{
    auto poSet = ParseOK(R"({"version": 1.0, "refs": {"a": "x"}})");
    ASSERT_TRUE(poSet);
    EXPECT_EQ(poSet->Find("a")->osInline, "x");
}

TEST(KerchunkJson, DeepJsonIsRefusedBeforeParsing)
{
    const int nDepth = 100000;
    const std::string osDeep = R"({"a/.zattrs": )" + std::string(nDepth, '[') +
                               std::string(nDepth, ']') + "}";
    std::string osError;
    EXPECT_EQ(ParseKerchunkJson(osDeep, osError), nullptr);
    EXPECT_NE(osError.find("JSON nested more than 512 levels deep"), std::string::npos)
        << osError;
    std::string osObjects;
    for (int i = 0; i < nDepth; ++i)
        osObjects += R"({"k":)";
    osObjects += "1" + std::string(nDepth, '}');
    EXPECT_EQ(ParseKerchunkJson(R"({"version": 1, "refs": {"a/.zattrs": )" +
                                    osObjects + "}}",
                                osError),
              nullptr);
    EXPECT_NE(osError.find("JSON nested more than 512 levels deep"), std::string::npos)
        << osError;
    // Brackets inside strings do not count; 500 levels are fine.
    std::string osFine;
    for (int i = 0; i < 499; ++i)
        osFine += R"({"k":)";
    osFine += "[]" + std::string(499, '}');
    auto poSet = ParseOK(R"({"a": "[[[[[[[[{{{{{{{{\"[[[", "b": )" + osFine + "}");
    ASSERT_TRUE(poSet);
    EXPECT_EQ(poSet->Find("b")->osInline, osFine);
}

// Resource bounds: text multiplied by templates, bytes made by gen.
TEST(KerchunkJson, TemplateAndGenOutputIsBounded)
{
    // Each level doubles: 2^8 * 1000 bytes after 8 levels of calls.
    std::string osLaughs = R"({"version": 1, "templates": {"t0": ")" +
                           std::string(1000, 'x') + R"(")";
    for (int i = 1; i <= 8; ++i)
        osLaughs += ", \"t" + std::to_string(i) + "\": \"{{t" + std::to_string(i - 1) +
                    "}}{{t" + std::to_string(i - 1) + "}}\"";
    osLaughs += R"(}, "refs": {"a/0": ["{{t8}}", 0, 1]}})";
    std::string osError;
    EXPECT_EQ(ParseKerchunkJson(osLaughs, osError), nullptr);
    EXPECT_NE(osError.find("key 'a/0': template 't8': template 't7': "), std::string::npos)
        << osError.substr(0, 300);
    EXPECT_NE(osError.find("rendered text longer than 65536 bytes"), std::string::npos)
        << osError.substr(0, 300);

    CPLSetConfigOption("KERCHUNK_MAX_GENERATED_BYTES", "1000");
    EXPECT_EQ(ParseKerchunkJson(R"({"version": 1, "gen": [{"key": "k/{{i}}",
        "url": "https://example.com/some/long/path/{{i}}.nc",
        "dimensions": {"i": {"stop": 100}}}]})",
                                osError),
              nullptr);
    CPLSetConfigOption("KERCHUNK_MAX_GENERATED_BYTES", nullptr);
    EXPECT_EQ(osError, "gen[0] generates more than 1000 bytes of keys and URLs "
                       "(KERCHUNK_MAX_GENERATED_BYTES)");
}

// Python's repr(float), which Jinja2 prints (autotest/test_hardening.py
// compares many more values with Python itself).
TEST(TemplateRenderer, FloatsPrintAsPythonRepr)
{
    const std::pair<double, const char *> aoCases[] = {
        {0.1, "0.1"},          {0.0, "0.0"},
        {-0.0, "-0.0"},        {1.0, "1.0"},
        {100.0, "100.0"},      {1.5, "1.5"},
        {0.30000000000000004, "0.30000000000000004"},
        {1e16, "1e+16"},       {1e15, "1000000000000000.0"},
        {123456789012345678.0, "1.2345678901234568e+17"},
        {0.0001, "0.0001"},    {0.00001, "1e-05"},
        {1.5e-7, "1.5e-07"},   {5e-324, "5e-324"},
        {1.7976931348623157e308, "1.7976931348623157e+308"},
        {-2.5, "-2.5"},        {1.0 / 3, "0.3333333333333333"},
        {9007199254740993.0, "9007199254740992.0"}};
    for (const auto &oCase : aoCases)
        EXPECT_EQ(kerchunk::PythonFloatRepr(oCase.first), oCase.second);
    kerchunk::TemplateContext oContext;
    oContext.oVariables["i"] = int64_t{3};
    std::string osOut, osError;
    ASSERT_TRUE(kerchunk::RenderTemplate("{{ i / 10 }}|{{ i / 1 }}|{{ 0 / 7 }}",
                                         oContext, osOut, osError));
    EXPECT_EQ(osOut, "0.3|3.0|0.0");
}

TEST(Base64, StrictDecoding)
{
    std::string osOut;
    EXPECT_TRUE(kerchunk::Base64Decode("aGVsbG8=", osOut));
    EXPECT_EQ(osOut, "hello");
    EXPECT_TRUE(kerchunk::Base64Decode("aGVsbG8", osOut));
    EXPECT_EQ(osOut, "hello");
    EXPECT_FALSE(kerchunk::Base64Decode("aGV*bG8=", osOut));
    EXPECT_FALSE(kerchunk::Base64Decode("aGVsbG8=x", osOut));
    EXPECT_FALSE(kerchunk::Base64Decode("a", osOut));
}

// A file read in pieces of any size gives the references of the text read
// at once; "refs" comes first here, before the version and templates that
// decide how it reads.
TEST(KerchunkJson, FileReadInPiecesEqualsTextInMemory)
{
    const std::string osText =
        R"({"refs": {"a/.zarray": "{\"x\": [1, {\"y\": 2}]}", "a/0": ["{{u}}", 8, 4],)"
        R"( "a/1": "base64:aGVsbG8=", "a\u002f2": ["f\"q", 0, 2]}, "templates": )"
        R"({"u": "s3://b/k"}, "version": 1, "x": [[{"}": "]"}]]} )";
    std::string osError;
    const auto poExpected = ParseKerchunkJson(osText, osError);
    ASSERT_NE(poExpected, nullptr) << osError;
    const std::string osPath = "/vsimem/pieces.json";
    VSIFCloseL(VSIFileFromMemBuffer(osPath.c_str(),
                                    reinterpret_cast<GByte *>(const_cast<char *>(osText.data())),
                                    osText.size(), FALSE));
    for (size_t nPiece : {1, 2, 3, 5, 7, 64, 1 << 20})
    {
        const auto poSet = ParseKerchunkJson(
            kerchunk::JsonText::InFile(osPath, osText.size(), "file", nPiece), osError);
        ASSERT_NE(poSet, nullptr) << nPiece << ": " << osError;
        ASSERT_EQ(poSet->size(), poExpected->size()) << nPiece;
        for (const char *pszKey : {"a/.zarray", "a/0", "a/1", "a/2"})
        {
            const Reference *poGot = poSet->Find(pszKey);
            const Reference *poWant = poExpected->Find(pszKey);
            ASSERT_NE(poGot, nullptr) << pszKey;
            ASSERT_NE(poWant, nullptr) << pszKey;
            EXPECT_EQ(poGot->osInline, poWant->osInline) << pszKey;
            EXPECT_EQ(poGot->nOffset, poWant->nOffset) << pszKey;
            EXPECT_EQ(poGot->nSize, poWant->nSize) << pszKey;
            EXPECT_EQ(poGot->IsInline() ? "" : *poGot->posPath,
                      poWant->IsInline() ? "" : *poWant->posPath)
                << pszKey;
        }
    }
    EXPECT_EQ(*poExpected->Find("a/0")->posPath, "s3://b/k");

    // A file shorter or longer than its stat'ed size changed meanwhile.
    for (uint64_t nSize : {osText.size() - 1, osText.size() + 1})
    {
        EXPECT_EQ(ParseKerchunkJson(kerchunk::JsonText::InFile(osPath, nSize, "references"),
                                    osError),
                  nullptr);
        EXPECT_NE(osError.find("cannot read references /vsimem/pieces.json ("),
                  std::string::npos)
            << osError;
    }
    EXPECT_EQ(ParseKerchunkJson(kerchunk::JsonText::InFile("/vsimem/none.json", 10, "references"),
                                osError),
              nullptr);
    EXPECT_EQ(osError.rfind("cannot read references /vsimem/none.json", 0), 0u) << osError;
    VSIUnlink(osPath.c_str());
}

// Every malformed input gives a message naming what is wrong.
struct MalformedCase
{
    const char *pszName;
    const char *pszJson;
    const char *pszExpectedMessage;
};

class KerchunkJsonMalformed : public ::testing::TestWithParam<MalformedCase>
{
};

TEST_P(KerchunkJsonMalformed, GivesClearError)
{
    std::string osError;
    auto poSet = ParseKerchunkJson(GetParam().pszJson, osError);
    EXPECT_EQ(poSet, nullptr);
    EXPECT_NE(osError.find(GetParam().pszExpectedMessage), std::string::npos)
        << "got: " << osError;
}

const MalformedCase gasMalformedCases[] = {
    {"not_json", "{\"a\": ", "invalid JSON"},
    {"not_object", "[1, 2]", "the document must be a JSON object"},
    {"bad_version", R"({"version": 2, "refs": {}})", "unsupported kerchunk references version 2"},
    {"version_string", R"({"version": "1", "refs": {}})", "'version' must be an integer, got string \"1\""},
    {"version_float", R"({"version": 1.5, "refs": {}})", "'version' must be an integer, got number 1.5"},
    {"template_with_undefined_name", R"({"version": 1, "templates": {"u": "{{v}}"}, "refs": {"a/0": ["{{u}}", 0, 1]}})", "key 'a/0': template 'u': undefined name 'v' in expression 'v'"},
    {"refs_not_object", R"({"version": 1, "refs": []})", "'refs' must be a JSON object"},
    {"no_refs", R"({"version": 1})", "version 1 references need a 'refs' object"},
    {"templates_not_object", R"({"version": 1, "templates": [], "refs": {}})", "'templates' must be a JSON object"},
    {"template_not_string", R"({"version": 1, "templates": {"u": 1}, "refs": {}})", "template 'u' must be a string"},
    {"value_number", R"({"a/0": 12})", "key 'a/0': value must be a string, an object or [url] / [url, offset, length], got number"},
    {"value_null", R"({"a/0": null})", "key 'a/0': value must be a string, an object or [url] / [url, offset, length], got null"},
    {"array_two", R"({"a/0": ["f", 1]})", "key 'a/0': expected [url] or [url, offset, length], got an array of 2 elements"},
    {"url_not_string", R"({"a/0": [1, 2, 3]})", "key 'a/0': url must be a string"},
    {"empty_url", R"({"a/0": ["", 2, 3]})", "key 'a/0': empty url"},
    {"negative_offset", R"({"a/0": ["f", -1, 3]})", "key 'a/0': offset -1 is negative"},
    {"negative_length", R"({"a/0": ["f", 1, -3]})", "key 'a/0': length -3 is negative"},
    {"float_offset", R"({"a/0": ["f", 1.5, 3]})", "key 'a/0': offset must be a non-negative integer, got 1.5"},
    {"string_offset", R"({"a/0": ["f", "1", 3]})", "key 'a/0': offset must be a non-negative integer"},
    {"huge_offset", R"({"a/0": ["f", 18446744073709551615, 3]})", "key 'a/0': offset 18446744073709551615 is out of range"},
    {"overflow_offset", R"({"a/0": ["f", 18446744073709551616, 3]})", "key 'a/0': offset must be a non-negative integer"},
    {"sum_overflows", R"({"a/0": ["f", 9223372036854775807, 1]})", "key 'a/0': offset + length overflows"},
    {"bad_base64", R"({"a/0": "base64:@@@"})", "key 'a/0': invalid base64 inline value"},
    {"empty_key", R"({"": "x"})", "empty key"},
    {"bad_key", R"({"a//b": "x"})", "key 'a//b' is not a valid Zarr key"},
    {"undefined_template", R"({"version": 1, "refs": {"a/0": ["{{nope}}", 0, 1]}})", "key 'a/0': undefined name 'nope'"},
    {"unterminated_template", R"({"version": 1, "refs": {"a/0": ["{{u", 0, 1]}})", "key 'a/0': unterminated '{{'"},
    {"gen_not_list", R"({"version": 1, "gen": {}, "refs": {}})", "'gen' must be a JSON array"},
    {"gen_missing_key", R"({"version": 1, "gen": [{"url": "u", "dimensions": {}}]})", "gen[0]: 'key' must be a string"},
    {"gen_offset_alone", R"({"version": 1, "gen": [{"key": "k", "url": "u", "offset": "1", "dimensions": {"i": [1]}}]})", "gen[0]: 'offset' and 'length' go together"},
    {"gen_no_dimensions", R"({"version": 1, "gen": [{"key": "k", "url": "u"}]})", "gen[0]: 'dimensions' must be a JSON object"},
    {"gen_bad_dimension", R"({"version": 1, "gen": [{"key": "k{{i}}", "url": "u", "dimensions": {"i": 3}}]})", "gen[0]: dimension 'i' must be a list or {\"start\", \"stop\", \"step\"}"},
    {"gen_step_zero", R"({"version": 1, "gen": [{"key": "k{{i}}", "url": "u", "dimensions": {"i": {"stop": 3, "step": 0}}}]})", "gen[0]: dimension 'i': step must not be 0"},
    {"gen_too_many", R"({"version": 1, "gen": [{"key": "k{{i}}.{{j}}", "url": "u", "dimensions": {"i": {"stop": 100000}, "j": {"stop": 1000000}}}]})", "references (KERCHUNK_MAX_GENERATED_REFS)"},
    {"gen_huge_range", R"({"version": 1, "gen": [{"key": "k{{i}}", "url": "u", "dimensions": {"i": {"start": -9223372036854775808, "stop": 9223372036854775807}}}]})", "gen[0]: dimension 'i' has too many values"},
    {"gen_offset_not_int", R"({"version": 1, "gen": [{"key": "k{{i}}", "url": "u", "offset": "{{i / 2}}", "length": "1", "dimensions": {"i": [1]}}]})", "gen[0]: key 'k1': offset/length '0.5' is not an integer"},
};

// Read from a file in pieces (here 3 bytes: every boundary lands inside
// keys, strings and escapes), the same error.
TEST_P(KerchunkJsonMalformed, SameErrorReadInPiecesFromAFile)
{
    const std::string osText = GetParam().pszJson;
    const std::string osPath = std::string("/vsimem/malformed_") + GetParam().pszName + ".json";
    VSIFCloseL(VSIFileFromMemBuffer(osPath.c_str(),
                                    reinterpret_cast<GByte *>(const_cast<char *>(osText.data())),
                                    osText.size(), FALSE));
    std::string osInMemory, osInPieces;
    EXPECT_EQ(ParseKerchunkJson(osText, osInMemory), nullptr);
    EXPECT_EQ(ParseKerchunkJson(kerchunk::JsonText::InFile(osPath, osText.size(), "file", 3),
                                osInPieces),
              nullptr);
    EXPECT_EQ(osInPieces, osInMemory);
    VSIUnlink(osPath.c_str());
}

INSTANTIATE_TEST_SUITE_P(AllCases, KerchunkJsonMalformed, ::testing::ValuesIn(gasMalformedCases),
                         [](const ::testing::TestParamInfo<MalformedCase> &oInfo)
                         { return std::string(oInfo.param.pszName); });

}  // namespace
