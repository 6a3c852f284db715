#include "references_cache.h"
#include "config_options.h"
#include "error.h"
#include "file_handles.h"
#include "parquet_references.h"

#include "cpl_conv.h"
#include "cpl_error.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>

namespace kerchunk
{

namespace
{

// A bad value keeps the default: the references themselves are fine, and
// the error is reported when the option is first read wrong.
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

// Whether the first non-blank byte of the text is '{'.
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
    const VSIFilePtr poFile = OpenVSIFile(osPath, "rb");
    if (!poFile)
        return false;
    char achHeader[256] = {};
    const size_t nRead = VSIFReadL(achHeader, 1, sizeof(achHeader), poFile.get());
    return StartsLikeJson(achHeader, nRead);
}

// A remote file this small is fetched whole to look at its first bytes: if
// it holds references, they are parsed and kept, so that opening them costs
// no further request (HEAD + GET in all). A source file of that size costs
// about one round trip more than a range request would.
constexpr uint64_t SMALL_REMOTE_FILE = 1024 * 1024;

}  // namespace

ReferencesCache::Entry *ReferencesCache::FindEntry(const std::string &osRefsPath)
{
    for (auto &oEntry : m_aoEntries)
    {
        if (oEntry.osRefsPath == osRefsPath)
            return &oEntry;
    }
    return nullptr;
}

std::shared_ptr<const LoadedReferences>
ReferencesCache::FindFresh(const std::string &osRefsPath, bool bStatOK,
                           const VSIStatBufL &sStat)
{
    std::lock_guard<std::mutex> oLock(m_oMutex);
    for (auto &oEntry : m_aoEntries)
    {
        if (oEntry.osRefsPath != osRefsPath)
            continue;
        // A file that cannot be checked right now (a server hiccup)
        // keeps its parsed references: reads then fail on their own.
        if (!bStatOK || (oEntry.nSize == static_cast<vsi_l_offset>(sStat.st_size) &&
                         oEntry.nMTime == sStat.st_mtime))
        {
            oEntry.nLastUse = ++m_nUseCounter;
            return oEntry.poRefs;
        }
        break;  // changed: reloaded by the caller
    }
    return nullptr;
}

void ReferencesCache::Insert(Entry oEntry)
{
    std::lock_guard<std::mutex> oLock(m_oMutex);
    m_aoEntries.erase(std::remove_if(m_aoEntries.begin(), m_aoEntries.end(),
                                     [&](const Entry &oOther)
                                     { return oOther.osRefsPath == oEntry.osRefsPath; }),
                      m_aoEntries.end());
    while (!m_aoEntries.empty() && m_aoEntries.size() >= GetCacheCapacity())
    {
        m_aoEntries.erase(std::min_element(m_aoEntries.begin(), m_aoEntries.end(),
                                           [](const Entry &a, const Entry &b)
                                           { return a.nLastUse < b.nLastUse; }));
    }
    oEntry.nLastUse = ++m_nUseCounter;
    m_aoEntries.push_back(std::move(oEntry));
}

std::shared_ptr<const LoadedReferences> ReferencesCache::Load(const std::string &osRefsPath,
                                                              std::string &osError)
{
    if (IsFetchableRemotePath(osRefsPath) &&
        osRefsPath.find(VSIKERCHUNK_PREFIX) == std::string::npos)
        return LoadRemote(osRefsPath, osError);
    return LoadByStat(osRefsPath, osError);
}

void ReferencesCache::RememberRemote(const std::string &osRefsPath,
                                     const RemoteValidators &oValidators,
                                     std::shared_ptr<const LoadedReferences> poRefs)
{
    Entry oEntry;
    oEntry.osRefsPath = osRefsPath;
    oEntry.oValidators = oValidators;
    oEntry.bValidated = true;
    oEntry.tRevalidate = NextRevalidation();
    oEntry.poRefs = std::move(poRefs);
    Insert(std::move(oEntry));
}

