#include "zarray_preparation.h"

#include "codecs.h"
#include "json_nesting.h"

#include "cpl_compressor.h"
#include "cpl_error.h"

#include <cstring>

namespace kerchunk
{

namespace
{

// Bytes of one element of a numpy dtype string ("<f8", "|u1", "<U10" = 40,
// "<M8[ns]" = 8); 0 for anything else (structured types, objects).
uint64_t DTypeItemSize(const CPLJSONObject &oDType)
{
    if (oDType.GetType() != CPLJSONObject::Type::String)
        return 0;
    std::string osDType = oDType.ToString();
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

bool IsNullOrAbsentOrEmpty(const CPLJSONObject &oValue)
{
    const auto eType = oValue.GetType();
    return eType == CPLJSONObject::Type::Unknown || eType == CPLJSONObject::Type::Null ||
           (eType == CPLJSONObject::Type::Array && oValue.ToArray().Size() == 0);
}

bool IsNonNegativeInteger(const CPLJSONObject &oValue)
{
    const auto eType = oValue.GetType();
    return (eType == CPLJSONObject::Type::Integer || eType == CPLJSONObject::Type::Long) &&
           oValue.ToLong() >= 0;
}

// The byte size of every chunk of an array without codecs (read from the
// document as written, before adaptation), 0 when the array has a codec or
// the size cannot be known.
uint64_t RawChunkSize(const CPLJSONObject &oZarray)
{
    const CPLJSONObject oChunks = oZarray.GetObj("chunks");
    if (!IsNullOrAbsentOrEmpty(oZarray.GetObj("compressor")) ||
        !IsNullOrAbsentOrEmpty(oZarray.GetObj("filters")) ||
        oChunks.GetType() != CPLJSONObject::Type::Array)
        return 0;
    uint64_t nSize = DTypeItemSize(oZarray.GetObj("dtype"));
    for (const auto &oChunk : oChunks.ToArray())
    {
        if (!IsNonNegativeInteger(oChunk) ||
            __builtin_mul_overflow(nSize, static_cast<uint64_t>(oChunk.ToLong()), &nSize))
            return 0;
    }
    return nSize;
}

std::string CheckCodec(const CPLJSONObject &oCodec, const char *pszRole)
{
    if (oCodec.GetType() == CPLJSONObject::Type::Null)
        return std::string();
    if (oCodec.GetType() != CPLJSONObject::Type::Object ||
        oCodec.GetObj("id").GetType() != CPLJSONObject::Type::String)
        return std::string(pszRole) + " is not a {\"id\": ...} object";
    const std::string osId = oCodec.GetObj("id").ToString();
    if (CPLGetDecompressor(osId.c_str()) == nullptr)
        return "codec '" + osId + "' (" + pszRole + ") is not supported";
    return std::string();
}

// What GDAL 3.6's Zarr driver would refuse, or report vaguely, in the
// adapted document.
std::string FindProblem(const CPLJSONObject &oZarray)
{
    const CPLJSONObject oShape = oZarray.GetObj("shape");
    if (oShape.GetType() == CPLJSONObject::Type::Array)
    {
        for (const auto &oSize : oShape.ToArray())
        {
            if (IsNonNegativeInteger(oSize) && oSize.ToLong() == 0)
                return "zero-length dimension (shape " +
                       oShape.Format(CPLJSONObject::PrettyFormat::Plain) +
                       "): GDAL 3.6's Zarr driver cannot open empty arrays";
        }
    }
    const CPLJSONObject oCompressor = oZarray.GetObj("compressor");
    if (oCompressor.GetType() != CPLJSONObject::Type::Unknown)
    {
        std::string osReason = CheckCodec(oCompressor, "compressor");
        if (!osReason.empty())
            return osReason;
    }
    const CPLJSONObject oFilters = oZarray.GetObj("filters");
    if (oFilters.GetType() == CPLJSONObject::Type::Unknown ||
        oFilters.GetType() == CPLJSONObject::Type::Null)
        return std::string();
    if (oFilters.GetType() != CPLJSONObject::Type::Array)
        return "filters is not a list";
    for (const auto &oFilter : oFilters.ToArray())
    {
        std::string osReason = CheckCodec(oFilter, "filter");
        if (!osReason.empty())
            return osReason;
    }
    return std::string();
}

}  // namespace

bool ParseMetadataDocument(const std::string &osText, CPLJSONDocument &oDoc,
                           std::string &osError)
{
    if (!CheckJsonNesting(osText, osError))
        return false;
    CPLErrorStateBackuper oState;
    CPLErrorHandlerPusher oQuiet(CPLQuietErrorHandler);
    return oDoc.LoadMemory(osText);
}

PreparedZarray PrepareZarray(const std::string &osBytes)
{
    PreparedZarray oPrepared;
    oPrepared.osServed = osBytes;
    CPLJSONDocument oDoc;
    std::string osError;
    if (!ParseMetadataDocument(osBytes, oDoc, osError))
    {
        oPrepared.osProblem =
            osError.empty() ? ".zarray is not a JSON object" : ".zarray: " + osError;
        oPrepared.osNestingError = osError;
        return oPrepared;
    }
    CPLJSONObject oRoot = oDoc.GetRoot();
    if (oRoot.GetType() != CPLJSONObject::Type::Object)
    {
        oPrepared.osProblem = ".zarray is not a JSON object";
        return oPrepared;
    }
    oPrepared.nRawChunkSize = RawChunkSize(oRoot);
    if (AdaptZarrayForGDAL36(oRoot))
        oPrepared.osServed = oRoot.Format(CPLJSONObject::PrettyFormat::Plain);
    oPrepared.osProblem = FindProblem(oRoot);
    oPrepared.bIsObject = true;
    oPrepared.oDocument = oRoot;
    return oPrepared;
}

}  // namespace kerchunk
