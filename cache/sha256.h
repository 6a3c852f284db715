// SHA-256 (FIPS 180-4), self-contained: GDAL 3.6 does not install
// cpl_sha256.h and the cache should not pull in libcrypto for one hash.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

namespace kerchunk
{

class Sha256
{
  public:
    Sha256();
    void Update(const void *pData, size_t nSize);
    void Update(const std::string &osData)
    {
        Update(osData.data(), osData.size());
    }
    // Ends the computation; the object must not be updated afterwards.
    std::array<uint8_t, 32> Finish();
    // Lower-case hexadecimal digest.
    std::string FinishHex();

  private:
    void Compress(const uint8_t *pabyBlock);

    std::array<uint32_t, 8> m_anState{};
    std::array<uint8_t, 64> m_abyBuffer{};
    size_t m_nBuffered = 0;
    uint64_t m_nTotalBytes = 0;
};

// Convenience: hex SHA-256 of a string.
std::string Sha256Hex(const std::string &osData);

}  // namespace kerchunk
