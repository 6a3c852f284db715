// "hdf5_lz4": a chunk of the HDF5 lz4 filter (id 32004, H5Zlz4.c from
// HDFGroup/hdf5_plugins): 8-byte big-endian decoded size, 4-byte big-endian
// block size, then per block a 4-byte big-endian stored size and an LZ4 block;
// a block whose stored size equals its decoded size is stored raw.
#include "codec_contract.h"

#include <lz4.h>

#include <algorithm>
#include <climits>
#include <cstring>

namespace kerchunk
{
namespace
{

uint64_t ReadBE(const GByte *p, int nBytes)
{
    uint64_t nValue = 0;
    for (int i = 0; i < nBytes; ++i)
        nValue = (nValue << 8) | p[i];
    return nValue;
}

}  // namespace

size_t DecodeHdf5Lz4(const GByte *pIn, size_t nIn, GByte *pOut,
                     size_t nOutCapacity, const CodecOptions &)
{
    constexpr size_t HEADER_SIZE = 12;
    if (nIn < HEADER_SIZE)
        ThrowCodecError("hdf5_lz4: chunk of %llu bytes is shorter than the "
                        "12-byte header",
                        static_cast<unsigned long long>(nIn));
    const uint64_t nOrigSize = ReadBE(pIn, 8);
    uint64_t nBlockSize = ReadBE(pIn + 8, 4);
    if (nOrigSize > nOutCapacity)
        ThrowCodecError("hdf5_lz4: header declares %llu decoded bytes, the "
                        "tile has %llu",
                        static_cast<unsigned long long>(nOrigSize),
                        static_cast<unsigned long long>(nOutCapacity));
    if (nBlockSize > nOrigSize)
        nBlockSize = nOrigSize;
    if (nBlockSize == 0 && nOrigSize != 0)
        ThrowCodecError("hdf5_lz4: header declares a block size of 0");

    size_t nPos = HEADER_SIZE;
    uint64_t nDone = 0;
    while (nDone < nOrigSize)
    {
        const uint64_t nThisBlock = std::min(nBlockSize, nOrigSize - nDone);
        if (nIn - nPos < 4)
            ThrowCodecError("hdf5_lz4: truncated chunk (block header at byte "
                            "%llu)",
                            static_cast<unsigned long long>(nPos));
        const uint64_t nStored = ReadBE(pIn + nPos, 4);
        nPos += 4;
        if (nStored > nIn - nPos)
            ThrowCodecError("hdf5_lz4: truncated chunk (block of %llu bytes at "
                            "byte %llu, %llu left)",
                            static_cast<unsigned long long>(nStored),
                            static_cast<unsigned long long>(nPos),
                            static_cast<unsigned long long>(nIn - nPos));
        if (nStored == nThisBlock)
        {
            memcpy(pOut + nDone, pIn + nPos, static_cast<size_t>(nThisBlock));
        }
        else
        {
            if (nStored > INT_MAX || nThisBlock > INT_MAX)
                ThrowCodecError("hdf5_lz4: block too large for LZ4");
            const int nGot = LZ4_decompress_safe(
                reinterpret_cast<const char *>(pIn + nPos),
                reinterpret_cast<char *>(pOut + nDone),
                static_cast<int>(nStored), static_cast<int>(nThisBlock));
            if (nGot < 0 || static_cast<uint64_t>(nGot) != nThisBlock)
                ThrowCodecError("hdf5_lz4: corrupted LZ4 block at byte %llu",
                                static_cast<unsigned long long>(nPos));
        }
        nPos += static_cast<size_t>(nStored);
        nDone += nThisBlock;
    }
    return static_cast<size_t>(nOrigSize);
}

}  // namespace kerchunk
