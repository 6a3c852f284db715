// CF georeferencing of a 2-D slice of a multidimensional array, computed the
// way GDAL 3.6's netCDF driver does it in classic mode (geotransform from the
// 1-D coordinate variables, north-up row order, CRS from CF grid_mapping), so
// that the KERCHUNK classic view of a variable equals NETCDF:"file":var.
#pragma once

#include <array>
#include <cstddef>
#include <memory>
#include <string>

class GDALGroup;
class GDALMDArray;

namespace kerchunk
{

struct CFGeoreferencing
{
    bool bHasGeoTransform = false;
    std::array<double, 6> adfGeoTransform{0, 1, 0, 0, 0, 1};
    // Rows are stored south-up: the classic view must flip them. The
    // geotransform is the one of the flipped, north-up view. Like the netCDF
    // driver, this is also true when there is no Y coordinate at all.
    bool bBottomUp = false;
    // WKT 1 with the CRS's own axis order; import it with
    // OAMS_TRADITIONAL_GIS_ORDER, as GDAL's raster API hands CRSs out.
    std::string osWKT;              // empty when no CRS
    std::string osGridMappingName;  // informational ("" without grid_mapping)
    // X is a longitude and Y a latitude axis (by the netCDF driver's rules).
    // GDAL 3.6 attaches no CRS to such grids without a grid_mapping; see
    // CFGeoreferencingOptions::bAssumeWGS84ForLonLat.
    bool bIsLonLat = false;
};

struct CFGeoreferencingOptions
{
    // Report WGS 84 (EPSG:4326) for a longitude/latitude grid that has no
    // grid_mapping. Off by default: GDAL 3.6's netCDF driver reports no CRS
    // for those, and the classic view is meant to equal it.
    bool bAssumeWGS84ForLonLat = false;
    // Also handle CF grid mappings GDAL 3.6's netCDF driver leaves out:
    // rotated_latitude_longitude (CRS via PROJ's ob_tran, and a geotransform
    // over grid_longitude/grid_latitude axes, which 3.6 refuses). Off by
    // default for the same reason.
    bool bRotatedPole = false;
};

// iYDim/iXDim: indices of the Y (rows) and X (columns) dimensions of poArray
// (normally the last two). poRootGroup resolves the grid_mapping variable and
// the coordinate variables by name or path. Never throws; anything odd gives a
// result without geotransform and/or CRS.
CFGeoreferencing
ComputeCFGeoreferencing(const std::shared_ptr<GDALMDArray> &poArray,
                        const std::shared_ptr<GDALGroup> &poRootGroup,
                        size_t iYDim, size_t iXDim,
                        const CFGeoreferencingOptions &oOptions = {});

// The dimensions the classic view shows as rows (Y) and columns (X): the last
// two, swapped when they are stored (X, Y), e.g. GRIB grids with
// jPointsAreConsecutive = 1, so that the raster is not transposed. Stored
// (X, Y) means: the coordinate variables say the next-to-last dimension is an
// X axis (longitude, projection_x_coordinate, grid_longitude, axis = X) and
// the last a Y axis; or, without coordinate variables, they are named x and
// y. GDAL's GRIB driver shows such grids north-up; GDAL 3.6's netCDF driver
// would show them transposed.
struct ClassicAxes
{
    size_t iYDim = 0;
    size_t iXDim = 0;
    bool IsTransposed() const
    {
        return iXDim < iYDim;
    }
};
ClassicAxes ClassicAxesOf(const std::shared_ptr<GDALMDArray> &poArray,
                          const std::shared_ptr<GDALGroup> &poRootGroup);

}  // namespace kerchunk
