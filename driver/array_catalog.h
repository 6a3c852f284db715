// Finding arrays in a multidimensional root group: by path, and the ones the
// classic view shows (as GDAL's netCDF driver: data variables, not
// coordinates).
#pragma once

#include "gdal_priv.h"

#include <memory>
#include <string>
#include <vector>

namespace kerchunk
{

// "/g/a" or "g/a" or "a"; null (no error emitted) when absent.
std::shared_ptr<GDALMDArray> OpenArrayByPath(const std::shared_ptr<GDALGroup> &poRoot,
                                             const std::string &osPath);

// Every array under poRoot, depth first.
std::vector<std::shared_ptr<GDALMDArray>>
ListAllArrays(const std::shared_ptr<GDALGroup> &poRoot);

// The arrays the classic view offers: at least 2-D numeric arrays that are
// not coordinates/bounds of another array; if none, 1-D arrays that are not
// a dimension's indexing variable.
std::vector<std::shared_ptr<GDALMDArray>>
ListRasterCandidates(const std::shared_ptr<GDALGroup> &poRoot);

}  // namespace kerchunk
