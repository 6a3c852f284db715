#include "grib_locator.h"
#include "error.h"
#include "../read_counter.h"

#include <algorithm>
#include <cstring>

namespace kerchunk
{

// Big enough to hold the headers of a message and the start of the next one
// in a single read; small enough not to matter for huge data sections.
constexpr size_t WINDOW_SIZE = 64 * 1024;

GribFileReader::GribFileReader(std::string osPath) : m_osPath(std::move(osPath))
{
    m_poFile = OpenVSIFile(m_osPath, "rb");
    if (!m_poFile)
        throw Error("cannot open " + m_osPath);
    if (VSIFSeekL(m_poFile.get(), 0, SEEK_END) != 0)
        throw Error(m_osPath + ": cannot seek to the end of the file");
    m_nSize = VSIFTellL(m_poFile.get());
}

GribFileReader::~GribFileReader() = default;

bool GribFileReader::Fill(uint64_t nOffset, size_t nMin)
{
    if (nOffset > m_nSize || nMin > m_nSize - nOffset)
        return false;
    if (nOffset >= m_nWindowOffset &&
        nOffset + nMin <= m_nWindowOffset + m_abyWindow.size())
        return true;
    // The next message usually starts right after the end marker that
    // ReadAside fetched: its window is already there.
    if (nOffset >= m_nAsideOffset &&
        nOffset + nMin <= m_nAsideOffset + m_abyAside.size())
    {
        std::swap(m_abyWindow, m_abyAside);
        std::swap(m_nWindowOffset, m_nAsideOffset);
        return true;
    }
    const size_t nWant = static_cast<size_t>(
        std::min<uint64_t>(std::max(nMin, WINDOW_SIZE), m_nSize - nOffset));
    m_abyWindow.resize(nWant);
    m_nWindowOffset = nOffset;
    if (VSIFSeekL(m_poFile.get(), nOffset, SEEK_SET) != 0 ||
        VSIFReadL(m_abyWindow.data(), 1, nWant, m_poFile.get()) != nWant)
    {
        m_abyWindow.clear();
        throw Error(m_osPath + ": read error at offset " +
                    std::to_string(nOffset));
    }
    m_nBytesRead += nWant;
    CountSourceBytesRead(nWant);
    return true;
}

bool GribFileReader::Read(uint64_t nOffset, size_t nSize, void *pabyOut)
{
    if (nSize == 0)
        return nOffset <= m_nSize;
    // Large reads (data sections of rebuilt messages) bypass the window.
    if (nSize > WINDOW_SIZE)
        return ReadAside(nOffset, nSize, pabyOut);
    if (!Fill(nOffset, nSize))
        return false;
    memcpy(pabyOut, m_abyWindow.data() + (nOffset - m_nWindowOffset), nSize);
    return true;
}

bool GribFileReader::ReadAside(uint64_t nOffset, size_t nSize, void *pabyOut)
{
    if (nOffset > m_nSize || nSize > m_nSize - nOffset)
        return false;
    for (const auto *poBuffer : {&m_abyWindow, &m_abyAside})
    {
        const uint64_t nBufferOffset =
            poBuffer == &m_abyWindow ? m_nWindowOffset : m_nAsideOffset;
        if (nOffset >= nBufferOffset && nOffset + nSize <= nBufferOffset + poBuffer->size())
        {
            memcpy(pabyOut, poBuffer->data() + (nOffset - nBufferOffset), nSize);
            return true;
        }
    }
    if (nSize < WINDOW_SIZE)
    {
        // A small far read (an end marker) fetches a whole window into the
        // second buffer: over the network the next message's headers then
        // come with the same request instead of one more.
        const size_t nWant =
            static_cast<size_t>(std::min<uint64_t>(WINDOW_SIZE, m_nSize - nOffset));
        m_abyAside.resize(nWant);
        m_nAsideOffset = nOffset;
        if (VSIFSeekL(m_poFile.get(), nOffset, SEEK_SET) != 0 ||
            VSIFReadL(m_abyAside.data(), 1, nWant, m_poFile.get()) != nWant)
        {
            m_abyAside.clear();
            throw Error(m_osPath + ": read error at offset " + std::to_string(nOffset));
        }
        m_nBytesRead += nWant;
        CountSourceBytesRead(nWant);
        memcpy(pabyOut, m_abyAside.data(), nSize);
        return true;
    }
    if (VSIFSeekL(m_poFile.get(), nOffset, SEEK_SET) != 0 ||
        VSIFReadL(pabyOut, 1, nSize, m_poFile.get()) != nSize)
        throw Error(m_osPath + ": read error at offset " +
                    std::to_string(nOffset));
    m_nBytesRead += nSize;
    CountSourceBytesRead(nSize);
    return true;
}

std::string GribFileReader::ReadString(uint64_t nOffset, size_t nSize)
{
    std::string osOut(nSize, '\0');
    if (!Read(nOffset, nSize, &osOut[0]))
        throw Error(m_osPath + ": " + std::to_string(nSize) +
                    " bytes at offset " + std::to_string(nOffset) +
                    " are past the end of the file");
    return osOut;
}

uint64_t GribFileReader::FindMarker(uint64_t nOffset)
{
    while (nOffset + 4 <= m_nSize)
    {
        Fill(nOffset, 4);
        const size_t nStart = static_cast<size_t>(nOffset - m_nWindowOffset);
        const unsigned char *pabyBegin = m_abyWindow.data() + nStart;
        const unsigned char *pabyEnd = m_abyWindow.data() + m_abyWindow.size();
        static const unsigned char abyMarker[4] = {'G', 'R', 'I', 'B'};
        const unsigned char *pabyHit =
            std::search(pabyBegin, pabyEnd, abyMarker, abyMarker + 4);
        if (pabyHit != pabyEnd)
            return nOffset + static_cast<uint64_t>(pabyHit - pabyBegin);
        // Keep 3 bytes of overlap: a marker may straddle two windows.
        const uint64_t nScanned = static_cast<uint64_t>(pabyEnd - pabyBegin);
        if (nScanned <= 3)
            break;
        nOffset += nScanned - 3;
    }
    return m_nSize;
}

static uint64_t ReadBigEndian(const unsigned char *paby, int nBytes)
{
    uint64_t nValue = 0;
    for (int i = 0; i < nBytes; ++i)
        nValue = (nValue << 8) | paby[i];
    return nValue;
}

namespace
{
class MessageError
{
  public:
    MessageError(const GribFileReader &oReader, int nNumber, uint64_t nOffset)
        : m_osPrefix(oReader.GetPath() + ": GRIB message " +
                     std::to_string(nNumber) + " (offset " +
                     std::to_string(nOffset) + "): ")
    {
    }
    Error operator()(const std::string &osWhat) const
    {
        return Error(m_osPrefix + osWhat);
    }

