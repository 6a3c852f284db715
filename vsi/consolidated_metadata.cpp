#include "consolidated_metadata.h"

#include "codecs.h"
#include "json_nesting.h"

#include "cpl_error.h"
#include "cpl_json.h"

#include <nlohmann/json.hpp>

#include <cstring>
#include <utility>
#include <vector>

namespace kerchunk
{

namespace
{

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
    std::string osNestingError;
    if (!CheckJsonNesting(osZarray, osNestingError))
        return osZarray;
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

// Bytes of one element of a numpy dtype string ("<f8", "|u1", "<U10" = 40,
// "<M8[ns]" = 8); 0 for anything else (structured types, objects).
uint64_t DTypeItemSize(const nlohmann::json &oDType)
{
    if (!oDType.is_string())
        return 0;
    std::string osDType = oDType.get<std::string>();
    if (!osDType.empty() && strchr("<>|=", osDType[0]))
        osDType.erase(0, 1);
    const size_t nBracket = osDType.find('[');
    if (nBracket != std::string::npos)
        osDType.resize(nBracket);
    if (osDType.size() < 2 || osDType.size() > 12 || !strchr("biufcmMSUV", osDType[0]))
        return 0;
    uint64_t nSize = 0;
    for (size_t i = 1; i < osDType.size(); ++i)
    {
        if (osDType[i] < '0' || osDType[i] > '9')
            return 0;
        nSize = nSize * 10 + static_cast<uint64_t>(osDType[i] - '0');
    }
    return osDType[0] == 'U' ? nSize * 4 : nSize;
}

// The byte size of every chunk of an array without codecs, 0 when the array
// has a codec or the size cannot be known.
uint64_t RawChunkSize(const nlohmann::json &oZarray)
{
    const auto IsNullOrAbsent = [&oZarray](const char *pszKey)
    {
        const auto oIter = oZarray.find(pszKey);
        return oIter == oZarray.end() || oIter->is_null() ||
               (oIter->is_array() && oIter->empty());
    };
    if (!IsNullOrAbsent("compressor") || !IsNullOrAbsent("filters") ||
        !oZarray.contains("chunks") || !oZarray["chunks"].is_array() ||
        !oZarray.contains("dtype"))
        return 0;
    uint64_t nSize = DTypeItemSize(oZarray["dtype"]);
    for (const auto &oChunk : oZarray["chunks"])
    {
        if (!oChunk.is_number_unsigned() ||
            __builtin_mul_overflow(nSize, oChunk.get<uint64_t>(), &nSize))
            return 0;
    }
    return nSize;
}

void NoteRawChunkSize(LoadedReferences &oRefs, const std::string &osZarrayKey,
                      const std::string &osZarray)
{
    std::string osError;
    if (!CheckJsonNesting(osZarray, osError))
        return;
    const auto oDoc = nlohmann::json::parse(osZarray, nullptr, false);
    const uint64_t nSize = oDoc.is_object() ? RawChunkSize(oDoc) : 0;
    if (nSize != 0)
        oRefs.oRawChunkSizes[osZarrayKey.substr(
            0, osZarrayKey.size() - strlen(".zarray"))] = nSize;
}

// Makes every metadata document (.zgroup, .zarray, .zattrs) inline, adapted
// for GDAL 3.6, and builds Zarr's consolidated metadata from them:
// {"zarr_consolidated_format": 1, "metadata": {"<key>": <document>}}.
// Documents that are not JSON objects are left out (the driver reports them
// by name). A .zmetadata of the references only contributes documents they
// do not otherwise have.
}  // namespace

void PrepareMetadata(LoadedReferences &oRefs)
{
    if (oRefs.oSet.Find(".zmetadata") != nullptr)
    {
        std::string osBytes, osError;
        if (ReadKey(oRefs, ".zmetadata", osBytes, osError) &&
            CheckJsonNesting(osBytes, osError))
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
    }

    std::vector<std::pair<std::string, std::string>> aoDocuments;
    std::vector<std::string> aosMetadataKeys;
    oRefs.oSet.ForEach(ReferenceSet::Keys::NotChunks,
                       [&](const std::string &osKey, const Reference &)
                       {
                           if (IsMetadataKey(osKey))
                               aosMetadataKeys.push_back(osKey);
                           return true;
                       });
    for (const std::string &osKey : aosMetadataKeys)
    {
        std::string osBytes, osError;
        if (!ReadKey(oRefs, osKey, osBytes, osError))
        {
            CPLDebug("KERCHUNK", "%s", osError.c_str());
            continue;
        }
        if (osKey.size() >= 7 &&
            osKey.compare(osKey.size() - 7, 7, ".zarray") == 0)
        {
            NoteRawChunkSize(oRefs, osKey, osBytes);
            osBytes = AdaptZarray(osBytes);
        }
        aoDocuments.emplace_back(osKey, std::move(osBytes));
    }

    nlohmann::json oMetadata = nlohmann::json::object();
    for (auto &oDocument : aoDocuments)
    {
        std::string osError;
        if (!CheckJsonNesting(oDocument.second, osError))
        {
            // Left out: GDAL then reports the array or group by name.
            CPLError(CE_Warning, CPLE_AppDefined, "%s: key '%s': %s",
                     oRefs.osRefsPath.c_str(), oDocument.first.c_str(),
                     osError.c_str());
            oRefs.oSet.AddInline(oDocument.first, std::move(oDocument.second));
            continue;
        }
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

}  // namespace kerchunk
