#include "reference_cache.h"

#include "atomic_write.h"
#include "cache_registry.h"
#include "generation_lock.h"
#include "config_options.h"
#include "combined_references.h"
#include "generation_metrics.h"
#include "gdal_paths.h"
#include "sha256.h"

#include "error.h"
#include "file_handles.h"
#include "reference_writer.h"

#include "cpl_conv.h"
#include "cpl_error.h"
#include "cpl_string.h"

#include <atomic>
#include <chrono>
#include <cmath>
#include <map>
#include <memory>
#include <mutex>
#include <set>

#include <ctime>
#include <unistd.h>

#ifndef KERCHUNK_VERSION_STRING
#define KERCHUNK_VERSION_STRING "unknown"
#endif

namespace kerchunk
{

namespace
{

// Bump when the entry layout changes: older entries then read as corrupt and
// are regenerated.
constexpr const char *kMetadataFormat = "gdal-kerchunk-cache/1";
constexpr const char *kMemoryDir = "/vsimem/kerchunk_cache";

std::string FormatSeconds(double dfSeconds)
{
    return CPLSPrintf("%g", dfSeconds);
}

// Makes /vsimem/ names unique in the process (the /vsimem/ namespace is
// process-wide too).
std::atomic<unsigned> g_nTempCounter{0};

struct ProgressState
{
    Clock::time_point tDeadline;
    GDALProgressFunc pfnProgress;
    void *pProgressData;
    bool bTimedOut;
};

int CPL_STDCALL CacheProgress(double dfComplete, const char *pszMessage,
                              void *pData)
{
    auto *psState = static_cast<ProgressState *>(pData);
    if (Clock::now() > psState->tDeadline)
    {
        psState->bTimedOut = true;
        return FALSE;
    }
    return psState->pfnProgress
               ? psState->pfnProgress(dfComplete, pszMessage,
                                      psState->pProgressData)
               : TRUE;
}

// Size and SHA-256 of a file, streamed.
bool HashFile(const std::string &osPath, uint64_t &nSize, std::string &osHex)
{
    const VSIFilePtr poFile = OpenVSIFile(osPath, "rb");
    if (!poFile)
        return false;
    Sha256 oHash;
    std::vector<char> abyBuf(1 << 20);
    nSize = 0;
    size_t nRead;
    while ((nRead = VSIFReadL(abyBuf.data(), 1, abyBuf.size(), poFile.get())) > 0)
    {
        oHash.Update(abyBuf.data(), nRead);
        nSize += nRead;
    }
    osHex = oHash.FinishHex();
    return true;
}

nlohmann::json MetadataToJson(const CacheEntryInfo &o)
{
    return {{"format", kMetadataFormat},
            {"source", o.osSource},
            {"source_fingerprint", o.oFingerprint.ToJson()},
            {"generator_version", o.osGeneratorVersion},
            {"created", o.dfCreated},
            {"duration_s", o.dfDuration},
            {"arrays", o.nArrays},
            {"chunks", o.nChunks},
            {"skipped", o.nSkipped},
            {"references", CPLGetFilename(o.osReferencesPath.c_str())},
            {"references_size", o.nReferencesSize},
            {"references_sha256", o.osReferencesSha256}};
}

bool IsHex(const std::string &s, size_t nPos, size_t nLen)
{
    if (s.size() < nPos + nLen)
        return false;
    for (size_t i = nPos; i < nPos + nLen; ++i)
    {
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    }
    return true;
}

constexpr size_t kKeyLen = 64;       // hex SHA-256 of the source URI
constexpr size_t kContentLen = 16;   // hex prefix of the references' SHA-256

// KEY.CONTENT.json: named after the content, so that a regenerated entry has
// a new path and nothing that caches parsed references by path (the
// /vsikerchunk/ handler does) can serve the old ones.
std::string ReferencesFileName(const std::string &osKey, const std::string &osSha256)
{
    return osKey + "." + osSha256.substr(0, kContentLen) + ".json";
}

bool IsReferencesFileName(const std::string &osName, const std::string &osKey)
{
    return osName.size() == kKeyLen + 1 + kContentLen + 5 &&
           osName.compare(0, kKeyLen, osKey) == 0 && osName[kKeyLen] == '.' &&
           IsHex(osName, kKeyLen + 1, kContentLen) &&
           osName.compare(kKeyLen + 1 + kContentLen, 5, ".json") == 0;
}

std::string FormatAge(double dfSeconds)
{
    return FormatSeconds(std::round(dfSeconds / 86400 * 100) / 100) + " days";
}

}  // namespace

std::string CurrentGeneratorVersion()
{
    return std::string("gdal-kerchunk ") + KERCHUNK_VERSION_STRING + " r" +
           std::to_string(REFERENCES_REVISION);
}

std::string DefaultCacheDir()
{
    const char *pszXdg = CPLGetConfigOption("XDG_CACHE_HOME", nullptr);
    if (pszXdg && pszXdg[0] == '/')
        return std::string(pszXdg) + "/gdal-kerchunk";
    const char *pszHome = CPLGetConfigOption("HOME", nullptr);
    if (pszHome && pszHome[0] != '\0')
        return std::string(pszHome) + "/.cache/gdal-kerchunk";
    return std::string();
}

CacheConfig CacheConfig::FromConfigOptions()
{
    CacheConfig o;
    o.osDir = IsConfigOptionSet("KERCHUNK_CACHE_DIR")
                  ? GetStringOption("KERCHUNK_CACHE_DIR")
                  : DefaultCacheDir();
    while (o.osDir.size() > 1 && o.osDir.back() == '/')
        o.osDir.pop_back();
    o.dfTTLDays = GetNumberOption("KERCHUNK_CACHE_TTL_DAYS");
    o.dfGenerationTimeout = GetNumberOption("KERCHUNK_GENERATION_TIMEOUT");
    o.dfLockStaleSeconds = GetNumberOption("KERCHUNK_LOCK_STALE_SECONDS");
    o.bVerifyChecksum = GetBooleanOption("KERCHUNK_CACHE_VERIFY");
    o.osGeneratorVersion = CurrentGeneratorVersion();
    return o;
}

GenerateStats DefaultGenerate(const std::string &osSource, VSILFILE *fp,
                              GDALProgressFunc pfnProgress, void *pProgressData)
{
    // The fsspec form of the source URL, so that cached references are
    // usable by Python's kerchunk stack too.
    ReferenceWriter oWriter(fp, GDALPathToUrl(osSource));
    GenerateOptions oOptions;
    oOptions.pfnProgress = pfnProgress;
    oOptions.pProgressData = pProgressData;
    GenerateStats oStats = GenerateReferences(osSource, oOptions, oWriter);
    oWriter.Finish();
    return oStats;
}

ReferenceCache::ReferenceCache(CacheConfig oConfig, GenerateFunc pfnGenerate)
    : m_oConfig(std::move(oConfig)), m_pfnGenerate(std::move(pfnGenerate))
{
    if (m_oConfig.osGeneratorVersion.empty())
        m_oConfig.osGeneratorVersion = CurrentGeneratorVersion();
    m_poState = GetCacheProcessState(m_oConfig);
}

std::string ReferenceCache::KeyOf(const std::string &osNormalizedUri)
{
    return Sha256Hex(osNormalizedUri);
}

std::string ReferenceCache::PathOf(const std::string &osKey,
                                   const char *pszSuffix) const
{
    return m_oConfig.osDir + "/" + osKey + pszSuffix;
}

std::optional<CacheEntryInfo>
ReferenceCache::ReadMetadata(const std::string &osKey, std::string &osWhy) const
{
    const std::string osPath = PathOf(osKey, ".meta.json");
    std::string osText;
    if (!IngestSmallFile(osPath, 1 << 20, osText))
    {
        osWhy = "missing";
        return std::nullopt;
    }
    try
    {
        const auto oJson = nlohmann::json::parse(osText);
        if (oJson.at("format").get<std::string>() != kMetadataFormat)
            throw Error("unknown format");
        CacheEntryInfo o;
        o.osKey = osKey;
        o.osSource = oJson.at("source").get<std::string>();
        // Only a name of this entry's own form: a damaged or hostile
        // metadata file must not point elsewhere.
        const std::string osRefsName = oJson.at("references").get<std::string>();
        if (!IsReferencesFileName(osRefsName, osKey))
            throw Error("bad references name '" + osRefsName + "'");
        o.osReferencesPath = m_oConfig.osDir + "/" + osRefsName;
        o.oFingerprint =
            SourceFingerprint::FromJson(oJson.at("source_fingerprint"));
        o.osGeneratorVersion = oJson.at("generator_version").get<std::string>();
        o.dfCreated = oJson.at("created").get<double>();
        o.dfDuration = oJson.at("duration_s").get<double>();
        o.nArrays = oJson.at("arrays").get<uint64_t>();
        o.nChunks = oJson.at("chunks").get<uint64_t>();
        o.nSkipped = oJson.at("skipped").get<uint64_t>();
        o.nReferencesSize = oJson.at("references_size").get<uint64_t>();
        o.osReferencesSha256 = oJson.at("references_sha256").get<std::string>();
        return o;
    }
    catch (const std::exception &e)
    {
        osWhy = "corrupt: unreadable metadata " + osPath + " (" + e.what() + ")";
        return std::nullopt;
    }
}

bool ReferenceCache::CheckEntry(const std::string &osKey,
                                const std::string &osUri,
                                const SourceFingerprint &oFingerprint,
                                CacheEntryInfo &oInfo, std::string &osWhy) const
{
    if (IsNetworkGDALPath(m_oConfig.osDir))
        VSICurlPartialClearCache(PathOf(osKey, "").c_str());
    auto oMeta = ReadMetadata(osKey, osWhy);
    if (!oMeta)
        return false;
    oInfo = *oMeta;
    if (oInfo.osSource != osUri)
    {
        osWhy = "corrupt: entry is for " + oInfo.osSource;
        return false;
    }
    if (oInfo.osGeneratorVersion != m_oConfig.osGeneratorVersion)
    {
        osWhy = "stale: made by " + oInfo.osGeneratorVersion + ", now " +
                m_oConfig.osGeneratorVersion;
        return false;
    }
    if (oInfo.oFingerprint != oFingerprint)
    {
        osWhy = "stale: source " + oInfo.oFingerprint.DescribeDifference(oFingerprint);
        return false;
    }
    const double dfAge = UnixTimeNow() - oInfo.dfCreated;
    if (m_oConfig.dfTTLDays > 0 && dfAge > m_oConfig.dfTTLDays * 86400)
    {
        osWhy = "stale: " + FormatAge(dfAge) + " old, KERCHUNK_CACHE_TTL_DAYS=" +
                FormatSeconds(m_oConfig.dfTTLDays);
        return false;
    }
    uint64_t nSize = 0;
    if (m_oConfig.bVerifyChecksum)
    {
        std::string osHex;
        if (!HashFile(oInfo.osReferencesPath, nSize, osHex))
        {
            osWhy = "corrupt: references file missing";
            return false;
        }
        if (nSize == oInfo.nReferencesSize && osHex != oInfo.osReferencesSha256)
        {
            osWhy = "corrupt: references checksum mismatch";
            return false;
        }
    }
    else
    {
        VSIStatBufL sStat;
        if (VSIStatL(oInfo.osReferencesPath.c_str(), &sStat) != 0)
        {
            osWhy = "corrupt: references file missing";
            return false;
        }
        nSize = static_cast<uint64_t>(sStat.st_size);
    }
    if (nSize != oInfo.nReferencesSize)
    {
        osWhy = "corrupt: references are " + std::to_string(nSize) +
                " bytes, expected " + std::to_string(oInfo.nReferencesSize);
        return false;
    }
    osWhy = "valid";
    return true;
}

// One GetReferences call: the source, its cache key and its deadline.
struct ReferenceCache::Request
{
    std::string osUri{};
    std::string osKey{};
    Clock::time_point tDeadline{};
    std::string osTimeoutText{};  // "KERCHUNK_GENERATION_TIMEOUT=... s"
};

// Where a generation will go: the cache, or memory only and why.
struct ReferenceCache::Destination
{
    bool bWritable = false;
    std::string osWarning{};
    std::unique_ptr<GenerationLock> poLock{};
};

std::unique_lock<std::timed_mutex> ReferenceCache::LockKeyInProcess(const Request &oReq)
{
    std::unique_lock<std::timed_mutex> oThreadLock(m_poState->KeyMutex(oReq.osKey), std::defer_lock);
    if (m_oConfig.dfGenerationTimeout <= 0)
        oThreadLock.lock();
    else if (!oThreadLock.try_lock_until(oReq.tDeadline))
        throw Error("timed out (" + oReq.osTimeoutText +
                    ") waiting for another thread generating references for " + oReq.osUri);
    return oThreadLock;
}

bool ReferenceCache::FindUpToDate(const Request &oReq, const SourceFingerprint &oFingerprint,
                                  CacheResult &oResult)
{
    std::string osWhy;
    if (!m_oConfig.osDir.empty())
    {
        if (CheckEntry(oReq.osKey, oReq.osUri, oFingerprint, oResult.oInfo, osWhy))
        {
            oResult.osReferencesPath = oResult.oInfo.osReferencesPath;
            return true;
        }
        CPLDebug("KERCHUNK", "cache entry of %s: %s", oReq.osUri.c_str(), osWhy.c_str());
    }
    const auto oInMemory = m_poState->FindInMemory(oReq.osKey);
    if (!oInMemory || oInMemory->oFingerprint != oFingerprint ||
        oInMemory->osGeneratorVersion != m_oConfig.osGeneratorVersion ||
        (m_oConfig.dfTTLDays > 0 && UnixTimeNow() - oInMemory->dfCreated > m_oConfig.dfTTLDays * 86400))
        return false;
    oResult.osReferencesPath = oInMemory->osReferencesPath;
    oResult.oInfo = *oInMemory;
    oResult.bInMemory = true;
    return true;
}

// Across processes: the lock beside the entry. /vsimem/ caches are private
// to this process: the thread mutex is enough. True when another generator
// made the entry while we waited (oResult then has it).
bool ReferenceCache::LockEntry(const Request &oReq, bool bForce,
                               const SourceFingerprint &oFingerprint,
                               Destination &oDest, CacheResult &oResult)
{
    const bool bHaveDir = !m_oConfig.osDir.empty();
    oDest.bWritable = bHaveDir;
    if (!bHaveDir)
    {
        oDest.osWarning = "no cache directory (set KERCHUNK_CACHE_DIR, XDG_CACHE_HOME or HOME)";
        return false;
    }
    if (STARTS_WITH(m_oConfig.osDir.c_str(), "/vsimem/"))
    {
        VSIMkdirRecursive(m_oConfig.osDir.c_str(), 0755);
        return false;
    }
    if (!IsNetworkGDALPath(m_oConfig.osDir))
        VSIMkdirRecursive(m_oConfig.osDir.c_str(), 0755);
    std::string osLockWhy;
    switch (GenerationLock::Acquire(PathOf(oReq.osKey, ".lock"), oReq.tDeadline,
                                    m_oConfig.dfLockStaleSeconds, oDest.poLock, osLockWhy))
    {
        case GenerationLock::Status::Acquired:
            break;
        case GenerationLock::Status::TimedOut:
            throw Error("timed out (" + oReq.osTimeoutText +
                        ") waiting for the references of " + oReq.osUri +
                        " being generated elsewhere: " + osLockWhy);
        case GenerationLock::Status::Unwritable:
            oDest.bWritable = false;
            oDest.osWarning =
                "cache directory " + m_oConfig.osDir + " is not writable (" + osLockWhy + ")";
            break;
    }
    // Someone may have made the entry while we waited for the lock.
    std::string osWhy;
    if (oDest.poLock && !bForce &&
        CheckEntry(oReq.osKey, oReq.osUri, oFingerprint, oResult.oInfo, osWhy))
    {
        oResult.osReferencesPath = oResult.oInfo.osReferencesPath;
        return true;
    }
    return false;
}

// Generates into memory first: a failure or a kill leaves nothing in the
// cache, and a read-only cache still gets a usable result. Returns the
// /vsimem/ path and fills oInfo (all but the final references path).
std::string ReferenceCache::GenerateInMemory(const Request &oReq,
                                             const SourceFingerprint &oFingerprint,
                                             GDALProgressFunc pfnProgress, void *pProgressData,
                                             CacheEntryInfo &oInfo)
{
    CPLDebug("KERCHUNK", "generating references for %s", oReq.osUri.c_str());
    VSIMkdir(kMemoryDir, 0755);
    const std::string osMemPath = std::string(kMemoryDir) + "/" + oReq.osKey + "." +
                                  std::to_string(++g_nTempCounter) + ".json";
    VSIFilePtr poFile = OpenVSIFile(osMemPath, "wb");
    if (!poFile)
        throw Error("cannot create " + osMemPath);
    ProgressState sProgress{oReq.tDeadline, pfnProgress, pProgressData, false};
    const double dfStart = UnixTimeNow();
    GenerateStats oStats;
    try
    {
        oStats = RecordedGeneration(m_oConfig.osDir, oReq.osUri, [&] {
            return m_pfnGenerate(oReq.osUri, poFile.get(), CacheProgress, &sProgress);
        });
    }
    catch (const std::exception &e)
    {
        poFile.reset();
        VSIUnlink(osMemPath.c_str());
        if (sProgress.bTimedOut)
            throw Error("generation of references for " + oReq.osUri + " timed out (" +
                        oReq.osTimeoutText + ")");
        throw;
    }
    poFile.reset();  // a /vsimem/ file: closing cannot fail

    oInfo.osKey = oReq.osKey;
    oInfo.osSource = oReq.osUri;
    oInfo.osGeneratorVersion = m_oConfig.osGeneratorVersion;
    oInfo.dfCreated = dfStart;
    oInfo.dfDuration = UnixTimeNow() - dfStart;
    oInfo.nArrays = oStats.nArrays;
    oInfo.nChunks = oStats.nChunks;
    oInfo.nSkipped = oStats.aosSkipped.size();
    oInfo.oFingerprint = oFingerprint;

    // References of a source that changed meanwhile may mix two versions.
    const SourceFingerprint oAfter = GetSourceFingerprint(oReq.osUri);
    if (oAfter != oFingerprint)
    {
        VSIUnlink(osMemPath.c_str());
        throw Error(oReq.osUri + ": source changed while its references were generated (" +
                    oFingerprint.DescribeDifference(oAfter) + ")");
    }
    vsi_l_offset nLength = 0;
    const GByte *pabyData = VSIGetMemFileBuffer(osMemPath.c_str(), &nLength, FALSE);
    oInfo.nReferencesSize = nLength;
    Sha256 oHash;
    oHash.Update(pabyData, static_cast<size_t>(nLength));
    oInfo.osReferencesSha256 = oHash.FinishHex();
    return osMemPath;
}

// Writes the generated references and then their metadata into the cache;
// false with osWarning saying why not.
bool ReferenceCache::StoreEntry(const std::string &osMemPath, CacheResult &oResult,
                                std::string &osWarning)
{
    CacheEntryInfo &oInfo = oResult.oInfo;
    vsi_l_offset nLength = 0;
    const GByte *pabyData = VSIGetMemFileBuffer(osMemPath.c_str(), &nLength, FALSE);
    std::string osWriteWhy;
    std::string osIgnored;
    const auto oPrevious = ReadMetadata(oInfo.osKey, osIgnored);
    oInfo.osReferencesPath =
        m_oConfig.osDir + "/" + ReferencesFileName(oInfo.osKey, oInfo.osReferencesSha256);
    const std::string osMeta = MetadataToJson(oInfo).dump(1) + "\n";
    // The metadata last: it is what makes the entry exist.
    if (!WriteAtomically(oInfo.osReferencesPath, pabyData, static_cast<size_t>(nLength),
                         osWriteWhy) ||
        !WriteAtomically(PathOf(oInfo.osKey, ".meta.json"), osMeta.data(), osMeta.size(),
                         osWriteWhy))
    {
        osWarning = "cannot write to cache directory " + m_oConfig.osDir + ": " + osWriteWhy;
        return false;
    }
    VSIUnlink(osMemPath.c_str());
    // A reader that checked the previous entry just before may fail to open
    // it now: an error, never old data.
    if (oPrevious && oPrevious->osReferencesPath != oInfo.osReferencesPath)
        VSIUnlink(oPrevious->osReferencesPath.c_str());
    oResult.osReferencesPath = oInfo.osReferencesPath;
    m_poState->ForgetInMemory(oInfo.osKey);
    return true;
}

void ReferenceCache::KeepInMemory(const std::string &osMemPath, const std::string &osWarning,
                                  bool bQuiet, CacheResult &oResult)
{
    CacheEntryInfo &oInfo = oResult.oInfo;
    oInfo.osReferencesPath = osMemPath;
    oResult.osReferencesPath = osMemPath;
    oResult.bInMemory = true;
    oResult.osWarning = osWarning;
    m_poState->KeepInMemory(oInfo);
    if (!bQuiet)
        CPLError(CE_Warning, CPLE_AppDefined,
                 "KERCHUNK: references of %s kept in memory only: %s", oInfo.osSource.c_str(),
                 osWarning.c_str());
}

CacheResult ReferenceCache::GetReferences(const std::string &osSource, bool bForce,
                                          GDALProgressFunc pfnProgress, void *pProgressData,
                                          bool bQuiet)
{
    Request oReq;
    oReq.osUri = NormalizeSourceUri(osSource);
    oReq.osKey = KeyOf(oReq.osUri);
    const double dfTimeout = m_oConfig.dfGenerationTimeout;
    oReq.tDeadline = dfTimeout > 0 ? Clock::now() + std::chrono::microseconds(
                                                        static_cast<int64_t>(dfTimeout * 1e6))
                                   : Clock::time_point::max();
    oReq.osTimeoutText = "KERCHUNK_GENERATION_TIMEOUT=" + FormatSeconds(dfTimeout) + " s";

    const auto oThreadLock = LockKeyInProcess(oReq);
    const SourceFingerprint oFingerprint =
        FingerprintOrRecordFailure(m_oConfig.osDir, oReq.osUri);
    CacheResult oResult;
    if (!bForce && FindUpToDate(oReq, oFingerprint, oResult))
        return oResult;
    Destination oDest;
    if (LockEntry(oReq, bForce, oFingerprint, oDest, oResult))
        return oResult;
    const std::string osMemPath =
        GenerateInMemory(oReq, oFingerprint, pfnProgress, pProgressData, oResult.oInfo);
    oResult.bGenerated = true;
    if (oDest.bWritable && StoreEntry(osMemPath, oResult, oDest.osWarning))
        return oResult;
    KeepInMemory(osMemPath, oDest.osWarning, bQuiet, oResult);
    return oResult;
}

std::optional<CacheEntryInfo> ReferenceCache::Info(const std::string &osSource,
                                                   std::string &osState)
{
    const std::string osUri = NormalizeSourceUri(osSource);
    const std::string osKey = KeyOf(osUri);
    std::optional<CacheEntryInfo> oInfo;
    if (m_oConfig.osDir.empty())
    {
        osState = "missing (no cache directory)";
        return oInfo;
    }
    CacheEntryInfo oEntry;
    try
    {
        const SourceFingerprint oFingerprint = GetSourceFingerprint(osUri);
        CheckEntry(osKey, osUri, oFingerprint, oEntry, osState);
    }
    catch (const Error &e)
    {
        osState = std::string("stale: ") + e.what();
    }
    std::string osWhy;
    oInfo = ReadMetadata(osKey, osWhy);
    if (!oInfo && osState.compare(0, 6, "stale:") == 0)
        osState = osWhy;
    const std::string osHolder = GenerationLock::DescribeHolder(
        PathOf(osKey, ".lock"), m_oConfig.dfLockStaleSeconds);
    if (!osHolder.empty())
        osState += "; generation in progress, " + osHolder;
    return oInfo;
}

std::vector<CacheEntryInfo> ReferenceCache::List()
{
    std::vector<CacheEntryInfo> aoEntries;
    if (m_oConfig.osDir.empty())
        return aoEntries;
    if (IsNetworkGDALPath(m_oConfig.osDir))
        VSICurlPartialClearCache(m_oConfig.osDir.c_str());
    const CPLStringList aosNames(VSIReadDir(m_oConfig.osDir.c_str()));
    for (int i = 0; i < aosNames.size(); ++i)
    {
        const std::string osName = aosNames[i];
        if (!(osName.size() == kKeyLen + 10 && IsHex(osName, 0, kKeyLen) &&
              osName.compare(kKeyLen, 10, ".meta.json") == 0))
            continue;
        const std::string osKey = osName.substr(0, kKeyLen);
        std::string osWhy;
        auto oInfo = ReadMetadata(osKey, osWhy);
        if (!oInfo)
        {
            // Unreadable metadata: listed by key, removed by purge.
            oInfo = CacheEntryInfo();
            oInfo->osKey = osKey;
        }
        aoEntries.push_back(*oInfo);
    }
    return aoEntries;
}

void ReferenceCache::RemoveEntryFiles(const std::string &osKey,
                                      const CPLStringList &aosNames)
{
    // The metadata first: the entry disappears at once.
    VSIUnlink(PathOf(osKey, ".meta.json").c_str());
    const std::string osLockName = osKey + ".lock";
    for (int i = 0; i < aosNames.size(); ++i)
    {
        const std::string osName = aosNames[i];
        if (osName.compare(0, kKeyLen + 1, osKey + ".") == 0 &&
            osName != osLockName && osName != osKey + ".meta.json")
            VSIUnlink((m_oConfig.osDir + "/" + osName).c_str());
    }
    const std::string osLock = PathOf(osKey, ".lock");
    if (aosNames.FindString(osLockName.c_str()) >= 0 &&
        GenerationLock::DescribeHolder(osLock, m_oConfig.dfLockStaleSeconds).empty())
        VSIUnlink(osLock.c_str());
    if (IsNetworkGDALPath(m_oConfig.osDir))
        VSICurlPartialClearCache(PathOf(osKey, "").c_str());
}

bool ReferenceCache::Remove(const std::string &osSource)
{
    const std::string osKey = KeyOf(NormalizeSourceUri(osSource));
    m_poState->ForgetInMemory(osKey);
    if (m_oConfig.osDir.empty())
        return false;
    if (IsNetworkGDALPath(m_oConfig.osDir))
        VSICurlPartialClearCache(m_oConfig.osDir.c_str());
    const CPLStringList aosNames(VSIReadDir(m_oConfig.osDir.c_str()));
    bool bExists = false;
    for (int i = 0; i < aosNames.size(); ++i)
    {
        const std::string osName = aosNames[i];
        if (osName == osKey + ".meta.json" || IsReferencesFileName(osName, osKey))
            bExists = true;
    }
    RemoveEntryFiles(osKey, aosNames);
    return bExists;
}

PurgeCounts ReferenceCache::Purge(double dfOlderThanDays)
{
    PurgeCounts oCounts;
    if (m_oConfig.osDir.empty())
        return oCounts;
    oCounts.nEntries = PurgeEntries(dfOlderThanDays);
    oCounts.nCombined = PurgeCombinedReferences(m_oConfig.osDir, dfOlderThanDays);
    oCounts.nRecordDays = PurgeGenerationRecords(m_oConfig.osDir, dfOlderThanDays);
    return oCounts;
}

size_t ReferenceCache::PurgeEntries(double dfOlderThanDays)
{
    size_t nRemoved = 0;
    const double dfNow = UnixTimeNow();
    const auto aoEntries = List();
    const CPLStringList aosNames(VSIReadDir(m_oConfig.osDir.c_str()));
    std::set<std::string> oKept;  // references files of the remaining entries
    for (const auto &oEntry : aoEntries)
    {
        // Entries without readable metadata (dfCreated == 0) always go.
        if (dfOlderThanDays > 0 && oEntry.dfCreated > 0 &&
            dfNow - oEntry.dfCreated <= dfOlderThanDays * 86400)
        {
            oKept.insert(CPLGetFilename(oEntry.osReferencesPath.c_str()));
            continue;
        }
        RemoveEntryFiles(oEntry.osKey, aosNames);
        ++nRemoved;
    }
    // What killed or raced writers left (temporaries, references whose
    // metadata never got written or was replaced), once clearly abandoned:
    // a writer holding the lock may be between its two writes right now.
    for (int i = 0; i < aosNames.size(); ++i)
    {
        const std::string osName = aosNames[i];
        if (!IsHex(osName, 0, kKeyLen) || osName.size() <= kKeyLen ||
            osName[kKeyLen] != '.' || oKept.count(osName) ||
            osName.compare(kKeyLen, std::string::npos, ".meta.json") == 0 ||
            osName.compare(kKeyLen, std::string::npos, ".lock") == 0)
            continue;
        const std::string osPath = m_oConfig.osDir + "/" + osName;
        VSIStatBufL sStat;
        if (VSIStatL(osPath.c_str(), &sStat) == 0 &&
            dfNow - static_cast<double>(sStat.st_mtime) > 3600)
            VSIUnlink(osPath.c_str());
    }
    return nRemoved;
}

}  // namespace kerchunk
