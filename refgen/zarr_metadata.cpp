#include "zarr_metadata.h"
#include "error.h"

#include <cmath>

namespace kerchunk
{

std::string ZarrDtype(ZarrKind eKind, size_t nSize, bool bBigEndian)
{
    // Single bytes have no byte order: zarr writes "|".
    const char chOrder = nSize == 1 || eKind == ZarrKind::Bytes
                             ? '|'
                             : (bBigEndian ? '>' : '<');
    char chKind = 'u';
    switch (eKind)
    {
        case ZarrKind::Bool:
            chKind = 'b';
            break;
        case ZarrKind::SignedInt:
            chKind = 'i';
            break;
        case ZarrKind::UnsignedInt:
            chKind = 'u';
            break;
        case ZarrKind::Float:
            chKind = 'f';
            break;
        case ZarrKind::Bytes:
            chKind = 'S';
            break;
    }
    return std::string(1, chOrder) + chKind + std::to_string(nSize);
}

nlohmann::json MakeZarray(const ZarrArrayMetadata &oMeta)
{
    if (oMeta.anShape.size() != oMeta.anChunks.size())
        throw Error("internal error: shape and chunks differ in rank");
    nlohmann::json oDoc;
    oDoc["chunks"] = oMeta.anChunks;
    oDoc["compressor"] = oMeta.oCompressor;
    oDoc["dtype"] = oMeta.oStructuredDtype.is_null()
                        ? nlohmann::json(oMeta.osDtype)
                        : oMeta.oStructuredDtype;
    oDoc["fill_value"] = oMeta.oFillValue;
    oDoc["filters"] = oMeta.oFilters;
    oDoc["order"] = "C";
    oDoc["shape"] = oMeta.anShape;
    oDoc["zarr_format"] = 2;
    return oDoc;
}

nlohmann::json EncodeFloat(double dfValue)
{
    if (std::isnan(dfValue))
        return "NaN";
    if (std::isinf(dfValue))
        return dfValue > 0 ? "Infinity" : "-Infinity";
    return dfValue;
}

nlohmann::json EncodeAttributeValue(const nlohmann::json &oValue)
{
    if (oValue.is_number_float())
        return EncodeFloat(oValue.get<double>());
    if (oValue.is_array() || oValue.is_object())
    {
        nlohmann::json oCopy = oValue;
        for (auto &oItem : oCopy)
            oItem = EncodeAttributeValue(oItem);
        return oCopy;
    }
    return oValue;
}

static std::string Join(const std::string &osPath, const char *pszName)
{
    return osPath.empty() ? std::string(pszName) : osPath + "/" + pszName;
}

void WriteGroup(ReferenceWriter &oWriter, const std::string &osPath,
                const nlohmann::json &oAttributes)
{
    oWriter.AddJson(Join(osPath, ".zgroup"), {{"zarr_format", 2}});
    if (!oAttributes.empty())
        oWriter.AddJson(Join(osPath, ".zattrs"),
                        EncodeAttributeValue(oAttributes));
}

void WriteArrayMetadata(ReferenceWriter &oWriter, const std::string &osPath,
                        const ZarrArrayMetadata &oMeta,
                        const std::vector<std::string> &aosDimensions,
                        nlohmann::json oAttributes)
{
    oWriter.AddJson(Join(osPath, ".zarray"), MakeZarray(oMeta));
    oAttributes = EncodeAttributeValue(oAttributes);
    oAttributes["_ARRAY_DIMENSIONS"] = aosDimensions;
    oWriter.AddJson(Join(osPath, ".zattrs"), oAttributes);
}

std::string ChunkKey(const std::string &osArrayPath,
                     const std::vector<uint64_t> &anChunkIndex)
{
    std::string osKey = osArrayPath.empty() ? std::string() : osArrayPath + "/";
    if (anChunkIndex.empty())
        return osKey + "0";
    for (size_t i = 0; i < anChunkIndex.size(); ++i)
    {
        if (i)
            osKey += '.';
        osKey += std::to_string(anChunkIndex[i]);
    }
    return osKey;
}

}  // namespace kerchunk
