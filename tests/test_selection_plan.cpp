// Chunk keys of strided selections (ChunkGrid::ChunkIndicesAlong) and their
// cut into parts within a byte budget (PlanSelection), as the
// multidimensional view's reads plan them.
#include "selection_plan.h"

#include <gtest/gtest.h>

#include <set>

using kerchunk::ChunkGrid;
using kerchunk::PlanSelection;
using kerchunk::Selection;

namespace
{

// Every chunk key of the selection, found element by element.
std::set<std::string> KeysByElements(const ChunkGrid &oGrid, const std::string &osPrefix,
                                     const Selection &oSel)
{
    std::set<std::string> oKeys;
    const size_t nDims = oSel.anStart.size();
    std::vector<uint64_t> anK(nDims, 0);
    for (;;)
    {
        std::string osKey = osPrefix;
        for (size_t i = 0; i < nDims; ++i)
        {
            const int64_t nIndex = static_cast<int64_t>(oSel.anStart[i]) +
                                   static_cast<int64_t>(anK[i]) * oSel.anStep[i];
            const int64_t nChunk = static_cast<int64_t>(oGrid.GetChunkSize(i));
            osKey += (i ? "." : "") + std::to_string(nIndex / nChunk);
        }
        oKeys.insert(osKey);
        size_t i = nDims;
        while (i > 0 && anK[i - 1] + 1 == oSel.anCount[i - 1])
            anK[--i] = 0;
        if (i == 0)
            return oKeys;
        ++anK[i - 1];
    }
}

uint64_t TenBytesEach(const std::vector<std::string> &aosKeys)
{
    return 10 * aosKeys.size();
}

}  // namespace

TEST(ChunkGrid, ChunkIndicesOfStridedAndReversedSelections)
{
    const ChunkGrid oGrid("a", ".", {4});
    // Steps up to a chunk touch every chunk between the ends.
    EXPECT_EQ(oGrid.ChunkIndicesAlong(0, 1, 5, 3), (std::vector<uint64_t>{0, 1, 2, 3}));
    EXPECT_EQ(oGrid.ChunkIndicesAlong(0, 13, 4, -4), (std::vector<uint64_t>{3, 2, 1, 0}));
    // Wider steps skip chunks.
    EXPECT_EQ(oGrid.ChunkIndicesAlong(0, 0, 3, 9), (std::vector<uint64_t>{0, 2, 4}));
    EXPECT_EQ(oGrid.ChunkIndicesAlong(0, 18, 3, -9), (std::vector<uint64_t>{4, 2, 0}));
    EXPECT_EQ(oGrid.ChunkIndicesAlong(0, 7, 1, 0), (std::vector<uint64_t>{1}));
    EXPECT_TRUE(oGrid.ChunkIndicesAlong(0, 7, 0, 1).empty());
}

TEST(PlanSelection, OnePartHasExactlyTheTouchedKeys)
{
    const ChunkGrid oGrid("v", ".", {1, 3, 5});
    const std::vector<Selection> aoSelections = {
        {{0, 4, 7}, {24, 1, 1}, {1, 1, 1}},     // one pixel, every step
        {{23, 8, 19}, {12, 3, 4}, {-2, -3, -6}},  // reversed, strided
        {{2, 0, 0}, {3, 10, 20}, {7, 1, 1}},    // whole fields, every 7th
    };
    for (const auto &oSel : aoSelections)
    {
        const auto aoParts = PlanSelection(oGrid, oSel, 1000, 1 << 30, TenBytesEach);
        ASSERT_EQ(aoParts.size(), 1u);
        EXPECT_EQ(aoParts[0].nFirst, 0u);
        EXPECT_EQ(aoParts[0].nCount, oSel.anCount[0]);
        const std::set<std::string> oGot(aoParts[0].aosKeys.begin(), aoParts[0].aosKeys.end());
        EXPECT_EQ(oGot.size(), aoParts[0].aosKeys.size());  // each key once
        EXPECT_EQ(oGot, KeysByElements(oGrid, "v/", oSel));
    }
}

TEST(PlanSelection, CutAtChunkBoundariesWithinTheBudget)
{
    // Dimension 0 has a single chunk in the selection: the cut is along 1.
    const ChunkGrid oGrid("", ".", {10, 3, 2});
    const Selection oSel{{0, 17, 1}, {1, 16, 2}, {1, -1, 1}};  // rows 17 down to 2
    // Rows 17..2 are chunks 5..0: 6 slabs of 2 keys (20 bytes), 2 slabs a part.
    const auto aoParts = PlanSelection(oGrid, oSel, 1000, 40, TenBytesEach);
    ASSERT_EQ(aoParts.size(), 3u);
    std::set<std::string> oAll;
    uint64_t nNext = 0;
    for (const auto &oPart : aoParts)
    {
        EXPECT_EQ(oPart.iDim, 1u);
        EXPECT_EQ(oPart.nFirst, nNext);  // parts follow each other
        nNext = oPart.nFirst + oPart.nCount;
        EXPECT_LE(TenBytesEach(oPart.aosKeys), 40u);
        // The part's own elements need exactly its keys.
        Selection oPartSel = oSel;
        oPartSel.anStart[1] = oSel.anStart[1] - oPart.nFirst;
        oPartSel.anCount[1] = oPart.nCount;
        EXPECT_EQ(std::set<std::string>(oPart.aosKeys.begin(), oPart.aosKeys.end()),
                  KeysByElements(oGrid, "", oPartSel));
        oAll.insert(oPart.aosKeys.begin(), oPart.aosKeys.end());
    }
    EXPECT_EQ(nNext, 16u);
    EXPECT_EQ(oAll, KeysByElements(oGrid, "", oSel));
    // Chunks 5,4 (rows 17..12) | 3,2 (rows 11..6) | 1,0 (rows 5..2).
    EXPECT_EQ(aoParts[1].nFirst, 6u);
    EXPECT_EQ(aoParts[2].nFirst, 12u);
    EXPECT_EQ(aoParts[2].nCount, 4u);
}

TEST(PlanSelection, RefusedSelections)
{
    const ChunkGrid oGrid("", ".", {1, 1});
    EXPECT_TRUE(PlanSelection(oGrid, {{0, 0}, {100, 100}, {1, 1}}, 5000, 1 << 30,
                              TenBytesEach)
                    .empty());  // too many keys
    EXPECT_TRUE(PlanSelection(oGrid, {{0}, {1}, {1}}, 5000, 1 << 30, TenBytesEach).empty());
    EXPECT_TRUE(PlanSelection(oGrid, {{0, 0}, {0, 1}, {1, 1}}, 5000, 1 << 30, TenBytesEach)
                    .empty());  // empty
}
