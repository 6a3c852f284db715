// Loading, caching and invalidating parsed references (LoadReferences), and
// reading a key's bytes. Remote references are fetched and revalidated by
// remote_references.cpp.
#include "config_options.h"
#include "consolidated_metadata.h"
#include "error.h"
#include "kerchunk_json_parser.h"
#include "remote_references.h"
#include "target_policy.h"
#include "url_mapping.h"
#include "vsikerchunk.h"

#include "cpl_conv.h"
#include "cpl_error.h"
#include "cpl_vsi.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <limits>
#include <mutex>
#include <vector>

namespace kerchunk
{

namespace
{

struct CacheEntry
{
    std::string osRefsPath{};
    vsi_l_offset nSize = 0;
    GIntBig nMTime = 0;
    uint64_t nLastUse = 0;
    std::shared_ptr<const LoadedReferences> poRefs{};
    // Remote references (LoadRemote): the version loaded, and when to check
    // it again.
    RemoteValidators oValidators{};
    bool bValidated = false;
    std::chrono::steady_clock::time_point tRevalidate{};
};

std::mutex goCacheMutex;
std::vector<CacheEntry> gaoCache;
uint64_t gnUseCounter = 0;

// A bad value keeps the default: the references themselves are fine, and
// the error is reported when the option is first read wrong.
// Same rule as GetCacheCapacity.
double GetRevalidateSeconds()
{
    try
    {
        return GetNumberOption("KERCHUNK_REFS_REVALIDATE_SECONDS");
    }
    catch (const Error &e)
    {
        CPLError(CE_Warning, CPLE_IllegalArg, "%s; using %s", e.what(),
                 GetConfigOptionSpec("KERCHUNK_REFS_REVALIDATE_SECONDS").pszDefault);
        return std::atof(GetConfigOptionSpec("KERCHUNK_REFS_REVALIDATE_SECONDS").pszDefault);
    }
}

// When references validated now are to be checked again.
std::chrono::steady_clock::time_point NextRevalidation()
{
    return std::chrono::steady_clock::now() +
           std::chrono::duration_cast<std::chrono::steady_clock::duration>(
               std::chrono::duration<double>(GetRevalidateSeconds()));
}

size_t GetCacheCapacity()
{
    try
    {
        return static_cast<size_t>(GetIntegerOption("KERCHUNK_REFS_CACHE_SIZE"));
    }
    catch (const Error &e)
    {
        CPLError(CE_Warning, CPLE_IllegalArg, "%s; using %s", e.what(),
                 GetConfigOptionSpec("KERCHUNK_REFS_CACHE_SIZE").pszDefault);
        return static_cast<size_t>(std::atoi(
            GetConfigOptionSpec("KERCHUNK_REFS_CACHE_SIZE").pszDefault));
    }
}

uint64_t GetMaxRefsFileSize(const std::string &osRefsPath, std::string &osError)
{
    try
    {
        return GetIntegerOption("KERCHUNK_MAX_REFS_FILE_SIZE");
    }
    catch (const Error &e)
    {
        osError = "cannot read kerchunk references " + osRefsPath + ": " + e.what();
        return 0;
    }
}

bool ReadFileText(const std::string &osRefsPath, std::string &osText, std::string &osError)
{
    const uint64_t nMaxSize = GetMaxRefsFileSize(osRefsPath, osError);
    if (!osError.empty())
        return false;
    GByte *pabyData = nullptr;
    vsi_l_offset nDataSize = 0;
    // A failed read is reported below, once, with GDAL's reason appended.
    CPLErrorHandlerPusher oQuiet(CPLQuietErrorHandler);
    CPLErrorReset();
    if (!VSIIngestFile(nullptr, osRefsPath.c_str(), &pabyData, &nDataSize,
                       static_cast<GIntBig>(std::min<uint64_t>(
                           nMaxSize, std::numeric_limits<GIntBig>::max()))))
    {
        osError = "cannot read kerchunk references " + osRefsPath;
        const char *pszDetail = CPLGetLastErrorMsg();
        if (pszDetail && *pszDetail)
            osError += std::string(": ") + pszDetail;
        return false;
    }
    osText.assign(reinterpret_cast<const char *>(pabyData), static_cast<size_t>(nDataSize));
    VSIFree(pabyData);
    return true;
}

bool RefuseRecursion(const std::string &osRefsPath, std::string &osError)
{
    if (osRefsPath.find(VSIKERCHUNK_PREFIX) == std::string::npos)
        return false;
    osError = osRefsPath + ": references inside " + std::string(VSIKERCHUNK_PREFIX) +
              " are refused (recursion)";
    return true;
}

std::shared_ptr<const LoadedReferences> ParseText(const std::string &osRefsPath,
                                                  const std::string &osText,
                                                  std::string &osError)
{
    std::string osParseError;
    auto poSet = ParseKerchunkJson(osText, osParseError);
    if (!poSet)
    {
        osError = "invalid kerchunk references " + osRefsPath + ": " + osParseError;
        return nullptr;
    }
    auto poRefs = std::make_shared<LoadedReferences>();
    poRefs->osRefsPath = osRefsPath;
    poRefs->oSet = std::move(*poSet);
    PrepareMetadata(*poRefs);
    return poRefs;
}

std::shared_ptr<const LoadedReferences> Parse(const std::string &osRefsPath,
                                              std::string &osError)
{
    std::string osText;
    if (RefuseRecursion(osRefsPath, osError) || !ReadFileText(osRefsPath, osText, osError))
        return nullptr;
    return ParseText(osRefsPath, osText, osError);
}

// The cached entry of osRefsPath, or null; the caller holds goCacheMutex.
CacheEntry *FindCached(const std::string &osRefsPath)
{
    for (auto &oEntry : gaoCache)
    {
        if (oEntry.osRefsPath == osRefsPath)
            return &oEntry;
    }
    return nullptr;
}

void Remember(CacheEntry &&oNewEntry)
{
    std::lock_guard<std::mutex> oLock(goCacheMutex);
    gaoCache.erase(std::remove_if(gaoCache.begin(), gaoCache.end(),
                                  [&](const CacheEntry &oEntry)
                                  { return oEntry.osRefsPath == oNewEntry.osRefsPath; }),
                   gaoCache.end());
    while (!gaoCache.empty() && gaoCache.size() >= GetCacheCapacity())
    {
        gaoCache.erase(std::min_element(
            gaoCache.begin(), gaoCache.end(),
            [](const CacheEntry &a, const CacheEntry &b)
            { return a.nLastUse < b.nLastUse; }));
    }
    oNewEntry.nLastUse = ++gnUseCounter;
    gaoCache.push_back(std::move(oNewEntry));
}

std::shared_ptr<const LoadedReferences> LoadByStat(const std::string &osRefsPath,
                                                   std::string &osError);

// Remote references: reused without any request for
// KERCHUNK_REFS_REVALIDATE_SECONDS, then revalidated by one HEAD, reloaded
// (one GET) only when their ETag / Last-Modified changed.
std::shared_ptr<const LoadedReferences> LoadRemote(const std::string &osRefsPath,
                                                   std::string &osError)
{
    const auto tNow = std::chrono::steady_clock::now();
    std::shared_ptr<const LoadedReferences> poCached;
    RemoteValidators oCachedValidators;
    {
        std::lock_guard<std::mutex> oLock(goCacheMutex);
        if (CacheEntry *poEntry = FindCached(osRefsPath))
        {
            poEntry->nLastUse = ++gnUseCounter;
            if (poEntry->bValidated && tNow < poEntry->tRevalidate)
                return poEntry->poRefs;
            poCached = poEntry->poRefs;
            oCachedValidators = poEntry->oValidators;
        }
    }
    const auto tNext = NextRevalidation();
    const auto oValidators = FetchRemoteValidators(osRefsPath);
    if (!oValidators && !poCached)
        return LoadByStat(osRefsPath, osError);  // HEAD refused: read as a file
    if (!oValidators || (poCached && oValidators->SameVersionAs(oCachedValidators)))
    {
        // Unchanged, or cannot be checked right now (a server hiccup): the
        // parsed references stay; reads fail on their own if the file is gone.
        std::lock_guard<std::mutex> oLock(goCacheMutex);
        if (CacheEntry *poEntry = FindCached(osRefsPath))
        {
            poEntry->bValidated = true;
            poEntry->tRevalidate = tNext;
        }
        return poCached;
    }
    if (poCached)
        CPLDebug("KERCHUNK", "%s changed (ETag/Last-Modified): reloading", osRefsPath.c_str());
    const uint64_t nMaxSize = GetMaxRefsFileSize(osRefsPath, osError);
    if (!osError.empty())
        return nullptr;
    if (oValidators->nSize > nMaxSize)
    {
        osError = "kerchunk references " + osRefsPath + " are larger than " +
                  std::to_string(nMaxSize) + " bytes (KERCHUNK_MAX_REFS_FILE_SIZE)";
        return nullptr;
    }
    std::string osText;
    if (!FetchRemoteFile(osRefsPath, oValidators->nSize, nMaxSize, osText, osError))
        return nullptr;
    auto poRefs = ParseText(osRefsPath, osText, osError);
    if (!poRefs)
        return nullptr;
    CacheEntry oEntry;
    oEntry.osRefsPath = osRefsPath;
    oEntry.oValidators = *oValidators;
    oEntry.bValidated = true;
    oEntry.tRevalidate = tNext;
    oEntry.poRefs = poRefs;
    Remember(std::move(oEntry));
    return poRefs;
}

// Local (and wrapped) references: reused while their size and modification
// time are unchanged.
std::shared_ptr<const LoadedReferences> LoadByStat(const std::string &osRefsPath,
                                                   std::string &osError)
{
    VSIStatBufL sStat;
    const bool bStatOK = VSIStatL(osRefsPath.c_str(), &sStat) == 0;
    {
        std::lock_guard<std::mutex> oLock(goCacheMutex);
        CacheEntry *poEntry = FindCached(osRefsPath);
        // A file that cannot be checked right now (a server hiccup)
        // keeps its parsed references: reads then fail on their own.
        if (poEntry != nullptr &&
            (!bStatOK || (poEntry->nSize == static_cast<vsi_l_offset>(sStat.st_size) &&
                          poEntry->nMTime == sStat.st_mtime)))
        {
            poEntry->nLastUse = ++gnUseCounter;
            return poEntry->poRefs;
        }
    }
    if (!bStatOK || VSI_ISDIR(sStat.st_mode))
    {
        osError = "kerchunk references " + osRefsPath + " not found";
        return nullptr;
    }
    // A FIFO or device would block or never end.
    if (!VSI_ISREG(sStat.st_mode))
    {
        osError = "kerchunk references " + osRefsPath + " is not a regular file";
        return nullptr;
    }

    // Parse outside the lock: another thread may parse the same file at the
    // same time, which only costs duplicate work.
    auto poRefs = Parse(osRefsPath, osError);
    if (!poRefs)
        return nullptr;
    CacheEntry oEntry;
    oEntry.osRefsPath = osRefsPath;
    oEntry.nSize = sStat.st_size;
    oEntry.nMTime = sStat.st_mtime;
    oEntry.poRefs = poRefs;
    Remember(std::move(oEntry));
    return poRefs;
}

// Whether the first non-blank byte of osText is '{'.
bool StartsLikeJson(const char *pszText, size_t nSize)
{
    for (size_t i = 0; i < nSize; ++i)
    {
        if (!isspace(static_cast<unsigned char>(pszText[i])))
            return pszText[i] == '{';
    }
    return false;
}

bool FirstBytesLookLikeJson(const std::string &osPath)
{
    VSILFILE *fp = VSIFOpenL(osPath.c_str(), "rb");
    if (fp == nullptr)
        return false;
    char achHeader[256] = {};
    const size_t nRead = VSIFReadL(achHeader, 1, sizeof(achHeader), fp);
    VSIFCloseL(fp);
    return StartsLikeJson(achHeader, nRead);
}

// A remote file this small is fetched whole to look at its first bytes: if
// it holds references, they are parsed and kept, so that opening them costs
// no further request (HEAD + GET in all). A source file of that size costs
// about one round trip more than a range request would.
constexpr uint64_t SMALL_REMOTE_FILE = 1024 * 1024;

}  // namespace

bool IsJsonReferencesFile(const std::string &osPath)
{
    if (!IsFetchableRemotePath(osPath) || osPath.find(VSIKERCHUNK_PREFIX) != std::string::npos)
        return FirstBytesLookLikeJson(osPath);
    {
        std::lock_guard<std::mutex> oLock(goCacheMutex);
        const CacheEntry *poEntry = FindCached(osPath);
        if (poEntry != nullptr && poEntry->bValidated &&
            std::chrono::steady_clock::now() < poEntry->tRevalidate)
            return true;
    }
    const auto oValidators = FetchRemoteValidators(osPath);
    if (oValidators)
    {
        // Loaded before and unchanged: references, and still valid.
        std::lock_guard<std::mutex> oLock(goCacheMutex);
        CacheEntry *poEntry = FindCached(osPath);
        if (poEntry != nullptr && poEntry->bValidated &&
            oValidators->SameVersionAs(poEntry->oValidators))
        {
            poEntry->tRevalidate = NextRevalidation();
            return true;
        }
    }
    std::string osText, osError;
    const uint64_t nMaxSize =
        std::min(SMALL_REMOTE_FILE, GetMaxRefsFileSize(osPath, osError));
    if (!oValidators || oValidators->nSize > nMaxSize)
    {
        // A range request for the first bytes; the folder listing GDAL
        // would do first tells nothing here.
        CPLConfigOptionSetter oNoListing("GDAL_DISABLE_READDIR_ON_OPEN", "EMPTY_DIR", true);
        return FirstBytesLookLikeJson(osPath);
    }
    if (!FetchRemoteFile(osPath, oValidators->nSize, nMaxSize, osText, osError))
        return false;
    if (!StartsLikeJson(osText.data(), osText.size()))
        return false;
    // Invalid references are reported by LoadReferences, which reads again.
    if (auto poRefs = ParseText(osPath, osText, osError))
    {
        CacheEntry oEntry;
        oEntry.osRefsPath = osPath;
        oEntry.oValidators = *oValidators;
        oEntry.bValidated = true;
        oEntry.tRevalidate = NextRevalidation();
        oEntry.poRefs = std::move(poRefs);
        Remember(std::move(oEntry));
    }
    return true;
}

std::shared_ptr<const LoadedReferences>
LoadReferences(const std::string &osRefsPath, std::string &osError)
{
    if (RefuseRecursion(osRefsPath, osError))
        return nullptr;
    if (IsFetchableRemotePath(osRefsPath))
        return LoadRemote(osRefsPath, osError);
    return LoadByStat(osRefsPath, osError);
}

bool ResolveTarget(const LoadedReferences &oRefs, const std::string &osKey,
                   const Reference &oRef, std::string &osTargetPath,
                   std::string &osError)
{
    std::string osMapError;
    if (!MapUrlToGDALPath(*oRef.posPath, oRefs.osRefsPath, osTargetPath, osMapError) ||
        !CheckTargetPolicy(osTargetPath, osMapError))
    {
        osError = oRefs.osRefsPath + ": key '" + osKey + "': " + osMapError;
        return false;
    }
    return true;
}

bool CheckRawChunkLength(const LoadedReferences &oRefs, const std::string &osKey,
                         uint64_t nLength, std::string &osError)
{
    if (oRefs.oRawChunkSizes.empty())
        return true;
    const size_t nLastSlash = osKey.rfind('/');
    const size_t nNameStart = nLastSlash == std::string::npos ? 0 : nLastSlash + 1;
    if (osKey.compare(nNameStart, 1, ".") == 0)
        return true;  // metadata, not a chunk
    // The array is the longest "dir/" prefix with a .zarray ("" = the root);
    // with dimension_separator "/" the chunk key has several components.
    for (size_t nEnd = nLastSlash == std::string::npos ? 0 : nLastSlash + 1;;)
    {
        const auto oIter = oRefs.oRawChunkSizes.find(osKey.substr(0, nEnd));
        if (oIter != oRefs.oRawChunkSizes.end())
        {
            if (nLength == oIter->second)
                return true;
            osError = oRefs.osRefsPath + ": key '" + osKey + "': length " +
                      std::to_string(nLength) + " is not the " +
                      std::to_string(oIter->second) +
                      " bytes of a chunk of array '/" + osKey.substr(0, nEnd ? nEnd - 1 : 0) +
                      "', which has no compressor and no filters";
            return false;
        }
        if (nEnd == 0)
            return true;
        const size_t nPrev = osKey.rfind('/', nEnd - 2);
        nEnd = nPrev == std::string::npos || nEnd < 2 ? 0 : nPrev + 1;
    }
}

bool ReadKey(const LoadedReferences &oRefs, const std::string &osKey,
             std::string &osBytes, std::string &osError, uint64_t nMaxSize)
{
    const Reference *poRef = oRefs.oSet.Find(osKey);
    if (poRef == nullptr)
    {
        osError = oRefs.osRefsPath + ": no key '" + osKey + "'";
        return false;
    }
    if (poRef->IsInline())
    {
        osBytes = poRef->osInline;
        return true;
    }
    std::string osTarget;
    if (!ResolveTarget(oRefs, osKey, *poRef, osTarget, osError))
        return false;
    VSILFILE *fp = VSIFOpenL(osTarget.c_str(), "rb");
    if (fp == nullptr)
    {
        osError = oRefs.osRefsPath + ": key '" + osKey + "': cannot open " + osTarget;
        return false;
    }
    uint64_t nSize = poRef->nSize;
    if (poRef->bWholeFile)
    {
        VSIFSeekL(fp, 0, SEEK_END);
        nSize = VSIFTellL(fp);
    }
    bool bOK = nSize <= nMaxSize;
    if (bOK)
    {
        osBytes.resize(static_cast<size_t>(nSize));
        bOK = VSIFSeekL(fp, poRef->bWholeFile ? 0 : poRef->nOffset, SEEK_SET) == 0 &&
              VSIFReadL(&osBytes[0], 1, osBytes.size(), fp) == osBytes.size();
    }
    VSIFCloseL(fp);
    if (!bOK)
        osError = oRefs.osRefsPath + ": key '" + osKey + "': cannot read " +
                  std::to_string(nSize) + " bytes from " + osTarget;
    return bOK;
}

}  // namespace kerchunk
