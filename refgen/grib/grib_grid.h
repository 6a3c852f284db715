// The geometry of a GRIB grid as Zarr coordinates and a CF grid mapping:
// 1-D latitude/longitude for regular lat/lon and Gaussian grids, 1-D x/y
// plus a CRS for Lambert conformal, polar stereographic, Mercator and
// rotated lat/lon grids (computed the way GDAL's GRIB driver does: the first
// grid point projected, then constant steps), a bare 2-D (y, x) array for
// other rectangular grids, and 1-D "values" for grids that are no rectangle
// (reduced Gaussian, spherical harmonics, unstructured, HEALPix, ...).
#pragma once

#include "grib_handle.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace kerchunk
{

enum class GribGridKind
{
    LatLon,     // dims (latitude, longitude)
    Projected,  // dims (y, x), with a CRS
    Plain2D,    // dims (y, x), no coordinates
    OneD,       // dims (values)
};

struct GribGrid
{
    GribGridKind eKind = GribGridKind::OneD;
    std::string osGridType{};
    uint64_t nX = 0;  // OneD: the number of values
    uint64_t nY = 0;
    // jPointsAreConsecutive: values run along columns, so the array is
    // (x, y) rather than (y, x).
    bool bColumnMajor = false;
    std::string osXName{}, osYName{};
    std::vector<double> adfX{}, adfY{};
    nlohmann::json oXAttributes = nlohmann::json::object();
    nlohmann::json oYAttributes = nlohmann::json::object();
    std::string osWkt{};  // WKT2 of the CRS, empty when unknown
    nlohmann::json oGridMapping = nlohmann::json::object();  // CF attributes
};

// `oHeader` parses the field's headers; `fnFullCount` returns the number of
// values eccodes decodes for the field (it parses the whole message, used
// only for grids that are not rectangles). A field is one chunk: one whose
// float64 values would exceed KERCHUNK_MAX_CHUNK_SIZE throws GribFieldError
// (a tiny constant-field message may declare 4 billion points).
GribGrid DescribeGribGrid(const EccodesHandle &oHeader,
                          const std::function<uint64_t()> &fnFullCount);

}  // namespace kerchunk
