// The header of a NetCDF-3 file (classic CDF-1, 64-bit offset CDF-2,
// 64-bit data CDF-5), parsed by our own bounded reader.
//
// Spec: "The NetCDF Classic Format Specification" (Unidata, netCDF user
// guide, file format chapter) and PnetCDF's "CDF-5 file format
// specification". Grammar used below:
//   header   = magic numrecs dim_list gatt_list var_list
//   dim_list = ABSENT | NC_DIMENSION nelems [dim ...]
//   att_list = ABSENT | NC_ATTRIBUTE nelems [attr ...]
//   var_list = ABSENT | NC_VARIABLE  nelems [var ...]
//   var      = name nelems [dimid ...] vatt_list nc_type vsize begin
#pragma once

#include "cpl_vsi.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace kerchunk
{

// nc_type values (netcdf.h); 7..11 exist only in CDF-5.
enum class NC3Type : uint32_t
{
    Byte = 1,
    Char = 2,
    Short = 3,
    Int = 4,
    Float = 5,
    Double = 6,
    UByte = 7,
    UShort = 8,
    UInt = 9,
    Int64 = 10,
    UInt64 = 11,
};

// External size of one value, in bytes.
size_t NC3TypeSize(NC3Type eType);
const char *NC3TypeName(NC3Type eType);

struct NC3Dimension
{
    std::string osName{};
    uint64_t nLength = 0;  // 0 for the record (unlimited) dimension
};

struct NC3Attribute
{
    std::string osName{};
    NC3Type eType = NC3Type::Char;
    uint64_t nCount = 0;
    std::string osValues{};  // nCount values, big-endian, padding removed
};

struct NC3Variable
{
    std::string osName{};
    std::vector<size_t> anDimIds{};
    std::vector<NC3Attribute> aoAttributes{};
    NC3Type eType = NC3Type::Byte;
    uint64_t nVSizeInHeader = 0;  // informative only: wraps for big variables
    uint64_t nBegin = 0;          // offset of the data (first record)
    bool bIsRecord = false;       // first dimension is the record dimension
};

struct NC3Header
{
    int nVersion = 1;  // 1, 2 or 5
    uint64_t nNumRecs = 0;
    bool bStreaming = false;  // numrecs was STREAMING (-1): count from file size
    std::vector<NC3Dimension> aoDimensions{};
    std::vector<NC3Attribute> aoAttributes{};
    std::vector<NC3Variable> aoVariables{};
    std::optional<size_t> nRecordDimension{};
    uint64_t nHeaderSize = 0;  // bytes up to the end of var_list
};

// Parses the header held in the first `nSize` bytes of a file of
// `nFileSize` bytes (nSize <= nFileSize). Returns std::nullopt when the
// header continues past `nSize` and the file has more bytes; throws
// kerchunk::Error, naming `osFilename` and what is wrong, for anything
// malformed. Every count and size is checked against the file size before
// it is used, so memory stays bounded by the input; no recursion.
std::optional<NC3Header> ParseNetCDF3Header(const void *pData, size_t nSize,
                                            uint64_t nFileSize,
                                            const std::string &osFilename);

// Reads and parses the header through VSI, in growing blocks.
NC3Header ReadNetCDF3Header(VSILFILE *fp, const std::string &osFilename);

}  // namespace kerchunk