  private:
    std::string m_osPrefix;
};
}  // namespace

// GRIB edition 1 (WMO Manual on Codes, FM 92 GRIB edition 1): section 0 is
// "GRIB" + 3-byte total length + edition; then PDS, optional GDS and BMS
// (flags in PDS octet 8), BDS, "7777". Each section starts with a 3-byte
// length.
static void WalkGrib1(GribFileReader &oReader, GribMessage &oMsg,
                      const MessageError &oErr)
{
    const uint64_t nEnd = oMsg.nOffset + oMsg.nLength - 4;
    uint64_t nPos = oMsg.nOffset + 8;
    unsigned char aby[8];
    auto ReadSection = [&](int nNumber, bool bIsLast) {
        if (!oReader.Read(nPos, 3, aby) || nPos + 3 > nEnd)
            throw oErr("section " + std::to_string(nNumber) +
                       " header is past the end of the message");
        uint64_t nLen = ReadBigEndian(aby, 3);
        if (bIsLast && oMsg.bLargeGrib1)
        {
            // Large message: the BDS length is recomputed from the total.
            nLen = nEnd - nPos;
        }
        if (nLen < 3 || nLen > nEnd - nPos)
            throw oErr("section " + std::to_string(nNumber) + " length " +
                       std::to_string(nLen) +
                       " does not fit in the message length " +
                       std::to_string(oMsg.nLength));
        GribSection oSec;
        oSec.nNumber = nNumber;
        oSec.nOffset = nPos;
        oSec.nLength = nLen;
        nPos += nLen;
        return oSec;
    };
    GribField oField;
    const GribSection oPDS = ReadSection(1, false);
    if (oPDS.nLength < 28)
        throw oErr("product definition section shorter than 28 bytes");
    oField.aoSections.push_back(oPDS);
    if (!oReader.Read(oPDS.nOffset + 7, 1, aby))
        throw oErr("truncated product definition section");
    const unsigned char nFlags = aby[0];
    if (nFlags & 0x80)
        oField.aoSections.push_back(ReadSection(2, false));
    if (nFlags & 0x40)
        oField.aoSections.push_back(ReadSection(3, false));
    oField.aoSections.push_back(ReadSection(4, true));
    if (nPos != nEnd)
        throw oErr("sections end at offset " + std::to_string(nPos) +
                   " but the end marker is at " + std::to_string(nEnd));
    oMsg.aoFields.push_back(std::move(oField));
}

namespace
{
// What a walk through the sections of a GRIB2 message has seen so far.
struct Grib2WalkState
{
    GribSection aoCurrent[8];  // by section number, the ones in force
    GribSection oLastBitmap;   // last section 6 that carried a bitmap
    bool bHaveBitmap = false;
    bool bBitmapInherited = false;
};
}  // namespace

// Allowed successions (regulation 92.9.x): 1 first, then 2 or 3; increasing
// order up to 7; after 7 a new field restarts at 2, 3 or 4 (the sections it
// skips stay in force).
static void CheckGrib2Succession(int nPrevious, int nNumber,
                                 const MessageError &oErr)
{
    static const unsigned char anAllowed[8] = {
        1u << 1,                    // start
        (1u << 2) | (1u << 3),      // after 1
        1u << 3, 1u << 4, 1u << 5,  // after 2, 3, 4
        1u << 6, 1u << 7,           // after 5, 6
        (1u << 2) | (1u << 3) | (1u << 4)};  // after 7
    if ((anAllowed[nPrevious] & (1u << nNumber)) == 0)
        throw oErr("section " + std::to_string(nNumber) +
                   " follows section " + std::to_string(nPrevious));
}

// Section 6: whether it carries a bitmap, refers to an earlier one or has
// none.
static void NoteGrib2Bitmap(GribFileReader &oReader, const GribSection &oSec,
                            Grib2WalkState &oState, const MessageError &oErr)
{
    unsigned char nIndicator = 0;
    if (oSec.nLength < 6 || !oReader.Read(oSec.nOffset + 5, 1, &nIndicator))
        throw oErr("truncated bitmap section");
    // Code table 6.0: 0 = bitmap follows, 254 = earlier bitmap of this
    // message applies, 255 = no bitmap.
    oState.bBitmapInherited = nIndicator == 254;
    if (nIndicator == 0)
    {
        oState.oLastBitmap = oSec;
        oState.bHaveBitmap = true;
    }
    else if (oState.bBitmapInherited && !oState.bHaveBitmap)
        throw oErr("bitmap section refers to an earlier bitmap but "
                   "none was defined");
}

// Section 7 ends a field: the sections in force make it.
static GribField CompleteGrib2Field(const Grib2WalkState &oState, size_t nIndex,
                                    const MessageError &oErr)
{
    const GribSection *aoCurrent = oState.aoCurrent;
    if (aoCurrent[3].nNumber == 0 || aoCurrent[4].nNumber == 0 ||
        aoCurrent[5].nNumber == 0 || aoCurrent[6].nNumber == 0)
        throw oErr("field " + std::to_string(nIndex + 1) +
                   " lacks a grid, product, representation or "
                   "bitmap section");
    GribField oField;
    oField.nIndex = static_cast<int>(nIndex);
    oField.aoSections.push_back(aoCurrent[1]);
    if (aoCurrent[2].nNumber == 2)
        oField.aoSections.push_back(aoCurrent[2]);
    for (int i = 3; i <= 7; ++i)
        oField.aoSections.push_back(aoCurrent[i]);
    oField.bBitmapInherited = oState.bBitmapInherited;
    if (oState.bBitmapInherited)
        oField.oInheritedBitmap = oState.oLastBitmap;
    return oField;
}

// GRIB edition 2 (WMO FM 92 GRIB edition 2, regulation 92.9): section 0 is
// 16 bytes, then sections 1..7 each start with a 4-byte length and a 1-byte
// number; sections 2..7 (or 3..7, or 4..7) may repeat for several fields.
static void WalkGrib2(GribFileReader &oReader, GribMessage &oMsg,
                      const MessageError &oErr)
{
    const uint64_t nEnd = oMsg.nOffset + oMsg.nLength - 4;
    uint64_t nPos = oMsg.nOffset + 16;
    Grib2WalkState oState;
    int nPrevious = 0;
    while (nPos < nEnd)
    {
        unsigned char aby[5];
        if (nEnd - nPos < 5 || !oReader.Read(nPos, 5, aby))
            throw oErr("truncated section header at offset " +
                       std::to_string(nPos));
        const uint64_t nLen = ReadBigEndian(aby, 4);
        const int nNumber = aby[4];
        if (nNumber < 1 || nNumber > 7)
            throw oErr("unknown section number " + std::to_string(nNumber) +
                       " at offset " + std::to_string(nPos));
        if (nLen < 5 || nLen > nEnd - nPos)
            throw oErr("section " + std::to_string(nNumber) + " length " +
                       std::to_string(nLen) +
                       " does not fit in the message length " +
                       std::to_string(oMsg.nLength));
        CheckGrib2Succession(nPrevious, nNumber, oErr);
        if (nNumber == 3 && nPrevious == 1)
            oState.aoCurrent[2] = GribSection{};
        GribSection oSec;
        oSec.nNumber = nNumber;
        oSec.nOffset = nPos;
        oSec.nLength = nLen;
        oState.aoCurrent[nNumber] = oSec;
        if (nNumber == 6)
            NoteGrib2Bitmap(oReader, oSec, oState, oErr);
        if (nNumber == 7)
        {
            oMsg.aoFields.push_back(
                CompleteGrib2Field(oState, oMsg.aoFields.size(), oErr));
            // Sections 4-6 must be given again for the next field.
            oState.aoCurrent[4] = oState.aoCurrent[5] = oState.aoCurrent[6] =
                GribSection{};
        }
        nPrevious = nNumber;
        nPos += nLen;
    }
    if (nPrevious != 7)
        throw oErr("the last field has no data section (7)");
}

std::vector<GribMessage> LocateGribMessages(GribFileReader &oReader)
{
    std::vector<GribMessage> aoMessages;
    ScanGribMessages(oReader, [&aoMessages](GribMessage &&oMsg)
                     { aoMessages.push_back(std::move(oMsg)); });
    return aoMessages;
}

// The length of a GRIB1 message with the large-message flag of ECMWF's
// convention for messages over 8 MB: the length is in units of 120 bytes,
// corrected by the (then tiny) BDS length. bLarge: whether the convention
// applied (else the declared length is kept).
static uint64_t LargeGrib1Length(GribFileReader &oReader, uint64_t nStart,
                                 uint64_t nLength, const MessageError &oErr,
                                 bool &bLarge)
{
    // Walk PDS/GDS/BMS to reach the BDS length.
    uint64_t nSec = nStart + 8;
    unsigned char ab[8];
    if (!oReader.Read(nSec, 8, ab))
        throw oErr("truncated product definition section");
    const uint64_t nPDS = ReadBigEndian(ab, 3);
    const unsigned char nFlags = ab[7];
    nSec += nPDS;
    for (int nBit : {0x80, 0x40})
    {
        if (nFlags & nBit)
        {
            if (!oReader.Read(nSec, 3, ab))
                throw oErr("truncated section header");
            nSec += ReadBigEndian(ab, 3);
        }
    }
    if (!oReader.Read(nSec, 3, ab))
        throw oErr("truncated binary data section header");
    const uint64_t nBDS = ReadBigEndian(ab, 3);
    if (nBDS >= 120)
        return nLength;
    bLarge = true;
    return (nLength & 0x7FFFFF) * 120 - nBDS + 4;
}

// Throws unless a message of nLength bytes at nStart fits in the file,
// is long enough for its edition and ends with "7777".
static void CheckMessageExtent(GribFileReader &oReader, uint64_t nStart,
                               uint64_t nLength, int nEdition,
                               const MessageError &oErr)
{
    const uint64_t nFileSize = oReader.GetSize();
    const uint64_t nMinLength = nEdition == 1 ? 8 + 28 + 11 + 4 : 16 + 4;
    if (nLength < nMinLength)
        throw oErr("declared length " + std::to_string(nLength) +
                   " is too small for a GRIB" + std::to_string(nEdition) +
                   " message");
    if (nLength > nFileSize - nStart)
        throw oErr("declared length " + std::to_string(nLength) +
                   " runs past the end of the file (" +
                   std::to_string(nFileSize - nStart) +
                   " bytes left): truncated file?");
    char achEnd[4] = {};
    oReader.ReadAside(nStart + nLength - 4, 4, achEnd);
    if (memcmp(achEnd, "7777", 4) != 0)
        throw oErr("no end marker '7777' at offset " +
                   std::to_string(nStart + nLength - 4) +
                   ": message cut short or corrupt");
}

void ScanGribMessages(GribFileReader &oReader,
                      const std::function<void(GribMessage &&)> &fnOnMessage)
{
    int nCount = 0;
    const uint64_t nFileSize = oReader.GetSize();
    uint64_t nPos = 0;
    while (true)
    {
        const uint64_t nStart = oReader.FindMarker(nPos);
        if (nStart >= nFileSize)
            break;
        const int nNumber = nCount + 1;
        const MessageError oErr(oReader, nNumber, nStart);
        unsigned char aby[16];
        if (!oReader.Read(nStart, 8, aby))
        {
            // "GRIB" in the last bytes of the file: trailing junk.
            break;
        }
        const int nEdition = aby[7];
        uint64_t nLength = 0;
        if (nEdition == 1)
        {
            nLength = ReadBigEndian(aby + 4, 3);
        }
        else if (nEdition == 2)
        {
            if (!oReader.Read(nStart, 16, aby))
                throw oErr("truncated indicator section (16 bytes needed, " +
                           std::to_string(nFileSize - nStart) + " left)");
            nLength = ReadBigEndian(aby + 8, 8);
        }
        else
        {
            // "GRIB" inside padding or a header: not a message.
            nPos = nStart + 1;
            continue;
        }
        GribMessage oMsg;
        oMsg.nNumber = nNumber;
        oMsg.nEdition = nEdition;
        oMsg.nOffset = nStart;
        if (nEdition == 1 && (nLength & 0x800000) != 0)
            nLength = LargeGrib1Length(oReader, nStart, nLength, oErr,
                                       oMsg.bLargeGrib1);
        CheckMessageExtent(oReader, nStart, nLength, nEdition, oErr);
        oMsg.nLength = nLength;
        if (nEdition == 1)
            WalkGrib1(oReader, oMsg, oErr);
        else
            WalkGrib2(oReader, oMsg, oErr);
        nPos = nStart + nLength;
        ++nCount;
        fnOnMessage(std::move(oMsg));
    }
}

static void PutBigEndian(std::string &os, size_t nAt, uint64_t nValue,
                         int nBytes)
{
    for (int i = nBytes - 1; i >= 0; --i)
    {
        os[nAt + i] = static_cast<char>(nValue & 0xFF);
        nValue >>= 8;
    }
}

std::string BuildHeaderMessage(GribFileReader &oReader,
                               const GribMessage &oMessage,
                               const GribField &oField)
{
    if (oMessage.nEdition == 2)
    {
        std::string osOut = oReader.ReadString(oMessage.nOffset, 16);
        for (const auto &oSec : oField.aoSections)
        {
            if (oSec.nNumber >= 6)
                break;
            osOut += oReader.ReadString(oSec.nOffset,
                                        static_cast<size_t>(oSec.nLength));
        }
        return osOut;
    }
    // Edition 1: eccodes' partial mode does not derive gridType and packing
    // from a GRIB1 header, so build a tiny complete message whose BMS and
    // BDS keep their fixed headers only (BMS 6 bytes, BDS up to 64 bytes,
    // enough for the spectral and second-order headers).
    std::string osOut = oReader.ReadString(oMessage.nOffset, 8);
    for (const auto &oSec : oField.aoSections)
    {
        size_t nKeep = static_cast<size_t>(oSec.nLength);
        if (oSec.nNumber == 3)
            nKeep = std::min<size_t>(nKeep, 6);
        else if (oSec.nNumber == 4)
            nKeep = std::min<size_t>(nKeep, 64);
        std::string osSec = oReader.ReadString(oSec.nOffset, nKeep);
        if (nKeep < oSec.nLength)
            PutBigEndian(osSec, 0, nKeep, 3);
        osOut += osSec;
    }
    osOut += "7777";
    PutBigEndian(osOut, 4, osOut.size(), 3);
    return osOut;
}

std::string BuildSingleFieldMessage(GribFileReader &oReader,
                                    const GribMessage &oMessage,
                                    const GribField &oField)
{
    if (oMessage.nEdition != 2)
        throw Error("internal error: rebuilding a GRIB1 message");
    std::string osOut = oReader.ReadString(oMessage.nOffset, 16);
    for (const auto &oSec : oField.aoSections)
    {
        const GribSection &oUse =
            oSec.nNumber == 6 && oField.bBitmapInherited
                ? oField.oInheritedBitmap
                : oSec;
        osOut += oReader.ReadString(oUse.nOffset,
                                    static_cast<size_t>(oUse.nLength));
    }
    osOut += "7777";
    PutBigEndian(osOut, 8, osOut.size(), 8);
    return osOut;
}

}  // namespace kerchunk
