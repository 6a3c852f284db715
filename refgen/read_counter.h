// Bytes a generation reads from its source, for the operator metrics of the
// reference cache. Counted per thread: a generation runs on one thread, and
// several generations (-j N) run side by side without mixing their counts.
#pragma once

#include <cstdint>

namespace kerchunk
{

// Called by every reader of a source (format detection, HDF5 VFD, NetCDF-3
// and GRIB readers) with the bytes it got from VSI.
void CountSourceBytesRead(uint64_t nBytes);

// Counts what this thread reads while the object lives. Scopes nest: an
// outer scope also sees what an inner one counted.
class ScopedReadCounter
{
  public:
    ScopedReadCounter();
    ~ScopedReadCounter();
    ScopedReadCounter(const ScopedReadCounter &) = delete;
    ScopedReadCounter &operator=(const ScopedReadCounter &) = delete;

    uint64_t Get() const;

  private:
    uint64_t m_nOuter = 0;
};

}  // namespace kerchunk
