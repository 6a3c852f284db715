// HDF5 filter pipeline -> Zarr v2 "filters" + "compressor".
#pragma once

#include "hdf5.h"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace kerchunk::hdf5
{

struct CodecPipeline
{
    nlohmann::json oFilters = nullptr;     // array, or null when empty
    nlohmann::json oCompressor = nullptr;  // object or null
    // Fletcher32 ran last on write: each stored chunk ends with a 4-byte
    // checksum that the references leave out (size - 4), as kerchunk does.
    bool bDropChecksum = false;
    int nFilters = 0;  // number of HDF5 filters (for filter masks)
    // One entry per HDF5 filter, in pipeline order: its codec, or null for a
    // trailing fletcher32 whose checksum is dropped.
    std::vector<nlohmann::json> aoStages{};
};

// Maps the filters of a dataset creation property list. `nElementSize` is
// the datatype's size. Throws hdf5::Unsupported for filters no codec decodes.
CodecPipeline MapFilters(hid_t hDcpl, size_t nElementSize);

// A chunk whose filter mask skipped some (optional) filters holds bytes that
// went through only part of the pipeline. When the skipped filters are the
// last ones (the usual case: a compressor that could not shrink a chunk),
// applying them now gives the bytes the full pipeline would have stored,
// which can then be inlined. `osStored` excludes a dropped checksum.
// Throws hdf5::Unsupported when that is not possible.
std::string EncodeSkippedFilters(const CodecPipeline &sPipeline, unsigned nMask,
                                 const std::string &osStored);

}  // namespace kerchunk::hdf5
