#include "exact_range_read.h"

#include "cpl_error.h"

namespace kerchunk
{

bool ReadExactRange(VSILFILE *fp, uint64_t nOffset, void *pBuffer, size_t nSize)
{
    if (fp == nullptr || nSize < 2)
        return false;
    GByte *pabyBuffer = static_cast<GByte *>(pBuffer);
    void *apData[2] = {pabyBuffer, pabyBuffer + nSize - 1};
    const vsi_l_offset anOffsets[2] = {nOffset, nOffset + nSize - 1};
    const size_t anSizes[2] = {nSize - 1, 1};
    // A failure here is not the caller's: its fallback read reports its own.
    CPLErrorStateBackuper oKeepErrorState;
    CPLErrorHandlerPusher oQuiet(CPLQuietErrorHandler);
    return VSIFReadMultiRangeL(2, apData, anOffsets, anSizes, fp) == 0;
}

}  // namespace kerchunk
