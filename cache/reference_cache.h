// The reference cache: kerchunk references of source files, generated once
// and reused by every later open, in any process sharing the directory.
//
// Layout of KERCHUNK_CACHE_DIR (any GDAL path, /vsis3/bucket/prefix too),
// with KEY = SHA-256 of the normalized source URI:
//   KEY.CONTENT.json  the references; CONTENT = first 16 hex digits of their
//                     SHA-256, so a regenerated entry gets a new path and
//                     readers that cache parsed references by path (the
//                     /vsikerchunk/ handler) cannot serve old ones
//   KEY.meta.json     what they were made from: source URI, size, mtime,
//                     inode, ETag, generator version, time, duration, chunk
//                     count, and the name, size and SHA-256 of the references
//   KEY.lock          one generation at a time (see generation_lock.h)
// KEY.meta.json is written last: an entry exists once its metadata does, and
// is only used when the references file has exactly the recorded size and
// SHA-256. A torn or foreign references file (interrupted copy, concurrent
// writer, disk error) is therefore never returned; it is regenerated under
// the lock. The previous references file is deleted once the new metadata is
// in place.
#pragma once

#include "source_uri.h"

#include "generator.h"

#include "cpl_progress.h"
#include "cpl_string.h"
#include "cpl_vsi.h"

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace kerchunk
{

struct CacheConfig
{
    std::string osDir{};
    double dfTTLDays = 0;             // 0: entries do not expire
    double dfGenerationTimeout = 0;   // seconds; 0: no limit
    double dfLockStaleSeconds = 60;   // lease without heartbeat for this long
    bool bVerifyChecksum = true;      // hash KEY.json on every use
    std::string osGeneratorVersion{};

    // From KERCHUNK_CACHE_DIR, KERCHUNK_CACHE_TTL_DAYS,
    // KERCHUNK_GENERATION_TIMEOUT, KERCHUNK_LOCK_STALE_SECONDS,
    // KERCHUNK_CACHE_VERIFY. Throws kerchunk::Error on a malformed value.
    static CacheConfig FromConfigOptions();
};

// The version recorded in entries; entries of another version are stale.
std::string CurrentGeneratorVersion();
// $XDG_CACHE_HOME/gdal-kerchunk, else $HOME/.cache/gdal-kerchunk.
std::string DefaultCacheDir();

// Writes the references of osSource (normalized URI) to fp. The progress
// function returns FALSE once the generation timeout has passed. Injectable
// for tests; the default calls GenerateReferences().
using GenerateFunc = std::function<GenerateStats(
    const std::string &osSource, VSILFILE *fp, GDALProgressFunc pfnProgress,
    void *pProgressData)>;
GenerateStats DefaultGenerate(const std::string &osSource, VSILFILE *fp,
                              GDALProgressFunc pfnProgress, void *pProgressData);

struct CacheEntryInfo
{
    std::string osKey{};
    std::string osSource{};
    std::string osReferencesPath{};
    SourceFingerprint oFingerprint{};
    std::string osGeneratorVersion{};
    double dfCreated = 0;   // Unix time
    double dfDuration = 0;  // seconds spent generating
    uint64_t nArrays = 0;
    uint64_t nChunks = 0;
    uint64_t nSkipped = 0;
    uint64_t nReferencesSize = 0;
    std::string osReferencesSha256{};
};

struct CacheResult
{
    std::string osReferencesPath{};  // a GDAL path, /vsimem/ when in memory
    bool bGenerated = false;         // false: an up-to-date entry was used
    bool bInMemory = false;          // the cache could not be written
    std::string osWarning{};         // why it is in memory
    CacheEntryInfo oInfo{};
};

// What ReferenceCache::Purge removed.
struct PurgeCounts
{
    size_t nEntries = 0;
    size_t nCombined = 0;    // combined references
    size_t nRecordDays = 0;  // day folders of generation records
};

class CacheProcessState;  // cache_registry.h

class ReferenceCache
{
  public:
    explicit ReferenceCache(CacheConfig oConfig,
                            GenerateFunc pfnGenerate = DefaultGenerate);

    // Up-to-date references of osSource: a valid entry, or generated now
    // (bForce: always). Throws kerchunk::Error saying why there are none. An
    // in-memory result also emits a CE_Warning unless bQuiet.
    CacheResult GetReferences(const std::string &osSource, bool bForce = false,
                              GDALProgressFunc pfnProgress = nullptr,
                              void *pProgressData = nullptr,
                              bool bQuiet = false);

    const CacheConfig &GetConfig() const
    {
        return m_oConfig;
    }
    static std::string KeyOf(const std::string &osNormalizedUri);

    // Entry of a source, whatever its state; osState is "valid", "stale:
    // <why>", "corrupt: <why>" or "missing", plus the lock holder if any.
    std::optional<CacheEntryInfo> Info(const std::string &osSource,
                                       std::string &osState);
    // Every entry with readable metadata (torn ones are listed by key only).
    std::vector<CacheEntryInfo> List();
    // Removes the entry of a source; false when there was none.
    bool Remove(const std::string &osSource);
    // Removes entries created more than dfOlderThanDays ago (all with 0),
    // stray temporary files, and entries whose metadata is unreadable; the
    // same for the combined references (combined_references.h) and the
    // generation records (generation_metrics.h, by whole days).
    PurgeCounts Purge(double dfOlderThanDays);

    // Re-checks an entry of List() against its source (cache_verify.cpp):
    // "ok", "stale", "source gone" or "corrupt", with osDetail saying why.
    // The checksum is checked when the configuration says so
    // (bVerifyChecksum).
    std::string Verify(const CacheEntryInfo &oEntry, std::string &osDetail) const;

  private:
    struct Request;
    struct Destination;
    // The steps of GetReferences, in order.
    std::unique_lock<std::timed_mutex> LockKeyInProcess(const Request &oReq);
    bool FindUpToDate(const Request &oReq, const SourceFingerprint &oFingerprint,
                      CacheResult &oResult);
    bool LockEntry(const Request &oReq, bool bForce, const SourceFingerprint &oFingerprint,
                   Destination &oDest, CacheResult &oResult);
    std::string GenerateInMemory(const Request &oReq, const SourceFingerprint &oFingerprint,
                                 GDALProgressFunc pfnProgress, void *pProgressData,
                                 CacheEntryInfo &oInfo);
    bool StoreEntry(const std::string &osMemPath, CacheResult &oResult,
                    std::string &osWarning);
    void KeepInMemory(const std::string &osMemPath, const std::string &osWarning,
                      bool bQuiet, CacheResult &oResult);

    std::string PathOf(const std::string &osKey, const char *pszSuffix) const;
    // Valid entry for (uri, fingerprint)? Fills oInfo; osWhy says why not.
    bool CheckEntry(const std::string &osKey, const std::string &osUri,
                    const SourceFingerprint &oFingerprint,
                    CacheEntryInfo &oInfo, std::string &osWhy) const;
    std::optional<CacheEntryInfo> ReadMetadata(const std::string &osKey,
                                               std::string &osWhy) const;
    void RemoveEntryFiles(const std::string &osKey, const CPLStringList &aosNames);
    // Purge of the entries of the cache folder itself.
    size_t PurgeEntries(double dfOlderThanDays);

    CacheConfig m_oConfig;
    GenerateFunc m_pfnGenerate;
    // Shared with the caches of this process with the same folder and
    // settings (cache_registry.h).
    std::shared_ptr<CacheProcessState> m_poState;
};

}  // namespace kerchunk
