#include "json_text.h"

#include "file_handles.h"

#include "cpl_error.h"

#include <algorithm>
#include <streambuf>
#include <vector>

namespace kerchunk
{

namespace
{

// osLabel: "<what> <path>".
std::string ReadError(const std::string &osLabel)
{
    std::string osError = "cannot read " + osLabel;
    const char *pszDetail = CPLGetLastErrorMsg();
    if (pszDetail && *pszDetail)
        osError += std::string(": ") + pszDetail;
    return osError;
}

// A read error, or a file that changed size while it was read (GDAL 3.6 has
// no VSIFErrorL to tell which).
std::string ShortReadError(const std::string &osLabel, uint64_t nExpected, uint64_t nRead)
{
    return "cannot read " + osLabel + " (" + std::to_string(nRead) + " bytes read, " +
           std::to_string(nExpected) + " expected: did it change meanwhile?)";
}

}  // namespace

// Reads the file in pieces; the text in memory is lent as the one piece.
class JsonText::Stream::Buffer : public std::streambuf
{
  public:
    explicit Buffer(std::string_view osMemory)
    {
        char *pszStart = const_cast<char *>(osMemory.data());  // only read
        setg(pszStart, pszStart, pszStart + osMemory.size());
    }
    Buffer(const std::string &osPath, const std::string &osLabel, uint64_t nSize,
           size_t nPieceSize)
        : m_osLabel(osLabel), m_nExpected(nSize), m_poFile(OpenVSIFile(osPath, "rb"))
    {
        if (!m_poFile)
            m_osError = ReadError(osLabel);
        else
            m_abyPiece.resize(nPieceSize);
    }

    std::string m_osError{};

  protected:
    int_type underflow() override
    {
        if (!m_poFile || !m_osError.empty())
            return traits_type::eof();
        const size_t nRead = VSIFReadL(m_abyPiece.data(), 1, m_abyPiece.size(), m_poFile.get());
        m_nRead += nRead;
        if (nRead == 0 || m_nRead > m_nExpected)
        {
            if (m_nRead != m_nExpected)
                m_osError = ShortReadError(m_osLabel, m_nExpected, m_nRead);
            return traits_type::eof();
        }
        setg(m_abyPiece.data(), m_abyPiece.data(), m_abyPiece.data() + nRead);
        return traits_type::to_int_type(m_abyPiece[0]);
    }

  private:
    std::string m_osLabel{};
    uint64_t m_nExpected = 0;
    uint64_t m_nRead = 0;
    VSIFilePtr m_poFile{};
    std::vector<char> m_abyPiece{};
};

JsonText::Stream::Stream(std::unique_ptr<Buffer> poBuffer)
    : std::istream(poBuffer.get()), m_poBuffer(std::move(poBuffer))
{
}

JsonText::Stream::~Stream() = default;

std::string JsonText::Stream::StreamError() const
{
    return m_poBuffer->m_osError;
}

JsonText JsonText::InMemory(std::string_view osText)
{
    JsonText oText;
    oText.m_osMemory = osText;
    oText.m_nSize = osText.size();
    return oText;
}

// The default piece size, 1 MB: big enough that reads cost nothing next to
// parsing, small next to the references built from them.
JsonText JsonText::InFile(const std::string &osPath, uint64_t nSize, const std::string &osWhat,
                          size_t nPieceSize)
{
    JsonText oText;
    oText.m_osPath = osPath;
    oText.m_osWhat = osWhat;
    oText.m_nPieceSize = std::max<size_t>(1, nPieceSize);
    oText.m_nSize = nSize;
    return oText;
}

bool JsonText::ForEachPiece(const std::function<bool(std::string_view)> &fnPiece,
                            std::string &osError) const
{
    if (m_osPath.empty())
    {
        fnPiece(m_osMemory);
        return true;
    }
    const VSIFilePtr poFile = OpenVSIFile(m_osPath, "rb");
    if (!poFile)
    {
        osError = ReadError(m_osWhat + " " + m_osPath);
        return false;
    }
    std::vector<char> abyPiece(m_nPieceSize);
    uint64_t nTotal = 0;
    while (true)
    {
        const size_t nRead = VSIFReadL(abyPiece.data(), 1, abyPiece.size(), poFile.get());
        nTotal += nRead;
        if (nRead == 0 || nTotal > m_nSize)
            break;
        if (!fnPiece(std::string_view(abyPiece.data(), nRead)))
            return true;
    }
    if (nTotal != m_nSize)
    {
        osError = ShortReadError(m_osWhat + " " + m_osPath, m_nSize, nTotal);
        return false;
    }
    return true;
}

std::unique_ptr<JsonText::Stream> JsonText::OpenStream() const
{
    auto poBuffer = m_osPath.empty() ? std::make_unique<Stream::Buffer>(m_osMemory)
                                     : std::make_unique<Stream::Buffer>(
                                           m_osPath, m_osWhat + " " + m_osPath, m_nSize,
                                           m_nPieceSize);
    return std::unique_ptr<Stream>(new Stream(std::move(poBuffer)));
}

}  // namespace kerchunk
