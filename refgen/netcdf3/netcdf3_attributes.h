// NetCDF-3 attributes and fill values as JSON, the way netCDF4-python (and
// so xarray) reports them.
#pragma once

#include "netcdf3_header.h"

#include <nlohmann/json.hpp>

#include <vector>

namespace kerchunk
{

// char -> string (UTF-8 with replacement, NULs removed); one numeric value
// -> scalar; otherwise a list.
nlohmann::json NC3AttributeValue(const NC3Attribute &oAttr);

// All attributes as a JSON object, `_FillValue` left out (it becomes the
// Zarr fill_value) unless it cannot be one.
nlohmann::json NC3VariableAttributes(const NC3Variable &oVar);

// The Zarr fill_value: the `_FillValue` attribute, else netCDF's default
// fill for the type (netcdf.h NC_FILL_*); null for char variables.
nlohmann::json NC3FillValue(const NC3Variable &oVar);

}  // namespace kerchunk
