// Merging the byte ranges of one target into few requests, as fsspec's
// merge_offset_ranges does for kerchunk: ranges that overlap, touch or lie
// within a gap of each other become one request, up to a maximum size.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace kerchunk
{

struct ByteRange
{
    uint64_t nOffset = 0;
    uint64_t nSize = 0;
};

// One request: the span [nOffset, nOffset + nSize) and the input ranges it
// serves (indices into the input, in offset order).
struct MergedRange
{
    uint64_t nOffset = 0;
    uint64_t nSize = 0;
    std::vector<size_t> anMembers{};
};

// Requests covering every range of aoRanges. A range joins the current
// request when it starts at most nGap bytes after the request's end and the
// request then stays within nMaxMergedSize bytes; a range larger than
// nMaxMergedSize is a request of its own. Empty ranges are ignored.
std::vector<MergedRange> CoalesceRanges(const std::vector<ByteRange> &aoRanges,
                                        uint64_t nGap, uint64_t nMaxMergedSize);

}  // namespace kerchunk
