// "lzf": a chunk of HDF5's LZF filter (id 32000, h5py lzf_filter.c) is one
// raw LZF block as liblzf's lzf_compress writes it, without header.
#include "codec_contract.h"

#include <cstring>

namespace kerchunk
{

size_t DecodeLzf(const GByte *pIn, size_t nIn, GByte *pOut,
                 size_t nOutCapacity, const CodecOptions &)
{
    // liblzf format (lzf_d.c): a control byte c;
    //   c < 32: a literal run of c + 1 bytes follows;
    //   else:   a back reference of length (c >> 5) + 2, where a length field
    //           of 7 continues in the next byte, at distance
    //           ((c & 0x1f) << 8 | next byte) + 1 behind the output position.
    if (nIn == 0)
        ThrowCodecError("lzf: empty chunk");
    size_t nIp = 0;
    size_t nOp = 0;
    while (nIp < nIn)
    {
        const unsigned nCtrl = pIn[nIp++];
        if (nCtrl < 32)
        {
            const size_t nLen = nCtrl + 1;
            if (nLen > nIn - nIp)
                ThrowCodecError("lzf: truncated literal run at byte %llu",
                                static_cast<unsigned long long>(nIp - 1));
            if (nLen > nOutCapacity - nOp)
                ThrowCodecError("lzf: decoded data exceeds the %llu bytes of the tile",
                                static_cast<unsigned long long>(nOutCapacity));
            memcpy(pOut + nOp, pIn + nIp, nLen);
            nIp += nLen;
            nOp += nLen;
        }
        else
        {
            size_t nLen = nCtrl >> 5;
            if (nLen == 7)
            {
                if (nIp >= nIn)
                    ThrowCodecError("lzf: truncated back reference at byte %llu",
                                    static_cast<unsigned long long>(nIp - 1));
                nLen += pIn[nIp++];
            }
            nLen += 2;
            if (nIp >= nIn)
                ThrowCodecError("lzf: truncated back reference at byte %llu",
                                static_cast<unsigned long long>(nIp - 1));
            const size_t nDistance = (((nCtrl & 0x1f) << 8) | pIn[nIp++]) + 1;
            if (nDistance > nOp)
                ThrowCodecError("lzf: back reference before the start of the "
                                "output (corrupted chunk)");
            if (nLen > nOutCapacity - nOp)
                ThrowCodecError("lzf: decoded data exceeds the %llu bytes of the tile",
                                static_cast<unsigned long long>(nOutCapacity));
            // Byte by byte: the reference may overlap the bytes it produces.
            const GByte *pRef = pOut + nOp - nDistance;
            GByte *pDst = pOut + nOp;
            for (size_t i = 0; i < nLen; ++i)
                pDst[i] = pRef[i];
            nOp += nLen;
        }
    }
    return nOp;
}

}  // namespace kerchunk
