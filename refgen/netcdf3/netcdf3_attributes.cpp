#include "netcdf3_attributes.h"

#include "utf8.h"

#include "../zarr_metadata.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>

namespace kerchunk
{

namespace
{

uint64_t ReadBigEndian(const char *p, size_t nSize)
{
    uint64_t n = 0;
    for (size_t i = 0; i < nSize; ++i)
        n = (n << 8) | static_cast<unsigned char>(p[i]);
    return n;
}

// Value `i` of a numeric attribute, as a JSON number of its own type.
nlohmann::json NumericValue(const NC3Attribute &oAttr, uint64_t i)
{
    const size_t nSize = NC3TypeSize(oAttr.eType);
    const uint64_t n =
        ReadBigEndian(oAttr.osValues.data() + i * nSize, nSize);
    switch (oAttr.eType)
    {
        case NC3Type::Byte:
            return static_cast<int8_t>(n);
        case NC3Type::Short:
            return static_cast<int16_t>(n);
        case NC3Type::Int:
            return static_cast<int32_t>(n);
        case NC3Type::Int64:
            return static_cast<int64_t>(n);
        case NC3Type::UByte:
        case NC3Type::UShort:
        case NC3Type::UInt:
        case NC3Type::UInt64:
            return n;
        case NC3Type::Float:
        {
            const uint32_t n32 = static_cast<uint32_t>(n);
            float f;
            memcpy(&f, &n32, sizeof(f));
            return EncodeFloat(f);
        }
        case NC3Type::Double:
        {
            double d;
            memcpy(&d, &n, sizeof(d));
            return EncodeFloat(d);
        }
        case NC3Type::Char:
            break;
    }
    return nullptr;
}

bool IsFloatType(NC3Type eType)
{
    return eType == NC3Type::Float || eType == NC3Type::Double;
}

// `oValue` (a number read from an attribute) as a valid fill value for a
// variable of type `eType`, or null when it does not fit.
nlohmann::json CastFill(const nlohmann::json &oValue, NC3Type eType)
{
    if (IsFloatType(eType))
    {
        if (oValue.is_string())  // NaN, Infinity
            return oValue;
        double d = oValue.get<double>();
        if (eType == NC3Type::Float)
            d = static_cast<float>(d);
        return EncodeFloat(d);
    }
    if (!oValue.is_number())
        return nullptr;
    // Integer range of the variable's type.
    const size_t nBits = NC3TypeSize(eType) * 8;
    const bool bSigned = eType == NC3Type::Byte || eType == NC3Type::Short ||
                         eType == NC3Type::Int || eType == NC3Type::Int64;
    if (oValue.is_number_float())
    {
        const double d = oValue.get<double>();
        if (std::trunc(d) != d || std::fabs(d) >= 9.2e18)
            return nullptr;
        return CastFill(nlohmann::json(static_cast<int64_t>(d)), eType);
    }
    if (oValue.is_number_unsigned())
    {
        const uint64_t n = oValue.get<uint64_t>();
        const uint64_t nMax = bSigned ? (uint64_t{1} << (nBits - 1)) - 1
                              : nBits == 64 ? std::numeric_limits<uint64_t>::max()
                                            : (uint64_t{1} << nBits) - 1;
        return n <= nMax ? nlohmann::json(n) : nlohmann::json(nullptr);
    }
    const int64_t n = oValue.get<int64_t>();
    if (!bSigned)
        return n >= 0 ? CastFill(nlohmann::json(static_cast<uint64_t>(n)), eType)
                      : nlohmann::json(nullptr);
    if (nBits < 64)
    {
        const int64_t nMax = (int64_t{1} << (nBits - 1)) - 1;
        if (n > nMax || n < -nMax - 1)
            return nullptr;
    }
    return n;
}

const NC3Attribute *FindFillValue(const NC3Variable &oVar)
{
    for (const auto &oAttr : oVar.aoAttributes)
    {
        if (oAttr.osName == "_FillValue")
            return &oAttr;
    }
    return nullptr;
}

// The _FillValue attribute as a Zarr fill_value, or null when unusable.
nlohmann::json FillFromAttribute(const NC3Variable &oVar,
                                 const NC3Attribute &oAttr)
{
    if (oVar.eType == NC3Type::Char || oAttr.eType == NC3Type::Char ||
        oAttr.nCount < 1)
        return nullptr;
    return CastFill(NumericValue(oAttr, 0), oVar.eType);
}

}  // namespace

nlohmann::json NC3AttributeValue(const NC3Attribute &oAttr)
{
    if (oAttr.eType == NC3Type::Char)
    {
        std::string os = Utf8Replace(oAttr.osValues);
        os.erase(std::remove(os.begin(), os.end(), '\0'), os.end());
        return os;
    }
    if (oAttr.nCount == 1)
        return NumericValue(oAttr, 0);
    nlohmann::json oList = nlohmann::json::array();
    for (uint64_t i = 0; i < oAttr.nCount; ++i)
        oList.push_back(NumericValue(oAttr, i));
    return oList;
}

nlohmann::json NC3VariableAttributes(const NC3Variable &oVar)
{
    nlohmann::json oAttributes = nlohmann::json::object();
    const NC3Attribute *poFill = FindFillValue(oVar);
    for (const auto &oAttr : oVar.aoAttributes)
    {
        if (&oAttr == poFill && !FillFromAttribute(oVar, oAttr).is_null())
            continue;
        // netCDF-C refuses duplicate names; keep the first if a file has them.
        if (!oAttributes.contains(oAttr.osName))
            oAttributes[oAttr.osName] = NC3AttributeValue(oAttr);
    }
    return oAttributes;
}

nlohmann::json NC3FillValue(const NC3Variable &oVar)
{
    if (const NC3Attribute *poFill = FindFillValue(oVar))
    {
        nlohmann::json oFill = FillFromAttribute(oVar, *poFill);
        if (!oFill.is_null())
            return oFill;
    }
    // Default fill values, netcdf.h (NC_FILL_BYTE ... NC_FILL_UINT64).
    switch (oVar.eType)
    {
        case NC3Type::Byte:
            return -127;
        case NC3Type::Char:
            return nullptr;
        case NC3Type::Short:
            return -32767;
        case NC3Type::Int:
            return -2147483647;
        case NC3Type::Float:
            return EncodeFloat(9.9692099683868690e+36f);
        case NC3Type::Double:
            return EncodeFloat(9.9692099683868690e+36);
        case NC3Type::UByte:
            return 255;
        case NC3Type::UShort:
            return 65535;
        case NC3Type::UInt:
            return 4294967295U;
        case NC3Type::Int64:
            return int64_t{-9223372036854775806LL};
        case NC3Type::UInt64:
            return uint64_t{18446744073709551614ULL};
    }
    return nullptr;
}

}  // namespace kerchunk
