// ChunkGrid: the chunk keys a window touches, as Zarr v2 names them.
#include "chunk_grid.h"

#include <gtest/gtest.h>

using kerchunk::ChunkGrid;

TEST(ChunkGrid, KeysOfAWindowInCOrder)
{
    const ChunkGrid oGrid("g/t2m", ".", {1, 10, 20});
    std::vector<std::string> aosKeys;
    // t 3..4, rows 9..10 (chunks 0 and 1), columns 0..19 (chunk 0)
    ASSERT_TRUE(oGrid.AppendKeys({3, 9, 0}, {2, 2, 20}, 100, aosKeys));
    EXPECT_EQ(aosKeys, (std::vector<std::string>{"g/t2m/3.0.0", "g/t2m/3.1.0",
                                                 "g/t2m/4.0.0", "g/t2m/4.1.0"}));
}

TEST(ChunkGrid, SeparatorRootAndLimits)
{
    const ChunkGrid oRoot("", "/", {5});
    std::vector<std::string> aosKeys;
    ASSERT_TRUE(oRoot.AppendKeys({4}, {2}, 100, aosKeys));
    EXPECT_EQ(aosKeys, (std::vector<std::string>{"0", "1"}));
    // Too many keys: nothing appended.
    EXPECT_FALSE(oRoot.AppendKeys({0}, {100}, 5, aosKeys));
    EXPECT_EQ(aosKeys.size(), 2u);
    // Wrong rank: refused; empty window: nothing needed.
    EXPECT_FALSE(oRoot.AppendKeys({0, 0}, {1, 1}, 5, aosKeys));
    EXPECT_TRUE(oRoot.AppendKeys({0}, {0}, 5, aosKeys));
    EXPECT_EQ(aosKeys.size(), 2u);
    const ChunkGrid oSlash("a", "/", {2, 2});
    aosKeys.clear();
    ASSERT_TRUE(oSlash.AppendKeys({1, 0}, {2, 1}, 10, aosKeys));
    EXPECT_EQ(aosKeys, (std::vector<std::string>{"a/0/0", "a/1/0"}));
}
