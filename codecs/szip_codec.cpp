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

constexpr const char *CODEC = "szip";

// The filter's cd_values, checked.
struct SzipParameters
{
    int nMask = 0;
    int nPPB = 0;  // pixels per block
    int nBPP = 0;  // bits per pixel
    int nPPS = 0;  // pixels per scanline
};

SzipParameters ParseSzipParameters(const CodecOptions &oOptions)
{
    SzipParameters oParams;
    oParams.nMask = static_cast<int>(oOptions.GetInt(CODEC, "mask", 0, INT_MAX));
    oParams.nPPB =
        static_cast<int>(oOptions.GetInt(CODEC, "pixels_per_block", 2, 32));
    oParams.nBPP =
        static_cast<int>(oOptions.GetInt(CODEC, "bits_per_pixel", 1, 64));
    // CCSDS limits a reference sample interval to 4096 blocks.
    oParams.nPPS = static_cast<int>(
        oOptions.GetInt(CODEC, "pixels_per_scanline", 1, 4096 * 32));
    if (oParams.nPPB % 2 != 0)
        ThrowCodecError("szip: pixels_per_block must be even, got %d",
                        oParams.nPPB);
    if (oParams.nBPP > 32 && oParams.nBPP != 64)
        ThrowCodecError("szip: bits_per_pixel must be 1..32 or 64, got %d",
                        oParams.nBPP);
    return oParams;
}

// The decoded size of the 4-byte little-endian header, checked against the
// tile's size.
size_t ReadDeclaredSize(const GByte *pIn, size_t nIn, size_t nOutCapacity)
{
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
    return nDeclared;
}

// How nDeclared bytes are laid out in the coded stream.
struct SzipLayout
{
    // 32- and 64-bit pixels are coded as bytes, one byte plane after the
    // other; other sizes as 1, 2 or 4-byte samples.
    bool bInterleaved = false;
    int nSampleBits = 0;
    size_t nRSI = 0;  // blocks per scanline
    size_t nLineBytes = 0;
    // Scanlines are coded padded to a whole number of blocks.
    size_t nPaddedLineBytes = 0;
    size_t nScanlines = 0;
    size_t nCodedSize = 0;
    // Decoded bytes needed to fill nDeclared once padding is dropped.
    size_t nNeeded = 0;
};

SzipLayout LayoutOf(const SzipParameters &oParams, size_t nDeclared)
{
    SzipLayout o;
    o.bInterleaved = oParams.nBPP == 32 || oParams.nBPP == 64;
    o.nSampleBits = o.bInterleaved ? 8 : oParams.nBPP;
    const size_t nPixelSize =
        o.nSampleBits > 16 ? 4 : o.nSampleBits > 8 ? 2 : 1;
    const size_t nPPS = static_cast<size_t>(oParams.nPPS);
    const size_t nPPB = static_cast<size_t>(oParams.nPPB);
    o.nRSI = (nPPS + nPPB - 1) / nPPB;
    o.nLineBytes = nPPS * nPixelSize;
    o.nPaddedLineBytes = o.nRSI * nPPB * nPixelSize;
    o.nScanlines = (nDeclared / nPixelSize + nPPS - 1) / nPPS;
    if (o.nScanlines > SIZE_MAX / o.nPaddedLineBytes)
        ThrowCodecError("szip: invalid parameters");
    o.nCodedSize = o.nScanlines * o.nPaddedLineBytes;
    o.nNeeded = (nDeclared / o.nLineBytes) * o.nPaddedLineBytes +
                nDeclared % o.nLineBytes;
    return o;
}

// The padded scanlines of the stream after the size header.
std::vector<GByte> DecodeStream(const GByte *pIn, size_t nIn,
                                const SzipParameters &oParams,
                                const SzipLayout &oLayout)
{
    std::vector<GByte> abyCoded(oLayout.nCodedSize);
    aec_stream sStream{};
    sStream.bits_per_sample = static_cast<unsigned>(oLayout.nSampleBits);
    sStream.block_size = static_cast<unsigned>(oParams.nPPB);
    sStream.rsi = static_cast<unsigned>(oLayout.nRSI);
    sStream.flags = AEC_NOT_ENFORCE;
    if (oParams.nMask & SZ_MSB_OPTION)
        sStream.flags |= AEC_DATA_MSB;
    if (oParams.nMask & SZ_NN_OPTION)
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
    if (sStream.total_out < oLayout.nNeeded)
        ThrowCodecError("szip: truncated stream: decoded %llu of %llu bytes",
                        static_cast<unsigned long long>(sStream.total_out),
                        static_cast<unsigned long long>(oLayout.nNeeded));
    return abyCoded;
}

// Drops the scanline padding of abyCoded, then undoes the byte planes into
// pOut.
void UnpadAndInterleave(std::vector<GByte> &abyCoded, const SzipLayout &oLayout,
                        int nBPP, size_t nDeclared, GByte *pOut)
{
    GByte *pDense = abyCoded.data();
    if (oLayout.nPaddedLineBytes != oLayout.nLineBytes)
    {
        for (size_t iLine = 1; iLine < oLayout.nScanlines; ++iLine)
            memmove(pDense + iLine * oLayout.nLineBytes,
                    pDense + iLine * oLayout.nPaddedLineBytes,
                    oLayout.nLineBytes);
    }
    if (oLayout.bInterleaved)
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
}

}  // namespace

size_t DecodeSzip(const GByte *pIn, size_t nIn, GByte *pOut,
                  size_t nOutCapacity, const CodecOptions &oOptions)
{
    const SzipParameters oParams = ParseSzipParameters(oOptions);
    const size_t nDeclared = ReadDeclaredSize(pIn, nIn, nOutCapacity);
    if (nDeclared == 0)
        return 0;
    const SzipLayout oLayout = LayoutOf(oParams, nDeclared);
    std::vector<GByte> abyCoded = DecodeStream(pIn, nIn, oParams, oLayout);
    UnpadAndInterleave(abyCoded, oLayout, oParams.nBPP, nDeclared, pOut);
    return nDeclared;
}

}  // namespace kerchunk
