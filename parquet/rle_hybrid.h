// Parquet's RLE / bit-packing hybrid (parquet-format Encodings.md): the
// encoding of definition levels and of dictionary indices.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace kerchunk::parquet
{

// Decodes exactly nCount values of nBitWidth bits (0..32); throws Error
// naming pszWhat when the runs end early or a length is out of bounds.
std::vector<uint32_t> DecodeRleHybrid(const uint8_t *pabyData, size_t nSize,
                                      int nBitWidth, size_t nCount,
                                      const char *pszWhat);

// Appends anValues as runs of equal values (good for definition levels).
void EncodeRleRuns(const std::vector<uint32_t> &anValues, int nBitWidth,
                   std::string &osOut);
// Appends anValues as bit-packed groups of 8 (good for dictionary indices).
void EncodeBitPacked(const std::vector<uint32_t> &anValues, int nBitWidth,
                     std::string &osOut);

// Bits needed for values up to nMax (at least 1).
int BitWidthFor(uint32_t nMax);

}  // namespace kerchunk::parquet
