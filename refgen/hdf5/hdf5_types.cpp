#include "hdf5_types.h"

#include "hdf5_handle.h"
#include "hdf5_unsupported.h"

#include "../reference_writer.h"
#include "../zarr_metadata.h"

#include "cpl_error.h"

#include <algorithm>
#include <cstring>
#include <vector>

namespace kerchunk::hdf5
{

namespace
{
// Sizes read from the file, bounded before they size an allocation: no real
// type has elements over 16 MB, no real attribute holds 64 MB of strings; a
// corrupt header can claim 4 GB for either.
constexpr size_t MAX_ELEMENT_BYTES = 16 * 1024 * 1024;
constexpr size_t MAX_ATTRIBUTE_BYTES = 64 * 1024 * 1024;
}  // namespace

std::string SanitizeUtf8(const std::string &osText)
{
    return nlohmann::json::parse(
               nlohmann::json(osText).dump(-1, ' ', false,
                                           nlohmann::json::error_handler_t::replace))
        .get<std::string>();
}

static bool IsBoolEnum(hid_t hType)
{
    // h5py stores numpy bools as an enum {FALSE: 0, TRUE: 1} of int8.
    if (H5Tget_nmembers(hType) != 2 || H5Tget_size(hType) != 1)
        return false;
    bool bOk = true;
    for (unsigned i = 0; i < 2; ++i)
    {
        char *pszName = H5Tget_member_name(hType, i);
        signed char nValue = -1;
        H5Tget_member_value(hType, i, &nValue);
        bOk = bOk && pszName != nullptr &&
              ((nValue == 0 && strcmp(pszName, "FALSE") == 0) ||
               (nValue == 1 && strcmp(pszName, "TRUE") == 0));
        H5free_memory(pszName);
    }
    return bOk;
}

// Zarr v2 spec, "data type encoding" of structured types: members in
// order, packed (numpy's list form has no offsets, so padding cannot be said).
static nlohmann::json StructuredDtype(hid_t hType)
{
    nlohmann::json oFields = nlohmann::json::array();
    const int nMembers = H5Tget_nmembers(hType);
    size_t nExpectedOffset = 0;
    for (int i = 0; i < nMembers; ++i)
    {
        char *pszName = H5Tget_member_name(hType, static_cast<unsigned>(i));
        const std::string osName = pszName ? pszName : "";
        H5free_memory(pszName);
        if (H5Tget_member_offset(hType, static_cast<unsigned>(i)) != nExpectedOffset)
            throw Unsupported("padding between members");
        Handle hMember(H5Tget_member_type(hType, static_cast<unsigned>(i)));
        nExpectedOffset += H5Tget_size(hMember.get());
        nlohmann::json oField = nlohmann::json::array({osName});
        Handle hBase;
        hid_t hElement = hMember.get();
        std::vector<hsize_t> anDims;
        if (H5Tget_class(hMember.get()) == H5T_ARRAY)
        {
            anDims.resize(static_cast<size_t>(std::max(0, H5Tget_array_ndims(hMember.get()))));
            H5Tget_array_dims2(hMember.get(), anDims.data());
            hBase = Handle(H5Tget_super(hMember.get()));
            hElement = hBase.get();
        }
        const ZarrType sMember = MapDatatype(hElement);
        if (sMember.bVlenString)
            throw Unsupported("variable-length members");
        if (!sMember.oStructured.is_null())
            oField.push_back(sMember.oStructured);
        else
            oField.push_back(sMember.osDtype);
        if (!anDims.empty())
            oField.push_back(anDims);
        oFields.push_back(oField);
    }
    if (nExpectedOffset != H5Tget_size(hType))
        throw Unsupported("padding after the last member");
    return oFields;
}

static bool IsComplex(hid_t hType)
{
    if (H5Tget_nmembers(hType) != 2)
        return false;
    const char *const apszNames[2] = {"r", "i"};
    Handle hFirst(H5Tget_member_type(hType, 0));
    for (unsigned i = 0; i < 2; ++i)
    {
        char *pszName = H5Tget_member_name(hType, i);
        const bool bNameOk = pszName && strcmp(pszName, apszNames[i]) == 0;
        H5free_memory(pszName);
        Handle hMember(H5Tget_member_type(hType, i));
        const size_t nMemberSize = H5Tget_size(hMember.get());
        if (!bNameOk || H5Tget_class(hMember.get()) != H5T_FLOAT ||
            (nMemberSize != 4 && nMemberSize != 8) ||
            H5Tequal(hMember.get(), hFirst.get()) <= 0 ||
            H5Tget_member_offset(hType, i) != i * nMemberSize ||
            H5Tget_size(hType) != 2 * nMemberSize)
            return false;
    }
    return true;
}

// One flat switch over the HDF5 type classes, kept whole so that every
// class and its fate (a dtype, or the reason it is refused) reads in one place.
ZarrType MapDatatype(hid_t hType)
{
    ZarrType sType;
    const H5T_class_t eClass = H5Tget_class(hType);
    const size_t nSize = H5Tget_size(hType);
    // The type's size is read from the file (up to 4 GB): checked before
    // anything (a fill value, a chunk re-encoding) allocates one element.
    if (nSize == 0 || nSize > MAX_ELEMENT_BYTES)
        throw Unsupported("a datatype of " + std::to_string(nSize) + " bytes (more than " +
                          std::to_string(MAX_ELEMENT_BYTES) + ")");
    sType.nSize = nSize;
    const bool bBig = H5Tget_order(hType) == H5T_ORDER_BE;
    switch (eClass)
    {
        case H5T_INTEGER:
        {
            if (nSize != 1 && nSize != 2 && nSize != 4 && nSize != 8)
                throw Unsupported(std::to_string(nSize) + "-byte integers");
            sType.bSigned = H5Tget_sign(hType) == H5T_SGN_2;
            sType.osDtype = ZarrDtype(
                sType.bSigned ? ZarrKind::SignedInt : ZarrKind::UnsignedInt, nSize, bBig);
            return sType;
        }
        case H5T_FLOAT:
        {
            if (nSize != 2 && nSize != 4 && nSize != 8)
                throw Unsupported(std::to_string(nSize) + "-byte floats");
            sType.bFloat = true;
            sType.osDtype = ZarrDtype(ZarrKind::Float, nSize, bBig);
            return sType;
        }
        case H5T_ENUM:
        {
            if (IsBoolEnum(hType))
            {
                sType.bBool = true;
                sType.osDtype = ZarrDtype(ZarrKind::Bool, 1, false);
                return sType;
            }
            Handle hBase(H5Tget_super(hType));
            if (!hBase || H5Tget_class(hBase.get()) != H5T_INTEGER)
                throw Unsupported("enum type with a non-integer base");
            return MapDatatype(hBase.get());
        }
        case H5T_STRING:
        {
            sType.bString = true;
            if (H5Tis_variable_str(hType) > 0)
            {
                sType.bVlenString = true;
                return sType;  // dtype known once the longest string is
            }
            sType.osDtype = ZarrDtype(ZarrKind::Bytes, nSize, false);
            return sType;
        }
        case H5T_COMPOUND:
        {
            // h5py's complex numbers: {r, i} of two equal floats -> "<c8"...
            if (IsComplex(hType))
            {
                sType.bFloat = true;
                sType.bComplex = true;
                sType.osDtype = std::string(1, bBig ? '>' : '<') + "c" + std::to_string(nSize);
                return sType;
            }
            try
            {
                sType.oStructured = StructuredDtype(hType);
            }
            catch (const Unsupported &e)
            {
                throw Unsupported(std::string("compound datatype with ") + e.what());
            }
            return sType;
        }
        case H5T_REFERENCE:
            throw Unsupported("object/region references");
        case H5T_OPAQUE:
            throw Unsupported("opaque datatype");
        case H5T_VLEN:
            throw Unsupported("variable-length sequences");
        case H5T_ARRAY:
            throw Unsupported("array datatype");
        case H5T_BITFIELD:
            throw Unsupported("bitfield datatype");
        case H5T_TIME:
            throw Unsupported("time datatype");
        default:
            break;
    }
    throw Unsupported("unknown datatype class");
}

nlohmann::json GetFillValue(hid_t hDcpl, hid_t hType, const ZarrType &sType,
                            bool bDefaultAsNull)
{
    H5D_fill_value_t eStatus = H5D_FILL_VALUE_UNDEFINED;
    if (H5Pfill_value_defined(hDcpl, &eStatus) < 0 ||
        eStatus == H5D_FILL_VALUE_UNDEFINED || sType.bVlenString)
        return nullptr;
    if (eStatus == H5D_FILL_VALUE_DEFAULT && bDefaultAsNull)
        return nullptr;
    if (sType.bString || !sType.oStructured.is_null())
    {
        // Zarr v2 spec: fill values of "S" and structured arrays are
        // base64-encoded bytes.
        std::string osBytes(sType.nSize, '\0');
        if (H5Pget_fill_value(hDcpl, hType, osBytes.data()) < 0)
            return nullptr;
        return Base64Encode(osBytes);
    }
    if (sType.bComplex)
    {
        // Zarr v2 spec: complex fill values are [real, imaginary].
        std::vector<double> adfValue(2);
        Handle hMem(H5Tcreate(H5T_COMPOUND, 2 * sizeof(double)));
        H5Tinsert(hMem.get(), "r", 0, H5T_NATIVE_DOUBLE);
        H5Tinsert(hMem.get(), "i", sizeof(double), H5T_NATIVE_DOUBLE);
        if (H5Pget_fill_value(hDcpl, hMem.get(), adfValue.data()) < 0)
            return nullptr;
        return nlohmann::json::array({EncodeFloat(adfValue[0]), EncodeFloat(adfValue[1])});
    }
    if (sType.bFloat)
    {
        double dfValue = 0;
        if (H5Pget_fill_value(hDcpl, H5T_NATIVE_DOUBLE, &dfValue) < 0)
            return nullptr;
        return EncodeFloat(dfValue);
    }
    if (sType.bBool)
    {
        signed char nValue = 0;
        if (H5Pget_fill_value(hDcpl, hType, &nValue) < 0)
            return nullptr;
        return nValue != 0;
    }
    if (sType.bSigned)
    {
        long long nValue = 0;
        if (H5Pget_fill_value(hDcpl, H5T_NATIVE_LLONG, &nValue) < 0)
            return nullptr;
        return static_cast<int64_t>(nValue);
    }
    unsigned long long nValue = 0;
    if (H5Pget_fill_value(hDcpl, H5T_NATIVE_ULLONG, &nValue) < 0)
        return nullptr;
    return static_cast<uint64_t>(nValue);
}

namespace
{

// Reshapes a flat list to `anDims` (row-major) as nested lists.
nlohmann::json Nest(const std::vector<nlohmann::json> &aoFlat,
                    const std::vector<hsize_t> &anDims, size_t iDim, size_t &iPos)
{
    nlohmann::json oOut = nlohmann::json::array();
    for (hsize_t i = 0; i < anDims[iDim]; ++i)
    {
        if (iDim + 1 == anDims.size())
            oOut.push_back(aoFlat[iPos++]);
        else
            oOut.push_back(Nest(aoFlat, anDims, iDim + 1, iPos));
    }
    return oOut;
}

std::string TrimFixedString(const char *pachData, size_t nSize, H5T_str_t ePad)
{
    std::string osValue(pachData, nSize);
    if (ePad != H5T_STR_SPACEPAD)
    {
        const size_t nEnd = osValue.find('\0');
        if (nEnd != std::string::npos)
            osValue.resize(nEnd);
    }
    return SanitizeUtf8(osValue);
}

// Values of one attribute, flattened; throws Unsupported for other types.
std::vector<nlohmann::json> ReadValues(hid_t hAttr, hid_t hType, size_t nCount)
{
    std::vector<nlohmann::json> aoValues;
    aoValues.reserve(nCount);
    H5T_class_t eClass = H5Tget_class(hType);
    Handle hBase;
    if (eClass == H5T_ENUM)
    {
        hBase = Handle(H5Tget_super(hType));
        hType = hBase.get();
        eClass = H5Tget_class(hType);
    }
    if (eClass == H5T_INTEGER && H5Tget_sign(hType) == H5T_SGN_2)
    {
        std::vector<long long> anValues(nCount);
        CheckRet(H5Aread(hAttr, H5T_NATIVE_LLONG, anValues.data()), "H5Aread");
        for (long long n : anValues)
            aoValues.emplace_back(static_cast<int64_t>(n));
    }
    else if (eClass == H5T_INTEGER)
    {
        std::vector<unsigned long long> anValues(nCount);
        CheckRet(H5Aread(hAttr, H5T_NATIVE_ULLONG, anValues.data()), "H5Aread");
        for (unsigned long long n : anValues)
            aoValues.emplace_back(static_cast<uint64_t>(n));
    }
    else if (eClass == H5T_FLOAT)
    {
        std::vector<double> adfValues(nCount);
        CheckRet(H5Aread(hAttr, H5T_NATIVE_DOUBLE, adfValues.data()), "H5Aread");
        for (double df : adfValues)
            aoValues.emplace_back(EncodeFloat(df));
    }
    else if (eClass == H5T_STRING && H5Tis_variable_str(hType) > 0)
    {
        Handle hMem(H5Tcopy(H5T_C_S1));
        H5Tset_size(hMem.get(), H5T_VARIABLE);
        H5Tset_cset(hMem.get(), H5Tget_cset(hType));
        std::vector<char *> apszValues(nCount, nullptr);
        CheckRet(H5Aread(hAttr, hMem.get(), apszValues.data()), "H5Aread");
        for (char *psz : apszValues)
            aoValues.emplace_back(SanitizeUtf8(psz ? psz : ""));
        Handle hSpace(H5Aget_space(hAttr));
        H5Dvlen_reclaim(hMem.get(), hSpace.get(), H5P_DEFAULT, apszValues.data());
    }
    else if (eClass == H5T_STRING)
    {
        const size_t nSize = H5Tget_size(hType);
        if (nSize == 0 || (nCount > 0 && nSize > MAX_ATTRIBUTE_BYTES / nCount))
            throw Unsupported(std::to_string(nCount) + " strings of " + std::to_string(nSize) +
                              " bytes (at most " + std::to_string(MAX_ATTRIBUTE_BYTES) +
                              " bytes in one attribute)");
        std::vector<char> achData(nSize * nCount);
        Handle hMem(H5Tcopy(hType));
        CheckRet(H5Aread(hAttr, hMem.get(), achData.data()), "H5Aread");
        const H5T_str_t ePad = H5Tget_strpad(hType);
        for (size_t i = 0; i < nCount; ++i)
            aoValues.emplace_back(TrimFixedString(achData.data() + i * nSize, nSize, ePad));
    }
    else
    {
        throw Unsupported("attribute type");
    }
    return aoValues;
}

struct AttrIterData
{
    nlohmann::json *poOut;
};

herr_t AttrCallback(hid_t hObject, const char *pszName, const H5A_info_t *, void *pData)
{
    auto *psData = static_cast<AttrIterData *>(pData);
    try
    {
        Handle hAttr(H5Aopen(hObject, pszName, H5P_DEFAULT));
        if (!hAttr)
            throw Error("cannot open");
        Handle hType(H5Aget_type(hAttr.get()));
        Handle hSpace(H5Aget_space(hAttr.get()));
        const H5S_class_t eSpace = H5Sget_simple_extent_type(hSpace.get());
        if (eSpace == H5S_NULL)
            return 0;  // an empty attribute has no JSON value
        const int nRank = H5Sget_simple_extent_ndims(hSpace.get());
        std::vector<hsize_t> anDims(nRank > 0 ? nRank : 0);
        if (nRank > 0)
            H5Sget_simple_extent_dims(hSpace.get(), anDims.data(), nullptr);
        const hssize_t nCount = H5Sget_simple_extent_npoints(hSpace.get());
        if (nCount < 0 || nCount > (1 << 24))
            throw Unsupported("too many values");
        const auto aoValues =
            ReadValues(hAttr.get(), hType.get(), static_cast<size_t>(nCount));
        if (nRank == 0 || aoValues.size() == 1)
            (*psData->poOut)[SanitizeUtf8(pszName)] =
                aoValues.empty() ? nlohmann::json(nullptr) : aoValues[0];
        else
        {
            size_t iPos = 0;
            (*psData->poOut)[SanitizeUtf8(pszName)] =
                aoValues.empty() ? nlohmann::json::array() : Nest(aoValues, anDims, 0, iPos);
        }
    }
    catch (const std::exception &e)
    {
        CPLDebug("KERCHUNK", "attribute %s skipped: %s", pszName, e.what());
        H5Eclear2(H5E_DEFAULT);
    }
    return 0;
}

}  // namespace

nlohmann::json ReadAttributes(hid_t hObject)
{
    nlohmann::json oAttributes = nlohmann::json::object();
    AttrIterData sData{&oAttributes};
    hsize_t nIdx = 0;
    H5Aiterate2(hObject, H5_INDEX_NAME, H5_ITER_INC, &nIdx, AttrCallback, &sData);
    return oAttributes;
}

}  // namespace kerchunk::hdf5
