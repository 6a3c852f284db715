#include "reference_set.h"

#include <gtest/gtest.h>

TEST(ReferenceSet, ListsDirectories)
{
    kerchunk::ReferenceSet oSet;
    oSet.AddInline(".zgroup", "{}");
    oSet.AddInline("a/.zarray", "{}");
    oSet.AddRange("a/0.0", "/x", 0, 4);
    oSet.AddRange("a/b/0", "/x", 4, 4);
    oSet.AddRange("ab", "/x", 4, 4);
    EXPECT_TRUE(oSet.IsDirectory("a"));
    EXPECT_TRUE(oSet.IsDirectory("a/b"));
    EXPECT_FALSE(oSet.IsDirectory("ab"));
    const auto aosRoot = oSet.ListDirectory("");
    ASSERT_EQ(aosRoot.size(), 3u);
    EXPECT_EQ(aosRoot[0], ".zgroup");
    EXPECT_EQ(aosRoot[1], "a");
    EXPECT_EQ(aosRoot[2], "ab");
    const auto aosA = oSet.ListDirectory("a");
    ASSERT_EQ(aosA.size(), 3u);
    EXPECT_EQ(aosA[2], "b");
}
