// The metadata documents /vsikerchunk/ serves: every .zgroup/.zarray/.zattrs
// made inline, .zarray documents adapted to GDAL 3.6's Zarr driver, and the
// consolidated .zmetadata built from them.
#pragma once

#include "vsikerchunk.h"

namespace kerchunk
{

// Called once per references file, right after parsing.
void PrepareMetadata(LoadedReferences &oRefs);

}  // namespace kerchunk
