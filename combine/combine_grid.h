// Where each input goes: along one dimension, inputs holding the same
// coordinate values share a position and distinct blocks of values follow
// each other without overlapping; over several dimensions the positions form
// a grid (kerchunk's concat_dims=[...]) in which every cell holds exactly
// one input.
#pragma once

#include "combine_plan.h"

#include <functional>
#include <string>
#include <vector>

namespace kerchunk
{

// Per position along one dimension: an input there, and its values for
// messages ("2021-01-01T00:00:00 to 2021-01-01T18:00:00").
struct AxisPositions
{
    std::vector<size_t> anInput{};
    std::vector<std::string> aosValues{};
};

// Fills oDim's nPositions, anPosition, anOffset, anLength and nTotal from
// each input's values along it (aadfValues[input], on one scale). Throws
// kerchunk::Error naming the file whose values are not strictly increasing,
// or the two files whose values overlap.
AxisPositions PlaceAlongDimension(const std::vector<CombineInput> &aoInputs,
                                  const std::vector<std::vector<double>> &aadfValues,
                                  const std::function<std::string(double)> &fnDescribe,
                                  CombinedDimension &oDim);

// Input indices in C order of their cells. Throws kerchunk::Error naming
// both files of a cell held twice, or a missing cell with a file at each of
// its positions.
std::vector<size_t> OrderOnGrid(const std::vector<CombineInput> &aoInputs,
                                const std::vector<CombinedDimension> &aoDims,
                                const std::vector<AxisPositions> &aoAxes);

}  // namespace kerchunk
