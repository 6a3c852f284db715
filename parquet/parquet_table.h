// A flat Parquet table held in memory: the shape of fsspec's reference
// files (path, offset, size, raw), one value per row and column.
#pragma once

#include "parquet_format.h"

#include <cstdint>
#include <string>
#include <vector>

namespace kerchunk::parquet
{

struct Column
{
    std::string osName{};
    PhysicalType eType = PhysicalType::Int64;
    bool bOptional = false;
    bool bUtf8 = false;  // a string column (converted type UTF8)
    // Integer columns: one value per row (0 for a null).
    std::vector<int64_t> anInts{};
    // Byte-array columns: the distinct (dictionary) or successive (plain)
    // values, and per row an index into them, -1 for a null.
    std::vector<std::string> aosValues{};
    std::vector<int32_t> anIndex{};

    bool IsNull(size_t nRow) const
    {
        return eType == PhysicalType::ByteArray ? anIndex[nRow] < 0 : false;
    }
};

struct Table
{
    int64_t nRows = 0;
    std::vector<Column> aoColumns{};

    const Column *Find(const std::string &osName) const
    {
        for (const auto &oColumn : aoColumns)
        {
            if (oColumn.osName == osName)
                return &oColumn;
        }
        return nullptr;
    }
};

}  // namespace kerchunk::parquet
