#include "url_mapping.h"
#include "vsikerchunk.h"

#include "cpl_conv.h"
#include "cpl_string.h"

namespace kerchunk
{

bool IsRemoteGDALPath(const std::string &osPath)
{
    static const char *const apszRemotePrefixes[] = {
        "/vsicurl/",  "/vsicurl_streaming/", "/vsis3/",      "/vsis3_streaming/",
        "/vsigs/",    "/vsigs_streaming/",   "/vsiaz/",      "/vsiaz_streaming/",
        "/vsiadls/",  "/vsioss/",            "/vsioss_streaming/",
        "/vsiswift/", "/vsiswift_streaming/", "/vsiwebhdfs/", "/vsihdfs/"};
    for (const char *pszPrefix : apszRemotePrefixes)
    {
        // The remote part may be wrapped, e.g. /vsigzip//vsicurl/...
        if (osPath.find(pszPrefix) != std::string::npos)
            return true;
    }
    return false;
}

static bool StartsWith(const std::string &osStr, const char *pszPrefix)
{
    return STARTS_WITH(osStr.c_str(), pszPrefix);
}

bool MapUrlToGDALPath(const std::string &osUrl, const std::string &osRefsPath,
                      std::string &osGDALPath, std::string &osError)
{
    if (osUrl.empty())
    {
        osError = "empty URL";
        return false;
    }
    struct SchemeMapping
    {
        const char *pszScheme;
        const char *pszPrefix;
    };
    static const SchemeMapping asMappings[] = {
        {"s3://", "/vsis3/"},   {"s3a://", "/vsis3/"}, {"gs://", "/vsigs/"},
        {"gcs://", "/vsigs/"},  {"az://", "/vsiaz/"},  {"abfs://", "/vsiaz/"},
        {"abfss://", "/vsiaz/"}};

    bool bMapped = false;
    if (StartsWith(osUrl, "http://") || StartsWith(osUrl, "https://"))
    {
        osGDALPath = "/vsicurl/" + osUrl;
        bMapped = true;
    }
    else if (StartsWith(osUrl, "file://"))
    {
        osGDALPath = osUrl.substr(strlen("file://"));
        bMapped = true;
    }
    for (const auto &sMapping : asMappings)
    {
        if (!bMapped && StartsWith(osUrl, sMapping.pszScheme))
        {
            std::string osRest = osUrl.substr(strlen(sMapping.pszScheme));
            // abfs://container@account.dfs.core.windows.net/path: GDAL takes
            // the account from AZURE_STORAGE_ACCOUNT, the path from here.
            const size_t nAt = osRest.find('@');
            const size_t nSlash = osRest.find('/');
            if (nAt != std::string::npos && nAt < nSlash)
                osRest = osRest.substr(0, nAt) +
                         (nSlash == std::string::npos ? "" : osRest.substr(nSlash));
            osGDALPath = sMapping.pszPrefix + osRest;
            bMapped = true;
        }
    }
    if (!bMapped)
    {
        const size_t nScheme = osUrl.find("://");
        if (nScheme != std::string::npos &&
            osUrl.find('/') > nScheme)  // a scheme, not "a/b://c"
        {
            osError = "unsupported URL scheme in '" + osUrl + "'";
            return false;
        }
        if (CPLIsFilenameRelative(osUrl.c_str()))
        {
            const std::string osDir = CPLGetPath(osRefsPath.c_str());
            osGDALPath = osDir.empty()
                             ? osUrl
                             : CPLFormFilename(osDir.c_str(), osUrl.c_str(), nullptr);
        }
        else
        {
            osGDALPath = osUrl;
        }
    }

    if (osGDALPath.find(VSIKERCHUNK_PREFIX) != std::string::npos)
    {
        osError = "target '" + osUrl + "' points back into " +
                  std::string(VSIKERCHUNK_PREFIX) + " (recursion refused)";
        return false;
    }
    if (IsRemoteGDALPath(osRefsPath) && !IsRemoteGDALPath(osGDALPath) &&
        !CPLTestBool(CPLGetConfigOption(
            "KERCHUNK_ALLOW_REMOTE_REFS_TO_LOCAL_FILES", "NO")))
    {
        osError = "references loaded from a remote location may not read the "
                  "local file '" + osGDALPath +
                  "' (set KERCHUNK_ALLOW_REMOTE_REFS_TO_LOCAL_FILES=YES to "
                  "allow it)";
        return false;
    }
    return true;
}

}  // namespace kerchunk
