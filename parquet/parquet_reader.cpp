#include "parquet_reader.h"

#include "error.h"
#include "page_compression.h"
#include "rle_hybrid.h"
#include "thrift_compact.h"

#include <cstring>
#include <limits>

namespace kerchunk::parquet
{

namespace
{

// A decoded page larger than this is refused before allocating: reference
// files hold at most a few hundred bytes per row.
constexpr size_t MAX_PAGE_SIZE = 512 * 1024 * 1024;
// Rows of one file: fsspec's record files hold record_size rows (kerchunk's
// default 100,000); this bounds what a lying footer can make us allocate.
constexpr int64_t MAX_ROWS = 16 * 1024 * 1024;

struct ColumnPlan
{
    size_t nSchemaIndex = 0;  // among the leaves
    Column *poColumn = nullptr;
};

// Reads the column chunks of one column: pages, dictionary, values.
class ColumnChunkReader
{
  public:
    ColumnChunkReader(const uint8_t *pabyFile, size_t nFileSize, const std::string &osWhat,
                      Column &oColumn)
        : m_pabyFile(pabyFile), m_nFileSize(nFileSize), m_osWhat(osWhat), m_oColumn(oColumn)
    {
    }

    void Read(const ThriftValue &oMeta, int64_t nRows);

  private:
    [[noreturn]] void Fail(const std::string &osProblem) const
    {
        throw Error(m_osWhat + ": column '" + m_oColumn.osName + "': " + osProblem);
    }
    void ReadDictionaryPage(const ThriftValue &oHeader, const uint8_t *pabyPage, size_t nSize,
                            size_t nUncompressed);
    void ReadDataPage(const ThriftValue &oHeader, const uint8_t *pabyPage, size_t nSize,
                      size_t nUncompressed, bool bV2);
    void DecodeValues(int32_t nEncoding, const uint8_t *pabyData, size_t nSize,
                      const std::vector<uint32_t> &anDefLevels, size_t nValues);
    // PLAIN values appended to m_aosPlain / m_anPlain.
    void DecodePlain(const uint8_t *pabyData, size_t nSize, size_t nCount);

