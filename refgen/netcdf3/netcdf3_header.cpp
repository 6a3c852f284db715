#include "netcdf3_header.h"

#include "utf8.h"

#include "error.h"
#include "../read_counter.h"
#include "config_options.h"

#include "cpl_conv.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <set>

namespace kerchunk
{

size_t NC3TypeSize(NC3Type eType)
{
    switch (eType)
    {
        case NC3Type::Byte:
        case NC3Type::Char:
        case NC3Type::UByte:
            return 1;
        case NC3Type::Short:
        case NC3Type::UShort:
            return 2;
        case NC3Type::Int:
        case NC3Type::Float:
        case NC3Type::UInt:
            return 4;
        case NC3Type::Double:
        case NC3Type::Int64:
        case NC3Type::UInt64:
            return 8;
    }
    return 0;
}

const char *NC3TypeName(NC3Type eType)
{
    switch (eType)
    {
        case NC3Type::Byte:
            return "byte";
        case NC3Type::Char:
            return "char";
        case NC3Type::Short:
            return "short";
        case NC3Type::Int:
            return "int";
        case NC3Type::Float:
            return "float";
        case NC3Type::Double:
            return "double";
        case NC3Type::UByte:
            return "ubyte";
        case NC3Type::UShort:
            return "ushort";
        case NC3Type::UInt:
            return "uint";
        case NC3Type::Int64:
            return "int64";
        case NC3Type::UInt64:
            return "uint64";
    }
    return "unknown";
}

namespace
{

// List tags of the classic format spec (NC_DIMENSION, NC_VARIABLE,
// NC_ATTRIBUTE); ABSENT is a zero tag followed by a zero count.
constexpr uint32_t NC_TAG_ABSENT = 0x00;
constexpr uint32_t NC_TAG_DIMENSION = 0x0A;
constexpr uint32_t NC_TAG_VARIABLE = 0x0B;
constexpr uint32_t NC_TAG_ATTRIBUTE = 0x0C;

// Thrown when the header continues past the bytes we were given but the
// file has more: the caller reads a bigger block and parses again.
struct NeedMoreBytes
{
};

class HeaderParser
{
  public:
    HeaderParser(const void *pData, size_t nSize, uint64_t nFileSize,
                 const std::string &osFilename)
        : m_pabyData(static_cast<const uint8_t *>(pData)), m_nSize(nSize),
          m_nFileSize(nFileSize), m_osFilename(osFilename)
    {
    }

    NC3Header Parse();

  private:
    // The header's parts, in file order.
    void ReadMagicAndNumRecs(NC3Header &oHeader);
    void ReadDimensions(NC3Header &oHeader);
    NC3Variable ReadVariable(const NC3Header &oHeader, uint64_t iVar,
                             std::set<std::string> &oNames);

    [[noreturn]] void Fail(const std::string &osWhat) const
    {
        throw Error(m_osFilename + ": NetCDF-3 header: " + osWhat);
    }

    // Makes sure `nBytes` more bytes can be read at the current position.
    void Require(uint64_t nBytes, const char *pszWhat)
    {
        if (nBytes > m_nFileSize - m_nPos)
            Fail(std::string("truncated: ") + pszWhat + " at byte " +
                 std::to_string(m_nPos) + " needs " + std::to_string(nBytes) +
                 " bytes, the file has " + std::to_string(m_nFileSize - m_nPos) +
                 " left" + Context());
        if (nBytes > m_nSize - m_nPos)
            throw NeedMoreBytes{};
    }

    uint32_t ReadUInt32(const char *pszWhat)
    {
        Require(4, pszWhat);
        const uint8_t *p = m_pabyData + m_nPos;
        m_nPos += 4;
        return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) |
               (uint32_t{p[2]} << 8) | uint32_t{p[3]};
    }

    uint64_t ReadUInt64(const char *pszWhat)
    {
        Require(8, pszWhat);
        uint64_t n = 0;
        for (int i = 0; i < 8; ++i)
            n = (n << 8) | m_pabyData[m_nPos + i];
        m_nPos += 8;
        return n;
    }

