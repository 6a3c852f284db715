#include "rle_hybrid.h"

#include "error.h"

#include <algorithm>

namespace kerchunk::parquet
{

namespace
{

void AppendVarInt(uint64_t nValue, std::string &osOut)
{
    while (nValue >= 0x80)
    {
        osOut += static_cast<char>((nValue & 0x7F) | 0x80);
        nValue >>= 7;
    }
    osOut += static_cast<char>(nValue);
}

}  // namespace

int BitWidthFor(uint32_t nMax)
{
    int nBits = 1;
    while (nBits < 32 && (nMax >> nBits) != 0)
        ++nBits;
    return nBits;
}

std::vector<uint32_t> DecodeRleHybrid(const uint8_t *pabyData, size_t nSize,
                                      int nBitWidth, size_t nCount, const char *pszWhat)
{
    const auto Fail = [pszWhat](const std::string &osProblem)
    { throw Error(std::string(pszWhat) + ": " + osProblem); };
    if (nBitWidth < 0 || nBitWidth > 32)
        Fail("bit width " + std::to_string(nBitWidth) + " out of range");
    std::vector<uint32_t> anValues;
    // Runs can expand a few bytes to nCount values: reserve only what a
    // small input may claim, let a real long run grow the vector.
    anValues.reserve(std::min<size_t>(nCount, 65536));
    size_t nPos = 0;
    while (anValues.size() < nCount)
    {
        uint64_t nHeader = 0;
        for (int nShift = 0;; nShift += 7)
        {
            if (nPos >= nSize || nShift > 63)
                Fail("RLE/bit-packed data ends after " + std::to_string(anValues.size()) +
                     " of " + std::to_string(nCount) + " values");
            const uint8_t nByte = pabyData[nPos++];
            nHeader |= static_cast<uint64_t>(nByte & 0x7F) << nShift;
            if (!(nByte & 0x80))
                break;
        }
        const size_t nWanted = nCount - anValues.size();
        if (nHeader & 1)
        {
            // Bit-packed: (header >> 1) groups of 8 values, LSB first.
            const uint64_t nGroups = nHeader >> 1;
            if (nGroups > (nSize - nPos) / (nBitWidth ? nBitWidth : 1) + 1)
                Fail("bit-packed run of " + std::to_string(nGroups) + " groups past the end");
            const uint64_t nBytes = nGroups * static_cast<uint64_t>(nBitWidth);
            if (nBytes > nSize - nPos)
                Fail("bit-packed run of " + std::to_string(nBytes) + " bytes past the end");
            const uint64_t nRunValues = std::min<uint64_t>(nGroups * 8, nWanted);
            for (uint64_t i = 0; i < nRunValues; ++i)
            {
                uint64_t nValue = 0;
                const uint64_t nFirstBit = i * static_cast<uint64_t>(nBitWidth);
                for (int b = 0; b < nBitWidth; ++b)
                {
                    const uint64_t nBit = nFirstBit + b;
                    nValue |= static_cast<uint64_t>((pabyData[nPos + nBit / 8] >> (nBit % 8)) & 1)
                              << b;
                }
                anValues.push_back(static_cast<uint32_t>(nValue));
            }
            nPos += static_cast<size_t>(nBytes);
        }
        else
        {
            // RLE: (header >> 1) repeats of one value in ceil(width/8) bytes.
            const uint64_t nRun = nHeader >> 1;
            const size_t nValueBytes = static_cast<size_t>((nBitWidth + 7) / 8);
            if (nValueBytes > nSize - nPos)
                Fail("RLE run value past the end");
            uint32_t nValue = 0;
            for (size_t i = 0; i < nValueBytes; ++i)
                nValue |= static_cast<uint32_t>(pabyData[nPos + i]) << (8 * i);
            nPos += nValueBytes;
            anValues.insert(anValues.end(), static_cast<size_t>(std::min<uint64_t>(nRun, nWanted)),
                            nValue);
        }
    }
    return anValues;
}

void EncodeRleRuns(const std::vector<uint32_t> &anValues, int nBitWidth, std::string &osOut)
{
    const int nValueBytes = (nBitWidth + 7) / 8;
    for (size_t i = 0; i < anValues.size();)
    {
        size_t nEnd = i + 1;
        while (nEnd < anValues.size() && anValues[nEnd] == anValues[i])
            ++nEnd;
        AppendVarInt(static_cast<uint64_t>(nEnd - i) << 1, osOut);
        for (int b = 0; b < nValueBytes; ++b)
            osOut += static_cast<char>((anValues[i] >> (8 * b)) & 0xFF);
        i = nEnd;
    }
}

void EncodeBitPacked(const std::vector<uint32_t> &anValues, int nBitWidth, std::string &osOut)
{
    if (anValues.empty())
        return;
    const size_t nGroups = (anValues.size() + 7) / 8;
    AppendVarInt((static_cast<uint64_t>(nGroups) << 1) | 1, osOut);
    const size_t nStart = osOut.size();
    osOut.resize(nStart + nGroups * static_cast<size_t>(nBitWidth), '\0');
    for (size_t i = 0; i < anValues.size(); ++i)
    {
        for (int b = 0; b < nBitWidth; ++b)
        {
            if ((anValues[i] >> b) & 1)
            {
                const size_t nBit = i * static_cast<size_t>(nBitWidth) + b;
                osOut[nStart + nBit / 8] =
                    static_cast<char>(osOut[nStart + nBit / 8] | (1 << (nBit % 8)));
            }
        }
    }
}

}  // namespace kerchunk::parquet
