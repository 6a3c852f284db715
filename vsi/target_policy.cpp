#include "target_policy.h"
#include "config_options.h"
#include "error.h"

#include "cpl_conv.h"
#include "cpl_string.h"

#include <sys/stat.h>

#include <climits>
#include <cstdlib>
#include <cstring>

namespace kerchunk
{

namespace
{

constexpr const char *ALLOW_OPTION = "KERCHUNK_ALLOW_SPECIAL_FILES";

// Bytes that never come from a local file (network file systems, memory).
bool IsNonLocalPrefix(const std::string &osPath)
{
    static const char *const apszPrefixes[] = {
        "/vsimem/",  "/vsicurl/",  "/vsicurl_streaming/", "/vsis3/",
        "/vsis3_streaming/", "/vsigs/", "/vsigs_streaming/", "/vsiaz/",
        "/vsiaz_streaming/", "/vsiadls/", "/vsioss/", "/vsioss_streaming/",
        "/vsiswift/", "/vsiswift_streaming/", "/vsiwebhdfs/", "/vsihdfs/"};
    for (const char *pszPrefix : apszPrefixes)
    {
        if (STARTS_WITH(osPath.c_str(), pszPrefix))
            return true;
    }
    return false;
}

std::string Refuse(const std::string &osTarget, const std::string &osWhy)
{
    return "target '" + osTarget + "' " + osWhy + " (set " + ALLOW_OPTION +
           "=YES to allow it)";
}

const char *FileTypeName(mode_t nMode)
{
    if (S_ISFIFO(nMode))
        return "a FIFO";
    if (S_ISCHR(nMode))
        return "a character device";
    if (S_ISBLK(nMode))
        return "a block device";
    if (S_ISSOCK(nMode))
        return "a socket";
    if (S_ISDIR(nMode))
        return "a directory";
    return "not a regular file";
}

bool IsUnderSpecialFileSystem(const std::string &osPath)
{
    for (const char *pszRoot : {"/proc", "/sys", "/dev"})
    {
        const size_t nLen = strlen(pszRoot);
        if (osPath.compare(0, nLen, pszRoot) == 0 &&
            (osPath.size() == nLen || osPath[nLen] == '/'))
            return true;
    }
    return false;
}

// A local path: refused when it resolves (symbolic links followed) under
// /proc, /sys or /dev, or is not a regular file. With bWrapped, osPath may
// continue inside an archive ("/d/a.zip/x.nc"): the first existing prefix
// is the file judged.
bool CheckLocalPath(const std::string &osTarget, std::string osPath,
                    bool bWrapped, std::string &osError)
{
    if (IsUnderSpecialFileSystem(osPath))
    {
        osError = Refuse(osTarget, "is under /proc, /sys or /dev");
        return false;
    }
    struct stat sStat;
    while (stat(osPath.c_str(), &sStat) != 0)
    {
        const size_t nSlash = osPath.rfind('/');
        if (!bWrapped || nSlash == std::string::npos || nSlash == 0)
            return true;  // missing: opening it says so
        osPath.resize(nSlash);
    }
    char szResolved[PATH_MAX];
    if (realpath(osPath.c_str(), szResolved) != nullptr &&
        IsUnderSpecialFileSystem(szResolved))
    {
        osError = Refuse(osTarget, std::string("resolves to ") + szResolved +
                                       ", under /proc, /sys or /dev");
        return false;
    }
    if (!S_ISREG(sStat.st_mode) && !(bWrapped && S_ISDIR(sStat.st_mode)))
    {
        osError = Refuse(osTarget, std::string("is ") + FileTypeName(sStat.st_mode) +
                                       ", not a regular file");
        return false;
    }
    return true;
}

// The path a GDAL wrapper file system reads from: "/vsisubfile/0_9,/x" ->
// "/x"; "/vsizip/{/a.zip}/b" -> "/a.zip"; "/vsigzip//x.gz" -> "/x.gz".
std::string UnwrapPath(const std::string &osPath)
{
    const size_t nPrefixEnd = osPath.find('/', 1);
    std::string osInner =
        nPrefixEnd == std::string::npos ? std::string() : osPath.substr(nPrefixEnd + 1);
    if (STARTS_WITH(osPath.c_str(), "/vsisubfile/"))
    {
        const size_t nComma = osInner.find(',');
        osInner = nComma == std::string::npos ? std::string() : osInner.substr(nComma + 1);
    }
    else if (STARTS_WITH(osPath.c_str(), "/vsicrypt/"))
    {
        const size_t nFile = osInner.find("file=");
        osInner = nFile == std::string::npos ? std::string() : osInner.substr(nFile + 5);
    }
    if (!osInner.empty() && osInner[0] == '{')
    {
        const size_t nClose = osInner.find('}');
        osInner = osInner.substr(1, nClose == std::string::npos ? std::string::npos
                                                                : nClose - 1);
    }
    return osInner;
}

}  // namespace

bool CheckTargetPolicy(const std::string &osTarget, std::string &osError)
{
    try
    {
        if (GetBooleanOption(ALLOW_OPTION))
            return true;
    }
    catch (const Error &e)
    {
        osError = e.what();
        return false;
    }
    std::string osPath = osTarget;
    bool bWrapped = false;
    // Wrappers may nest (/vsigzip//vsisubfile/...): bounded by the length.
    while (STARTS_WITH(osPath.c_str(), "/vsi"))
    {
        if (IsNonLocalPrefix(osPath))
            return true;
        if (STARTS_WITH(osPath.c_str(), "/vsistdin") || STARTS_WITH(osPath.c_str(), "/vsistdout"))
        {
            osError = Refuse(osTarget, "reads the standard input or output");
            return false;
        }
        osPath = UnwrapPath(osPath);
        bWrapped = true;
    }
    if (osPath.empty())
        return true;
    return CheckLocalPath(osTarget, osPath, bWrapped, osError);
}

}  // namespace kerchunk
