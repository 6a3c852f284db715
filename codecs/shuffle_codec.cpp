// numcodecs "shuffle": HDF5's byte shuffle filter (H5Zshuffle.c), decoded.
#include "codec_contract.h"

#include <cstring>

namespace kerchunk
{
namespace
{

// Element-major loop with the element size known at compile time: sequential
// writes, nElementSize sequential read streams.
template <size_t ELEMENT_SIZE>
void Unshuffle(const GByte *pIn, size_t nElements, GByte *pOut)
{
    for (size_t i = 0; i < nElements; ++i)
    {
        for (size_t j = 0; j < ELEMENT_SIZE; ++j)
            pOut[i * ELEMENT_SIZE + j] = pIn[j * nElements + i];
    }
}

}  // namespace

size_t DecodeShuffle(const GByte *pIn, size_t nIn, GByte *pOut,
                     size_t nOutCapacity, const CodecOptions &oOptions)
{
    // numcodecs' default element size; HDF5 writes it explicitly (cd_values[0]).
    const size_t nElementSize = static_cast<size_t>(
        oOptions.GetInt("shuffle", "elementsize", 1, 1 << 20, 4));
    CheckOutputFits("shuffle", nIn, nOutCapacity);
    if (nIn == 0)
        return 0;

    const size_t nElements = nIn / nElementSize;
    if (nElementSize == 1 || nElements <= 1)
    {
        memcpy(pOut, pIn, nIn);
        return nIn;
    }
    // Stored: byte 0 of every element, then byte 1 of every element, ...
    switch (nElementSize)
    {
        case 2: Unshuffle<2>(pIn, nElements, pOut); break;
        case 4: Unshuffle<4>(pIn, nElements, pOut); break;
        case 8: Unshuffle<8>(pIn, nElements, pOut); break;
        default:
            for (size_t iByte = 0; iByte < nElementSize; ++iByte)
            {
                const GByte *pSrc = pIn + iByte * nElements;
                GByte *pDst = pOut + iByte;
                for (size_t i = 0; i < nElements; ++i, pDst += nElementSize)
                    *pDst = pSrc[i];
            }
            break;
    }
    // As HDF5 does: bytes past the last whole element are stored as is.
    const size_t nShuffled = nElements * nElementSize;
    memcpy(pOut + nShuffled, pIn + nShuffled, nIn - nShuffled);
    return nIn;
}

}  // namespace kerchunk
