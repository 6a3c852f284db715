// The KERCHUNK_* option table: typed parsing with errors that name the
// option, the GetOptions() XML, and README's table kept equal to the table.
#include "config_options.h"
#include "error.h"

#include "cpl_conv.h"
#include "cpl_minixml.h"

#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <string>

namespace
{

// Sets a configuration option for one test and restores it after.
class ScopedOption
{
  public:
    ScopedOption(const char *pszName, const char *pszValue) : m_osName(pszName)
    {
        if (const char *pszOld = CPLGetConfigOption(pszName, nullptr))
            m_osOld = pszOld, m_bHadOld = true;
        CPLSetConfigOption(pszName, pszValue);
    }
    ~ScopedOption()
    {
        CPLSetConfigOption(m_osName.c_str(), m_bHadOld ? m_osOld.c_str() : nullptr);
    }

  private:
    std::string m_osName, m_osOld;
    bool m_bHadOld = false;
};

std::string ErrorOf(const std::function<void()> &pfnRead)
{
    try
    {
        pfnRead();
    }
    catch (const kerchunk::Error &e)
    {
        return e.what();
    }
    return "<no error>";
}

}  // namespace

TEST(ConfigOptions, DefaultsComeFromTheTable)
{
    EXPECT_EQ(kerchunk::GetIntegerOption("KERCHUNK_MAX_CHUNK_SIZE"), 2147483648u);
    EXPECT_EQ(kerchunk::GetIntegerOption("KERCHUNK_REFS_CACHE_SIZE"), 16u);
    EXPECT_FALSE(kerchunk::GetBooleanOption("KERCHUNK_ALLOW_REMOTE_REFS_TO_LOCAL_FILES"));
    EXPECT_TRUE(kerchunk::GetBooleanOption("KERCHUNK_FALLBACK"));
    EXPECT_EQ(kerchunk::GetNumberOption("KERCHUNK_LOCK_STALE_SECONDS"), 60.0);
    ScopedOption oEmpty("KERCHUNK_MAX_GENERATED_REFS", "");
    EXPECT_EQ(kerchunk::GetIntegerOption("KERCHUNK_MAX_GENERATED_REFS"), 10000000u);
}

TEST(ConfigOptions, ValuesAreParsed)
{
    ScopedOption oSize("KERCHUNK_MAX_CHUNK_SIZE", "1024");
    ScopedOption oBool("KERCHUNK_CACHE_VERIFY", "off");
    ScopedOption oNumber("KERCHUNK_CACHE_TTL_DAYS", "0.5");
    EXPECT_EQ(kerchunk::GetIntegerOption("KERCHUNK_MAX_CHUNK_SIZE"), 1024u);
    EXPECT_FALSE(kerchunk::GetBooleanOption("KERCHUNK_CACHE_VERIFY"));
    EXPECT_EQ(kerchunk::GetNumberOption("KERCHUNK_CACHE_TTL_DAYS"), 0.5);
    EXPECT_FALSE(kerchunk::IsConfigOptionSet("KERCHUNK_HDF5_BLOCK_SIZE"));
}

