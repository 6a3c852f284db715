// numcodecs "bitround" and "quantize": the precision was dropped on encode;
// decoding returns the stored values (quantize converts astype -> dtype,
// as numcodecs/quantize.py does).
#include "codec_contract.h"

#include <algorithm>
#include <cstring>

namespace kerchunk
{

size_t DecodeBitRound(const GByte *pIn, size_t nIn, GByte *pOut,
                      size_t nOutCapacity, const CodecOptions &oOptions)
{
    if (oOptions.Has("keepbits"))
        oOptions.GetInt("bitround", "keepbits", 0, 52);
    CheckOutputFits("bitround", nIn, nOutCapacity);
    if (nIn != 0)
        memcpy(pOut, pIn, nIn);
    return nIn;
}

size_t DecodeQuantize(const GByte *pIn, size_t nIn, GByte *pOut,
                      size_t nOutCapacity, const CodecOptions &oOptions)
{
    constexpr const char *CODEC = "quantize";
    const NumpyDType oDType =
        NumpyDType::Parse(CODEC, "dtype", oOptions.GetString(CODEC, "dtype"));
    const std::string osAsType = oOptions.GetString(CODEC, "astype", "");
    const NumpyDType oAsType =
        osAsType.empty() ? oDType : NumpyDType::Parse(CODEC, "astype", osAsType);
    if (oDType.eKind != NumpyDType::Kind::Float ||
        oAsType.eKind != NumpyDType::Kind::Float)
        ThrowCodecError("quantize: dtype and astype must be float32 or float64");
    if (nIn % oAsType.nSize != 0)
        ThrowCodecError("quantize: chunk of %llu bytes is not a whole number "
                        "of %d-byte astype elements",
                        static_cast<unsigned long long>(nIn), oAsType.nSize);
    const size_t nValues = nIn / oAsType.nSize;
    const size_t nOut = nValues * oDType.nSize;
    CheckOutputFits(CODEC, nOut, nOutCapacity);
    if (oDType.nSize == oAsType.nSize && oDType.bBigEndian == oAsType.bBigEndian)
    {
        if (nIn != 0)
            memcpy(pOut, pIn, nIn);
        return nIn;
    }
    for (size_t i = 0; i < nValues; ++i)
    {
        GByte abIn[8];
        memcpy(abIn, pIn + i * oAsType.nSize, oAsType.nSize);
        if (oAsType.bBigEndian)
            std::reverse(abIn, abIn + oAsType.nSize);
        double dfValue;
        if (oAsType.nSize == 4)
        {
            float f;
            memcpy(&f, abIn, 4);
            dfValue = f;
        }
        else
            memcpy(&dfValue, abIn, 8);
        GByte abOut[8];
        if (oDType.nSize == 4)
        {
            const float f = static_cast<float>(dfValue);
            memcpy(abOut, &f, 4);
        }
        else
            memcpy(abOut, &dfValue, 8);
        if (oDType.bBigEndian)
            std::reverse(abOut, abOut + oDType.nSize);
        memcpy(pOut + i * oDType.nSize, abOut, oDType.nSize);
    }
    return nOut;
}

}  // namespace kerchunk
