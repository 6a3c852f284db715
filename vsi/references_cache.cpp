#include "references_cache.h"
#include "config_options.h"
#include "error.h"
#include "parquet_references.h"

#include "cpl_error.h"

#include <algorithm>
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

}  // namespace

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
