// Converting kerchunk references between JSON (version 1) and Parquet in
// fsspec's layout (vsi/parquet_references.h describes it).
#pragma once

#include "page_compression.h"
#include "reference_set.h"

#include <cstdint>
#include <string>

namespace kerchunk::cli
{

// kerchunk's refs_to_dataframe default.
constexpr uint64_t DEFAULT_RECORD_SIZE = 100000;

// All references of a JSON file or a Parquet folder, metadata documents as
// written (not adapted for GDAL). Throws Error.
ReferenceSet ReadAllReferences(const std::string &osInput);

// Writes oSet as Parquet references into the folder osOutput (created; it
// must not exist or be empty). Throws Error naming a key that has no place in
// the layout (a chunk key of no array, "/" dimension separators).
void WriteParquetReferences(const ReferenceSet &oSet, const std::string &osOutput,
                            uint64_t nRecordSize, parquet::Codec eCodec);

// Writes oSet as version 1 JSON references. Throws Error.
void WriteJsonReferences(const ReferenceSet &oSet, const std::string &osOutput);

}  // namespace kerchunk::cli
