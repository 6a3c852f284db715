// Finds every GRIB message (editions 1 and 2) of a file and every field of
// each message, from the indicator and section headers only, through GDAL's
// VSI (so /vsicurl/, /vsis3/ ... work). Data sections are never read.
//
// Tolerated between and after messages: padding, 80-byte WMO headers, any
// bytes that do not start with "GRIB" followed by a known edition number.
// Refused, with an error naming the file and the message: a message whose
// declared length runs past the end of the file, a missing "7777" end
// marker, section lengths that do not add up.
#pragma once

#include "cpl_vsi.h"
#include "file_handles.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace kerchunk
{

// Reads a VSI file through a small window, so that the many short header
// reads of a scan cost one system call (or one HTTP range) per window.
class GribFileReader
{
  public:
    explicit GribFileReader(std::string osPath);
    ~GribFileReader();
    GribFileReader(const GribFileReader &) = delete;
    GribFileReader &operator=(const GribFileReader &) = delete;

    const std::string &GetPath() const
    {
        return m_osPath;
    }
    uint64_t GetSize() const
    {
        return m_nSize;
    }
    // Copies [nOffset, nOffset + nSize) into pabyOut; false when the range
    // is not entirely inside the file.
    bool Read(uint64_t nOffset, size_t nSize, void *pabyOut);
    std::string ReadString(uint64_t nOffset, size_t nSize);
    // Like Read, but leaves the window alone (a far-away small read, such as
    // the end marker of a long message, must not evict its headers). A small
    // read fills a second window, which Read uses when it gets there.
    bool ReadAside(uint64_t nOffset, size_t nSize, void *pabyOut);
    // Offset of the next "GRIB" at or after nOffset, or GetSize().
    uint64_t FindMarker(uint64_t nOffset);
    uint64_t GetBytesRead() const
    {
        return m_nBytesRead;
    }

  private:
    bool Fill(uint64_t nOffset, size_t nMin);

    std::string m_osPath;
    VSIFilePtr m_poFile{};
    uint64_t m_nSize = 0;
    std::vector<unsigned char> m_abyWindow{};
    uint64_t m_nWindowOffset = 0;
    std::vector<unsigned char> m_abyAside{};
    uint64_t m_nAsideOffset = 0;
    uint64_t m_nBytesRead = 0;
};

struct GribSection
{
    int nNumber = 0;
    uint64_t nOffset = 0;  // absolute, in the file
    uint64_t nLength = 0;
};

// One field: the sections eccodes needs to decode it on its own. For GRIB2
// multi-field messages (sections 2..7 repeated, GRIB2 regulation 92.9.x),
// the sections in force for this field (a local-use or grid section may be
// inherited from an earlier field of the same message).
struct GribField
{
    int nIndex = 0;  // 0-based, within its message
    // Edition 2: sections 1, [2], 3, 4, 5, 6, 7 in force for this field;
    // edition 1: PDS, [GDS], [BMS], BDS.
    std::vector<GribSection> aoSections{};
    // GRIB2 section 6 with indicator 254 ("bitmap defined earlier in this
    // message applies", code table 6.0): the section that defined it.
    bool bBitmapInherited = false;
    GribSection oInheritedBitmap{};
};

struct GribMessage
{
    int nNumber = 0;  // 1-based, in the file
    int nEdition = 0;
    uint64_t nOffset = 0;
    uint64_t nLength = 0;
    bool bLargeGrib1 = false;  // ECMWF convention for GRIB1 over 8 MB
    std::vector<GribField> aoFields{};
};

// Calls `fnOnMessage` for each message, in file order, as soon as it is
// located (one pass: its headers are still in the reader's window).
// Throws kerchunk::Error naming the file and the message on malformed input.
void ScanGribMessages(GribFileReader &oReader,
                      const std::function<void(GribMessage &&)> &fnOnMessage);
std::vector<GribMessage> LocateGribMessages(GribFileReader &oReader);

// Bytes given to eccodes to parse the headers of `oField` (no data):
// edition 2: sections 0-5 (eccodes' partial-message mode); edition 1: a
// small valid message whose bitmap and data sections keep only their
// headers.
std::string BuildHeaderMessage(GribFileReader &oReader,
                               const GribMessage &oMessage,
                               const GribField &oField);

// A complete single-field GRIB2 message for field `oField` of a multi-field
// message (reads its data), so that any decoder that decodes "the first
// field" decodes exactly this field.
std::string BuildSingleFieldMessage(GribFileReader &oReader,
                                    const GribMessage &oMessage,
                                    const GribField &oField);

}  // namespace kerchunk
