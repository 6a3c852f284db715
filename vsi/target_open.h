// Opening the target of a reference for range reads. GDAL's network file
// systems list the parent "directory" of a file the first time it is opened
// (a GET of the folder's URL on /vsicurl/, a LIST of the prefix on /vsis3/,
// /vsigs/...) unless GDAL_DISABLE_READDIR_ON_OPEN says not to: a round trip
// before the first chunk (measured: GET / before every read of the bench's
// series), and on an object store a listing of a whole prefix, that tells
// nothing a reference does not already say. Unless the user set that option
// (then it is theirs), targets are opened with it at EMPTY_DIR.
#pragma once

#include "cpl_vsi.h"

#include <string>

namespace kerchunk
{

// VSIFOpenExL(osTarget, "rb", bSetError) without the directory listing.
VSILFILE *OpenTargetForRangeReads(const std::string &osTarget, bool bSetError);

}  // namespace kerchunk
