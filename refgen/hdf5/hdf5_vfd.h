// An HDF5 virtual file driver (HDF5 1.10 VFL, H5FD_class_t) reading through
// GDAL's VSI, so that /vsicurl/, /vsis3/ ... sources work like local files.
//
// Two additions over a plain pass-through:
// - metadata reads of remote sources go through a block cache (large aligned
//   reads), so walking object headers and chunk indexes costs a few big
//   requests instead of thousands of tiny ones;
// - a "record" mode in which a raw-data read (H5FD_MEM_DRAW) is not performed
//   but its address and size are remembered. H5Dread_chunk() in record mode
//   thus tells where a chunk is stored without downloading it.
#pragma once

#include "hdf5_handle.h"

#include <cstdint>
#include <string>

namespace kerchunk::hdf5
{

// Opens `osSource` (any GDAL path) read-only through the VSI driver.
// Throws kerchunk::Error naming the file when it is not a readable HDF5 file.
Handle OpenVSIFile(const std::string &osSource);

// The raw read seen while recording.
struct RecordedRead
{
    uint64_t nAddress = 0;
    uint64_t nSize = 0;
    int nCount = 0;  // number of raw reads seen (1 expected)
};

// While alive, raw-data reads of `hFile` (opened by OpenVSIFile) are
// recorded into `sRead` instead of being performed.
class RecordScope
{
  public:
    RecordScope(hid_t hFile, RecordedRead &sRead);
    ~RecordScope();
    RecordScope(const RecordScope &) = delete;
    RecordScope &operator=(const RecordScope &) = delete;

  private:
    void *m_poFile = nullptr;
};

// Number of read requests issued to VSI for `hFile` (for tests and debug).
uint64_t GetVSIReadCount(hid_t hFile);

}  // namespace kerchunk::hdf5
