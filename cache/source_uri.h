// What identifies a source for the cache: its normalized URI (the key) and
// its fingerprint (what tells that it changed).
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

namespace kerchunk
{

// A GDAL path that names a source the same way however it was written:
// s3://, gs://, http(s)://, file:// become /vsis3/, /vsigs/, /vsicurl/, plain
// paths; local paths become absolute with symbolic links resolved; repeated
// slashes in object store paths are collapsed.
std::string NormalizeSourceUri(const std::string &osSource);

// Plain file system path (not a /vsi.../ one): POSIX locking applies.
// (Network paths -- no rename, no exclusive create, stat results cached by
// GDAL -- are told by IsNetworkGDALPath() of common/gdal_paths.h.)
bool IsLocalPath(const std::string &osPath);

struct SourceFingerprint
{
    uint64_t nSize = 0;
    // Nanoseconds for local files (a rewrite within the same second still
    // shows), seconds * 1e9 elsewhere.
    int64_t nMTimeNs = 0;
    uint64_t nInode = 0;  // local files only: a replace-by-rename shows
    std::string osETag{};  // when the server gives one

    bool operator==(const SourceFingerprint &o) const
    {
        return nSize == o.nSize && nMTimeNs == o.nMTimeNs &&
               nInode == o.nInode && osETag == o.osETag;
    }
    bool operator!=(const SourceFingerprint &o) const
    {
        return !(*this == o);
    }
    // Names the first differing property, for the staleness message.
    std::string DescribeDifference(const SourceFingerprint &oNew) const;

    nlohmann::json ToJson() const;
    static SourceFingerprint FromJson(const nlohmann::json &oJson);
};

// Throws kerchunk::Error when the source cannot be found. Network sources
// are asked afresh (GDAL's cached HEAD result would hide a rewrite).
SourceFingerprint GetSourceFingerprint(const std::string &osUri);

}  // namespace kerchunk
