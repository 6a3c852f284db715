#include "consolidated_metadata.h"

#include "codecs.h"

#include "cpl_error.h"
#include "cpl_json.h"

#include <nlohmann/json.hpp>

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
}  // namespace

void PrepareMetadata(LoadedReferences &oRefs)
{
    if (oRefs.oSet.Find(".zmetadata") != nullptr)
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

}  // namespace kerchunk
