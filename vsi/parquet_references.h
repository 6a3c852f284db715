// Parquet references in fsspec's layout (LazyReferenceMapper), read lazily:
//
//   refs.parq/.zmetadata        {"metadata": {"<key>": <document>, ...},
//                                "record_size": N}
//   refs.parq/<array>/refs.<R>.parq   rows R*N .. R*N+N-1 of the array's
//                                     chunks in C order, columns path
//                                     (string, null for inline or missing),
//                                     offset, size (int64), raw (binary,
//                                     null unless inline)
//
// A row with path and raw null is a missing chunk (fill value), and so is a
// record file that does not exist; offset = size = 0 with a path is the
// whole target file. Only .zmetadata is read on open; a chunk key loads the
// one record file holding it, kept in a bounded LRU.
#pragma once

#include "vsikerchunk.h"

#include <string>

namespace kerchunk
{

constexpr const char *PARQUET_METADATA_KEY = ".zmetadata";

// True when osPath is a folder holding a .zmetadata with "record_size".
bool IsParquetReferences(const std::string &osPath);

// Fills oRefs.oSet with the metadata documents of .zmetadata (inline) and
// oRefs.poChunkLookup with the lazy chunk lookup. False with osError (a
// complete message) when .zmetadata cannot be read or is not fsspec's.
bool LoadParquetReferences(const std::string &osDir, LoadedReferences &oRefs,
                           std::string &osError);

}  // namespace kerchunk
