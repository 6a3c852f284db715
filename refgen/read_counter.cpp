#include "read_counter.h"

namespace kerchunk
{

namespace
{
thread_local uint64_t tl_nBytesRead = 0;
}

void CountSourceBytesRead(uint64_t nBytes)
{
    tl_nBytesRead += nBytes;
}

ScopedReadCounter::ScopedReadCounter() : m_nOuter(tl_nBytesRead)
{
    tl_nBytesRead = 0;
}

ScopedReadCounter::~ScopedReadCounter()
{
    tl_nBytesRead += m_nOuter;
}

uint64_t ScopedReadCounter::Get() const
{
    return tl_nBytesRead;
}

}  // namespace kerchunk