// Remote references: reused without any request for
// KERCHUNK_REFS_REVALIDATE_SECONDS, then revalidated by one HEAD, reloaded
// (one GET) only when their ETag / Last-Modified changed.
std::shared_ptr<const LoadedReferences>
ReferencesCache::LoadRemote(const std::string &osRefsPath, std::string &osError)
{
    const auto tNow = std::chrono::steady_clock::now();
    std::shared_ptr<const LoadedReferences> poCached;
    RemoteValidators oCachedValidators;
    {
        std::lock_guard<std::mutex> oLock(m_oMutex);
        if (Entry *poEntry = FindEntry(osRefsPath))
        {
            poEntry->nLastUse = ++m_nUseCounter;
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
        std::lock_guard<std::mutex> oLock(m_oMutex);
        if (Entry *poEntry = FindEntry(osRefsPath))
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
    std::string osText, osFetchError;
    if (!FetchRemoteFile(osRefsPath, oValidators->nSize, nMaxSize, osText, osFetchError))
    {
        // Seen on /vsis3/ right after the object was replaced: the HEAD and
        // the GET disagree on the size. GDAL's ordinary read still works.
        CPLDebug("KERCHUNK", "%s; reading it as a file", osFetchError.c_str());
        return LoadByStat(osRefsPath, osError);
    }
    auto poRefs = ParseReferencesText(osRefsPath, osText, osError);
    if (!poRefs)
        return nullptr;
    RememberRemote(osRefsPath, *oValidators, poRefs);
    return poRefs;
}

bool ReferencesCache::IsJsonReferences(const std::string &osPath)
{
    if (!IsFetchableRemotePath(osPath) || osPath.find(VSIKERCHUNK_PREFIX) != std::string::npos)
        return FirstBytesLookLikeJson(osPath);
    {
        std::lock_guard<std::mutex> oLock(m_oMutex);
        const Entry *poEntry = FindEntry(osPath);
        if (poEntry != nullptr && poEntry->bValidated &&
            std::chrono::steady_clock::now() < poEntry->tRevalidate)
            return true;
    }
    const auto oValidators = FetchRemoteValidators(osPath);
    if (oValidators)
    {
        // Loaded before and unchanged: references, and still valid.
        std::lock_guard<std::mutex> oLock(m_oMutex);
        Entry *poEntry = FindEntry(osPath);
        if (poEntry != nullptr && poEntry->bValidated &&
            oValidators->SameVersionAs(poEntry->oValidators))
        {
            poEntry->tRevalidate = NextRevalidation();
            return true;
        }
    }
    std::string osText, osError;
    const uint64_t nMaxSize = std::min(SMALL_REMOTE_FILE, GetMaxRefsFileSize(osPath, osError));
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
    // Invalid references are reported by Load, which reads again.
    if (auto poRefs = ParseReferencesText(osPath, osText, osError))
        RememberRemote(osPath, *oValidators, std::move(poRefs));
    return true;
}

// Local (and wrapped) references: reused while their size and modification
// time are unchanged.
std::shared_ptr<const LoadedReferences>
ReferencesCache::LoadByStat(const std::string &osRefsPath, std::string &osError)
{
    VSIStatBufL sStat;
    bool bStatOK = VSIStatL(osRefsPath.c_str(), &sStat) == 0;
    // Parquet references are a folder: their .zmetadata says when they change.
    const bool bParquet =
        (!bStatOK || VSI_ISDIR(sStat.st_mode)) && IsParquetReferences(osRefsPath);
    if (bParquet)
        bStatOK = VSIStatL((osRefsPath + "/" + PARQUET_METADATA_KEY).c_str(), &sStat) == 0;
    if (auto poRefs = FindFresh(osRefsPath, bStatOK, sStat))
        return poRefs;
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
    auto poRefs = bParquet ? ReadParquetReferences(osRefsPath, osError)
                           : ReadReferencesFile(osRefsPath, osError);
    if (!poRefs)
        return nullptr;
    Entry oEntry;
    oEntry.osRefsPath = osRefsPath;
    oEntry.nSize = sStat.st_size;
    oEntry.nMTime = sStat.st_mtime;
    oEntry.poRefs = poRefs;
    Insert(std::move(oEntry));
    return poRefs;
}

}  // namespace kerchunk
