// Unit tests of the URL → GDAL path mapping and the /vsikerchunk/ path grammar.
#include "url_mapping.h"
#include "vsikerchunk.h"

#include "cpl_conv.h"

#include <gtest/gtest.h>

namespace
{

std::string Map(const std::string &osUrl, const std::string &osRefs = "/data/refs/r.json")
{
    std::string osPath, osError;
    EXPECT_TRUE(kerchunk::MapUrlToGDALPath(osUrl, osRefs, osPath, osError)) << osError;
    return osPath;
}

std::string MapError(const std::string &osUrl, const std::string &osRefs)
{
    std::string osPath, osError;
    EXPECT_FALSE(kerchunk::MapUrlToGDALPath(osUrl, osRefs, osPath, osError)) << osPath;
    return osError;
}

TEST(UrlMapping, Schemes)
{
    EXPECT_EQ(Map("s3://bucket/key/f.nc"), "/vsis3/bucket/key/f.nc");
    EXPECT_EQ(Map("gs://bucket/f.nc"), "/vsigs/bucket/f.nc");
    EXPECT_EQ(Map("gcs://bucket/f.nc"), "/vsigs/bucket/f.nc");
    EXPECT_EQ(Map("https://host/a/f.nc"), "/vsicurl/https://host/a/f.nc");
    EXPECT_EQ(Map("http://host:8080/f.nc"), "/vsicurl/http://host:8080/f.nc");
    EXPECT_EQ(Map("file:///abs/f.nc"), "/abs/f.nc");
    EXPECT_EQ(Map("az://container/dir/f.nc"), "/vsiaz/container/dir/f.nc");
    EXPECT_EQ(Map("/abs/f.nc"), "/abs/f.nc");
    EXPECT_EQ(Map("/vsizip//abs/a.zip/f.nc"), "/vsizip//abs/a.zip/f.nc");
}

// /vsiaz/ paths carry no account: GDAL reads the configured one, so a URL
// naming another account must not silently read the same path there.
TEST(UrlMapping, AzureAccountMustBeTheConfiguredOne)
{
    const std::string osUrl = "abfs://container@account.dfs.core.windows.net/dir/f.nc";
    {
        CPLConfigOptionSetter oAccount("AZURE_STORAGE_ACCOUNT", "account", false);
        EXPECT_EQ(Map(osUrl), "/vsiaz/container/dir/f.nc");
        EXPECT_EQ(Map("abfss://container@ACCOUNT.blob.core.windows.net/f.nc"),
                  "/vsiaz/container/f.nc");
    }
    {
        CPLConfigOptionSetter oConnection(
            "AZURE_STORAGE_CONNECTION_STRING",
            "DefaultEndpointsProtocol=https;AccountName=account;AccountKey=a2V5", false);
        EXPECT_EQ(Map(osUrl), "/vsiaz/container/dir/f.nc");
    }
    {
        CPLConfigOptionSetter oAccount("AZURE_STORAGE_ACCOUNT", "other", false);
        EXPECT_EQ(MapError(osUrl, "/data/r.json"),
                  "target '" + osUrl +
                      "' is in the Azure storage account 'account', but GDAL's /vsiaz/ "
                      "would read account 'other' (AZURE_STORAGE_ACCOUNT): set "
                      "AZURE_STORAGE_ACCOUNT=account");
    }
    EXPECT_EQ(MapError(osUrl, "/data/r.json"),
              "target '" + osUrl +
                  "' is in the Azure storage account 'account', but GDAL's /vsiaz/ would "
                  "read no account (AZURE_STORAGE_ACCOUNT is not set): set "
                  "AZURE_STORAGE_ACCOUNT=account");
    // Without an account in the URL, the configured one is meant.
    EXPECT_EQ(Map("abfs://container/f.nc"), "/vsiaz/container/f.nc");
}

TEST(UrlMapping, RelativeToReferences)
{
    EXPECT_EQ(Map("f.nc"), "/data/refs/f.nc");
    EXPECT_EQ(Map("../src/f.nc"), "/data/refs/../src/f.nc");
    EXPECT_EQ(Map("f.nc", "/vsicurl/https://host/dir/r.json"),
              "/vsicurl/https://host/dir/f.nc");
}

TEST(UrlMapping, Refusals)
{
    EXPECT_EQ(MapError("memory://x", "/r.json"), "unsupported URL scheme in 'memory://x'");
    EXPECT_NE(MapError("/vsikerchunk/{/r.json}/a", "/r.json").find("recursion refused"),
              std::string::npos);
    const std::string osError = MapError("/etc/passwd", "/vsicurl/https://host/r.json");
    EXPECT_NE(osError.find("KERCHUNK_ALLOW_REMOTE_REFS_TO_LOCAL_FILES"), std::string::npos)
        << osError;
    EXPECT_NE(MapError("file:///etc/passwd", "/vsis3/b/r.json")
                  .find("may not read the local file '/etc/passwd'"),
              std::string::npos);
    CPLSetConfigOption("KERCHUNK_ALLOW_REMOTE_REFS_TO_LOCAL_FILES", "YES");
    EXPECT_EQ(Map("/etc/hosts", "/vsicurl/https://host/r.json"), "/etc/hosts");
    CPLSetConfigOption("KERCHUNK_ALLOW_REMOTE_REFS_TO_LOCAL_FILES", nullptr);
}

TEST(VSIKerchunkPath, Grammar)
{
    std::string osRefs, osKey;
    ASSERT_TRUE(kerchunk::SplitVSIKerchunkPath("/vsikerchunk/{/d/r.json}/a/0.1", osRefs, osKey));
    EXPECT_EQ(osRefs, "/d/r.json");
    EXPECT_EQ(osKey, "a/0.1");
    ASSERT_TRUE(kerchunk::SplitVSIKerchunkPath("/vsikerchunk/{/vsicurl/http://h/{x}/r}", osRefs, osKey));
    EXPECT_EQ(osRefs, "/vsicurl/http://h/{x}/r");
    EXPECT_EQ(osKey, "");
    ASSERT_TRUE(kerchunk::SplitVSIKerchunkPath("/vsikerchunk//d/r.json/t/.zarray", osRefs, osKey));
    EXPECT_EQ(osRefs, "/d/r.json");
    EXPECT_EQ(osKey, "t/.zarray");
    ASSERT_TRUE(kerchunk::SplitVSIKerchunkPath("/vsikerchunk/{/d/r.json}/a/", osRefs, osKey));
    EXPECT_EQ(osKey, "a");
    EXPECT_FALSE(kerchunk::SplitVSIKerchunkPath("/vsikerchunk/{/d/r.json", osRefs, osKey));
    EXPECT_FALSE(kerchunk::SplitVSIKerchunkPath("/vsikerchunk/{}/a", osRefs, osKey));
    EXPECT_FALSE(kerchunk::SplitVSIKerchunkPath("/vsimem/x", osRefs, osKey));
    EXPECT_EQ(kerchunk::MakeVSIKerchunkPath("/d/r.json", "a/0"), "/vsikerchunk/{/d/r.json}/a/0");
}

}  // namespace
