#include "reference_writer.h"
#include "error.h"

#include "cpl_conv.h"
#include "cpl_string.h"

#include <algorithm>

#include <utility>

namespace kerchunk
{

ReferenceWriter::ReferenceWriter(VSILFILE *fp, std::string osSourceUrl,
                                 bool bUseTemplates)
    : m_fp(fp)
{
    const std::string osUrlJson = nlohmann::json(osSourceUrl).dump();
    std::string osHeader = "{\"version\":1,";
    if (bUseTemplates)
    {
        osHeader += "\"templates\":{\"u\":" + osUrlJson + "},";
        m_osUrlJson = "\"{{u}}\"";
    }
    else
    {
        m_osUrlJson = osUrlJson;
    }
    osHeader += "\"refs\":{";
    Write(osHeader);
}

ReferenceWriter::~ReferenceWriter() = default;

void ReferenceWriter::Write(const std::string &osText)
{
    if (VSIFWriteL(osText.data(), 1, osText.size(), m_fp) != osText.size())
        m_bWriteFailed = true;
}

void ReferenceWriter::WriteKey(const std::string &osKey)
{
    if (m_bFinished)
        throw Error("internal error: reference added after Finish()");
    Write((m_nEntries ? ",\n" : "\n") + nlohmann::json(osKey).dump() + ":");
    ++m_nEntries;
}

void ReferenceWriter::AddJson(const std::string &osKey,
                              const nlohmann::json &oValue)
{
    WriteKey(osKey);
    // NaN/Infinity must already be encoded as strings by the caller, as zarr
    // does; nlohmann would write them as null.
    // ASCII only (\uXXXX escapes), as zarr and kerchunk write metadata:
    // zarr 2.13 decodes metadata documents as ASCII.
    Write(nlohmann::json(oValue.dump(-1, ' ', true)).dump(-1, ' ', true));
}

// Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing above
// U+10FFFF; what JSON serializers (nlohmann, Python) accept as text.
static bool IsValidUtf8(const std::string &s)
{
    size_t i = 0;
    while (i < s.size())
    {
        const unsigned char c = static_cast<unsigned char>(s[i]);
        size_t nFollow = 0;
        uint32_t nCodePoint = 0;
        uint32_t nMin = 0;
        if (c < 0x80)
        {
            ++i;
            continue;
        }
        if ((c >> 5) == 0x6)
        {
            nFollow = 1;
            nCodePoint = c & 0x1F;
            nMin = 0x80;
        }
        else if ((c >> 4) == 0xE)
        {
            nFollow = 2;
            nCodePoint = c & 0x0F;
            nMin = 0x800;
        }
        else if ((c >> 3) == 0x1E)
        {
            nFollow = 3;
            nCodePoint = c & 0x07;
            nMin = 0x10000;
        }
        else
            return false;
        if (i + nFollow >= s.size())
            return false;
        for (size_t k = 1; k <= nFollow; ++k)
        {
            const unsigned char cNext = static_cast<unsigned char>(s[i + k]);
            if ((cNext >> 6) != 0x2)
                return false;
            nCodePoint = (nCodePoint << 6) | (cNext & 0x3F);
        }
        if (nCodePoint < nMin || nCodePoint > 0x10FFFF ||
            (nCodePoint >= 0xD800 && nCodePoint <= 0xDFFF))
            return false;
        i += nFollow + 1;
    }
    return true;
}

std::string Base64Encode(const std::string &osBytes)
{
    // CPLBase64Encode takes an int size: encode in pieces of a multiple of 3
    // bytes, which concatenate into the encoding of the whole.
    constexpr size_t kPiece = size_t(3) << 28;
    std::string osOut;
    osOut.reserve((osBytes.size() + 2) / 3 * 4);
    for (size_t nPos = 0; nPos < osBytes.size() || nPos == 0; nPos += kPiece)
    {
        const size_t nSize = std::min(kPiece, osBytes.size() - nPos);
        char *pszEncoded = CPLBase64Encode(
            static_cast<int>(nSize),
            reinterpret_cast<const GByte *>(osBytes.data() + nPos));
        osOut += pszEncoded ? pszEncoded : "";
        CPLFree(pszEncoded);
        if (osBytes.empty())
            break;
    }
    return osOut;
}

void ReferenceWriter::AddInline(const std::string &osKey,
                                const std::string &osBytes)
{
    WriteKey(osKey);
    // A text value must not itself start with "base64:", or readers would
    // decode it.
    if (IsValidUtf8(osBytes) && osBytes.compare(0, 7, "base64:") != 0)
        Write(nlohmann::json(osBytes).dump());
    else
        Write("\"base64:" + Base64Encode(osBytes) + "\"");
}

void ReferenceWriter::AddInlineBase64(const std::string &osKey,
                                      const std::string &osBytes)
{
    WriteKey(osKey);
    Write("\"base64:" + Base64Encode(osBytes) + "\"");
}

void ReferenceWriter::AddRange(const std::string &osKey, uint64_t nOffset,
                               uint64_t nSize)
{
    WriteKey(osKey);
    Write("[" + m_osUrlJson + "," + std::to_string(nOffset) + "," +
          std::to_string(nSize) + "]");
}

void ReferenceWriter::Finish()
{
    if (!m_bFinished)
    {
        Write("\n}}\n");
        m_bFinished = true;
    }
    if (m_bWriteFailed)
        throw Error("writing the references failed (disk full?)");
}

}  // namespace kerchunk
