// numcodecs "bz2": bzip2 stream(s), decoded as Python's bz2.decompress does
// (several concatenated streams allowed; anything else after one is an error).
#include "codec_contract.h"

#include <bzlib.h>

#include <algorithm>
#include <climits>

namespace kerchunk
{
namespace
{

struct Bz2Stream
{
    bz_stream m_sStream{};
    Bz2Stream()
    {
        if (BZ2_bzDecompressInit(&m_sStream, 0, 0) != BZ_OK)
            ThrowCodecError("bz2: cannot initialise the decompressor");
    }
    ~Bz2Stream()
    {
        BZ2_bzDecompressEnd(&m_sStream);
    }
    Bz2Stream(const Bz2Stream &) = delete;
    Bz2Stream &operator=(const Bz2Stream &) = delete;
};

}  // namespace

size_t DecodeBz2(const GByte *pIn, size_t nIn, GByte *pOut,
                 size_t nOutCapacity, const CodecOptions &)
{
    if (nIn == 0)
        ThrowCodecError("bz2: empty chunk");
    size_t nInPos = 0;
    size_t nOutPos = 0;
    while (nInPos < nIn)
    {
        Bz2Stream oStream;
        bz_stream &s = oStream.m_sStream;
        while (true)
        {
            // bz_stream counts in unsigned int: feed and drain in slices.
            const unsigned nInSlice =
                static_cast<unsigned>(std::min<size_t>(nIn - nInPos, UINT_MAX));
            unsigned nOutSlice = static_cast<unsigned>(
                std::min<size_t>(nOutCapacity - nOutPos, UINT_MAX));
            char chScratch = 0;  // detects output beyond the tile
            const bool bFull = nOutSlice == 0;
            s.next_in =
                const_cast<char *>(reinterpret_cast<const char *>(pIn + nInPos));
            s.avail_in = nInSlice;
            s.next_out = bFull ? &chScratch : reinterpret_cast<char *>(pOut + nOutPos);
            s.avail_out = bFull ? 1 : nOutSlice;
            if (bFull)
                nOutSlice = 1;
            const int nRet = BZ2_bzDecompress(&s);
            const size_t nConsumed = nInSlice - s.avail_in;
            const size_t nProduced = nOutSlice - s.avail_out;
            nInPos += nConsumed;
            if (bFull && nProduced > 0)
                ThrowCodecError("bz2: decompressed data is larger than the "
                                "%llu bytes of the tile",
                                static_cast<unsigned long long>(nOutCapacity));
            if (!bFull)
                nOutPos += nProduced;
            if (nRet == BZ_STREAM_END)
                break;
            if (nRet == BZ_DATA_ERROR_MAGIC)
                ThrowCodecError("bz2: not a bzip2 stream (bad header at byte "
                                "%llu)",
                                static_cast<unsigned long long>(nInPos -
                                                                nConsumed));
            if (nRet == BZ_DATA_ERROR)
                ThrowCodecError("bz2: corrupted stream");
            if (nRet == BZ_MEM_ERROR)
                ThrowCodecError("bz2: out of memory");
            if (nRet != BZ_OK)
                ThrowCodecError("bz2: decompression failed (error %d)", nRet);
            if (nConsumed == 0 && nProduced == 0)
                ThrowCodecError("bz2: truncated stream (%llu bytes)",
                                static_cast<unsigned long long>(nIn));
        }
    }
    return nOutPos;
}

}  // namespace kerchunk
