#include "remote_references.h"

#include "cpl_conv.h"
#include "cpl_error.h"
#include "cpl_string.h"
#include "cpl_vsi.h"

#include <cstring>
#include <memory>
#include <vector>

namespace kerchunk
{

namespace
{

// GDAL's network file systems that have a streaming twin reading a whole
// file in one GET (GDAL 3.6: port/cpl_vsil_curl_streaming.cpp).
constexpr std::pair<const char *, const char *> aoStreamingTwins[] = {
    {"/vsicurl/", "/vsicurl_streaming/"}, {"/vsis3/", "/vsis3_streaming/"},
    {"/vsigs/", "/vsigs_streaming/"},     {"/vsiaz/", "/vsiaz_streaming/"},
    {"/vsioss/", "/vsioss_streaming/"},   {"/vsiswift/", "/vsiswift_streaming/"},
};

std::string StreamingPath(const std::string &osPath)
{
    for (const auto &oTwin : aoStreamingTwins)
    {
        if (STARTS_WITH(osPath.c_str(), oTwin.first))
            return oTwin.second + osPath.substr(strlen(oTwin.first));
    }
    return osPath;
}

struct VSIFileCloser
{
    void operator()(VSILFILE *fp) const
    {
        VSIFCloseL(fp);
    }
};

std::string LastGDALError()
{
    const char *pszDetail = CPLGetLastErrorMsg();
    return pszDetail && *pszDetail ? std::string(": ") + pszDetail : std::string();
}

}  // namespace

bool RemoteValidators::SameVersionAs(const RemoteValidators &oOther) const
{
    if (!osETag.empty() || !oOther.osETag.empty())
        return osETag == oOther.osETag;
    return osLastModified == oOther.osLastModified && nSize == oOther.nSize;
}

bool IsFetchableRemotePath(const std::string &osPath)
{
    for (const auto &oTwin : aoStreamingTwins)
    {
        if (STARTS_WITH(osPath.c_str(), oTwin.first))
            return true;
    }
    return false;
}

std::optional<RemoteValidators> FetchRemoteValidators(const std::string &osPath)
{
    // The HEADERS domain issues a HEAD every time (VSIStatL would answer from
    // GDAL's cache and never see a change).
    CPLErrorHandlerPusher oQuiet(CPLQuietErrorHandler);
    CPLStringList aosHeaders(VSIGetFileMetadata(osPath.c_str(), "HEADERS", nullptr));
    const char *pszLength = aosHeaders.FetchNameValue("Content-Length");
    if (aosHeaders.Count() == 0 || pszLength == nullptr)
        return std::nullopt;  // 404 gives no headers; no length: not a file
    RemoteValidators oValidators;
    oValidators.nSize = std::strtoull(pszLength, nullptr, 10);
    if (const char *pszETag = aosHeaders.FetchNameValue("ETag"))
        oValidators.osETag = pszETag;
    if (const char *pszDate = aosHeaders.FetchNameValue("Last-Modified"))
        oValidators.osLastModified = pszDate;
    return oValidators;
}

bool FetchRemoteFile(const std::string &osPath, uint64_t nExpectedSize,
                     uint64_t nMaxSize, std::string &osBytes, std::string &osError)
{
    CPLErrorHandlerPusher oQuiet(CPLQuietErrorHandler);
    CPLErrorReset();
    std::unique_ptr<VSILFILE, VSIFileCloser> fp(
        VSIFOpenL(StreamingPath(osPath).c_str(), "rb"));
    if (!fp)
    {
        osError = "cannot read kerchunk references " + osPath + LastGDALError();
        return false;
    }
    // Sequential reads of one streamed response; its length may be unknown.
    constexpr size_t BLOCK = 1024 * 1024;
    osBytes.clear();
    while (true)
    {
        const size_t nHave = osBytes.size();
        osBytes.resize(nHave + BLOCK);
        const size_t nRead = VSIFReadL(&osBytes[nHave], 1, BLOCK, fp.get());
        osBytes.resize(nHave + nRead);
        if (osBytes.size() > nMaxSize)
        {
            osError = "kerchunk references " + osPath + " are larger than " +
                      std::to_string(nMaxSize) + " bytes (KERCHUNK_MAX_REFS_FILE_SIZE)";
            return false;
        }
        if (nRead < BLOCK)
            break;
    }
    // A connection cut short ends the stream like the end of the file.
    if (nExpectedSize != osBytes.size())
    {
        osError = "cannot read kerchunk references " + osPath + ": got " +
                  std::to_string(osBytes.size()) + " of " +
                  std::to_string(nExpectedSize) + " bytes" + LastGDALError();
        return false;
    }
    return true;
}

}  // namespace kerchunk
