#include "sha256.h"

#include <algorithm>
#include <cstring>

namespace kerchunk
{

namespace
{

// FIPS 180-4 section 4.2.2: first 32 bits of the fractional parts of the cube
// roots of the first 64 primes.
constexpr uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
    0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
    0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
    0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
    0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
    0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
    0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
    0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

inline uint32_t RotR(uint32_t x, int n)
{
    return (x >> n) | (x << (32 - n));
}

}  // namespace

Sha256::Sha256()
    // FIPS 180-4 section 5.3.3: initial hash value.
    : m_anState{0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19}
{
}

void Sha256::Compress(const uint8_t *p)
{
    uint32_t w[64];
    for (int i = 0; i < 16; ++i)
        w[i] = (uint32_t(p[4 * i]) << 24) | (uint32_t(p[4 * i + 1]) << 16) |
               (uint32_t(p[4 * i + 2]) << 8) | uint32_t(p[4 * i + 3]);
    for (int i = 16; i < 64; ++i)
    {
        const uint32_t s0 =
            RotR(w[i - 15], 7) ^ RotR(w[i - 15], 18) ^ (w[i - 15] >> 3);
        const uint32_t s1 =
            RotR(w[i - 2], 17) ^ RotR(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint32_t a = m_anState[0], b = m_anState[1], c = m_anState[2],
             d = m_anState[3], e = m_anState[4], f = m_anState[5],
             g = m_anState[6], h = m_anState[7];
    for (int i = 0; i < 64; ++i)
    {
        const uint32_t S1 = RotR(e, 6) ^ RotR(e, 11) ^ RotR(e, 25);
        const uint32_t ch = (e & f) ^ (~e & g);
        const uint32_t t1 = h + S1 + ch + K[i] + w[i];
        const uint32_t S0 = RotR(a, 2) ^ RotR(a, 13) ^ RotR(a, 22);
        const uint32_t maj = (a & b) ^ (a & c) ^ (b & c);
        const uint32_t t2 = S0 + maj;
        h = g;
        g = f;
        f = e;
        e = d + t1;
        d = c;
        c = b;
        b = a;
        a = t1 + t2;
    }
    m_anState[0] += a;
    m_anState[1] += b;
    m_anState[2] += c;
    m_anState[3] += d;
    m_anState[4] += e;
    m_anState[5] += f;
    m_anState[6] += g;
    m_anState[7] += h;
}

void Sha256::Update(const void *pData, size_t nSize)
{
    const uint8_t *p = static_cast<const uint8_t *>(pData);
    m_nTotalBytes += nSize;
    if (m_nBuffered)
    {
        const size_t nTake = std::min(nSize, 64 - m_nBuffered);
        memcpy(m_abyBuffer.data() + m_nBuffered, p, nTake);
        m_nBuffered += nTake;
        p += nTake;
        nSize -= nTake;
        if (m_nBuffered < 64)
            return;
        Compress(m_abyBuffer.data());
        m_nBuffered = 0;
    }
    for (; nSize >= 64; p += 64, nSize -= 64)
        Compress(p);
    memcpy(m_abyBuffer.data(), p, nSize);
    m_nBuffered = nSize;
}

std::array<uint8_t, 32> Sha256::Finish()
{
    // FIPS 180-4 section 5.1.1: a 1 bit, zeros, then the length in bits as a
    // 64-bit big-endian integer, to a multiple of 512 bits.
    const uint64_t nBits = m_nTotalBytes * 8;
    uint8_t abyPad[72] = {0x80};
    const size_t nPad = (m_nBuffered < 56 ? 56 : 120) - m_nBuffered;
    for (int i = 0; i < 8; ++i)
        abyPad[nPad + i] = static_cast<uint8_t>(nBits >> (56 - 8 * i));
    Update(abyPad, nPad + 8);
    std::array<uint8_t, 32> abyDigest{};
    for (int i = 0; i < 8; ++i)
        for (int j = 0; j < 4; ++j)
            abyDigest[4 * i + j] =
                static_cast<uint8_t>(m_anState[i] >> (24 - 8 * j));
    return abyDigest;
}

std::string Sha256::FinishHex()
{
    static const char achHex[] = "0123456789abcdef";
    std::string osHex;
    for (uint8_t by : Finish())
    {
        osHex += achHex[by >> 4];
        osHex += achHex[by & 15];
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
