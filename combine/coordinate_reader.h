// The values of a 1-D coordinate array of one input, decoded from its chunks
// (inline or referenced) through GDAL's compressor registry, so that inputs
// can be ordered by them.
#pragma once

#include "combine_input.h"

#include <string>
#include <vector>

namespace kerchunk
{

struct CoordinateValues
{
    std::string osDtype{};          // as in .zarray, e.g. "<f8"
    std::string osRaw{};            // the elements as stored (dtype, byte order)
    std::vector<double> adfValues{};
};

// Throws kerchunk::Error naming the input, the array and the chunk when a
// chunk is missing, unreadable or does not decode.
CoordinateValues ReadCoordinateValues(const CombineInput &oInput, const ArrayMetadata &oArray);

// The size of one element of a numeric Zarr dtype ("<f8", ">i4", "|u1"...);
// throws kerchunk::Error naming osWhat for other dtypes.
size_t ElementSize(const std::string &osDtype, const std::string &osWhat);

// The elements of a one-dimensional array as stored (its dtype and byte
// order), decoded chunk by chunk; throws like ReadCoordinateValues.
std::string ReadOneDimensionalBytes(const CombineInput &oInput, const ArrayMetadata &oArray);

// Elements of a numeric Zarr dtype ("<f8", ">i4", "|u1"...) as doubles;
// throws for other dtypes.
std::vector<double> DecodeNumbers(const std::string &osDtype, const std::string &osRaw,
                                  const std::string &osWhat);

}  // namespace kerchunk
