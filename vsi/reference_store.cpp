// Loading, caching and invalidating parsed references (LoadReferences), and
// what depends only on them: target resolution and the synthesized
// consolidated metadata.
#include "kerchunk_json_parser.h"
#include "url_mapping.h"
#include "vsikerchunk.h"

#include "codecs.h"

#include "cpl_conv.h"
#include "cpl_json.h"
#include "cpl_error.h"
#include "cpl_vsi.h"

#include <nlohmann/json.hpp>

#include <algorithm>
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
};

std::mutex goCacheMutex;
std::vector<CacheEntry> gaoCache;
uint64_t gnUseCounter = 0;

size_t GetCacheCapacity()
{
    return static_cast<size_t>(std::max(
        1, atoi(CPLGetConfigOption("KERCHUNK_REFS_CACHE_SIZE", "16"))));
}

bool IsMetadataKey(const std::string &osKey)
{
    const size_t nSlash = osKey.rfind('/');
    const std::string osName =
        nSlash == std::string::npos ? osKey : osKey.substr(nSlash + 1);
    return osName == ".zarray" || osName == ".zgroup" || osName == ".zattrs";
}

// GDAL's own compression codecs: the decoding stage needs no options.
bool IsGDALCompressionCodec(const std::string &osId)
{
    for (const char *pszId : {"zlib", "gzip", "zstd", "lz4", "lzma", "blosc"})
    {
        if (osId == pszId)
            return true;
    }
    return false;
}

// Rewrites a .zarray so that GDAL 3.6's Zarr driver decodes it as numcodecs
// would. With "compressor": null, GDAL reads at most the decoded tile size
// from the chunk, which truncates chunks whose first decoding stage expands
// them (kerchunk writes HDF5 deflate as filters=[zlib], GRIB as
// filters=[grib]); moving that last filter to the compressor position keeps
// the decoding order (compressor, then filters in reverse). Codecs of ours
// that need options there get a variant id (codecs.h).
std::string AdaptZarray(const std::string &osZarray)
{
    auto oDoc = nlohmann::json::parse(osZarray, nullptr, false);
    if (!oDoc.is_object())
        return osZarray;
    bool bChanged = false;
    auto oFilters = oDoc.find("filters");
    auto oCompressor = oDoc.find("compressor");
    if ((oCompressor == oDoc.end() || oCompressor->is_null()) &&
        oFilters != oDoc.end() && oFilters->is_array() && !oFilters->empty() &&
        oFilters->back().is_object() && oFilters->back().contains("id") &&
        oFilters->back()["id"].is_string() &&
        IsGDALCompressionCodec(oFilters->back()["id"].get<std::string>()))
    {
        oDoc["compressor"] = oFilters->back();
        oFilters->erase(oFilters->size() - 1);
        if (oFilters->empty())
            *oFilters = nullptr;
        bChanged = true;
    }
    CPLJSONDocument oCPLDoc;
    if (!oCPLDoc.LoadMemory(oDoc.dump()))
        return osZarray;
    CPLJSONObject oRoot = oCPLDoc.GetRoot();
    bChanged |= AdaptZarrayForGDAL36(oRoot);
    return bChanged ? oRoot.Format(CPLJSONObject::PrettyFormat::Plain) : osZarray;
}

// Makes every metadata document (.zgroup, .zarray, .zattrs) inline, adapted
// for GDAL 3.6, and builds Zarr's consolidated metadata from them:
// {"zarr_consolidated_format": 1, "metadata": {"<key>": <document>}}.
// Documents that are not JSON objects are left out (the driver reports them
// by name). A .zmetadata of the references only contributes documents they
// do not otherwise have.
void PrepareMetadata(LoadedReferences &oRefs)
{
    if (const Reference *poOwn = oRefs.oSet.Find(".zmetadata"))
    {
        std::string osBytes, osError;
        if (ReadKey(oRefs, ".zmetadata", osBytes, osError))
        {
            const auto oDoc = nlohmann::json::parse(osBytes, nullptr, false);
            if (oDoc.is_object() && oDoc.contains("metadata") && oDoc["metadata"].is_object())
            {
                for (const auto &oItem : oDoc["metadata"].items())
                {
                    if (oRefs.oSet.Find(oItem.key()) == nullptr)
                        oRefs.oSet.AddInline(oItem.key(), oItem.value().dump());
                }
            }
        }
        (void)poOwn;
    }

    std::vector<std::pair<std::string, std::string>> aoDocuments;
    for (const auto &oItem : oRefs.oSet.GetAll())
    {
        if (!IsMetadataKey(oItem.first))
            continue;
        std::string osBytes, osError;
        if (!ReadKey(oRefs, oItem.first, osBytes, osError))
        {
            CPLDebug("KERCHUNK", "%s", osError.c_str());
            continue;
        }
        if (oItem.first.size() >= 7 &&
            oItem.first.compare(oItem.first.size() - 7, 7, ".zarray") == 0)
            osBytes = AdaptZarray(osBytes);
        aoDocuments.emplace_back(oItem.first, std::move(osBytes));
    }

    nlohmann::json oMetadata = nlohmann::json::object();
    for (auto &oDocument : aoDocuments)
    {
        auto oDoc = nlohmann::json::parse(oDocument.second, nullptr, false);
        if (oDoc.is_object())
            oMetadata[oDocument.first] = std::move(oDoc);
        else
            CPLDebug("KERCHUNK", "%s: key '%s' is not a JSON object",
                     oRefs.osRefsPath.c_str(), oDocument.first.c_str());
        oRefs.oSet.AddInline(oDocument.first, std::move(oDocument.second));
    }
    nlohmann::json oDoc;
    oDoc["zarr_consolidated_format"] = 1;
    oDoc["metadata"] = std::move(oMetadata);
    // NaN fill values arrive as strings ("NaN"); dump() never writes NaN.
    oRefs.osZMetadata = oDoc.dump();
}

