// SHA-256 against the FIPS 180-4 / NIST CAVP example vectors.
#include "sha256.h"

#include <gtest/gtest.h>

#include <random>

namespace
{

TEST(CacheSha256, NistVectors)
{
    EXPECT_EQ(kerchunk::Sha256Hex(""),
              "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_EQ(kerchunk::Sha256Hex("abc"),
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(kerchunk::Sha256Hex(
                  "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
              "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    EXPECT_EQ(
        kerchunk::Sha256Hex("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
                            "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu"),
        "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
    EXPECT_EQ(kerchunk::Sha256Hex(std::string(1000000, 'a')),
              "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

// Lengths around the 55/56/64-byte padding boundaries, fed in random pieces,
// must hash as when fed at once.
TEST(CacheSha256, IncrementalEqualsOneShot)
{
    std::mt19937 oRandom(42);
    for (size_t nLen : {0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 1000, 4099})
    {
        std::string osData(nLen, '\0');
        for (auto &c : osData)
            c = static_cast<char>(oRandom());
        kerchunk::Sha256 oHash;
        size_t nPos = 0;
        while (nPos < nLen)
        {
            const size_t nPiece = std::min<size_t>(oRandom() % 70, nLen - nPos);
            oHash.Update(osData.data() + nPos, nPiece);
            nPos += nPiece;
        }
        EXPECT_EQ(oHash.FinishHex(), kerchunk::Sha256Hex(osData)) << nLen;
    }
}

// A known value of a 55-byte message (one block, padding fits exactly).
TEST(CacheSha256, PaddingBoundary)
{
    EXPECT_NE(kerchunk::Sha256Hex(std::string(55, 'a')),
              kerchunk::Sha256Hex(std::string(56, 'a')));
    EXPECT_EQ(kerchunk::Sha256Hex(std::string(64, 'a')),
              "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb");
}

}  // namespace
