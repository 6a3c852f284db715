// Fetching a references file from an HTTP server or object store with as few
// requests as GDAL's VSI allows, and telling whether it changed since.
//
// GDAL's /vsicurl/ reads a file it does not know with a directory listing, a
// HEAD and read-ahead range requests that double in size (four requests for
// a 33 KB file); its metadata cache then never notices a change for the rest
// of the process. Here a load is one HEAD (the validators: ETag,
// Last-Modified, Content-Length) followed by one GET through the handler's
// streaming twin (/vsicurl_streaming/, /vsis3_streaming/ ...), and a
// revalidation is one HEAD.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace kerchunk
{

// What identifies one version of a remote file. Two versions are the same
// when their ETags are equal (when the server gives one), else when their
// Last-Modified and sizes are equal.
struct RemoteValidators
{
    std::string osETag{};
    std::string osLastModified{};
    uint64_t nSize = 0;

    bool SameVersionAs(const RemoteValidators &oOther) const;
};

// True for the GDAL network file systems read here (/vsicurl/, /vsis3/,
// /vsigs/, /vsiaz/, /vsioss/, /vsiswift/ at the start of the path); other
// paths, wrapped ones included (/vsigzip//vsicurl/...), are read as files.
bool IsFetchableRemotePath(const std::string &osPath);

// One HEAD request, never answered from GDAL's caches. nullopt when the
// server does not answer it (missing file, HEAD refused, network down).
std::optional<RemoteValidators> FetchRemoteValidators(const std::string &osPath);

// The whole file in one GET. False, with osError (GDAL's reason appended),
// when it cannot be read, is larger than nMaxSize bytes or does not have the
// nExpectedSize bytes its HEAD announced (cut short, or changed meanwhile).
bool FetchRemoteFile(const std::string &osPath, uint64_t nExpectedSize, uint64_t nMaxSize,
                     std::string &osBytes, std::string &osError);

}  // namespace kerchunk
