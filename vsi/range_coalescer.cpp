#include "range_coalescer.h"

#include <algorithm>
#include <numeric>

namespace kerchunk
{

std::vector<MergedRange> CoalesceRanges(const std::vector<ByteRange> &aoRanges,
                                        uint64_t nGap, uint64_t nMaxMergedSize)
{
    std::vector<size_t> anOrder(aoRanges.size());
    std::iota(anOrder.begin(), anOrder.end(), size_t{0});
    std::stable_sort(anOrder.begin(), anOrder.end(), [&](size_t a, size_t b)
                     { return aoRanges[a].nOffset < aoRanges[b].nOffset; });

    std::vector<MergedRange> aoMerged;
    for (const size_t i : anOrder)
    {
        const ByteRange &oRange = aoRanges[i];
        if (oRange.nSize == 0)
            continue;
        const uint64_t nEnd = oRange.nOffset + oRange.nSize;
        if (!aoMerged.empty())
        {
            MergedRange &oLast = aoMerged.back();
            const uint64_t nLastEnd = oLast.nOffset + oLast.nSize;
            const uint64_t nNewEnd = std::max(nLastEnd, nEnd);
            // Offsets are sorted, so oRange.nOffset >= oLast.nOffset.
            if (oRange.nOffset <= nLastEnd + nGap &&
                nNewEnd - oLast.nOffset <= nMaxMergedSize)
            {
                oLast.nSize = nNewEnd - oLast.nOffset;
                oLast.anMembers.push_back(i);
                continue;
            }
        }
        MergedRange oNew;
        oNew.nOffset = oRange.nOffset;
        oNew.nSize = oRange.nSize;
        oNew.anMembers.push_back(i);
        aoMerged.push_back(std::move(oNew));
    }
    return aoMerged;
}

}  // namespace kerchunk
