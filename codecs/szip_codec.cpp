// "szip": a chunk of HDF5's szip filter (id 4, H5Zszip.c): 4-byte
// little-endian decoded size, then the SZIP (CCSDS 121.0-B) stream. The
// options are the filter's cd_values in H5Zszip.c order: mask,
// pixels_per_block, bits_per_pixel, pixels_per_scanline.
//
// Decoded with libaec's own API, set up the way libaec's szlib-compatible
// SZ_BufftoBuffDecompress (sz_compat.c) does it, because that function
// reports success with zero-filled output for a truncated stream when
// scanlines are padded; here the decoded length is checked.
#include "codec_contract.h"

#include <libaec.h>

#include <climits>
#include <cstring>
#include <vector>

namespace kerchunk
{
namespace
{

// szlib option bits (szlib.h) that change decoding.
constexpr int SZ_MSB_OPTION = 16;
constexpr int SZ_NN_OPTION = 32;

}  // namespace

size_t DecodeSzip(const GByte *pIn, size_t nIn, GByte *pOut,
                  size_t nOutCapacity, const CodecOptions &oOptions)
{
    constexpr const char *CODEC = "szip";
    const int nMask = static_cast<int>(oOptions.GetInt(CODEC, "mask", 0, INT_MAX));
    const int nPPB =
        static_cast<int>(oOptions.GetInt(CODEC, "pixels_per_block", 2, 32));
    const int nBPP =
        static_cast<int>(oOptions.GetInt(CODEC, "bits_per_pixel", 1, 64));
    // CCSDS limits a reference sample interval to 4096 blocks.
    const int nPPS = static_cast<int>(
        oOptions.GetInt(CODEC, "pixels_per_scanline", 1, 4096 * 32));
    if (nPPB % 2 != 0)
        ThrowCodecError("szip: pixels_per_block must be even, got %d", nPPB);
    if (nBPP > 32 && nBPP != 64)
        ThrowCodecError("szip: bits_per_pixel must be 1..32 or 64, got %d", nBPP);

    if (nIn < 4)
        ThrowCodecError("szip: chunk of %llu bytes is shorter than the 4-byte "
                        "size header",
                        static_cast<unsigned long long>(nIn));
    const size_t nDeclared = static_cast<size_t>(pIn[0]) |
                             (static_cast<size_t>(pIn[1]) << 8) |
                             (static_cast<size_t>(pIn[2]) << 16) |
                             (static_cast<size_t>(pIn[3]) << 24);
    if (nDeclared > nOutCapacity)
        ThrowCodecError("szip: header declares %llu decoded bytes, the tile "
                        "has %llu",
                        static_cast<unsigned long long>(nDeclared),
                        static_cast<unsigned long long>(nOutCapacity));
    if (nDeclared == 0)
        return 0;

    // 32- and 64-bit pixels are coded as bytes, one byte plane after the
    // other; other sizes as 1, 2 or 4-byte samples.
    const bool bInterleaved = nBPP == 32 || nBPP == 64;
    const int nSampleBits = bInterleaved ? 8 : nBPP;
    const size_t nPixelSize = nSampleBits > 16 ? 4 : nSampleBits > 8 ? 2 : 1;
    // Scanlines are coded padded to a whole number of blocks.
    const size_t nRSI = (nPPS + nPPB - 1) / nPPB;
    const size_t nLineBytes = static_cast<size_t>(nPPS) * nPixelSize;
    const size_t nPaddedLineBytes = nRSI * nPPB * nPixelSize;
    const size_t nScanlines = (nDeclared / nPixelSize + nPPS - 1) / nPPS;
    if (nScanlines > SIZE_MAX / nPaddedLineBytes)
        ThrowCodecError("szip: invalid parameters");
    const size_t nCodedSize = nScanlines * nPaddedLineBytes;
    // Decoded bytes needed to fill nDeclared once padding is dropped.
    const size_t nNeeded = (nDeclared / nLineBytes) * nPaddedLineBytes +
                           nDeclared % nLineBytes;

    std::vector<GByte> abyCoded(nCodedSize);
    aec_stream sStream{};
    sStream.bits_per_sample = static_cast<unsigned>(nSampleBits);
    sStream.block_size = static_cast<unsigned>(nPPB);
    sStream.rsi = static_cast<unsigned>(nRSI);
    sStream.flags = AEC_NOT_ENFORCE;
    if (nMask & SZ_MSB_OPTION)
        sStream.flags |= AEC_DATA_MSB;
    if (nMask & SZ_NN_OPTION)
        sStream.flags |= AEC_DATA_PREPROCESS;
    sStream.next_in = pIn + 4;
    sStream.avail_in = nIn - 4;
    sStream.next_out = abyCoded.data();
    sStream.avail_out = abyCoded.size();
    const int nRet = aec_buffer_decode(&sStream);
    if (nRet != AEC_OK)
        ThrowCodecError("szip: decompression failed (%s)",
                        nRet == AEC_CONF_ERROR  ? "invalid parameters"
                        : nRet == AEC_MEM_ERROR ? "out of memory"
                                                : "corrupted stream");
    if (sStream.total_out < nNeeded)
        ThrowCodecError("szip: truncated stream: decoded %llu of %llu bytes",
                        static_cast<unsigned long long>(sStream.total_out),
                        static_cast<unsigned long long>(nNeeded));

    // Drop the scanline padding, then undo the byte planes.
    GByte *pDense = abyCoded.data();
    if (nPaddedLineBytes != nLineBytes)
    {
        for (size_t iLine = 1; iLine < nScanlines; ++iLine)
            memmove(pDense + iLine * nLineBytes,
                    pDense + iLine * nPaddedLineBytes, nLineBytes);
    }
    if (bInterleaved)
    {
        const size_t nWord = static_cast<size_t>(nBPP / 8);
        const size_t nWords = nDeclared / nWord;
        for (size_t i = 0; i < nWords; ++i)
            for (size_t j = 0; j < nWord; ++j)
                pOut[i * nWord + j] = pDense[j * nWords + i];
        // As sz_compat.c: a partial last word is not part of any plane.
        memset(pOut + nWords * nWord, 0, nDeclared - nWords * nWord);
    }
    else
    {
        memcpy(pOut, pDense, nDeclared);
    }
    return nDeclared;
}

}  // namespace kerchunk