    // NON_NEG: a 32-bit INT in CDF-1/2, a 64-bit INT64 in CDF-5.
    uint64_t ReadNonNeg(const char *pszWhat)
    {
        if (m_nVersion == 5)
        {
            const uint64_t n = ReadUInt64(pszWhat);
            if (n >> 63)
                Fail(std::string(pszWhat) + " is negative" + Context());
            return n;
        }
        return ReadUInt32(pszWhat);
    }

    // A count of list elements that each take at least `nMinElementSize`
    // bytes: checked against what the file can hold before anything is
    // allocated for it.
    uint64_t ReadCount(const char *pszWhat, uint64_t nMinElementSize)
    {
        const uint64_t nCount = ReadNonNeg(pszWhat);
        if (nCount > (m_nFileSize - m_nPos) / nMinElementSize)
            Fail(std::string(pszWhat) + " " + std::to_string(nCount) +
                 " exceeds what the remaining " +
                 std::to_string(m_nFileSize - m_nPos) +
                 " bytes of the file can hold" + Context());
        return nCount;
    }

    // `nBytes` bytes followed by padding to a multiple of 4 ("padding" in
    // the spec).
    std::string ReadPadded(uint64_t nBytes, const char *pszWhat)
    {
        const uint64_t nPadded = nBytes + (4 - nBytes % 4) % 4;
        if (nPadded < nBytes)
            Fail(std::string(pszWhat) + ": size overflows" + Context());
        Require(nPadded, pszWhat);
        std::string os(reinterpret_cast<const char *>(m_pabyData + m_nPos),
                       static_cast<size_t>(nBytes));
        m_nPos += static_cast<size_t>(nPadded);
        return os;
    }

    std::string ReadName(const char *pszWhat)
    {
        const uint64_t nLength = ReadNonNeg(pszWhat);
        std::string osName = ReadPadded(nLength, pszWhat);
        // netCDF-C hands names out as C strings: a NUL ends them (some
        // files, e.g. netCDF-C's own nctest output, count the NUL in the
        // length).
        const size_t nNul = osName.find('\0');
        if (nNul != std::string::npos)
            osName.resize(nNul);
        if (!IsValidUtf8(osName))
            Fail(std::string(pszWhat) + " is not valid UTF-8" + Context());
        return osName;
    }

    NC3Type ReadType(const char *pszWhat)
    {
        const uint32_t nType = ReadUInt32(pszWhat);
        const uint32_t nMax = m_nVersion == 5 ? 11 : 6;
        if (nType < 1 || nType > nMax)
            Fail("unknown " + std::string(pszWhat) + " " +
                 std::to_string(nType) +
                 (nType >= 7 && nType <= 11 ? " (a CDF-5 type in a CDF-" +
                                                  std::to_string(m_nVersion) +
                                                  " file)"
                                            : std::string()) +
                 Context());
        return static_cast<NC3Type>(nType);
    }

    // Reads a list tag and its count; returns the count (0 when ABSENT).
    uint64_t ReadListHeader(uint32_t nExpectedTag, const char *pszList,
                            uint64_t nMinElementSize)
    {
        const uint32_t nTag = ReadUInt32(pszList);
        if (nTag == NC_TAG_ABSENT)
        {
            if (ReadNonNeg(pszList) != 0)
                Fail(std::string(pszList) + ": ABSENT with a non-zero count" +
                     Context());
            return 0;
        }
        if (nTag != nExpectedTag)
            Fail(std::string(pszList) + ": expected tag " +
                 std::to_string(nExpectedTag) + ", found " +
                 std::to_string(nTag) + Context());
        return ReadCount((std::string(pszList) + " count").c_str(),
                         nMinElementSize);
    }

    std::vector<NC3Attribute> ReadAttributes();

    std::string Context() const
    {
        return m_osContext.empty() ? std::string() : " (" + m_osContext + ")";
    }

