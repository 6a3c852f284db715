// JSON text read in passes (a cheap scan, then the streaming parse): in
// memory, or a file read in pieces through VSI, so that a big references
// file is never held whole.
#pragma once

#include <cstdint>
#include <functional>
#include <istream>
#include <memory>
#include <string>
#include <string_view>

namespace kerchunk
{

class JsonText
{
  public:
    // The caller keeps osText alive while this is used.
    static JsonText InMemory(std::string_view osText);
    // nSize: the file's size when stat'ed; a pass reading another number of
    // bytes fails (the file changed while it was read). Read errors say
    // "cannot read <osWhat> <osPath>...".
    // nPieceSize: bytes read at a time (tests use tiny ones).
    static JsonText InFile(const std::string &osPath, uint64_t nSize,
                           const std::string &osWhat = "file", size_t nPieceSize = 1 << 20);

    uint64_t Size() const
    {
        return m_nSize;
    }

    // Calls fnPiece with consecutive pieces of the text, from its start,
    // until the end or until fnPiece returns false. False with osError on a
    // read error (not when fnPiece stopped).
    bool ForEachPiece(const std::function<bool(std::string_view)> &fnPiece,
                      std::string &osError) const;

    // The text as a stream, from its start (for nlohmann's SAX parser).
    // After reading, StreamError() says whether it was read whole.
    class Stream;
    std::unique_ptr<Stream> OpenStream() const;

  private:
    JsonText() = default;
    std::string_view m_osMemory{};
    std::string m_osPath{};  // empty: in memory
    std::string m_osWhat{};  // "cannot read <what> <path>"
    uint64_t m_nSize = 0;
    size_t m_nPieceSize = 0;
};

class JsonText::Stream : public std::istream
{
  public:
    ~Stream() override;
    // Empty, or why the text could not be read whole.
    std::string StreamError() const;

  private:
    friend class JsonText;
    class Buffer;
    explicit Stream(std::unique_ptr<Buffer> poBuffer);
    std::unique_ptr<Buffer> m_poBuffer;
};

}  // namespace kerchunk