    const uint8_t *m_pabyFile;
    size_t m_nFileSize;
    const std::string &m_osWhat;
    Column &m_oColumn;
    Codec m_eCodec = Codec::Uncompressed;
    std::vector<int64_t> m_anDictionary{};     // integer dictionary
    size_t m_nDictionaryBase = 0;              // byte arrays: first dictionary entry
    size_t m_nDictionarySize = 0;
    bool m_bHasDictionary = false;
    std::vector<int64_t> m_anPlain{};
    size_t m_nRowsRead = 0;
    size_t m_nRowsLeft = 0;
};

void ColumnChunkReader::Read(const ThriftValue &oMeta, int64_t nRows)
{
    m_eCodec = static_cast<Codec>(oMeta.RequiredInt(field::CMD_CODEC, "codec"));
    if (oMeta.RequiredInt(field::CMD_TYPE, "type") != static_cast<int64_t>(m_oColumn.eType))
        Fail("column chunk type differs from the schema");
    int64_t nStart = oMeta.RequiredInt(field::CMD_DATA_PAGE_OFFSET, "data_page_offset");
    const int64_t nDictOffset = oMeta.IntOr(field::CMD_DICTIONARY_PAGE_OFFSET, 0);
    if (nDictOffset > 0 && nDictOffset < nStart)
        nStart = nDictOffset;
    const int64_t nLength = oMeta.RequiredInt(field::CMD_COMPRESSED_SIZE, "total_compressed_size");
    if (nStart < static_cast<int64_t>(MAGIC_SIZE) || nLength < 0 ||
        static_cast<uint64_t>(nStart) > m_nFileSize ||
        static_cast<uint64_t>(nLength) > m_nFileSize - static_cast<uint64_t>(nStart))
        Fail("column chunk at " + std::to_string(nStart) + " (" + std::to_string(nLength) +
             " bytes) outside the file");
    const uint8_t *pabyChunk = m_pabyFile + nStart;
    const size_t nChunkSize = static_cast<size_t>(nLength);
    const size_t nRowsBefore = m_oColumn.eType == PhysicalType::ByteArray
                                   ? m_oColumn.anIndex.size()
                                   : m_oColumn.anInts.size();
    m_bHasDictionary = false;
    m_nRowsLeft = static_cast<size_t>(nRows);
    size_t nPos = 0;
    const std::string osHeaderWhat = m_osWhat + ": column '" + m_oColumn.osName + "': page header";
    while (m_nRowsRead < static_cast<uint64_t>(nRows) && nPos < nChunkSize)
    {
        size_t nConsumed = 0;
        const ThriftValue oHeader =
            ReadThriftStruct(pabyChunk + nPos, nChunkSize - nPos, nConsumed, osHeaderWhat.c_str());
        nPos += nConsumed;
        const int64_t nCompressed = oHeader.RequiredInt(field::PH_COMPRESSED_SIZE, "compressed_page_size");
        const int64_t nUncompressed =
            oHeader.RequiredInt(field::PH_UNCOMPRESSED_SIZE, "uncompressed_page_size");
        if (nCompressed < 0 || static_cast<uint64_t>(nCompressed) > nChunkSize - nPos)
            Fail("page of " + std::to_string(nCompressed) + " bytes past the column chunk");
        if (nUncompressed < 0 || static_cast<uint64_t>(nUncompressed) > MAX_PAGE_SIZE)
            Fail("page of " + std::to_string(nUncompressed) + " bytes decoded refused");
        const uint8_t *pabyPage = pabyChunk + nPos;
        nPos += static_cast<size_t>(nCompressed);
        switch (oHeader.RequiredInt(field::PH_TYPE, "page type"))
        {
            case DICTIONARY_PAGE:
                ReadDictionaryPage(oHeader, pabyPage, static_cast<size_t>(nCompressed),
                                   static_cast<size_t>(nUncompressed));
                break;
            case DATA_PAGE:
            case DATA_PAGE_V2:
                ReadDataPage(oHeader, pabyPage, static_cast<size_t>(nCompressed),
                             static_cast<size_t>(nUncompressed),
                             oHeader.RequiredInt(field::PH_TYPE, "page type") == DATA_PAGE_V2);
                break;
            default:
                break;  // index pages carry no values
        }
    }
    const size_t nRowsNow = m_oColumn.eType == PhysicalType::ByteArray
                                ? m_oColumn.anIndex.size()
                                : m_oColumn.anInts.size();
    if (nRowsNow - nRowsBefore != static_cast<uint64_t>(nRows))
        Fail("column chunk holds " + std::to_string(nRowsNow - nRowsBefore) +
             " values for a row group of " + std::to_string(nRows) + " rows");
    m_nRowsRead = 0;
}

void ColumnChunkReader::ReadDictionaryPage(const ThriftValue &oHeader, const uint8_t *pabyPage,
                                           size_t nSize, size_t nUncompressed)
{
    const ThriftValue *poDict = oHeader.Field(field::PH_DICTIONARY_PAGE);
    if (poDict == nullptr)
        Fail("dictionary page without its header");
    const int64_t nCount = poDict->RequiredInt(field::DICT_NUM_VALUES, "num_values");
    const int64_t nEncoding = poDict->IntOr(field::DICT_ENCODING, PLAIN);
    if (nEncoding != PLAIN && nEncoding != PLAIN_DICTIONARY)
        Fail("dictionary page encoding " + std::to_string(nEncoding) + " not supported");
    const std::string osPage =
        DecompressPage(m_eCodec, pabyPage, nSize, nUncompressed, (m_osWhat + ": column '" +
                                                                  m_oColumn.osName + "'").c_str());
    if (nCount < 0 || static_cast<uint64_t>(nCount) > osPage.size())
        Fail("dictionary of " + std::to_string(nCount) + " values in " +
             std::to_string(osPage.size()) + " bytes");
    m_nDictionaryBase = m_oColumn.aosValues.size();
    m_anPlain.clear();
    DecodePlain(reinterpret_cast<const uint8_t *>(osPage.data()), osPage.size(),
                static_cast<size_t>(nCount));
    m_anDictionary = std::move(m_anPlain);
    m_anPlain.clear();
    m_nDictionarySize = static_cast<size_t>(nCount);
    m_bHasDictionary = true;
}

void ColumnChunkReader::ReadDataPage(const ThriftValue &oHeader, const uint8_t *pabyPage,
                                     size_t nSize, size_t nUncompressed, bool bV2)
{
    const ThriftValue *poData = oHeader.Field(bV2 ? field::PH_DATA_PAGE_V2 : field::PH_DATA_PAGE);
    if (poData == nullptr)
        Fail("data page without its header");
    const int64_t nValues = poData->RequiredInt(bV2 ? field::DP2_NUM_VALUES : field::DP_NUM_VALUES,
                                                "num_values");
    const int64_t nEncoding =
        poData->RequiredInt(bV2 ? field::DP2_ENCODING : field::DP_ENCODING, "encoding");
    if (nValues < 0 || static_cast<uint64_t>(nValues) > m_nRowsLeft)
        Fail("data page of " + std::to_string(nValues) + " values for " +
             std::to_string(m_nRowsLeft) + " rows left in the row group");
    const std::string osWhat = m_osWhat + ": column '" + m_oColumn.osName + "'";
    std::string osPage;
    size_t nLevelsSize = 0;  // v2: levels before the (maybe compressed) values
    if (bV2)
    {
        const int64_t nDefLength = poData->IntOr(field::DP2_DEF_LENGTH, 0);
        const int64_t nRepLength = poData->IntOr(field::DP2_REP_LENGTH, 0);
        if (nRepLength != 0)
            Fail("repeated values are not supported");
        if (nDefLength < 0 || static_cast<uint64_t>(nDefLength) > nSize ||
            static_cast<uint64_t>(nDefLength) > nUncompressed)
            Fail("definition levels of " + std::to_string(nDefLength) + " bytes past the page");
        nLevelsSize = static_cast<size_t>(nDefLength);
        osPage.assign(reinterpret_cast<const char *>(pabyPage), nLevelsSize);
        if (poData->IntOr(field::DP2_IS_COMPRESSED, 1))
            osPage += DecompressPage(m_eCodec, pabyPage + nLevelsSize, nSize - nLevelsSize,
                                     nUncompressed - nLevelsSize, osWhat.c_str());
        else
            osPage.append(reinterpret_cast<const char *>(pabyPage) + nLevelsSize,
                          nSize - nLevelsSize);
    }
    else
        osPage = DecompressPage(m_eCodec, pabyPage, nSize, nUncompressed, osWhat.c_str());

    const auto *pabyData = reinterpret_cast<const uint8_t *>(osPage.data());
    size_t nPos = 0;
    std::vector<uint32_t> anDefLevels;
    if (m_oColumn.bOptional)
    {
        size_t nLength = nLevelsSize;
        if (!bV2)
        {
            // v1: RLE-encoded levels behind a 4-byte little-endian length.
            if (poData->IntOr(field::DP_DEF_ENCODING, RLE) != RLE)
                Fail("definition level encoding other than RLE not supported");
            if (osPage.size() < 4)
                Fail("data page too short for its definition levels");
            uint32_t nLevels = 0;
            memcpy(&nLevels, pabyData, 4);
            nPos = 4;
            if (nLevels > osPage.size() - nPos)
                Fail("definition levels of " + std::to_string(nLevels) + " bytes past the page");
            nLength = nLevels;
        }
        anDefLevels = DecodeRleHybrid(pabyData + nPos, nLength, 1, static_cast<size_t>(nValues),
                                      (osWhat + ": definition levels").c_str());
        nPos += nLength;
    }
    else
        nPos = nLevelsSize;
    DecodeValues(static_cast<int32_t>(nEncoding), pabyData + nPos, osPage.size() - nPos,
                 anDefLevels, static_cast<size_t>(nValues));
    m_nRowsRead += static_cast<size_t>(nValues);
    m_nRowsLeft -= static_cast<size_t>(nValues);
}

void ColumnChunkReader::DecodePlain(const uint8_t *pabyData, size_t nSize, size_t nCount)
{
    size_t nPos = 0;
    for (size_t i = 0; i < nCount; ++i)
    {
        switch (m_oColumn.eType)
        {
            case PhysicalType::Int64:
            case PhysicalType::Int32:
            {
                const size_t nWidth = m_oColumn.eType == PhysicalType::Int64 ? 8 : 4;
                if (nSize - nPos < nWidth)
                    Fail("PLAIN values end after " + std::to_string(i) + " of " +
                         std::to_string(nCount));
                int64_t nValue = 0;
                if (nWidth == 8)
                    memcpy(&nValue, pabyData + nPos, 8);
                else
                {
                    int32_t n32 = 0;
                    memcpy(&n32, pabyData + nPos, 4);
                    nValue = n32;
                }
                m_anPlain.push_back(nValue);
                nPos += nWidth;
                break;
            }
            case PhysicalType::ByteArray:
            {
                uint32_t nLength = 0;
                if (nSize - nPos < 4)
                    Fail("PLAIN values end after " + std::to_string(i) + " of " +
                         std::to_string(nCount));
                memcpy(&nLength, pabyData + nPos, 4);
                nPos += 4;
                if (nLength > nSize - nPos)
                    Fail("byte array of " + std::to_string(nLength) + " bytes past the page");
                m_oColumn.aosValues.emplace_back(reinterpret_cast<const char *>(pabyData + nPos),
                                                 nLength);
                nPos += nLength;
                break;
            }
            default:
                Fail("physical type not supported");
        }
    }
}

void ColumnChunkReader::DecodeValues(int32_t nEncoding, const uint8_t *pabyData, size_t nSize,
                                     const std::vector<uint32_t> &anDefLevels, size_t nValues)
{
    size_t nNonNull = nValues;
    if (!anDefLevels.empty())
    {
        nNonNull = 0;
        for (uint32_t nLevel : anDefLevels)
            nNonNull += nLevel != 0;
    }
    // One source index per non-null value: into the dictionary or into the
    // values decoded here.
    std::vector<uint32_t> anSource;
    const bool bByteArray = m_oColumn.eType == PhysicalType::ByteArray;
    size_t nPlainBase = m_oColumn.aosValues.size();
    m_anPlain.clear();
    if (nEncoding == PLAIN)
    {
        DecodePlain(pabyData, nSize, nNonNull);
    }
    else if (nEncoding == PLAIN_DICTIONARY || nEncoding == RLE_DICTIONARY)
    {
        if (!m_bHasDictionary)
            Fail("dictionary-encoded page without a dictionary page");
        if (nSize < 1)
            Fail("dictionary-encoded page without its bit width");
        anSource = DecodeRleHybrid(pabyData + 1, nSize - 1, pabyData[0], nNonNull,
                                   (m_osWhat + ": column '" + m_oColumn.osName +
                                    "': dictionary indices").c_str());
        for (uint32_t nIndex : anSource)
        {
            if (nIndex >= m_nDictionarySize)
                Fail("dictionary index " + std::to_string(nIndex) + " past its " +
                     std::to_string(m_nDictionarySize) + " entries");
        }
    }
    else
        Fail("encoding " + std::to_string(nEncoding) +
             " not supported (PLAIN and dictionary encodings are)");

    size_t nNext = 0;
    for (size_t i = 0; i < nValues; ++i)
    {
        const bool bNull = !anDefLevels.empty() && anDefLevels[i] == 0;
        if (bByteArray)
        {
            int32_t nIndex = -1;
            if (!bNull)
            {
                const size_t nAt = anSource.empty() ? nPlainBase + nNext
                                                    : m_nDictionaryBase + anSource[nNext];
                if (nAt > static_cast<size_t>(std::numeric_limits<int32_t>::max()))
                    Fail("too many values");
                nIndex = static_cast<int32_t>(nAt);
                ++nNext;
            }
            m_oColumn.anIndex.push_back(nIndex);
        }
        else
        {
            int64_t nValue = 0;
            if (!bNull)
            {
                nValue = anSource.empty() ? m_anPlain[nNext] : m_anDictionary[anSource[nNext]];
                ++nNext;
            }
            m_oColumn.anInts.push_back(nValue);
        }
    }
}

std::vector<ThriftValue> const &ListField(const ThriftValue &oStruct, int16_t nId,
                                          const std::string &osWhat, const char *pszName)
{
    const ThriftValue *poField = oStruct.Field(nId);
    if (poField == nullptr || poField->eType != ThriftType::List)
        throw Error(osWhat + ": footer without " + pszName);
    return poField->aoItems;
}

ThriftValue ReadFooter(const uint8_t *pabyData, size_t nSize, const std::string &osWhat)
{
    if (nSize < 2 * MAGIC_SIZE + 4 || memcmp(pabyData, MAGIC, MAGIC_SIZE) != 0 ||
        memcmp(pabyData + nSize - MAGIC_SIZE, MAGIC, MAGIC_SIZE) != 0)
        throw Error(osWhat + ": not a Parquet file (no PAR1 magic at both ends)");
    uint32_t nFooterSize = 0;
    memcpy(&nFooterSize, pabyData + nSize - MAGIC_SIZE - 4, 4);
    if (nFooterSize > nSize - 2 * MAGIC_SIZE - 4)
        throw Error(osWhat + ": footer of " + std::to_string(nFooterSize) +
                    " bytes larger than the file");
    size_t nConsumed = 0;
    const size_t nFooterStart = nSize - MAGIC_SIZE - 4 - nFooterSize;
    return ReadThriftStruct(pabyData + nFooterStart, nFooterSize, nConsumed,
                            (osWhat + ": footer").c_str());
}

// The flat schema's leaves as empty columns.
std::vector<Column> ReadSchema(const ThriftValue &oFooter, const std::string &osWhat)
{
    const auto &aoSchema = ListField(oFooter, field::FMD_SCHEMA, osWhat, "schema");
    if (aoSchema.empty())
        throw Error(osWhat + ": empty schema");
    std::vector<Column> aoColumns;
    for (size_t i = 1; i < aoSchema.size(); ++i)
    {
        const ThriftValue &oElement = aoSchema[i];
        Column oColumn;
        const ThriftValue *poName = oElement.Field(field::SE_NAME);
        oColumn.osName = poName ? poName->osBinary : std::string();
        if (oElement.IntOr(field::SE_NUM_CHILDREN, 0) != 0 ||
            oElement.IntOr(field::SE_REPETITION, REQUIRED) == REPEATED)
            throw Error(osWhat + ": column '" + oColumn.osName +
                        "': nested or repeated columns are not supported");
        oColumn.eType = static_cast<PhysicalType>(oElement.IntOr(field::SE_TYPE, -1));
        oColumn.bOptional = oElement.IntOr(field::SE_REPETITION, REQUIRED) == OPTIONAL;
        oColumn.bUtf8 = oElement.IntOr(field::SE_CONVERTED_TYPE, -1) == CONVERTED_TYPE_UTF8;
        aoColumns.push_back(std::move(oColumn));
    }
    return aoColumns;
}

}  // namespace

Table ReadParquet(const uint8_t *pabyData, size_t nSize, const std::string &osWhat,
                  const std::vector<std::string> &aosColumns)
{
    const ThriftValue oFooter = ReadFooter(pabyData, nSize, osWhat);
    std::vector<Column> aoAll = ReadSchema(oFooter, osWhat);
    std::vector<bool> abWanted(aoAll.size(), aosColumns.empty());
    for (size_t i = 0; i < aoAll.size(); ++i)
    {
        for (const auto &osName : aosColumns)
            abWanted[i] = abWanted[i] || aoAll[i].osName == osName;
        const auto eType = aoAll[i].eType;
        if (abWanted[i] && eType != PhysicalType::Int64 && eType != PhysicalType::Int32 &&
            eType != PhysicalType::ByteArray)
            throw Error(osWhat + ": column '" + aoAll[i].osName + "': physical type " +
                        std::to_string(static_cast<int>(eType)) +
                        " not supported (INT32, INT64 and BYTE_ARRAY are)");
    }
    Table oTable;
    oTable.nRows = oFooter.RequiredInt(field::FMD_NUM_ROWS, "num_rows");
    if (oTable.nRows < 0 || oTable.nRows > MAX_ROWS)
        throw Error(osWhat + ": " + std::to_string(oTable.nRows) + " rows refused (at most " +
                    std::to_string(MAX_ROWS) + " per file)");
    int64_t nRowsSeen = 0;
    for (const auto &oRowGroup : ListField(oFooter, field::FMD_ROW_GROUPS, osWhat, "row groups"))
    {
        const int64_t nRows = oRowGroup.RequiredInt(field::RG_NUM_ROWS, "num_rows");
        if (nRows < 0 || nRows > oTable.nRows - nRowsSeen)
            throw Error(osWhat + ": row groups hold more rows than the file's " +
                        std::to_string(oTable.nRows));
        const auto &aoChunks = ListField(oRowGroup, field::RG_COLUMNS, osWhat, "column chunks");
        if (aoChunks.size() != aoAll.size())
            throw Error(osWhat + ": a row group has " + std::to_string(aoChunks.size()) +
                        " column chunks for " + std::to_string(aoAll.size()) + " columns");
        for (size_t i = 0; i < aoChunks.size(); ++i)
        {
            if (!abWanted[i])
                continue;
            const ThriftValue *poMeta = aoChunks[i].Field(field::CC_META_DATA);
            if (poMeta == nullptr || aoChunks[i].Field(field::CC_FILE_PATH) != nullptr)
                throw Error(osWhat + ": column '" + aoAll[i].osName +
                            "': column chunk without metadata or in another file");
            ColumnChunkReader(pabyData, nSize, osWhat, aoAll[i]).Read(*poMeta, nRows);
        }
        nRowsSeen += nRows;
    }
    if (nRowsSeen != oTable.nRows)
        throw Error(osWhat + ": row groups hold " + std::to_string(nRowsSeen) + " of " +
                    std::to_string(oTable.nRows) + " rows");
    for (size_t i = 0; i < aoAll.size(); ++i)
    {
        if (abWanted[i])
            oTable.aoColumns.push_back(std::move(aoAll[i]));
    }
    return oTable;
}

}  // namespace kerchunk::parquet
