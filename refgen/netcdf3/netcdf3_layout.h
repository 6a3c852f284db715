// Where the values of a NetCDF-3 variable are, expressed as a Zarr v2 array:
// shape, chunks, dtype and one byte range per chunk (no compression).
#pragma once

#include "netcdf3_header.h"

#include <cstdint>
#include <string>
#include <vector>

namespace kerchunk
{

struct NC3ArrayLayout
{
    std::vector<uint64_t> anShape{};
    std::vector<uint64_t> anChunks{};
    std::vector<std::string> aosDimensions{};  // _ARRAY_DIMENSIONS
    std::string osDtype{};
    // Chunk i (along the first axis; a 0-d array has one chunk) is the range
    // [nFirstOffset + i * nChunkStride, + nChunkBytes) of the file.
    uint64_t nChunkCount = 0;
    uint64_t nFirstOffset = 0;
    uint64_t nChunkStride = 0;
    uint64_t nChunkBytes = 0;
};

// Size of one record of the file (the sum of the record variables' padded
// sizes, or the unpadded size of the only one), as netCDF-C computes it.
uint64_t NC3RecordSize(const NC3Header &oHeader, const std::string &osFilename);

// numrecs, or for a STREAMING header the number of whole records the file
// holds.
uint64_t NC3NumRecords(const NC3Header &oHeader, uint64_t nRecordSize,
                       uint64_t nFileSize);

// For each dimension, whether char variables become strings along it, by
// xarray's rule (decode_cf "stackable"): no variable is named after it, and
// every variable using it is a char variable whose last dimension it is.
// The record dimension never is (its values are not contiguous).
std::vector<bool> NC3StringDimensions(const NC3Header &oHeader);

// The Zarr view of `oVar`. Non-record variables are one chunk, split along
// the first dimension into chunks of whole rows when bigger than
// `nMaxChunkBytes`; record variables have one chunk per record. char
// variables become fixed-length strings along their last dimension when it
// is one of `abStringDimensions` (see NC3StringDimensions). Throws
// kerchunk::Error naming the file and the variable when its data does not
// lie within the file.
NC3ArrayLayout ComputeNC3ArrayLayout(const NC3Header &oHeader,
                                     const NC3Variable &oVar,
                                     uint64_t nRecordSize, uint64_t nNumRecords,
                                     uint64_t nFileSize, uint64_t nMaxChunkBytes,
                                     const std::string &osFilename,
                                     const std::vector<bool> &abStringDimensions);

}  // namespace kerchunk
