#include "url_mapping.h"
#include "config_options.h"
#include "error.h"
#include "gdal_paths.h"
#include "vsikerchunk.h"

#include "cpl_conv.h"
#include "cpl_string.h"
#include "cpl_vsi.h"

#include <cstring>

namespace kerchunk
{

namespace
{

// The account an Azure URL names (abfs://container@account.dfs.core.windows.net/
// path), or "" when it names none.
std::string AzureAccountOf(const std::string &osUrl)
{
    for (const char *pszScheme : {"abfs://", "abfss://", "az://"})
    {
        if (!STARTS_WITH_CI(osUrl.c_str(), pszScheme))
            continue;
        const std::string osAuthority =
            osUrl.substr(strlen(pszScheme), osUrl.find('/', strlen(pszScheme)) - strlen(pszScheme));
        const size_t nAt = osAuthority.find('@');
        if (nAt == std::string::npos)
            return std::string();
        return osAuthority.substr(nAt + 1, osAuthority.find('.', nAt) - nAt - 1);
    }
    return std::string();
}

// The account /vsiaz/ reads osGDALPath from: AZURE_STORAGE_ACCOUNT, else the
// AccountName of AZURE_STORAGE_CONNECTION_STRING (path-specific options first).
std::string ConfiguredAzureAccount(const std::string &osGDALPath)
{
    const char *pszAccount =
        VSIGetPathSpecificOption(osGDALPath.c_str(), "AZURE_STORAGE_ACCOUNT", nullptr);
    if (pszAccount && *pszAccount)
        return pszAccount;
    const char *pszConnection =
        VSIGetPathSpecificOption(osGDALPath.c_str(), "AZURE_STORAGE_CONNECTION_STRING", nullptr);
    const CPLStringList aosParts(CSLTokenizeString2(pszConnection ? pszConnection : "", ";", 0));
    const char *pszName = aosParts.FetchNameValue("AccountName");
    return pszName ? pszName : std::string();
}

// /vsiaz/ paths have no account: GDAL reads the configured one. A URL naming
// another account would read the same container and path there, silently.
bool CheckAzureAccount(const std::string &osUrl, const std::string &osGDALPath,
                       std::string &osError)
{
    const std::string osAccount = AzureAccountOf(osUrl);
    if (osAccount.empty())
        return true;
    const std::string osConfigured = ConfiguredAzureAccount(osGDALPath);
    if (EQUAL(osConfigured.c_str(), osAccount.c_str()))
        return true;
    osError = "target '" + osUrl + "' is in the Azure storage account '" + osAccount +
              "', but GDAL's /vsiaz/ would read " +
              (osConfigured.empty()
                   ? std::string("no account (AZURE_STORAGE_ACCOUNT is not set)")
                   : "account '" + osConfigured + "' (AZURE_STORAGE_ACCOUNT)") +
              ": set AZURE_STORAGE_ACCOUNT=" + osAccount;
    return false;
}

}  // namespace

bool MapUrlToGDALPath(const std::string &osUrl, const std::string &osRefsPath,
                      std::string &osGDALPath, std::string &osError)
{
    if (osUrl.empty())
    {
        osError = "empty URL";
        return false;
    }
    const bool bMapped = UrlSchemeToGDALPath(osUrl, osGDALPath);
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
    if (!CheckAzureAccount(osUrl, osGDALPath, osError))
        return false;

    if (osGDALPath.find(VSIKERCHUNK_PREFIX) != std::string::npos)
    {
        osError = "target '" + osUrl + "' points back into " +
                  std::string(VSIKERCHUNK_PREFIX) + " (recursion refused)";
        return false;
    }
    if (IsNetworkGDALPath(osRefsPath) && !IsNetworkGDALPath(osGDALPath))
    {
        bool bAllowed = false;
        try
        {
            bAllowed = GetBooleanOption("KERCHUNK_ALLOW_REMOTE_REFS_TO_LOCAL_FILES");
        }
        catch (const Error &e)
        {
            osError = e.what();
            return false;
        }
        if (!bAllowed)
        {
            osError = "references loaded from a remote location may not read the "
                      "local file '" + osGDALPath +
                      "' (set KERCHUNK_ALLOW_REMOTE_REFS_TO_LOCAL_FILES=YES to "
                      "allow it)";
            return false;
        }
    }
    return true;
}

}  // namespace kerchunk
