// The reference set's chunk tables and the streaming parser: the same keys
// and targets whatever the order or shape of the input.
#include "kerchunk_json_parser.h"
#include "reference_set.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

using kerchunk::ParseKerchunkJson;
using kerchunk::Reference;
using kerchunk::ReferenceSet;

namespace
{

std::vector<std::string> AllKeys(const ReferenceSet &oSet, ReferenceSet::Keys eWhich)
{
    std::vector<std::string> aosKeys;
    oSet.ForEach(eWhich, [&](const std::string &osKey, const Reference &)
                 { aosKeys.push_back(osKey); return true; });
    std::sort(aosKeys.begin(), aosKeys.end());
    return aosKeys;
}

}  // namespace

TEST(ReferenceSetChunkTables, KeysInStringOrderAreFoundAndListed)
{
    // "0.10" before "0.2": the order sorted JSON writers use.
    std::vector<std::string> aosKeys;
    for (int i = 0; i < 12; ++i)
        for (int j = 0; j < 12; ++j)
            aosKeys.push_back("g/t/" + std::to_string(i) + "." + std::to_string(j));
    std::sort(aosKeys.begin(), aosKeys.end());
    ReferenceSet oSet;
    oSet.AddInline("g/t/.zarray", "{}");
    for (size_t n = 0; n < aosKeys.size(); ++n)
        oSet.AddRange(aosKeys[n], "f" + std::to_string(n % 3) + ".bin", n * 10, n + 1);
    EXPECT_EQ(oSet.size(), aosKeys.size() + 1);
    for (size_t n = 0; n < aosKeys.size(); ++n)
    {
        const Reference *poRef = oSet.Find(aosKeys[n]);
        ASSERT_TRUE(poRef) << aosKeys[n];
        EXPECT_EQ(*poRef->posPath, "f" + std::to_string(n % 3) + ".bin");
        EXPECT_EQ(poRef->nOffset, n * 10);
        EXPECT_EQ(poRef->nSize, n + 1);
    }
    EXPECT_EQ(oSet.Find("g/t/12.0"), nullptr);
    EXPECT_EQ(oSet.Find("g/t/0"), nullptr);
    EXPECT_TRUE(oSet.IsDirectory("g"));
    EXPECT_TRUE(oSet.IsDirectory("g/t"));
    EXPECT_FALSE(oSet.IsDirectory("g/t/0.0"));
    std::vector<std::string> aosExpected{".zarray"};
    for (const auto &osKey : aosKeys)
        aosExpected.push_back(osKey.substr(4));
    std::sort(aosExpected.begin(), aosExpected.end());
    EXPECT_EQ(oSet.ListDirectory("g/t"), aosExpected);
    EXPECT_EQ(oSet.ListDirectory("g"), std::vector<std::string>{"t"});
    EXPECT_EQ(oSet.ListDirectory("g/t", 3),
              (std::vector<std::string>{".zarray", "0.0", "0.1"}));
    EXPECT_EQ(AllKeys(oSet, ReferenceSet::Keys::NotChunks),
              std::vector<std::string>{"g/t/.zarray"});
    EXPECT_EQ(AllKeys(oSet, ReferenceSet::Keys::All).size(), aosKeys.size() + 1);
}

TEST(ReferenceSetChunkTables, LaterAdditionWinsWhateverTheKind)
{
    ReferenceSet oSet;
    oSet.AddRange("a/0.0", "x", 1, 2);
    oSet.AddInline("a/0.0", "inline");
    oSet.AddRange("a/0.1", "x", 3, 4);
    ASSERT_TRUE(oSet.Find("a/0.0"));  // sealed here; then more additions
    oSet.AddWholeFile("a/0.1", "y");
    oSet.AddRange("a/3.3", "z", 5, 6);  // grows the grid
    EXPECT_EQ(oSet.Find("a/0.0")->osInline, "inline");
    EXPECT_TRUE(oSet.Find("a/0.1")->bWholeFile);
    EXPECT_EQ(*oSet.Find("a/0.1")->posPath, "y");
    EXPECT_EQ(oSet.Find("a/3.3")->nOffset, 5u);
    EXPECT_EQ(oSet.Find("a/1.1"), nullptr);
    EXPECT_EQ(oSet.size(), 3u);
}

TEST(ReferenceSetChunkTables, SparseChunksAndOddNamesStayPlainKeys)
{
    ReferenceSet oSet;
    oSet.AddRange("s/0.0", "x", 0, 1);
    oSet.AddRange("s/100000.100000", "x", 1, 1);  // far too sparse for a grid
    for (const char *pszKey : {"o/01", "o/1..2", "o/+1", "o/1.", "o/4294967296", "7"})
        oSet.AddRange(pszKey, "x", 2, 1);
    EXPECT_EQ(oSet.size(), 8u);
    EXPECT_EQ(oSet.Find("s/100000.100000")->nOffset, 1u);
    EXPECT_EQ(oSet.Find("s/0.0")->nOffset, 0u);
    EXPECT_EQ(oSet.Find("s/1.1"), nullptr);
    for (const char *pszKey : {"o/01", "o/1..2", "o/+1", "o/1.", "o/4294967296", "7"})
        EXPECT_TRUE(oSet.Find(pszKey)) << pszKey;
    EXPECT_EQ(oSet.Find("o/1"), nullptr);
    EXPECT_EQ(oSet.ListDirectory("s"), (std::vector<std::string>{"0.0", "100000.100000"}));
    EXPECT_EQ(oSet.ListDirectory(""), (std::vector<std::string>{"7", "o", "s"}));
    // More chunks of the now sparse array go to the plain keys too.
    oSet.AddRange("s/1.1", "x", 3, 1);
    EXPECT_EQ(oSet.Find("s/1.1")->nOffset, 3u);
}

