// Checks on the arrays declared by references that GDAL's Zarr driver would
// otherwise report vaguely ("Decompressor %s not handled") or not at all.
#pragma once

#include "vsikerchunk.h"

#include <vector>

namespace kerchunk
{

// One entry per array whose .zarray cannot be decoded by GDAL: unreadable,
// invalid JSON, an unknown compressor or filter id, a zero-length dimension.
// Found once, when the references' metadata was prepared (PrepareZarray):
// nothing is parsed here.
const std::vector<ArrayProblem> &FindArrayProblems(const LoadedReferences &oRefs);

}  // namespace kerchunk
