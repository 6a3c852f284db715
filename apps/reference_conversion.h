// Converting kerchunk references between JSON (version 1) and Parquet in
// fsspec's layout (vsi/parquet_references.h describes it; the Parquet
// writer, shared with combine, is vsi/parquet_references_writer.h).
#pragma once

#include "parquet_references_writer.h"
#include "reference_set.h"

#include <cstdint>
#include <string>
#include <vector>

namespace kerchunk::cli
{

// --record-size N and --compression zstd|snappy|none at aosArgs[i], for
// convert and combine: true (i moved onto the value) when it was one of them.
bool TakeParquetWriteOption(const std::vector<std::string> &aosArgs, size_t &i,
                            ParquetWriteOptions &oOptions);

// All references of a JSON file or a Parquet folder, metadata documents as
// written (not adapted for GDAL). Throws Error.
ReferenceSet ReadAllReferences(const std::string &osInput);

// Writes oSet as version 1 JSON references. Throws Error.
void WriteJsonReferences(const ReferenceSet &oSet, const std::string &osOutput);

}  // namespace kerchunk::cli
