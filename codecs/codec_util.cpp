// Shared helpers of the decoders: errors, option parsing, numpy dtypes.
#include "codec_contract.h"

#include "cpl_conv.h"

#include <cerrno>
#include <cmath>
#include <cstdarg>
#include <cstdlib>

namespace kerchunk
{

void ThrowCodecError(const char *pszFormat, ...)
{
    va_list args;
    va_start(args, pszFormat);
    std::string osMsg = CPLString().vPrintf(pszFormat, args);
    va_end(args);
    throw CodecError(osMsg);
}

bool CodecOptions::Has(const char *pszName) const
{
    return m_aosOptions.FetchNameValue(pszName) != nullptr;
}

std::string CodecOptions::GetString(const char *pszCodec, const char *pszName,
                                    const char *pszDefault) const
{
    const char *pszValue = m_aosOptions.FetchNameValue(pszName);
    if (pszValue)
        return pszValue;
    if (pszDefault)
        return pszDefault;
    ThrowCodecError("%s: missing option '%s'", pszCodec, pszName);
}

int64_t CodecOptions::GetInt(const char *pszCodec, const char *pszName,
                             int64_t nMin, int64_t nMax) const
{
    const char *pszValue = m_aosOptions.FetchNameValue(pszName);
    if (!pszValue)
        ThrowCodecError("%s: missing option '%s'", pszCodec, pszName);
    errno = 0;
    char *pszEnd = nullptr;
    const long long nValue = std::strtoll(pszValue, &pszEnd, 10);
    if (pszEnd == pszValue || *pszEnd != '\0' || errno == ERANGE)
        ThrowCodecError("%s: option '%s' must be an integer, got '%s'",
                        pszCodec, pszName, pszValue);
    if (nValue < nMin || nValue > nMax)
        ThrowCodecError("%s: option '%s'=%lld is out of range [%lld, %lld]",
                        pszCodec, pszName, nValue,
                        static_cast<long long>(nMin),
                        static_cast<long long>(nMax));
    return nValue;
}

int64_t CodecOptions::GetInt(const char *pszCodec, const char *pszName,
                             int64_t nMin, int64_t nMax, int64_t nDefault) const
{
    if (!Has(pszName))
        return nDefault;
    return GetInt(pszCodec, pszName, nMin, nMax);
}

double CodecOptions::GetDouble(const char *pszCodec, const char *pszName) const
{
    const char *pszValue = m_aosOptions.FetchNameValue(pszName);
    if (!pszValue)
        ThrowCodecError("%s: missing option '%s'", pszCodec, pszName);
    // JSON numbers only: strtod would also accept hex floats and "nan".
    const char *p = pszValue;
    if (*p == '-')
        ++p;
    if (!(*p >= '0' && *p <= '9'))
        ThrowCodecError("%s: option '%s' must be a number, got '%s'", pszCodec,
                        pszName, pszValue);
    char *pszEnd = nullptr;
    const double dfValue = CPLStrtod(pszValue, &pszEnd);
    if (*pszEnd != '\0')
        ThrowCodecError("%s: option '%s' must be a number, got '%s'", pszCodec,
                        pszName, pszValue);
    return dfValue;
}

void CheckOutputFits(const char *pszCodec, size_t nNeeded, size_t nCapacity)
{
    if (nNeeded > nCapacity)
        ThrowCodecError("%s: decoded chunk is %llu bytes, larger than the "
                        "%llu bytes of the tile",
                        pszCodec, static_cast<unsigned long long>(nNeeded),
                        static_cast<unsigned long long>(nCapacity));
}

NumpyDType NumpyDType::Parse(const char *pszCodec, const char *pszOption,
                             const std::string &osDType)
{
    NumpyDType oType;
    std::string osRest = osDType;
    bool bExplicitOrder = false;
    if (!osRest.empty() && (osRest[0] == '<' || osRest[0] == '>' ||
                            osRest[0] == '|' || osRest[0] == '='))
    {
        oType.bBigEndian = osRest[0] == '>';
        bExplicitOrder = true;
        osRest = osRest.substr(1);
    }
    struct Named
    {
        const char *pszName;
        Kind eKind;
        int nSize;
    };
    static const Named asNamed[] = {
        {"int8", Kind::Int, 1},      {"int16", Kind::Int, 2},
        {"int32", Kind::Int, 4},     {"int64", Kind::Int, 8},
        {"uint8", Kind::UInt, 1},    {"uint16", Kind::UInt, 2},
        {"uint32", Kind::UInt, 4},   {"uint64", Kind::UInt, 8},
        {"float32", Kind::Float, 4}, {"float64", Kind::Float, 8},
    };
    if (!bExplicitOrder)
    {
        for (const auto &sNamed : asNamed)
        {
            if (osRest == sNamed.pszName)
            {
                oType.eKind = sNamed.eKind;
                oType.nSize = sNamed.nSize;
                return oType;
            }
        }
    }
    // numpy typestr: kind letter + item size ("f8", "u1").
    if (osRest.size() == 2 && osRest[1] >= '1' && osRest[1] <= '8')
    {
        const int nSize = osRest[1] - '0';
        const bool bIntSize =
            nSize == 1 || nSize == 2 || nSize == 4 || nSize == 8;
        if (osRest[0] == 'i' && bIntSize)
            oType.eKind = Kind::Int;
        else if (osRest[0] == 'u' && bIntSize)
            oType.eKind = Kind::UInt;
        else if (osRest[0] == 'f' && (nSize == 4 || nSize == 8))
            oType.eKind = Kind::Float;
        else
            ThrowCodecError("%s: unsupported %s '%s' (supported: signed and "
                            "unsigned integers of 1, 2, 4, 8 bytes, float32, "
                            "float64)",
                            pszCodec, pszOption, osDType.c_str());
        oType.nSize = nSize;
        if (nSize == 1)
            oType.bBigEndian = false;
        return oType;
    }
    ThrowCodecError("%s: unsupported %s '%s' (supported: signed and unsigned "
                    "integers of 1, 2, 4, 8 bytes, float32, float64)",
                    pszCodec, pszOption, osDType.c_str());
}

}  // namespace kerchunk