    const uint8_t *m_pabyData;
    size_t m_nSize;
    uint64_t m_nFileSize;
    const std::string &m_osFilename;
    size_t m_nPos = 0;
    int m_nVersion = 1;
    std::string m_osContext{};
};

std::vector<NC3Attribute> HeaderParser::ReadAttributes()
{
    const uint64_t nW = m_nVersion == 5 ? 8 : 4;
    const std::string osOuterContext = m_osContext;
    // name, nc_type, nelems
    const uint64_t nCount =
        ReadListHeader(NC_TAG_ATTRIBUTE, "attribute list", nW + 4 + nW);
    std::vector<NC3Attribute> aoAttributes;
    for (uint64_t i = 0; i < nCount; ++i)
    {
        NC3Attribute oAttr;
        m_osContext = (osOuterContext.empty() ? std::string()
                                              : osOuterContext + ", ") +
                      "attribute #" + std::to_string(i);
        oAttr.osName = ReadName("attribute name");
        m_osContext = (osOuterContext.empty() ? std::string()
                                              : osOuterContext + ", ") +
                      "attribute '" + oAttr.osName + "'";
        oAttr.eType = ReadType("attribute type");
        const uint64_t nSize = NC3TypeSize(oAttr.eType);
        oAttr.nCount = ReadCount("attribute value count", nSize);
        oAttr.osValues = ReadPadded(oAttr.nCount * nSize, "attribute values");
        aoAttributes.push_back(std::move(oAttr));
    }
    m_osContext = osOuterContext;
    return aoAttributes;
}

// magic = 'C' 'D' 'F' VERSION; numrecs = NON_NEG | STREAMING (all bits set)
void HeaderParser::ReadMagicAndNumRecs(NC3Header &oHeader)
{
    if (m_nFileSize < 4)
        Fail("truncated: the file has only " + std::to_string(m_nFileSize) +
             " bytes");
    Require(4, "magic");
    if (memcmp(m_pabyData, "CDF", 3) != 0 ||
        (m_pabyData[3] != 1 && m_pabyData[3] != 2 && m_pabyData[3] != 5))
        Fail("not a NetCDF-3 file (bad magic bytes, expected CDF\\001, "
             "CDF\\002 or CDF\\005)");
    m_nVersion = m_pabyData[3];
    m_nPos = 4;
    oHeader.nVersion = m_nVersion;
    if (m_nVersion == 5)
    {
        const uint64_t n = ReadUInt64("numrecs");
        oHeader.bStreaming = n == ~uint64_t{0};
        if (!oHeader.bStreaming && (n >> 63))
            Fail("numrecs is negative");
        oHeader.nNumRecs = oHeader.bStreaming ? 0 : n;
    }
    else
    {
        const uint32_t n = ReadUInt32("numrecs");
        oHeader.bStreaming = n == 0xFFFFFFFFU;
        oHeader.nNumRecs = oHeader.bStreaming ? 0 : n;
    }
}

// dim_list: each dim is a name and a length.
void HeaderParser::ReadDimensions(NC3Header &oHeader)
{
    const uint64_t nW = m_nVersion == 5 ? 8 : 4;
    const uint64_t nDims = ReadListHeader(NC_TAG_DIMENSION, "dimension list", nW + nW);
    for (uint64_t i = 0; i < nDims; ++i)
    {
        NC3Dimension oDim;
        m_osContext = "dimension #" + std::to_string(i);
        oDim.osName = ReadName("dimension name");
        m_osContext = "dimension '" + oDim.osName + "'";
        oDim.nLength = ReadNonNeg("dimension length");
        if (oDim.nLength == 0)
        {
            if (oHeader.nRecordDimension)
                Fail("more than one dimension of length 0 ('" +
                     oHeader.aoDimensions[*oHeader.nRecordDimension].osName +
                     "' and '" + oDim.osName +
                     "'): only the record dimension may have length 0");
            oHeader.nRecordDimension = oHeader.aoDimensions.size();
        }
        oHeader.aoDimensions.push_back(std::move(oDim));
    }
    m_osContext.clear();
}

// One var of var_list: name, ndims, dimids, vatt_list, nc_type, vsize, begin.
NC3Variable HeaderParser::ReadVariable(const NC3Header &oHeader, uint64_t iVar,
                                       std::set<std::string> &oNames)
{
    const uint64_t nW = m_nVersion == 5 ? 8 : 4;
    NC3Variable oVar;
    m_osContext = "variable #" + std::to_string(iVar);
    oVar.osName = ReadName("variable name");
    m_osContext = "variable '" + oVar.osName + "'";
    if (oVar.osName.empty())
        Fail("empty variable name" + Context());
    if (!oNames.insert(oVar.osName).second)
        Fail("duplicate variable name" + Context());
    const uint64_t nVarDims = ReadCount("number of dimensions", nW);
    for (uint64_t j = 0; j < nVarDims; ++j)
    {
        const uint64_t nDimId = ReadNonNeg("dimension id");
        if (nDimId >= oHeader.aoDimensions.size())
            Fail("dimension id " + std::to_string(nDimId) + " out of range (the file has " +
                 std::to_string(oHeader.aoDimensions.size()) + " dimensions)" + Context());
        if (oHeader.nRecordDimension && nDimId == *oHeader.nRecordDimension)
        {
            if (j != 0)
                Fail("the record dimension '" + oHeader.aoDimensions[nDimId].osName +
                     "' is not the first dimension" + Context());
            oVar.bIsRecord = true;
        }
        oVar.anDimIds.push_back(static_cast<size_t>(nDimId));
    }
    oVar.aoAttributes = ReadAttributes();
    oVar.eType = ReadType("variable type");
    oVar.nVSizeInHeader = ReadNonNeg("vsize");
    oVar.nBegin = m_nVersion == 1 ? ReadUInt32("begin") : ReadUInt64("begin");
    return oVar;
}

NC3Header HeaderParser::Parse()
{
    NC3Header oHeader;
    ReadMagicAndNumRecs(oHeader);
    ReadDimensions(oHeader);
    oHeader.aoAttributes = ReadAttributes();

    const uint64_t nW = m_nVersion == 5 ? 8 : 4;
    const uint64_t nBeginSize = m_nVersion == 1 ? 4 : 8;
    const uint64_t nVars = ReadListHeader(NC_TAG_VARIABLE, "variable list",
                                          nW + nW + (4 + nW) + 4 + nW + nBeginSize);
    std::set<std::string> oNames;
    for (uint64_t i = 0; i < nVars; ++i)
        oHeader.aoVariables.push_back(ReadVariable(oHeader, i, oNames));
    m_osContext.clear();
    oHeader.nHeaderSize = m_nPos;
    return oHeader;
}

}  // namespace