TEST(KerchunkJsonStreaming, MemberOrderDoesNotMatter)
{
    const char *pszUsual = R"({"version": 1, "templates": {"u": "https://h"},
        "gen": [{"key": "v/{{i}}.0", "url": "{{u}}/x{{i}}", "offset": "{{i}}", "length": 1,
                 "dimensions": {"i": {"stop": 3}}}],
        "refs": {"v/.zarray": "{}", "v/1.0": ["{{u}}/v", 7, 8]}})";
    const char *pszRefsFirst = R"({"refs": {"v/.zarray": "{}", "v/1.0": ["{{u}}/v", 7, 8]},
        "gen": [{"key": "v/{{i}}.0", "url": "{{u}}/x{{i}}", "offset": "{{i}}", "length": 1,
                 "dimensions": {"i": {"stop": 3}}}],
        "templates": {"u": "https://h"}, "version": 1})";
    for (const char *pszJson : {pszUsual, pszRefsFirst})
    {
        std::string osError;
        auto poSet = ParseKerchunkJson(pszJson, osError);
        ASSERT_TRUE(poSet) << osError;
        EXPECT_EQ(poSet->size(), 4u);
        // refs win over gen for the same key.
        EXPECT_EQ(*poSet->Find("v/1.0")->posPath, "https://h/v");
        EXPECT_EQ(poSet->Find("v/1.0")->nOffset, 7u);
        EXPECT_EQ(*poSet->Find("v/2.0")->posPath, "https://h/x2");
        EXPECT_EQ(poSet->Find("v/2.0")->nOffset, 2u);
    }
}

TEST(KerchunkJsonStreaming, LastDuplicateMemberWinsAsInJsonParsers)
{
    std::string osError;
    auto poSet = ParseKerchunkJson(
        R"({"version": 1, "refs": {"a": "old"}, "refs": {"b": "new", "b": "newer"}})",
        osError);
    ASSERT_TRUE(poSet) << osError;
    EXPECT_EQ(poSet->Find("a"), nullptr);
    EXPECT_EQ(poSet->Find("b")->osInline, "newer");
    // An escaped member name is the same name.
    poSet = ParseKerchunkJson(R"({"vers\u0069on": 1, "r\u0065fs": {"a": "x"}})", osError);
    ASSERT_TRUE(poSet) << osError;
    EXPECT_EQ(poSet->Find("a")->osInline, "x");
    EXPECT_EQ(poSet->size(), 1u);
}

TEST(KerchunkJsonStreaming, SyntaxErrorAfterASemanticOneIsReported)
{
    std::string osError;
    EXPECT_EQ(ParseKerchunkJson(R"({"version": 1, "refs": {"a": 5, "b": [}})", osError),
              nullptr);
    EXPECT_EQ(osError.rfind("invalid JSON: ", 0), 0u) << osError;
    EXPECT_EQ(ParseKerchunkJson(R"({"version": 1, "refs": {"a": 5, "b": []}})", osError),
              nullptr);
    EXPECT_NE(osError.find("key 'a': value must be a string"), std::string::npos) << osError;
}

TEST(KerchunkJsonStreaming, GridSizedFromZarrayStillTakesAnyChunk)
{
    const std::string osZarray =
        R"("{\"shape\": [4, 3], \"chunks\": [2, 2], \"dtype\": \"<f4\"}")";
    std::string osError;
    // Chunks inside the grid, one outside it (stale shape), one repeated.
    auto poSet = ParseKerchunkJson(R"({"version": 1, "refs": {"a/.zarray": )" + osZarray +
                                       R"(, "a/0.0": ["f", 1, 1], "a/1.1": ["f", 2, 1],
                                       "a/5.0": ["f", 3, 1], "a/0.0": ["f", 4, 1]}})",
                                   osError);
    ASSERT_TRUE(poSet) << osError;
    EXPECT_EQ(poSet->size(), 4u);
    EXPECT_EQ(poSet->Find("a/0.0")->nOffset, 4u);
    EXPECT_EQ(poSet->Find("a/1.1")->nOffset, 2u);
    EXPECT_EQ(poSet->Find("a/5.0")->nOffset, 3u);
    EXPECT_EQ(poSet->Find("a/1.0"), nullptr);
    // A big declared grid with a single chunk: not kept as a grid, found all the same.
    poSet = ParseKerchunkJson(
        R"({"version": 1, "refs": {"b/.zarray": "{\"shape\": [600, 600], \"chunks\": [1, 1]}",
            "b/599.599": ["f", 9, 1]}})" + std::string(3000000, ' '),
        osError);
    ASSERT_TRUE(poSet) << osError;
    EXPECT_EQ(poSet->Find("b/599.599")->nOffset, 9u);
    EXPECT_EQ(poSet->ListDirectory("b"), (std::vector<std::string>{".zarray", "599.599"}));
}
