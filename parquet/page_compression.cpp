#include "page_compression.h"

#include "error.h"

#include <snappy-c.h>
#include <zstd.h>

namespace kerchunk::parquet
{

namespace
{

// fsspec's default (LazyReferenceMapper.write): zstd at its default level.
constexpr int ZSTD_LEVEL = 3;

}  // namespace

std::string DecompressPage(Codec eCodec, const uint8_t *pabyData, size_t nSize,
                           size_t nUncompressedSize, const char *pszWhat)
{
    const auto Fail = [pszWhat](const std::string &osProblem)
    { throw Error(std::string(pszWhat) + ": " + osProblem); };
    std::string osOut;
    switch (eCodec)
    {
        case Codec::Uncompressed:
            if (nSize != nUncompressedSize)
                Fail("uncompressed page of " + std::to_string(nSize) +
                     " bytes declares " + std::to_string(nUncompressedSize));
            osOut.assign(reinterpret_cast<const char *>(pabyData), nSize);
            return osOut;
        case Codec::Snappy:
        {
            size_t nLength = 0;
            if (snappy_uncompressed_length(reinterpret_cast<const char *>(pabyData), nSize,
                                           &nLength) != SNAPPY_OK ||
                nLength != nUncompressedSize)
                Fail("corrupt snappy page");
            osOut.resize(nLength);
            if (snappy_uncompress(reinterpret_cast<const char *>(pabyData), nSize, &osOut[0],
                                  &nLength) != SNAPPY_OK ||
                nLength != nUncompressedSize)
                Fail("corrupt snappy page");
            return osOut;
        }
        case Codec::Zstd:
        {
            // A frame declaring another size is corrupt: refused before
            // allocating what the page header claims.
            const unsigned long long nFrameSize = ZSTD_getFrameContentSize(pabyData, nSize);
            if (nFrameSize == ZSTD_CONTENTSIZE_ERROR ||
                (nFrameSize != ZSTD_CONTENTSIZE_UNKNOWN && nFrameSize != nUncompressedSize))
                Fail("corrupt zstd page (frame size differs from the page header's " +
                     std::to_string(nUncompressedSize) + " bytes)");
            osOut.resize(nUncompressedSize);
            const size_t nRet =
                ZSTD_decompress(&osOut[0], osOut.size(), pabyData, nSize);
            if (ZSTD_isError(nRet) || nRet != nUncompressedSize)
                Fail(std::string("corrupt zstd page: ") +
                     (ZSTD_isError(nRet) ? ZSTD_getErrorName(nRet) : "wrong size"));
            return osOut;
        }
        default:
            Fail("compression codec " + std::to_string(static_cast<int>(eCodec)) +
                 " not supported (none, snappy and zstd are)");
    }
    return osOut;
}

std::string CompressPage(Codec eCodec, const std::string &osData)
{
    std::string osOut;
    switch (eCodec)
    {
        case Codec::Snappy:
        {
            size_t nLength = snappy_max_compressed_length(osData.size());
            osOut.resize(nLength);
            if (snappy_compress(osData.data(), osData.size(), &osOut[0], &nLength) != SNAPPY_OK)
                throw Error("snappy compression failed");
            osOut.resize(nLength);
            return osOut;
        }
        case Codec::Zstd:
        {
            osOut.resize(ZSTD_compressBound(osData.size()));
            const size_t nRet = ZSTD_compress(&osOut[0], osOut.size(), osData.data(),
                                              osData.size(), ZSTD_LEVEL);
            if (ZSTD_isError(nRet))
                throw Error(std::string("zstd compression failed: ") + ZSTD_getErrorName(nRet));
            osOut.resize(nRet);
            return osOut;
        }
        default:
            return osData;
    }
}

Codec CodecFromName(const std::string &osName)
{
    if (osName == "none" || osName == "uncompressed")
        return Codec::Uncompressed;
    if (osName == "snappy")
        return Codec::Snappy;
    if (osName == "zstd")
        return Codec::Zstd;
    throw Error("unknown Parquet compression '" + osName + "' (none, snappy or zstd)");
}

}  // namespace kerchunk::parquet
