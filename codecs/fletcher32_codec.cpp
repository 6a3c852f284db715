// numcodecs "fletcher32": data followed by HDF5's Fletcher-32 checksum
// (H5checksum.c H5_checksum_fletcher32; H5Zfletcher32.c stores it as a
// 4-byte little-endian footer). Decoding verifies and strips it.
#include "codec_contract.h"

#include <cstring>

namespace kerchunk
{

constexpr size_t FLETCHER32_FOOTER_SIZE = 4;

uint32_t Fletcher32Checksum(const GByte *pData, size_t nSize)
{
    // Sums of big-endian 16-bit words, folded every 360 words so that the
    // 32-bit accumulators cannot overflow (H5checksum.c).
    size_t nWords = nSize / 2;
    uint32_t nSum1 = 0;
    uint32_t nSum2 = 0;
    while (nWords)
    {
        size_t nBatch = nWords > 360 ? 360 : nWords;
        nWords -= nBatch;
        do
        {
            nSum1 += (static_cast<uint32_t>(pData[0]) << 8) | pData[1];
            pData += 2;
            nSum2 += nSum1;
        } while (--nBatch);
        nSum1 = (nSum1 & 0xffff) + (nSum1 >> 16);
        nSum2 = (nSum2 & 0xffff) + (nSum2 >> 16);
    }
    if (nSize % 2)
    {
        // An odd last byte counts as the high byte of a final word.
        nSum1 += static_cast<uint32_t>(*pData) << 8;
        nSum2 += nSum1;
        nSum1 = (nSum1 & 0xffff) + (nSum1 >> 16);
        nSum2 = (nSum2 & 0xffff) + (nSum2 >> 16);
    }
    nSum1 = (nSum1 & 0xffff) + (nSum1 >> 16);
    nSum2 = (nSum2 & 0xffff) + (nSum2 >> 16);
    return (nSum2 << 16) | nSum1;
}

size_t DecodeFletcher32(const GByte *pIn, size_t nIn, GByte *pOut,
                        size_t nOutCapacity, const CodecOptions &)
{
    if (nIn < FLETCHER32_FOOTER_SIZE)
        ThrowCodecError("fletcher32: chunk of %llu bytes is shorter than the "
                        "4-byte checksum",
                        static_cast<unsigned long long>(nIn));
    const size_t nData = nIn - FLETCHER32_FOOTER_SIZE;
    CheckOutputFits("fletcher32", nData, nOutCapacity);

    const GByte *pFooter = pIn + nData;
    const uint32_t nStored = static_cast<uint32_t>(pFooter[0]) |
                             (static_cast<uint32_t>(pFooter[1]) << 8) |
                             (static_cast<uint32_t>(pFooter[2]) << 16) |
                             (static_cast<uint32_t>(pFooter[3]) << 24);
    const uint32_t nComputed = Fletcher32Checksum(pIn, nData);
    // HDF5 before 1.6.3 stored the checksum with the bytes of each 16-bit half
    // swapped; HDF5 still accepts it (H5Zfletcher32.c), so do we.
    const uint32_t nLegacy = ((nComputed & 0x00ff00ffU) << 8) |
                             ((nComputed & 0xff00ff00U) >> 8);
    if (nStored != nComputed && nStored != nLegacy)
        ThrowCodecError("fletcher32 checksum mismatch: stored 0x%08x, "
                        "computed 0x%08x over %llu bytes (corrupted chunk?)",
                        nStored, nComputed,
                        static_cast<unsigned long long>(nData));
    memcpy(pOut, pIn, nData);
    return nData;
}

}  // namespace kerchunk
