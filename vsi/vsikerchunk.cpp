// The /vsikerchunk/ filesystem handler (path grammar in vsikerchunk.h).
// Overrides only what a read-only store needs: Open, Stat, ReadDirEx,
// GetFileMetadata and GetOptions.
#include "vsikerchunk.h"
#include "chunk_prefetch.h"
#include "config_options.h"
#include "error.h"
#include "gdal_paths.h"
#include "gdal_vsi_compat.h"
#include "references_cache.h"
#include "target_open.h"
#include "vsi_handles.h"

#include "cpl_conv.h"
#include "cpl_string.h"
#include "cpl_vsi_virtual.h"

#include <mutex>

namespace kerchunk
{

namespace
{

constexpr const char *ZMETADATA_KEY = ".zmetadata";


bool CheckChunkSize(const Reference &oRef, const std::string &osDescription,
                    std::string &osError)
{
    try
    {
        const uint64_t nMax = GetIntegerOption("KERCHUNK_MAX_CHUNK_SIZE");
        if (oRef.nSize <= nMax)
            return true;
        osError = CPLSPrintf("%s: size %llu exceeds KERCHUNK_MAX_CHUNK_SIZE (%llu bytes)",
                             osDescription.c_str(),
                             static_cast<unsigned long long>(oRef.nSize),
                             static_cast<unsigned long long>(nMax));
    }
    catch (const Error &e)
    {
        osError = osDescription + ": " + e.what();
    }
    return false;
}

// What a /vsikerchunk/ path designates, once its references are loaded.
struct ResolvedPath
{
    std::shared_ptr<const LoadedReferences> poRefs{};
    std::string osKey{};
};

bool ResolvePath(ReferencesCache &oCache, const char *pszFilename, ResolvedPath &oPath,
                 std::string &osError)
{
    std::string osRefsPath;
    if (!SplitVSIKerchunkPath(pszFilename, osRefsPath, oPath.osKey))
    {
        osError = std::string("invalid ") + VSIKERCHUNK_PREFIX + " path: " +
                  pszFilename;
        return false;
    }
    oPath.poRefs = oCache.Load(osRefsPath, osError);
    return oPath.poRefs != nullptr;
}

class VSIKerchunkFilesystemHandler final : public VSIFilesystemHandler
{
  public:
    VSIOpenResult Open(const char *pszFilename, const char *pszAccess,
                       bool bSetError, CSLConstList papszOptions) override;
    int Stat(const char *pszFilename, VSIStatBufL *pStatBuf, int nFlags) override;
    char **ReadDirEx(const char *pszDirname, int nMaxFiles) override;
    char **GetFileMetadata(const char *pszFilename, const char *pszDomain,
                           CSLConstList papszOptions) override;
    const char *GetOptions() override;

    ReferencesCache &GetReferencesCache()
    {
        return m_oCache;
    }
    ChunkCache &GetChunkCache()
    {
        return m_oChunkCache;
    }

  private:
    // Open of a key that has a reference to a range or a whole file.
    VSIOpenResult OpenTarget(const LoadedReferences &oRefs, const std::string &osKey,
                             const Reference &oRef);

