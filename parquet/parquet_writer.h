// Writes a flat Table as one row group: PLAIN values, dictionary-encoded
// byte-array columns when they repeat (as pandas' categorical columns are in
// fsspec's reference files), definition levels as RLE runs.
#pragma once

#include "parquet_table.h"

#include <string>

namespace kerchunk::parquet
{

std::string WriteParquet(const Table &oTable, Codec eCodec);

}  // namespace kerchunk::parquet
