// NetCDF-4 dimension lengths over the HDF5 datasets that store the variables.
//
// netCDF-C extends each variable's dataset only as far as it was written: a
// variable written for 3 steps of an unlimited "time" of 5 is a dataset of
// extent 3. netCDF (and GDAL's netCDF driver) show it with the dimension's
// length, the largest extent among the variables that use it, the rest read
// as the fill value. Zarr arrays must have that shape too, or readers see
// dimensions of the same name with different sizes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace kerchunk::hdf5
{

struct NetCDFVariableShape
{
    std::string osGroup;                  // "/" or "/a/b"
    std::string osName;                   // base name of the dataset
    bool bIsDimensionScale = false;       // CLASS = DIMENSION_SCALE
    std::vector<std::string> aosDimensions{};
    std::vector<uint64_t> anExtent{};     // the dataset's current extent
    std::vector<bool> abUnlimited{};      // maximum extent is H5S_UNLIMITED
};

// The shape of every variable with each unlimited axis set to its
// dimension's length. A dimension is the dimension scale of that name in the
// variable's group or the nearest ancestor that has one (netCDF's scoping);
// axes without such a scale, or not unlimited, keep their extent.
std::vector<std::vector<uint64_t>>
NetCDFShapes(const std::vector<NetCDFVariableShape> &aoVariables);

}  // namespace kerchunk::hdf5
