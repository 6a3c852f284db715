// Read planning of the multidimensional view: the chunk keys a selection
// (start, count and step per dimension, as GDALMDArray::IRead gets it)
// touches, cut into parts whose chunks fit a byte budget, so that a batch's
// first chunks are not evicted from the chunk cache by its last ones before
// they are decoded.
#pragma once

#include "chunk_grid.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace kerchunk
{

// The elements k in [nFirst, nFirst + nCount) of the selection along
// dimension iDim (all of the selection along the other dimensions), and the
// chunk keys they need.
struct SelectionPart
{
    size_t iDim = 0;
    uint64_t nFirst = 0;
    uint64_t nCount = 0;
    std::vector<std::string> aosKeys{};
};

struct Selection
{
    std::vector<uint64_t> anStart{};
    std::vector<uint64_t> anCount{};
    std::vector<int64_t> anStep{};
};

// Parts covering the whole selection, in order along their dimension: one
// part when its chunks fit nBudget bytes (as oBytesOf counts them), else cut
// along the outermost dimension that crosses several chunks, at chunk
// boundaries (a part of one chunk slab may still exceed the budget). Empty
// when the selection is not planned: more than nMaxKeys keys, an empty
// selection, a scalar or a rank other than the grid's.
std::vector<SelectionPart>
PlanSelection(const ChunkGrid &oGrid, const Selection &oSelection, size_t nMaxKeys,
              uint64_t nBudget,
              const std::function<uint64_t(const std::vector<std::string> &)> &oBytesOf);

}  // namespace kerchunk
