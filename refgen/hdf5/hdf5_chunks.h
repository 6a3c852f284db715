// Where the chunks of a chunked HDF5 dataset are stored.
#pragma once

#include "hdf5.h"

#include <cstdint>
#include <functional>
#include <vector>

namespace kerchunk::hdf5
{

struct ChunkLocation
{
    std::vector<uint64_t> anIndex{};  // position in the chunk grid
    uint64_t nAddress = 0;            // absolute file offset
    uint64_t nSize = 0;               // stored (filtered) size
    unsigned nFilterMask = 0;         // bit i set: filter i was skipped
};

// Calls `fnVisit` once per allocated chunk of `hDataset` (unallocated chunks
// read as the fill value and are not visited). `hFile` must have been opened
// by OpenVSIFile(). `anShape`/`anChunk` are the dataset's current extent and
// chunk shape. Cost: O(n log n) in the number of chunks of the grid, and no
// raw data is read.
void ForEachChunk(hid_t hFile, hid_t hDataset,
                  const std::vector<uint64_t> &anShape,
                  const std::vector<uint64_t> &anChunk,
                  const std::function<void(const ChunkLocation &)> &fnVisit);

}  // namespace kerchunk::hdf5
