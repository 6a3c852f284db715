// SHA-256 through OpenSSL's libcrypto (EVP digest API): the cache keys and
// content checksums. GDAL 3.6 does not install its cpl_sha256.h, and libcurl,
// which GDAL uses, already brings libcrypto.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

typedef struct evp_md_ctx_st EVP_MD_CTX;

namespace kerchunk
{

class Sha256
{
  public:
    // Throws std::runtime_error if libcrypto cannot set up a digest (out of
    // memory, or SHA-256 disabled by the FIPS configuration).
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
    struct ContextDeleter
    {
        void operator()(EVP_MD_CTX *poCtx) const;
    };
    std::unique_ptr<EVP_MD_CTX, ContextDeleter> m_poCtx;
};

// Convenience: hex SHA-256 of a string.
std::string Sha256Hex(const std::string &osData);

}  // namespace kerchunk
