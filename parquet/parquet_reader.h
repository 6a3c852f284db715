// Reads flat Parquet files: PLAIN and dictionary encodings (data pages v1
// and v2), RLE/bit-packed definition levels, and the codecs of
// page_compression.h. Every length is checked against the bytes it claims.
#pragma once

#include "parquet_table.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace kerchunk::parquet
{

// The columns named in aosColumns (all when empty) of the file held in
// pabyData. Throws Error starting with osWhat (the file's name) and saying
// what is wrong.
Table ReadParquet(const uint8_t *pabyData, size_t nSize, const std::string &osWhat,
                  const std::vector<std::string> &aosColumns = {});

}  // namespace kerchunk::parquet