std::shared_ptr<const LoadedReferences> Parse(const std::string &osRefsPath,
                                              std::string &osError)
{
    if (osRefsPath.find(VSIKERCHUNK_PREFIX) != std::string::npos)
    {
        osError = osRefsPath + ": references inside " +
                  std::string(VSIKERCHUNK_PREFIX) + " are refused (recursion)";
        return nullptr;
    }
    const GIntBig nMaxSize = CPLAtoGIntBig(
        CPLGetConfigOption("KERCHUNK_MAX_REFS_FILE_SIZE", "2147483648"));
    GByte *pabyData = nullptr;
    vsi_l_offset nDataSize = 0;
    // A failed read is reported below, once, with GDAL's reason appended.
    CPLErrorHandlerPusher oQuiet(CPLQuietErrorHandler);
    CPLErrorReset();
    if (!VSIIngestFile(nullptr, osRefsPath.c_str(), &pabyData, &nDataSize, nMaxSize))
    {
        osError = "cannot read kerchunk references " + osRefsPath;
        const char *pszDetail = CPLGetLastErrorMsg();
        if (pszDetail && *pszDetail)
            osError += std::string(": ") + pszDetail;
        return nullptr;
    }
    std::string osText(reinterpret_cast<const char *>(pabyData),
                       static_cast<size_t>(nDataSize));
    VSIFree(pabyData);

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

}  // namespace

std::shared_ptr<const LoadedReferences>
LoadReferences(const std::string &osRefsPath, std::string &osError)
{
    VSIStatBufL sStat;
    const bool bStatOK = VSIStatL(osRefsPath.c_str(), &sStat) == 0;
    {
        std::lock_guard<std::mutex> oLock(goCacheMutex);
        for (auto &oEntry : gaoCache)
        {
            if (oEntry.osRefsPath != osRefsPath)
                continue;
            // A file that cannot be checked right now (a server hiccup)
            // keeps its parsed references: reads then fail on their own.
            if (!bStatOK ||
                (oEntry.nSize == static_cast<vsi_l_offset>(sStat.st_size) &&
                 oEntry.nMTime == sStat.st_mtime))
            {
                oEntry.nLastUse = ++gnUseCounter;
                return oEntry.poRefs;
            }
            break;  // changed: reload below
        }
    }
    if (!bStatOK || VSI_ISDIR(sStat.st_mode))
    {
        osError = "kerchunk references " + osRefsPath + " not found";
        return nullptr;
    }

    // Parse outside the lock: another thread may parse the same file at the
    // same time, which only costs duplicate work.
    auto poRefs = Parse(osRefsPath, osError);
    if (!poRefs)
        return nullptr;

    std::lock_guard<std::mutex> oLock(goCacheMutex);
    gaoCache.erase(std::remove_if(gaoCache.begin(), gaoCache.end(),
                                  [&](const CacheEntry &oEntry)
                                  { return oEntry.osRefsPath == osRefsPath; }),
                   gaoCache.end());
    while (gaoCache.size() >= GetCacheCapacity())
    {
        gaoCache.erase(std::min_element(
            gaoCache.begin(), gaoCache.end(),
            [](const CacheEntry &a, const CacheEntry &b)
            { return a.nLastUse < b.nLastUse; }));
    }
    CacheEntry oEntry;
    oEntry.osRefsPath = osRefsPath;
    oEntry.nSize = sStat.st_size;
    oEntry.nMTime = sStat.st_mtime;
    oEntry.nLastUse = ++gnUseCounter;
    oEntry.poRefs = poRefs;
    gaoCache.push_back(std::move(oEntry));
    return poRefs;
}

bool ResolveTarget(const LoadedReferences &oRefs, const std::string &osKey,
                   const Reference &oRef, std::string &osTargetPath,
                   std::string &osError)
{
    std::string osMapError;
    if (!MapUrlToGDALPath(*oRef.posPath, oRefs.osRefsPath, osTargetPath, osMapError))
    {
        osError = oRefs.osRefsPath + ": key '" + osKey + "': " + osMapError;
        return false;
    }
    return true;
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
