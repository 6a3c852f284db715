// From the URLs written in kerchunk references (fsspec style) to GDAL paths:
// the schemes of common/gdal_paths.h, plus
//   /vsi.../..., /abs/path       -> unchanged
//   relative/path                -> <folder of the references>/relative/path
#pragma once

#include <string>

namespace kerchunk
{

// Maps `osUrl` to a GDAL path. `osRefsPath` is the references file's own
// GDAL path (relative URLs are resolved from its folder). Returns false with
// osError set for unsupported schemes, for local targets of remote references
// (unless KERCHUNK_ALLOW_REMOTE_REFS_TO_LOCAL_FILES=YES), and for targets in
// /vsikerchunk/ itself.
bool MapUrlToGDALPath(const std::string &osUrl, const std::string &osRefsPath,
                      std::string &osGDALPath, std::string &osError);

}  // namespace kerchunk
