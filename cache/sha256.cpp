#include "sha256.h"

#include <openssl/evp.h>

#include <stdexcept>

namespace kerchunk
{

void Sha256::ContextDeleter::operator()(EVP_MD_CTX *poCtx) const
{
    EVP_MD_CTX_free(poCtx);
}

Sha256::Sha256() : m_poCtx(EVP_MD_CTX_new())
{
    if (!m_poCtx || EVP_DigestInit_ex(m_poCtx.get(), EVP_sha256(), nullptr) != 1)
        throw std::runtime_error("cannot initialize SHA-256 (libcrypto)");
}

void Sha256::Update(const void *pData, size_t nSize)
{
    // Cannot fail for an initialized SHA-256 context.
    EVP_DigestUpdate(m_poCtx.get(), pData, nSize);
}

std::array<uint8_t, 32> Sha256::Finish()
{
    std::array<uint8_t, 32> abyDigest{};
    unsigned int nLen = 0;
    EVP_DigestFinal_ex(m_poCtx.get(), abyDigest.data(), &nLen);
    return abyDigest;
}

std::string Sha256::FinishHex()
{
    // Lower case, as the keys and checksums already in caches are written
    // (CPLBinaryToHex writes upper case).
    static const char achDigits[] = "0123456789abcdef";
    std::string osHex;
    for (const uint8_t by : Finish())
    {
        osHex += achDigits[by >> 4];
        osHex += achDigits[by & 15];
    }
    return osHex;
}

std::string Sha256Hex(const std::string &osData)
{
    Sha256 oHash;
    oHash.Update(osData);
    return oHash.FinishHex();
}

}  // namespace kerchunk
