#include "reference_cache.h"

#include "atomic_write.h"
#include "generation_lock.h"
#include "config_options.h"
#include "generation_metrics.h"
#include "gdal_paths.h"
#include "sha256.h"

#include "error.h"
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

double Now()
{
    return std::chrono::duration<double>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::string FormatSeconds(double dfSeconds)
{
    return CPLSPrintf("%g", dfSeconds);
}

// One mutex per key for the threads of this process; never freed (one small
// object per source opened).
std::timed_mutex &KeyMutex(const std::string &osKey)
{
    static std::mutex oMapMutex;
    static std::map<std::string, std::unique_ptr<std::timed_mutex>> oMap;
    std::lock_guard<std::mutex> oLock(oMapMutex);
    auto &poMutex = oMap[osKey];
    if (!poMutex)
        poMutex = std::make_unique<std::timed_mutex>();
    return *poMutex;
}

// References kept in /vsimem/ when the cache cannot be written, reused by
// later opens in this process while they are up to date.
std::mutex g_oMemoryMutex;
std::map<std::string, CacheEntryInfo> g_oMemoryEntries;

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

bool ReadSmallFile(const std::string &osPath, size_t nMaxSize,
                   std::string &osContent)
{
    VSILFILE *fp = VSIFOpenL(osPath.c_str(), "rb");
    if (fp == nullptr)
        return false;
    osContent.clear();
    char achBuf[16384];
    size_t nRead;
    bool bOK = true;
    while ((nRead = VSIFReadL(achBuf, 1, sizeof(achBuf), fp)) > 0)
    {
        osContent.append(achBuf, nRead);
        if (osContent.size() > nMaxSize)
        {
            bOK = false;
            break;
        }
    }
    VSIFCloseL(fp);
    return bOK;
}

// Size and SHA-256 of a file, streamed.
bool HashFile(const std::string &osPath, uint64_t &nSize, std::string &osHex)
{
    VSILFILE *fp = VSIFOpenL(osPath.c_str(), "rb");
    if (fp == nullptr)
        return false;
    Sha256 oHash;
    std::vector<char> abyBuf(1 << 20);
    nSize = 0;
    size_t nRead;
    while ((nRead = VSIFReadL(abyBuf.data(), 1, abyBuf.size(), fp)) > 0)
    {
        oHash.Update(abyBuf.data(), nRead);
        nSize += nRead;
    }
    VSIFCloseL(fp);
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
    if (!ReadSmallFile(osPath, 1 << 20, osText))
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
    const double dfAge = Now() - oInfo.dfCreated;
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

CacheResult ReferenceCache::GetReferences(const std::string &osSource,
                                          bool bForce,
                                          GDALProgressFunc pfnProgress,
                                          void *pProgressData, bool bQuiet)
{
    const std::string osUri = NormalizeSourceUri(osSource);
    const std::string osKey = KeyOf(osUri);
    const double dfTimeout = m_oConfig.dfGenerationTimeout;
    const Clock::time_point tDeadline =
        dfTimeout > 0 ? Clock::now() + std::chrono::microseconds(
                                           static_cast<int64_t>(dfTimeout * 1e6))
                      : Clock::time_point::max();
    const std::string osTimeoutText =
        "KERCHUNK_GENERATION_TIMEOUT=" + FormatSeconds(dfTimeout) + " s";

    std::unique_lock<std::timed_mutex> oThreadLock(KeyMutex(osKey),
                                                   std::defer_lock);
    if (dfTimeout > 0)
    {
        if (!oThreadLock.try_lock_until(tDeadline))
            throw Error("timed out (" + osTimeoutText +
                        ") waiting for another thread generating references for " +
                        osUri);
    }
    else
        oThreadLock.lock();

    const SourceFingerprint oFingerprint =
        FingerprintOrRecordFailure(m_oConfig.osDir, osUri);
    CacheResult oResult;
    std::string osWhy;
    const bool bHaveDir = !m_oConfig.osDir.empty();
    if (!bForce)
    {
        if (bHaveDir &&
            CheckEntry(osKey, osUri, oFingerprint, oResult.oInfo, osWhy))
        {
            oResult.osReferencesPath = oResult.oInfo.osReferencesPath;
            return oResult;
        }
        if (bHaveDir)
            CPLDebug("KERCHUNK", "cache entry of %s: %s", osUri.c_str(),
                     osWhy.c_str());
        std::lock_guard<std::mutex> oLock(g_oMemoryMutex);
        auto oIter = g_oMemoryEntries.find(osKey);
        if (oIter != g_oMemoryEntries.end() &&
            oIter->second.oFingerprint == oFingerprint &&
            oIter->second.osGeneratorVersion == m_oConfig.osGeneratorVersion &&
            !(m_oConfig.dfTTLDays > 0 &&
              Now() - oIter->second.dfCreated > m_oConfig.dfTTLDays * 86400))
        {
            oResult.osReferencesPath = oIter->second.osReferencesPath;
            oResult.oInfo = oIter->second;
            oResult.bInMemory = true;
            return oResult;
        }
    }

    // Across processes: the lock beside the entry. /vsimem/ caches are
    // private to this process: the thread mutex is enough.
    bool bWritable = bHaveDir;
    std::string osWarning =
        bHaveDir ? std::string()
                 : "no cache directory (set KERCHUNK_CACHE_DIR, XDG_CACHE_HOME "
                   "or HOME)";
    std::unique_ptr<GenerationLock> poLock;
    if (bHaveDir && !STARTS_WITH(m_oConfig.osDir.c_str(), "/vsimem/"))
    {
        if (!IsNetworkGDALPath(m_oConfig.osDir))
            VSIMkdirRecursive(m_oConfig.osDir.c_str(), 0755);
        std::string osLockWhy;
        switch (GenerationLock::Acquire(PathOf(osKey, ".lock"), tDeadline,
                                        m_oConfig.dfLockStaleSeconds, poLock,
                                        osLockWhy))
        {
            case GenerationLock::Status::Acquired:
                break;
            case GenerationLock::Status::TimedOut:
                throw Error("timed out (" + osTimeoutText +
                            ") waiting for the references of " + osUri +
                            " being generated elsewhere: " + osLockWhy);
            case GenerationLock::Status::Unwritable:
                bWritable = false;
                osWarning = "cache directory " + m_oConfig.osDir +
                            " is not writable (" + osLockWhy + ")";
                break;
        }
        // Someone may have made the entry while we waited for the lock.
        if (poLock && !bForce &&
            CheckEntry(osKey, osUri, oFingerprint, oResult.oInfo, osWhy))
        {
            oResult.osReferencesPath = oResult.oInfo.osReferencesPath;
            return oResult;
        }
    }
    else if (bHaveDir)
        VSIMkdirRecursive(m_oConfig.osDir.c_str(), 0755);

    // Generate into memory first: a failure or a kill leaves nothing in the
    // cache, and a read-only cache still gets a usable result.
    CPLDebug("KERCHUNK", "generating references for %s", osUri.c_str());
    VSIMkdir(kMemoryDir, 0755);
    const std::string osMemPath = std::string(kMemoryDir) + "/" + osKey + "." +
                                  std::to_string(++g_nTempCounter) + ".json";
    VSILFILE *fp = VSIFOpenL(osMemPath.c_str(), "wb");
    if (fp == nullptr)
        throw Error("cannot create " + osMemPath);
    ProgressState sProgress{tDeadline, pfnProgress, pProgressData, false};
    const double dfStart = Now();
    GenerateStats oStats;
    try
    {
        oStats = RecordedGeneration(
            m_oConfig.osDir, osUri,
            [&] { return m_pfnGenerate(osUri, fp, CacheProgress, &sProgress); });
    }
    catch (const std::exception &e)
    {
        VSIFCloseL(fp);
        VSIUnlink(osMemPath.c_str());
        if (sProgress.bTimedOut)
            throw Error("generation of references for " + osUri +
                        " timed out (" + osTimeoutText + ")");
        throw;
    }
    VSIFCloseL(fp);

    CacheEntryInfo &oInfo = oResult.oInfo;
    oInfo.osKey = osKey;
    oInfo.osSource = osUri;
    oInfo.osGeneratorVersion = m_oConfig.osGeneratorVersion;
    oInfo.dfCreated = dfStart;
    oInfo.dfDuration = Now() - dfStart;
    oInfo.nArrays = oStats.nArrays;
    oInfo.nChunks = oStats.nChunks;
    oInfo.nSkipped = oStats.aosSkipped.size();
    oInfo.oFingerprint = oFingerprint;

    // References of a source that changed meanwhile may mix two versions.
    const SourceFingerprint oAfter = GetSourceFingerprint(osUri);
    if (oAfter != oFingerprint)
    {
        VSIUnlink(osMemPath.c_str());
        throw Error(osUri + ": source changed while its references were generated (" +
                    oFingerprint.DescribeDifference(oAfter) + ")");
    }

    vsi_l_offset nLength = 0;
    const GByte *pabyData = VSIGetMemFileBuffer(osMemPath.c_str(), &nLength, FALSE);
    oInfo.nReferencesSize = nLength;
    {
        Sha256 oHash;
        oHash.Update(pabyData, static_cast<size_t>(nLength));
        oInfo.osReferencesSha256 = oHash.FinishHex();
    }
    oResult.bGenerated = true;

    if (bWritable)
    {
        std::string osWriteWhy;
        std::string osIgnored;
        const auto oPrevious = ReadMetadata(osKey, osIgnored);
        oInfo.osReferencesPath =
            m_oConfig.osDir + "/" + ReferencesFileName(osKey, oInfo.osReferencesSha256);
        const std::string osMeta = MetadataToJson(oInfo).dump(1) + "\n";
        // The metadata last: it is what makes the entry exist.
        if (WriteAtomically(oInfo.osReferencesPath, pabyData,
                            static_cast<size_t>(nLength), osWriteWhy) &&
            WriteAtomically(PathOf(osKey, ".meta.json"), osMeta.data(),
                            osMeta.size(), osWriteWhy))
        {
            VSIUnlink(osMemPath.c_str());
            // A reader that checked the previous entry just before may fail
            // to open it now: an error, never old data.
            if (oPrevious && oPrevious->osReferencesPath != oInfo.osReferencesPath)
                VSIUnlink(oPrevious->osReferencesPath.c_str());
            oResult.osReferencesPath = oInfo.osReferencesPath;
            std::lock_guard<std::mutex> oLock(g_oMemoryMutex);
            auto oIter = g_oMemoryEntries.find(osKey);
            if (oIter != g_oMemoryEntries.end())
            {
                VSIUnlink(oIter->second.osReferencesPath.c_str());
                g_oMemoryEntries.erase(oIter);
            }
            return oResult;
        }
        osWarning = "cannot write to cache directory " + m_oConfig.osDir +
                    ": " + osWriteWhy;
    }

    oInfo.osReferencesPath = osMemPath;
    oResult.osReferencesPath = osMemPath;
    oResult.bInMemory = true;
    oResult.osWarning = osWarning;
    {
        std::lock_guard<std::mutex> oLock(g_oMemoryMutex);
        auto &oSlot = g_oMemoryEntries[osKey];
        // Datasets still reading the previous file keep its content alive.
        if (!oSlot.osReferencesPath.empty())
            VSIUnlink(oSlot.osReferencesPath.c_str());
        oSlot = oInfo;
    }
    if (!bQuiet)
        CPLError(CE_Warning, CPLE_AppDefined,
                 "KERCHUNK: references of %s kept in memory only: %s",
                 osUri.c_str(), osWarning.c_str());
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
    {
        std::lock_guard<std::mutex> oLock(g_oMemoryMutex);
        auto oIter = g_oMemoryEntries.find(osKey);
        if (oIter != g_oMemoryEntries.end())
        {
            VSIUnlink(oIter->second.osReferencesPath.c_str());
            g_oMemoryEntries.erase(oIter);
        }
    }
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

size_t ReferenceCache::Purge(double dfOlderThanDays)
{
    size_t nRemoved = 0;
    const double dfNow = Now();
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