    ReferencesCache m_oCache{};
    const std::string m_osOptionsXml = GetConfigOptionsXml();
    // Chunks fetched ahead by batch reads (chunk_prefetch.h), for the life
    // of the handler, which is the life of the process.
    ChunkCache m_oChunkCache{};
};

VSIOpenResult VSIKerchunkFilesystemHandler::Open(const char *pszFilename,
                                                  const char *pszAccess, bool bSetError,
                                                  CSLConstList)
{
    if (strchr(pszAccess, 'w') || strchr(pszAccess, '+') || strchr(pszAccess, 'a'))
    {
        CPLError(CE_Failure, CPLE_NotSupported,
                 "%s is read-only: cannot open %s in mode '%s'",
                 VSIKERCHUNK_PREFIX, pszFilename, pszAccess);
        return nullptr;
    }
    ResolvedPath oPath;
    std::string osError;
    std::string osRefsPath;
    if (!SplitVSIKerchunkPath(pszFilename, osRefsPath, oPath.osKey))
    {
        if (bSetError)
            CPLError(CE_Failure, CPLE_OpenFailed, "invalid %s path: %s",
                     VSIKERCHUNK_PREFIX, pszFilename);
        errno = ENOENT;
        return nullptr;
    }
    oPath.poRefs = m_oCache.Load(osRefsPath, osError);
    if (!oPath.poRefs)
    {
        // Not "missing": the Zarr driver would read fill values.
        CPLError(CE_Failure, CPLE_OpenFailed, "%s", osError.c_str());
        return MakeVSIHandle<FailingHandle>(osError, 0);
    }
    const LoadedReferences &oRefs = *oPath.poRefs;
    if (oPath.osKey == ZMETADATA_KEY)
        return MakeVSIHandle<InlineHandle>(oRefs.osZMetadata);

    const auto poRef = FindReference(oRefs, oPath.osKey, osError);
    if (poRef == nullptr && !osError.empty())
    {
        CPLError(CE_Failure, CPLE_OpenFailed, "%s", osError.c_str());
        return MakeVSIHandle<FailingHandle>(osError, 0);
    }
    if (poRef == nullptr)
    {
        // Missing chunk = fill value for the Zarr driver: no message.
        errno = ENOENT;
        return nullptr;
    }
    if (poRef->IsInline())
        return MakeVSIHandle<InlineHandle>(std::string(poRef->osInline));
    return OpenTarget(oRefs, oPath.osKey, *poRef);
}

// From here on the key exists: failures are errors, never "missing".
VSIOpenResult VSIKerchunkFilesystemHandler::OpenTarget(const LoadedReferences &oRefs,
                                                        const std::string &osKey,
                                                        const Reference &oRef)
{
    const std::string osDescription = oRefs.osRefsPath + ": key '" + osKey + "'";
    const vsi_l_offset nDeclaredSize = oRef.bWholeFile ? 0 : oRef.nSize;
    std::string osTarget;
    std::string osError;
    if (!ResolveTarget(oRefs, osKey, oRef, osTarget, osError))
    {
        CPLError(CE_Failure, CPLE_OpenFailed, "%s", osError.c_str());
        return MakeVSIHandle<FailingHandle>(osError, nDeclaredSize);
    }
    // GDAL reads a whole compressed chunk into memory: refuse absurd sizes
    // before allocating (a corrupt or hostile reference).
    if (!oRef.bWholeFile && !CheckChunkSize(oRef, osDescription, osError))
    {
        CPLError(CE_Failure, CPLE_AppDefined, "%s", osError.c_str());
        return MakeVSIHandle<FailingHandle>(osError, 0);
    }
    if (!oRef.bWholeFile && !CheckRawChunkLength(oRefs, osKey, oRef.nSize, osError))
    {
        CPLError(CE_Failure, CPLE_AppDefined, "%s", osError.c_str());
        return MakeVSIHandle<FailingHandle>(osError, nDeclaredSize);
    }
    if (!oRef.bWholeFile)
    {
        if (auto poBytes =
                m_oChunkCache.Get(ChunkCache::MakeKey(osTarget, oRef.nOffset, oRef.nSize)))
            return MakeVSIHandle<InlineHandle>(std::move(poBytes));
    }
    // VSILFILE is GDAL's opaque name for a VSIVirtualHandle.
    auto poTarget = std::unique_ptr<VSIVirtualHandle>(reinterpret_cast<VSIVirtualHandle *>(
        OpenTargetForRangeReads(osTarget, true)));
    if (!poTarget)
    {
        osError = osDescription + ": cannot open target " + osTarget + ": " +
                  VSIGetLastErrorMsg();
        CPLError(CE_Failure, CPLE_OpenFailed, "%s", osError.c_str());
        return MakeVSIHandle<FailingHandle>(osError, nDeclaredSize);
    }
    if (oRef.bWholeFile)
        return ReleaseVSIHandle(std::move(poTarget));
    // A remote chunk read whole is kept like a prefetched one, so a reopen
    // or another dataset on these references reads it from memory: the read
    // was exact, GDAL's /vsicurl/ block cache does not hold it.
    RangeHandle::WholeWindowSink oKeep;
    if (IsNetworkGDALPath(osTarget))
    {
        ChunkCache *poCache = &m_oChunkCache;
        const uint64_t nCapacity = GetChunkCacheCapacity();
        oKeep = [poCache, nCapacity,
                 osKey = ChunkCache::MakeKey(osTarget, oRef.nOffset, oRef.nSize)](
                    const void *pData, size_t nSize)
        {
            if (nSize <= nCapacity)
                poCache->Put(osKey, std::make_shared<const ChunkBytes>(pData, nSize),
                             nCapacity);
        };
    }
    return MakeVSIHandle<RangeHandle>(std::move(poTarget), osTarget, oRef.nOffset,
                                      oRef.nSize, osDescription + " (" + osTarget + ")",
                                      std::move(oKeep));
}

int VSIKerchunkFilesystemHandler::Stat(const char *pszFilename,
                                       VSIStatBufL *pStatBuf, int nFlags)
{
    memset(pStatBuf, 0, sizeof(VSIStatBufL));
    ResolvedPath oPath;
    std::string osError;
    if (!ResolvePath(m_oCache, pszFilename, oPath, osError))
    {
        if (nFlags & VSI_STAT_SET_ERROR_FLAG)
            CPLError(CE_Failure, CPLE_OpenFailed, "%s", osError.c_str());
        errno = ENOENT;
        return -1;
    }
    const LoadedReferences &oRefs = *oPath.poRefs;
    if (oPath.osKey == ZMETADATA_KEY)
    {
        pStatBuf->st_mode = S_IFREG;
        pStatBuf->st_size = oRefs.osZMetadata.size();
        return 0;
    }
    const auto poRef = FindReference(oRefs, oPath.osKey, osError);
    if (poRef == nullptr && !osError.empty())
    {
        if (nFlags & VSI_STAT_SET_ERROR_FLAG)
            CPLError(CE_Failure, CPLE_OpenFailed, "%s", osError.c_str());
        errno = ENOENT;
        return -1;
    }
    if (poRef)
    {
        pStatBuf->st_mode = S_IFREG;
        if (poRef->IsInline())
            pStatBuf->st_size = poRef->osInline.size();
        else if (!poRef->bWholeFile)
            pStatBuf->st_size = poRef->nSize;
        else
        {
            std::string osTarget;
            VSIStatBufL sTargetStat;
            if (!ResolveTarget(oRefs, oPath.osKey, *poRef, osTarget, osError) ||
                VSIStatExL(osTarget.c_str(), &sTargetStat, nFlags) != 0)
            {
                errno = ENOENT;
                return -1;
            }
            pStatBuf->st_size = sTargetStat.st_size;
        }
        return 0;
    }
    if (oRefs.oSet.IsDirectory(oPath.osKey))
    {
        pStatBuf->st_mode = S_IFDIR;
        return 0;
    }
    errno = ENOENT;
    return -1;
}

char **VSIKerchunkFilesystemHandler::ReadDirEx(const char *pszDirname, int nMaxFiles)
{
    ResolvedPath oPath;
    std::string osError;
    if (!ResolvePath(m_oCache, pszDirname, oPath, osError) ||
        !oPath.poRefs->oSet.IsDirectory(oPath.osKey))
        return nullptr;
    CPLStringList aosNames;
    if (oPath.osKey.empty() && !oPath.poRefs->oSet.Find(ZMETADATA_KEY))
        aosNames.AddString(ZMETADATA_KEY);
    for (const auto &osName : oPath.poRefs->oSet.ListDirectory(oPath.osKey, nMaxFiles))
        aosNames.AddString(osName.c_str());
    return aosNames.StealList();
}

char **VSIKerchunkFilesystemHandler::GetFileMetadata(const char *pszFilename,
                                                     const char *pszDomain,
                                                     CSLConstList)
{
    if (pszDomain == nullptr || !EQUAL(pszDomain, "KERCHUNK"))
        return nullptr;
    ResolvedPath oPath;
    std::string osError;
    if (!ResolvePath(m_oCache, pszFilename, oPath, osError))
        return nullptr;
    const auto poRef = FindReference(*oPath.poRefs, oPath.osKey, osError);
    if (poRef == nullptr)
        return nullptr;
    CPLStringList aosMD;
    if (poRef->IsInline())
    {
        aosMD.SetNameValue("TYPE", "inline");
        aosMD.SetNameValue("SIZE", CPLSPrintf("%llu", static_cast<unsigned long long>(
                                                          poRef->osInline.size())));
        return aosMD.StealList();
    }
    aosMD.SetNameValue("TYPE", poRef->bWholeFile ? "file" : "range");
    aosMD.SetNameValue("URL", poRef->posPath->c_str());
    std::string osTarget;
    if (ResolveTarget(*oPath.poRefs, oPath.osKey, *poRef, osTarget, osError))
        aosMD.SetNameValue("TARGET", osTarget.c_str());
    if (!poRef->bWholeFile)
    {
        aosMD.SetNameValue("OFFSET", CPLSPrintf("%llu", static_cast<unsigned long long>(
                                                            poRef->nOffset)));
        aosMD.SetNameValue("SIZE", CPLSPrintf("%llu", static_cast<unsigned long long>(
                                                          poRef->nSize)));
    }
    return aosMD.StealList();
}

const char *VSIKerchunkFilesystemHandler::GetOptions()
{
    return m_osOptionsXml.c_str();
}

}  // namespace

std::string MakeVSIKerchunkPath(const std::string &osRefsPath, const std::string &osKey)
{
    std::string osPath = std::string(VSIKERCHUNK_PREFIX) + "{" + osRefsPath + "}";
    if (!osKey.empty())
        osPath += "/" + osKey;
    return osPath;
}

bool SplitVSIKerchunkPath(const std::string &osPath, std::string &osRefsPath,
                          std::string &osKey)
{
    const size_t nPrefixLen = strlen(VSIKERCHUNK_PREFIX);
    // "/vsikerchunk" without the slash designates nothing.
    if (osPath.compare(0, nPrefixLen, VSIKERCHUNK_PREFIX) != 0)
        return false;
    const std::string osRest = osPath.substr(nPrefixLen);
    size_t nRefsEnd = std::string::npos;  // index just past the refs path
    size_t nKeyStart = std::string::npos;
    if (!osRest.empty() && osRest[0] == '{')
    {
        // The matching '}' closes the references path (balanced braces
        // inside it are kept); it must be followed by '/' or the end.
        int nDepth = 0;
        for (size_t nPos = 0; nPos < osRest.size(); ++nPos)
        {
            if (osRest[nPos] == '{')
                ++nDepth;
            else if (osRest[nPos] == '}' && --nDepth == 0)
            {
                if (nPos + 1 == osRest.size() || osRest[nPos + 1] == '/')
                {
                    osRefsPath = osRest.substr(1, nPos - 1);
                    nRefsEnd = nPos + 1;
                }
                break;
            }
        }
        if (nRefsEnd == std::string::npos)
            return false;
        nKeyStart = nRefsEnd;
    }
    else
    {
        // Without braces, the references path ends with the first ".json"
        // component.
        for (size_t nPos = osRest.find(".json"); nPos != std::string::npos;
             nPos = osRest.find(".json", nPos + 1))
        {
            const size_t nEnd = nPos + strlen(".json");
            if (nEnd == osRest.size() || osRest[nEnd] == '/')
            {
                nRefsEnd = nEnd;
                break;
            }
        }
        if (nRefsEnd == std::string::npos)
            nRefsEnd = osRest.size();
        osRefsPath = osRest.substr(0, nRefsEnd);
        nKeyStart = nRefsEnd;
    }
    if (osRefsPath.empty())
        return false;
    osKey = nKeyStart < osRest.size() ? osRest.substr(nKeyStart) : std::string();
    // Normalize "/a/b/" to "a/b".
    while (!osKey.empty() && osKey[0] == '/')
        osKey.erase(0, 1);
    while (!osKey.empty() && osKey.back() == '/')
        osKey.pop_back();
    return true;
}

std::shared_ptr<const LoadedReferences> LoadReferences(const std::string &osRefsPath,
                                                       std::string &osError)
{
    InstallVSIKerchunkHandler();
    auto *poHandler = dynamic_cast<VSIKerchunkFilesystemHandler *>(
        VSIFileManager::GetHandler(VSIKERCHUNK_PREFIX));
    if (poHandler == nullptr)
    {
        osError = std::string("another handler is installed for ") + VSIKERCHUNK_PREFIX;
        return nullptr;
    }
    return poHandler->GetReferencesCache().Load(osRefsPath, osError);
}

bool IsJsonReferencesFile(const std::string &osPath)
{
    InstallVSIKerchunkHandler();
    auto *poHandler = dynamic_cast<VSIKerchunkFilesystemHandler *>(
        VSIFileManager::GetHandler(VSIKERCHUNK_PREFIX));
    if (poHandler == nullptr)
        return false;
    return poHandler->GetReferencesCache().IsJsonReferences(osPath);
}

void InstallVSIKerchunkHandler()
{
    // The one process-wide state left in vsi/: GDAL's handler registry is
    // itself process-wide, and a handler is installed once.
    static std::once_flag oOnce;
    std::call_once(oOnce,
                   [] { InstallVSIHandler<VSIKerchunkFilesystemHandler>(VSIKERCHUNK_PREFIX); });
}

ChunkCache &GetChunkCache()
{
    InstallVSIKerchunkHandler();
    auto *poHandler = dynamic_cast<VSIKerchunkFilesystemHandler *>(
        VSIFileManager::GetHandler(VSIKERCHUNK_PREFIX));
    if (poHandler == nullptr)
        throw Error(std::string(VSIKERCHUNK_PREFIX) +
                    " is handled by another handler than this plugin's");
    return poHandler->GetChunkCache();
}

}  // namespace kerchunk
