// Writing a reference set as Parquet references in fsspec's layout
// (parquet_references.h): used by `gdal_kerchunk convert` and by combine's
// Parquet output.
#pragma once

#include "page_compression.h"
#include "reference_set.h"

#include <cstdint>
#include <string>

namespace kerchunk
{

struct ParquetWriteOptions
{
    // Rows per record file; kerchunk's refs_to_dataframe default.
    uint64_t nRecordSize = 100000;
    parquet::Codec eCodec = parquet::Codec::Zstd;  // fsspec's default
};

// Throws kerchunk::Error unless nRecordSize fits a Parquet row count.
void CheckParquetRecordSize(uint64_t nRecordSize);

// Throws kerchunk::Error when osOutput exists and is not an empty folder.
void CheckParquetOutputFolder(const std::string &osOutput);

// Writes oSet into the folder osOutput, which must not exist or be empty.
// Everything is checked before the first file is written; throws
// kerchunk::Error naming a key the layout cannot hold (a chunk key of no
// array, an index outside the grid, "/" dimension separators, metadata that
// is not an inline JSON object). A failed write removes the folder again.
void WriteParquetReferences(const ReferenceSet &oSet, const std::string &osOutput,
                            const ParquetWriteOptions &oOptions);

}  // namespace kerchunk