TEST(ConfigOptions, BadValuesNameTheOptionAndTheExpectedForm)
{
    {
        // Was silently 0 (every chunk refused) before the table.
        ScopedOption o("KERCHUNK_MAX_CHUNK_SIZE", "abc");
        EXPECT_EQ(ErrorOf([] { kerchunk::GetIntegerOption("KERCHUNK_MAX_CHUNK_SIZE"); }),
                  "KERCHUNK_MAX_CHUNK_SIZE=abc: expected a non-negative integer");
    }
    {
        ScopedOption o("KERCHUNK_CONTIGUOUS_SPLIT_BYTES", "-1");
        EXPECT_EQ(ErrorOf([] { kerchunk::GetIntegerOption("KERCHUNK_CONTIGUOUS_SPLIT_BYTES"); }),
                  "KERCHUNK_CONTIGUOUS_SPLIT_BYTES=-1: expected a non-negative integer");
    }
    {
        ScopedOption o("KERCHUNK_MAX_REFS_FILE_SIZE", "99999999999999999999999");
        EXPECT_EQ(ErrorOf([] { kerchunk::GetIntegerOption("KERCHUNK_MAX_REFS_FILE_SIZE"); }),
                  "KERCHUNK_MAX_REFS_FILE_SIZE=99999999999999999999999: expected an "
                  "integer below 2^64");
    }
    {
        ScopedOption o("KERCHUNK_REFS_CACHE_SIZE", "0");
        EXPECT_EQ(ErrorOf([] { kerchunk::GetIntegerOption("KERCHUNK_REFS_CACHE_SIZE"); }),
                  "KERCHUNK_REFS_CACHE_SIZE=0: expected an integer of at least 1");
    }
    {
        ScopedOption o("KERCHUNK_FALLBACK", "maybe");
        EXPECT_EQ(ErrorOf([] { kerchunk::GetBooleanOption("KERCHUNK_FALLBACK"); }),
                  "KERCHUNK_FALLBACK=maybe: expected YES or NO");
    }
    {
        ScopedOption o("KERCHUNK_CACHE_TTL_DAYS", "-3");
        EXPECT_EQ(ErrorOf([] { kerchunk::GetNumberOption("KERCHUNK_CACHE_TTL_DAYS"); }),
                  "KERCHUNK_CACHE_TTL_DAYS=-3: expected a non-negative number");
    }
    EXPECT_EQ(ErrorOf([] { kerchunk::GetIntegerOption("KERCHUNK_NO_SUCH_OPTION"); }),
              "KERCHUNK_NO_SUCH_OPTION is not a gdal-kerchunk option");
    EXPECT_EQ(ErrorOf([] { kerchunk::GetBooleanOption("KERCHUNK_MAX_CHUNK_SIZE"); }),
              "KERCHUNK_MAX_CHUNK_SIZE is read with the wrong type");
}

TEST(ConfigOptions, XmlListsEveryOption)
{
    CPLXMLNode *psRoot = CPLParseXMLString(kerchunk::GetConfigOptionsXml().c_str());
    ASSERT_NE(psRoot, nullptr);
    std::map<std::string, std::string> oDefaults;
    for (CPLXMLNode *psIter = psRoot->psChild; psIter; psIter = psIter->psNext)
    {
        if (psIter->eType == CXT_Element)
            oDefaults[CPLGetXMLValue(psIter, "name", "")] =
                CPLGetXMLValue(psIter, "default", "<computed>");
    }
    CPLDestroyXMLNode(psRoot);
    EXPECT_EQ(oDefaults.size(), kerchunk::GetConfigOptionSpecs().size());
    EXPECT_EQ(oDefaults["KERCHUNK_MAX_CHUNK_SIZE"], "2147483648");
    EXPECT_EQ(oDefaults["KERCHUNK_FALLBACK"], "YES");
    EXPECT_EQ(oDefaults["KERCHUNK_CACHE_DIR"], "<computed>");
}

// README's "Configuration options" table is the table, row for row.
TEST(ConfigOptions, ReadmeTableEqualsTheTable)
{
    const char *pszData = getenv("KERCHUNK_TEST_DATA");
    ASSERT_NE(pszData, nullptr);
    std::ifstream oReadme(std::string(pszData) + "/../../README.md");
    ASSERT_TRUE(oReadme.good());
    std::vector<std::string> aosRows;
    std::string osLine;
    while (std::getline(oReadme, osLine))
    {
        if (osLine.rfind("| `KERCHUNK_", 0) == 0)
            aosRows.push_back(osLine);
    }
    std::vector<std::string> aosExpected;
    for (const auto &oSpec : kerchunk::GetConfigOptionSpecs())
        aosExpected.push_back(std::string("| `") + oSpec.pszName + "` | " +
                              oSpec.pszDefaultText + " | " + oSpec.pszDescription + " |");
    EXPECT_EQ(aosRows, aosExpected);
}
