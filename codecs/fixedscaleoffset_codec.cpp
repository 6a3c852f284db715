// numcodecs "fixedscaleoffset": decode = stored(astype) / scale + offset,
// cast to dtype, computed with the types numpy 1.x picks for
// `(enc / self.scale) + self.offset` followed by `.astype(dtype)`
// (numcodecs/fixedscaleoffset.py, legacy value-based casting).
#include "codec_contract.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstring>
#include <limits>

namespace kerchunk
{
namespace
{

void ByteSwap(GByte *p, int nSize)
{
    for (int i = 0; i < nSize / 2; ++i)
        std::swap(p[i], p[nSize - 1 - i]);
}

// Reads one element of the stored type in its byte order.
template <class T> T Load(const GByte *p, bool bSwap, int nSize)
{
    GByte ab[8];
    memcpy(ab, p, nSize);
    if (bSwap)
        ByteSwap(ab, nSize);
    T v;
    memcpy(&v, ab, sizeof(T));
    return v;
}

double LoadAsDouble(const GByte *p, const NumpyDType &oType)
{
    const bool bSwap = oType.bBigEndian;  // hosts are little-endian (x86/arm)
    switch (oType.eKind)
    {
        case NumpyDType::Kind::Int:
            switch (oType.nSize)
            {
                case 1: return Load<int8_t>(p, bSwap, 1);
                case 2: return Load<int16_t>(p, bSwap, 2);
                case 4: return Load<int32_t>(p, bSwap, 4);
                default: return static_cast<double>(Load<int64_t>(p, bSwap, 8));
            }
        case NumpyDType::Kind::UInt:
            switch (oType.nSize)
            {
                case 1: return Load<uint8_t>(p, bSwap, 1);
                case 2: return Load<uint16_t>(p, bSwap, 2);
                case 4: return Load<uint32_t>(p, bSwap, 4);
                default:
                    return static_cast<double>(Load<uint64_t>(p, bSwap, 8));
            }
        case NumpyDType::Kind::Float:
            if (oType.nSize == 4)
                return Load<float>(p, bSwap, 4);
            return Load<double>(p, bSwap, 8);
    }
    return 0;
}

template <class T> void Store(GByte *p, T v, bool bSwap)
{
    memcpy(p, &v, sizeof(T));
    if (bSwap)
        ByteSwap(p, sizeof(T));
}

// numpy's float -> integer astype truncates toward zero; values it cannot
// represent (NaN, out of range) have no defined result: refuse them.
template <class T> T ToInteger(double dfValue)
{
    const double dfTrunc = std::trunc(dfValue);
    if (!(dfTrunc >= static_cast<double>(std::numeric_limits<T>::lowest()) &&
          dfTrunc < std::ldexp(1.0, std::numeric_limits<T>::digits)))
    {
        ThrowCodecError("fixedscaleoffset: decoded value %.17g does not fit "
                        "in the integer dtype",
                        dfValue);
    }
    return static_cast<T>(dfTrunc);
}

void StoreFromDouble(GByte *p, double dfValue, const NumpyDType &oType)
{
    const bool bSwap = oType.bBigEndian;
    switch (oType.eKind)
    {
        case NumpyDType::Kind::Int:
            switch (oType.nSize)
            {
                case 1: Store(p, ToInteger<int8_t>(dfValue), bSwap); return;
                case 2: Store(p, ToInteger<int16_t>(dfValue), bSwap); return;
                case 4: Store(p, ToInteger<int32_t>(dfValue), bSwap); return;
                default: Store(p, ToInteger<int64_t>(dfValue), bSwap); return;
            }
        case NumpyDType::Kind::UInt:
            switch (oType.nSize)
            {
                case 1: Store(p, ToInteger<uint8_t>(dfValue), bSwap); return;
                case 2: Store(p, ToInteger<uint16_t>(dfValue), bSwap); return;
                case 4: Store(p, ToInteger<uint32_t>(dfValue), bSwap); return;
                default: Store(p, ToInteger<uint64_t>(dfValue), bSwap); return;
            }
        case NumpyDType::Kind::Float:
            if (oType.nSize == 4)
                Store(p, static_cast<float>(dfValue), bSwap);
            else
                Store(p, dfValue, bSwap);
            return;
    }
}

// numpy 1.x value-based casting of a Python float scalar against a float32
// array: the scalar only widens the result if it does not fit in float32.
bool FitsFloat32(double dfValue)
{
    return !std::isfinite(dfValue) || std::fabs(dfValue) <= FLT_MAX;
}

}  // namespace

size_t DecodeFixedScaleOffset(const GByte *pIn, size_t nIn, GByte *pOut,
                              size_t nOutCapacity, const CodecOptions &oOptions)
{
    constexpr const char *CODEC = "fixedscaleoffset";
    const double dfScale = oOptions.GetDouble(CODEC, "scale");
    const double dfOffset = oOptions.GetDouble(CODEC, "offset");
    const NumpyDType oDType =
        NumpyDType::Parse(CODEC, "dtype", oOptions.GetString(CODEC, "dtype"));
    const std::string osAsType = oOptions.GetString(CODEC, "astype", "");
    const NumpyDType oAsType =
        osAsType.empty() ? oDType : NumpyDType::Parse(CODEC, "astype", osAsType);

    if (nIn % oAsType.nSize != 0)
        ThrowCodecError("fixedscaleoffset: chunk of %llu bytes is not a whole "
                        "number of %d-byte astype elements",
                        static_cast<unsigned long long>(nIn), oAsType.nSize);
    const size_t nValues = nIn / oAsType.nSize;
    CheckOutputFits(CODEC, nValues * oDType.nSize, nOutCapacity);

    // float32 stored values with float32-sized scale and offset stay in
    // float32 arithmetic; integers true-divide in float64.
    const bool bFloat32Math = oAsType.eKind == NumpyDType::Kind::Float &&
                              oAsType.nSize == 4 && FitsFloat32(dfScale) &&
                              FitsFloat32(dfOffset);
    const float fScale = static_cast<float>(dfScale);
    const float fOffset = static_cast<float>(dfOffset);
    for (size_t i = 0; i < nValues; ++i)
    {
        const double dfStored = LoadAsDouble(pIn + i * oAsType.nSize, oAsType);
        double dfValue;
        if (bFloat32Math)
        {
            const float fQuotient = static_cast<float>(dfStored) / fScale;
            dfValue = static_cast<float>(fQuotient + fOffset);
        }
        else
        {
            dfValue = dfStored / dfScale + dfOffset;
        }
        StoreFromDouble(pOut + i * oDType.nSize, dfValue, oDType);
    }
    return nValues * oDType.nSize;
}

}  // namespace kerchunk
