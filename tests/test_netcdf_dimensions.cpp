// NetCDFShapes: netCDF-4 dimension lengths over the datasets' extents, with
// netCDF's group scoping. The end-to-end check against netCDF4 and GDAL's
// netCDF driver is autotest/test_netcdf_semantics.py.
#include "hdf5/netcdf_dimensions.h"

#include <gtest/gtest.h>

namespace
{
using kerchunk::hdf5::NetCDFShapes;
using kerchunk::hdf5::NetCDFVariableShape;
using Shape = std::vector<uint64_t>;

NetCDFVariableShape Var(const std::string &osGroup, const std::string &osName,
                        std::vector<std::string> aosDims, Shape anExtent,
                        std::vector<bool> abUnlimited, bool bScale = false)
{
    return {osGroup, osName, bScale, std::move(aosDims), std::move(anExtent),
            std::move(abUnlimited)};
}

TEST(NetCDFShapes, UnlimitedAxisTakesTheLargestExtent)
{
    const auto aan = NetCDFShapes({
        Var("/", "time", {"time"}, {5}, {true}, true),
        Var("/", "lat", {"lat"}, {4}, {false}, true),
        Var("/", "t2m", {"time", "lat"}, {3, 4}, {true, false}),
        Var("/", "sp", {"time", "lat"}, {7, 4}, {true, false}),
    });
    EXPECT_EQ(aan[0], Shape({7}));  // the coordinate variable grows too
    EXPECT_EQ(aan[1], Shape({4}));
    EXPECT_EQ(aan[2], Shape({7, 4}));
    EXPECT_EQ(aan[3], Shape({7, 4}));
}

TEST(NetCDFShapes, DimensionWithoutVariableStartsEmpty)
{
    // netCDF-C's dimension-only scale of an unlimited dimension has extent 0.
    const auto aan = NetCDFShapes({
        Var("/", "rec", {"rec"}, {0}, {true}, true),
        Var("/", "a", {"rec"}, {2}, {true}),
        Var("/", "b", {"rec"}, {6}, {true}),
    });
    EXPECT_EQ(aan[1], Shape({6}));
    EXPECT_EQ(aan[2], Shape({6}));
}

TEST(NetCDFShapes, ScopingFindsTheNearestGroup)
{
    const auto aan = NetCDFShapes({
        Var("/", "time", {"time"}, {5}, {true}, true),
        Var("/g", "time", {"time"}, {2}, {true}, true),  // shadows /time in /g
        Var("/g", "a", {"time"}, {1}, {true}),
        Var("/g/h", "b", {"time"}, {1}, {true}),  // /g/time
        Var("/k", "c", {"time"}, {3}, {true}),    // /time
    });
    EXPECT_EQ(aan[2], Shape({2}));
    EXPECT_EQ(aan[3], Shape({2}));
    EXPECT_EQ(aan[4], Shape({5}));
}

TEST(NetCDFShapes, FixedAxesAndAxesWithoutScaleKeepTheirExtent)
{
    const auto aan = NetCDFShapes({
        Var("/", "x", {"x"}, {9}, {false}, true),
        Var("/", "a", {"x"}, {4}, {false}),  // not unlimited: kept
        Var("/", "p", {"phony_dim_0"}, {3}, {true}),
        Var("/", "q", {"phony_dim_0"}, {8}, {true}),  // no scale of that name
    });
    EXPECT_EQ(aan[1], Shape({4}));
    EXPECT_EQ(aan[2], Shape({3}));
    EXPECT_EQ(aan[3], Shape({8}));
}

}  // namespace
