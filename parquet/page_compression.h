// The page compressions of Parquet files that fsspec, pandas and DuckDB
// write by default: none, snappy, zstd.
#pragma once

#include "parquet_format.h"

#include <cstddef>
#include <cstdint>
#include <string>

namespace kerchunk::parquet
{

// Decompresses one page into exactly nUncompressedSize bytes; throws Error
// naming pszWhat when the codec is unsupported or the data is corrupt.
std::string DecompressPage(Codec eCodec, const uint8_t *pabyData, size_t nSize,
                           size_t nUncompressedSize, const char *pszWhat);
std::string CompressPage(Codec eCodec, const std::string &osData);

// "none", "snappy", "zstd"; throws Error for other names.
Codec CodecFromName(const std::string &osName);

}  // namespace kerchunk::parquet
