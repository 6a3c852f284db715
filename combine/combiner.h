// Combines reference sets into one (kerchunk's MultiZarrToZarr): plans
// (combine_plan.h), then writes group documents, each array's metadata and
// its chunk keys renumbered along the concat dimension.
#pragma once

#include "combine_input.h"
#include "combine_plan.h"
#include "references_output.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace kerchunk
{

struct CombineSummary
{
    size_t nInputs = 0;
    size_t nArrays = 0;
    uint64_t nChunks = 0;     // chunk references written
    // Combined length along each dimension.
    std::vector<std::pair<std::string, uint64_t>> aoLengths{};
    std::string osNote{};     // e.g. how time units were unified
};

// Throws kerchunk::Error (naming arrays and files) before writing anything
// when the inputs cannot be combined.
CombineSummary CombineReferences(const std::vector<CombineInput> &aoInputs,
                                 const CombineOptions &oOptions, ReferencesOutput &oOutput);

}  // namespace kerchunk
