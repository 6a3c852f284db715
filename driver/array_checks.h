// Checks on the arrays declared by references that GDAL's Zarr driver would
// otherwise report vaguely ("Decompressor %s not handled") or not at all.
#pragma once

#include "vsikerchunk.h"

#include <string>
#include <vector>

namespace kerchunk
{

struct ArrayProblem
{
    std::string osArray;   // "/group/array"
    std::string osReason;  // "codec 'lzo' is not supported", ...
};

// One entry per array whose .zarray cannot be decoded by GDAL: invalid JSON,
// an unknown compressor or filter id, a zero-length dimension.
std::vector<ArrayProblem> FindArrayProblems(const LoadedReferences &oRefs);

}  // namespace kerchunk
