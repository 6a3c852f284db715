// The KERCHUNK dataset name grammar, as NETCDF:"file":var:
//   KERCHUNK:refs.json                 all arrays (one → raster, several →
//                                      subdatasets)
//   KERCHUNK:"refs.json":/group/array  one array
//   KERCHUNK:"refs.json"               the quotes may protect any path
// The path may also be a NetCDF/HDF5/GRIB source file (references made lazily).
#pragma once

#include <string>

namespace kerchunk
{

constexpr const char *KERCHUNK_DATASET_PREFIX = "KERCHUNK:";

struct KerchunkDatasetName
{
    std::string osPath{};   // references file or source, any GDAL path
    std::string osArray{};  // array path; empty for "all"
};

// False when the name does not start with KERCHUNK: or is malformed.
bool ParseKerchunkDatasetName(const std::string &osName, KerchunkDatasetName &oName);

// The name of one array's subdataset: KERCHUNK:"<path>":<array>.
std::string MakeSubdatasetName(const std::string &osPath, const std::string &osArray);

}  // namespace kerchunk
