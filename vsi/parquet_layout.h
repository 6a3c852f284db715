// Where a chunk lives in fsspec's Parquet layout (parquet_references.h): its
// number in C order among the array's chunks (fsspec's ravel_multi_index
// over ceil(shape / chunks)), shared by the reader and the writer.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace kerchunk
{

// Chunks per dimension of one array, as fsspec's
// LazyReferenceMapper._get_chunk_sizes computes them.
struct ParquetChunkGrid
{
    std::vector<uint64_t> anChunksPerDim{};
    uint64_t nChunks = 1;  // their product, checked to fit in 64 bits
};

// The grid of an array from its parsed .zarray. Throws kerchunk::Error
// naming osArray when shape and chunks are missing, mismatched or not
// positive integers.
ParquetChunkGrid ReadParquetChunkGrid(const std::string &osArray, const nlohmann::json &oZarray);

// The number of the chunk "i.j.k" (a 0-d array's one chunk is "0"); false
// when osChunk is not decimal indices inside the grid.
bool ParquetChunkNumber(const ParquetChunkGrid &oGrid, const std::string &osChunk,
                        uint64_t &nNumber);

// Rows of one record file: refs.<R>.parq holds chunks R*N .. R*N+N-1.
std::string ParquetRecordFileName(uint64_t nRecord);

}  // namespace kerchunk
