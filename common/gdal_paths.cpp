#include "gdal_paths.h"

#include "cpl_port.h"

#include <cstring>
#include <utility>

namespace kerchunk
{

namespace
{

struct SchemeMapping
{
    const char *pszScheme;
    const char *pszPrefix;
};

// First entry of each prefix: the scheme written back by GDALPathToUrl().
constexpr SchemeMapping asObjectStoreSchemes[] = {
    {"s3://", "/vsis3/"},   {"s3a://", "/vsis3/"}, {"gs://", "/vsigs/"},
    {"gcs://", "/vsigs/"},  {"az://", "/vsiaz/"},  {"abfs://", "/vsiaz/"},
    {"abfss://", "/vsiaz/"}};

}  // namespace

bool IsNetworkGDALPath(const std::string &osPath)
{
    static const char *const apszNetworkPrefixes[] = {
        "/vsicurl/",  "/vsicurl_streaming/", "/vsis3/",      "/vsis3_streaming/",
        "/vsigs/",    "/vsigs_streaming/",   "/vsiaz/",      "/vsiaz_streaming/",
        "/vsiadls/",  "/vsioss/",            "/vsioss_streaming/",
        "/vsiswift/", "/vsiswift_streaming/", "/vsiwebhdfs/", "/vsihdfs/"};
    for (const char *pszPrefix : apszNetworkPrefixes)
    {
        if (osPath.find(pszPrefix) != std::string::npos)
            return true;
    }
    return false;
}

bool UrlSchemeToGDALPath(const std::string &osUrl, std::string &osPath)
{
    if (STARTS_WITH(osUrl.c_str(), "http://") || STARTS_WITH(osUrl.c_str(), "https://"))
    {
        osPath = "/vsicurl/" + osUrl;
        return true;
    }
    if (STARTS_WITH(osUrl.c_str(), "file://"))
    {
        osPath = osUrl.substr(strlen("file://"));
        return true;
    }
    for (const auto &sMapping : asObjectStoreSchemes)
    {
        if (!STARTS_WITH(osUrl.c_str(), sMapping.pszScheme))
            continue;
        std::string osRest = osUrl.substr(strlen(sMapping.pszScheme));
        // abfs://container@account.dfs.core.windows.net/path: GDAL takes the
        // account from AZURE_STORAGE_ACCOUNT, the path from here.
        const size_t nAt = osRest.find('@');
        const size_t nSlash = osRest.find('/');
        if (nAt != std::string::npos && nAt < nSlash)
            osRest = osRest.substr(0, nAt) +
                     (nSlash == std::string::npos ? "" : osRest.substr(nSlash));
        osPath = sMapping.pszPrefix + osRest;
        return true;
    }
    return false;
}

std::string GDALPathToUrl(const std::string &osPath)
{
    if (STARTS_WITH(osPath.c_str(), "/vsicurl/http://") ||
        STARTS_WITH(osPath.c_str(), "/vsicurl/https://"))
        return osPath.substr(strlen("/vsicurl/"));
    static const std::pair<const char *, const char *> aoSchemes[] = {
        {"/vsis3/", "s3://"}, {"/vsigs/", "gs://"}, {"/vsiaz/", "az://"}};
    for (const auto &oScheme : aoSchemes)
    {
        if (STARTS_WITH(osPath.c_str(), oScheme.first))
            return oScheme.second + osPath.substr(strlen(oScheme.first));
    }
    return osPath;
}

}  // namespace kerchunk
