#include "source_uri.h"

#include "error.h"
#include "gdal_paths.h"

#include "cpl_conv.h"
#include "cpl_string.h"
#include "cpl_vsi.h"

#include <climits>
#include <cstring>
#include <utility>
#include <cstdlib>
#include <vector>

namespace kerchunk
{

namespace
{

// Removes ".", ".." and empty components of an absolute path.
std::string LexicallyNormalize(const std::string &osPath)
{
    std::vector<std::string> aosParts;
    size_t nStart = 0;
    while (nStart <= osPath.size())
    {
        size_t nEnd = osPath.find('/', nStart);
        if (nEnd == std::string::npos)
            nEnd = osPath.size();
        const std::string osPart = osPath.substr(nStart, nEnd - nStart);
        if (osPart == "..")
        {
            if (!aosParts.empty())
                aosParts.pop_back();
        }
        else if (!osPart.empty() && osPart != ".")
            aosParts.push_back(osPart);
        nStart = nEnd + 1;
    }
    std::string osOut;
    for (const auto &osPart : aosParts)
        osOut += "/" + osPart;
    return osOut.empty() ? "/" : osOut;
}

}  // namespace

bool IsLocalPath(const std::string &osPath)
{
    return !STARTS_WITH(osPath.c_str(), "/vsi");
}

std::string NormalizeSourceUri(const std::string &osSource)
{
    if (osSource.empty())
        throw Error("empty source name");
    std::string osPath = osSource;
    UrlSchemeToGDALPath(osSource, osPath);

    if (IsLocalPath(osPath))
    {
        if (osPath[0] != '/')
        {
            char *pszCwd = CPLGetCurrentDir();  // caller frees
            if (pszCwd == nullptr)
                throw Error(osSource + ": cannot get the current directory");
            osPath = std::string(pszCwd) + "/" + osPath;
            CPLFree(pszCwd);
        }
        char szReal[PATH_MAX];
        if (realpath(osPath.c_str(), szReal) != nullptr)
            return szReal;
        return LexicallyNormalize(osPath);
    }
    if (STARTS_WITH(osPath.c_str(), "/vsicurl/") ||
        STARTS_WITH(osPath.c_str(), "/vsimem/"))
        return osPath;
    // /vsis3/bucket//a/./b -> /vsis3/bucket/a/b: object keys are paths here.
    const size_t nPrefixEnd = osPath.find('/', 1) + 1;
    return osPath.substr(0, nPrefixEnd) +
           LexicallyNormalize("/" + osPath.substr(nPrefixEnd)).substr(1);
}

std::string SourceFingerprint::DescribeDifference(
    const SourceFingerprint &oNew) const
{
    if (nSize != oNew.nSize)
        return "size changed from " + std::to_string(nSize) + " to " +
               std::to_string(oNew.nSize) + " bytes";
    if (osETag != oNew.osETag)
        return "ETag changed from " + osETag + " to " + oNew.osETag;
    if (nMTimeNs != oNew.nMTimeNs)
        return "modification time changed";
    if (nInode != oNew.nInode)
        return "file was replaced (inode changed)";
    return "unchanged";
}

nlohmann::json SourceFingerprint::ToJson() const
{
    return {{"size", nSize},
            {"mtime_ns", nMTimeNs},
            {"inode", nInode},
            {"etag", osETag}};
}

SourceFingerprint SourceFingerprint::FromJson(const nlohmann::json &oJson)
{
    SourceFingerprint o;
    o.nSize = oJson.at("size").get<uint64_t>();
    o.nMTimeNs = oJson.at("mtime_ns").get<int64_t>();
    o.nInode = oJson.at("inode").get<uint64_t>();
    o.osETag = oJson.at("etag").get<std::string>();
    return o;
}

SourceFingerprint GetSourceFingerprint(const std::string &osUri)
{
    const bool bNetwork = IsNetworkGDALPath(osUri);
    if (bNetwork)
        VSICurlPartialClearCache(osUri.c_str());
    VSIStatBufL sStat;
    if (VSIStatExL(osUri.c_str(), &sStat,
                   VSI_STAT_EXISTS_FLAG | VSI_STAT_NATURE_FLAG |
                       VSI_STAT_SIZE_FLAG) != 0)
        throw Error(osUri + ": no such file");
    if (VSI_ISDIR(sStat.st_mode))
        throw Error(osUri + ": is a directory, not a source file");
    SourceFingerprint o;
    o.nSize = static_cast<uint64_t>(sStat.st_size);
    if (IsLocalPath(osUri))
    {
        o.nMTimeNs = static_cast<int64_t>(sStat.st_mtim.tv_sec) * 1000000000 +
                     sStat.st_mtim.tv_nsec;
        o.nInode = static_cast<uint64_t>(sStat.st_ino);
    }
    else
    {
        o.nMTimeNs = static_cast<int64_t>(sStat.st_mtime) * 1000000000;
    }
    if (bNetwork)
    {
        char **papszHeaders =
            VSIGetFileMetadata(osUri.c_str(), "HEADERS", nullptr);
        for (char **papszIter = papszHeaders; papszIter && *papszIter;
             ++papszIter)
        {
            char *pszKey = nullptr;
            const char *pszValue = CPLParseNameValue(*papszIter, &pszKey);
            if (pszKey && pszValue && EQUAL(pszKey, "ETag"))
                o.osETag = pszValue;
            CPLFree(pszKey);
        }
        CSLDestroy(papszHeaders);
    }
    return o;
}

}  // namespace kerchunk
