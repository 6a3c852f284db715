#include "url_mapping.h"
#include "config_options.h"
#include "error.h"
#include "gdal_paths.h"
#include "vsikerchunk.h"

#include "cpl_conv.h"
#include "cpl_string.h"

namespace kerchunk
{

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
