#include "utf8.h"

namespace kerchunk
{

size_t Utf8SequenceLength(const std::string &s, size_t i, size_t *pnBadLength)
{
    const auto Byte = [&](size_t k) -> unsigned
    { return static_cast<unsigned char>(s[k]); };
    const unsigned c = Byte(i);
    if (c < 0x80)
        return 1;
    size_t nLength = 0;
    unsigned nLow = 0x80;  // allowed range of the second byte
    unsigned nHigh = 0xBF;
    if (c >= 0xC2 && c <= 0xDF)
        nLength = 2;
    else if (c >= 0xE0 && c <= 0xEF)
    {
        nLength = 3;
        if (c == 0xE0)
            nLow = 0xA0;  // no overlong forms
        else if (c == 0xED)
            nHigh = 0x9F;  // no surrogates
    }
    else if (c >= 0xF0 && c <= 0xF4)
    {
        nLength = 4;
        if (c == 0xF0)
            nLow = 0x90;
        else if (c == 0xF4)
            nHigh = 0x8F;  // nothing above U+10FFFF
    }
    size_t nGood = 1;
    if (nLength != 0)
    {
        for (; nGood < nLength && i + nGood < s.size(); ++nGood)
        {
            const unsigned b = Byte(i + nGood);
            const bool bOk = nGood == 1 ? (b >= nLow && b <= nHigh)
                                        : (b >= 0x80 && b <= 0xBF);
            if (!bOk)
                break;
        }
        if (nGood == nLength)
            return nLength;
    }
    if (pnBadLength)
        *pnBadLength = nGood;
    return 0;
}

bool IsValidUtf8(const std::string &s)
{
    for (size_t i = 0; i < s.size();)
    {
        const size_t n = Utf8SequenceLength(s, i);
        if (n == 0)
            return false;
        i += n;
    }
    return true;
}

std::string Utf8Replace(const std::string &s)
{
    std::string osOut;
    osOut.reserve(s.size());
    for (size_t i = 0; i < s.size();)
    {
        size_t nBad = 0;
        const size_t n = Utf8SequenceLength(s, i, &nBad);
        if (n != 0)
        {
            osOut.append(s, i, n);
            i += n;
        }
        else
        {
            osOut += "\xEF\xBF\xBD";  // U+FFFD REPLACEMENT CHARACTER
            i += nBad;
        }
    }
    return osOut;
}

}  // namespace kerchunk