std::optional<NC3Header> ParseNetCDF3Header(const void *pData, size_t nSize,
                                            uint64_t nFileSize,
                                            const std::string &osFilename)
{
    if (nSize > nFileSize)
        throw Error("internal error: NetCDF-3 header buffer larger than the file");
    try
    {
        return HeaderParser(pData, nSize, nFileSize, osFilename).Parse();
    }
    catch (const NeedMoreBytes &)
    {
        return std::nullopt;
    }
}

NC3Header ReadNetCDF3Header(VSILFILE *fp, const std::string &osFilename)
{
    if (VSIFSeekL(fp, 0, SEEK_END) != 0)
        throw Error(osFilename + ": cannot seek to the end of the file");
    const uint64_t nFileSize = VSIFTellL(fp);

    // Most headers fit in the first block; big ones (thousands of variables
    // or long attributes) take a few more reads. The cap bounds memory for
    // hostile files whose counts are consistent with a huge file size.
    const uint64_t nMaxHeaderSize =
        GetIntegerOption("KERCHUNK_NETCDF3_MAX_HEADER_SIZE");
    size_t nBlock = 64 * 1024;
    std::string osBuffer;
    while (true)
    {
        const uint64_t nWanted =
            std::min<uint64_t>({nBlock, nFileSize, nMaxHeaderSize});
        if (nWanted > osBuffer.size())
        {
            const size_t nHave = osBuffer.size();
            osBuffer.resize(static_cast<size_t>(nWanted));
            if (VSIFSeekL(fp, nHave, SEEK_SET) != 0 ||
                VSIFReadL(&osBuffer[nHave], 1, osBuffer.size() - nHave, fp) !=
                    osBuffer.size() - nHave)
                throw Error(osFilename + ": cannot read the NetCDF-3 header");
            CountSourceBytesRead(osBuffer.size() - nHave);
        }
        auto oHeader = ParseNetCDF3Header(osBuffer.data(), osBuffer.size(),
                                          nFileSize, osFilename);
        if (oHeader)
            return std::move(*oHeader);
        if (osBuffer.size() >= nMaxHeaderSize)
            throw Error(osFilename + ": NetCDF-3 header larger than " +
                        std::to_string(nMaxHeaderSize) +
                        " bytes (KERCHUNK_NETCDF3_MAX_HEADER_SIZE)");
        nBlock *= 4;
    }
}

}  // namespace kerchunk
