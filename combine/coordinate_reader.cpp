#include "coordinate_reader.h"

#include "file_handles.h"

#include "codecs.h"
#include "error.h"
#include "url_mapping.h"

#include "cpl_compressor.h"
#include "cpl_string.h"
#include "cpl_vsi.h"

#include <algorithm>
#include <cstring>

namespace kerchunk
{

namespace
{

std::string ReadChunkBytes(const CombineInput &oInput, const std::string &osKey)
{
    const Reference *poRef = oInput.poRefs->Find(osKey);
    if (poRef == nullptr)
        throw Error(oInput.osName + ": coordinate chunk " + osKey +
                    " is missing (its values are needed to order the inputs)");
    if (poRef->IsInline())
        return std::string(poRef->osInline);
    std::string osPath, osError;
    if (!MapUrlToGDALPath(*poRef->posPath, oInput.osRefsPath, osPath, osError))
        throw Error(oInput.osName + ": " + osKey + ": " + osError);
    const VSIFilePtr poFile = OpenVSIFile(osPath, "rb");
    VSILFILE *fp = poFile.get();
    if (fp == nullptr)
        throw Error(oInput.osName + ": " + osKey + ": cannot open " + osPath);
    uint64_t nSize = poRef->nSize;
    if (poRef->bWholeFile)
    {
        VSIFSeekL(fp, 0, SEEK_END);
        nSize = VSIFTellL(fp);
    }
    constexpr uint64_t kMaxCoordinateChunk = uint64_t(1) << 30;
    if (nSize > kMaxCoordinateChunk)
        throw Error(oInput.osName + ": " + osKey + ": coordinate chunk over 1 GB");
    std::string osBytes(static_cast<size_t>(nSize), '\0');
    const bool bOk = VSIFSeekL(fp, poRef->bWholeFile ? 0 : poRef->nOffset, SEEK_SET) == 0 &&
                     VSIFReadL(&osBytes[0], 1, osBytes.size(), fp) == osBytes.size();
    if (!bOk)
        throw Error(oInput.osName + ": " + osKey + ": cannot read " + osPath);
    return osBytes;
}

// Runs one codec ({"id": ..., options}) backwards. The output room is
// generous: a decoded stage never exceeds twice the tile here (dtype
// conversions of fixedscaleoffset at most double an element).
std::string Decode(const nlohmann::json &oCodec, const std::string &osIn,
                   size_t nTileBytes, const std::string &osWhat)
{
    const std::string osId = oCodec.value("id", "");
    const CPLCompressor *psCodec = CPLGetDecompressor(osId.c_str());
    if (psCodec == nullptr)
        throw Error(osWhat + ": codec '" + osId + "' is unknown");
    CPLStringList aosOptions;
    for (const auto &oItem : oCodec.items())
    {
        if (oItem.key() == "id")
            continue;
        aosOptions.SetNameValue(oItem.key().c_str(),
                                oItem.value().is_string() ? oItem.value().get<std::string>().c_str()
                                                          : oItem.value().dump().c_str());
    }
    std::string osOut(2 * nTileBytes + 64, '\0');
    void *pOut = &osOut[0];
    size_t nOut = osOut.size();
    if (!psCodec->pfnFunc(osIn.data(), osIn.size(), &pOut, &nOut, aosOptions.List(),
                          psCodec->user_data))
        throw Error(osWhat + ": codec '" + osId + "' cannot decode it");
    osOut.resize(nOut);
    return osOut;
}

std::string DecodeChunk(const ArrayMetadata &oArray, std::string osBytes,
                        size_t nTileBytes, const std::string &osWhat)
{
    const auto &oZarray = oArray.oZarray;
    if (oZarray.contains("compressor") && oZarray["compressor"].is_object())
        osBytes = Decode(oZarray["compressor"], osBytes, nTileBytes, osWhat);
    if (oZarray.contains("filters") && oZarray["filters"].is_array())
    {
        const auto &oFilters = oZarray["filters"];
        for (auto it = oFilters.rbegin(); it != oFilters.rend(); ++it)
            osBytes = Decode(*it, osBytes, nTileBytes, osWhat);
    }
    if (osBytes.size() < nTileBytes)
        throw Error(osWhat + ": decoded to " + std::to_string(osBytes.size()) +
                    " bytes, expected " + std::to_string(nTileBytes));
    osBytes.resize(nTileBytes);
    return osBytes;
}


}  // namespace

std::vector<double> DecodeNumbers(const std::string &osDtype, const std::string &osRaw,
                                  const std::string &osWhat)
{
    const size_t nSize = ElementSize(osDtype, osWhat);
    const bool bSwap = (osDtype[0] == '>') != (CPL_IS_LSB == 0);
    std::vector<double> adf(osRaw.size() / nSize);
    for (size_t i = 0; i < adf.size(); ++i)
    {
        unsigned char ab[8];
        std::memcpy(ab, osRaw.data() + i * nSize, nSize);
        if (bSwap && nSize > 1)
            std::reverse(ab, ab + nSize);
        auto As = [&ab](auto oType)
        {
            decltype(oType) v;
            std::memcpy(&v, ab, sizeof(v));
            return static_cast<double>(v);
        };
        switch (osDtype[1] == 'f' ? nSize * 10 : osDtype[1] == 'i' ? nSize : nSize + 100)
        {
            case 40: adf[i] = As(float()); break;
            case 80: adf[i] = As(double()); break;
            case 1: adf[i] = As(int8_t()); break;
            case 2: adf[i] = As(int16_t()); break;
            case 4: adf[i] = As(int32_t()); break;
            case 8: adf[i] = As(int64_t()); break;
            case 101: adf[i] = As(uint8_t()); break;
            case 102: adf[i] = As(uint16_t()); break;
            case 104: adf[i] = As(uint32_t()); break;
            default: adf[i] = As(uint64_t()); break;
        }
    }
    return adf;
}

size_t ElementSize(const std::string &osDtype, const std::string &osWhat)
{
    if (osDtype.size() < 3 || std::strchr("<>|", osDtype[0]) == nullptr ||
        std::strchr("fiu", osDtype[1]) == nullptr)
        throw Error(osWhat + ": dtype " + osDtype + " is not numeric");
    const int nSize = atoi(osDtype.c_str() + 2);
    if (nSize != 1 && nSize != 2 && nSize != 4 && nSize != 8)
        throw Error(osWhat + ": dtype " + osDtype + " is not supported");
    if (osDtype[1] == 'f' && nSize < 4)
        throw Error(osWhat + ": dtype " + osDtype + " is not supported");
    return static_cast<size_t>(nSize);
}

std::string ReadOneDimensionalBytes(const CombineInput &oInput, const ArrayMetadata &oArray)
{
    RegisterCodecs();  // shuffle and the other codecs GDAL 3.6 lacks
    const std::string osWhat = oInput.osName + ": array " + oArray.osPath;
    if (oArray.anShape.size() != 1)
        throw Error(osWhat + ": a coordinate must be one-dimensional");
    const size_t nElement = ElementSize(oArray.oZarray.value("dtype", ""), osWhat);
    const uint64_t nLength = oArray.anShape[0];
    const uint64_t nChunk = oArray.anChunks[0];
    if (nChunk * nElement > (uint64_t(1) << 30))
        throw Error(osWhat + ": coordinate chunks over 1 GB");
    std::string osRaw;
    for (uint64_t iChunk = 0; iChunk * nChunk < nLength; ++iChunk)
    {
        const std::string osKey = MakeChunkKey(oArray, {iChunk});
        const std::string osTile = DecodeChunk(oArray, ReadChunkBytes(oInput, osKey),
                                               static_cast<size_t>(nChunk * nElement),
                                               oInput.osName + ": " + osKey);
        const uint64_t nUsed = std::min(nChunk, nLength - iChunk * nChunk);
        osRaw.append(osTile, 0, static_cast<size_t>(nUsed * nElement));
    }
    return osRaw;
}

CoordinateValues ReadCoordinateValues(const CombineInput &oInput, const ArrayMetadata &oArray)
{
    CoordinateValues oValues;
    oValues.osDtype = oArray.oZarray.value("dtype", "");
    oValues.osRaw = ReadOneDimensionalBytes(oInput, oArray);
    oValues.adfValues = DecodeNumbers(oValues.osDtype, oValues.osRaw,
                                      oInput.osName + ": array " + oArray.osPath);
    return oValues;
}

}  // namespace kerchunk
