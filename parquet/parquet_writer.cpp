#include "parquet_writer.h"

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

// pandas turns a path column into a categorical (dictionary) when each
// distinct value repeats more than this often (fsspec's categorical_threshold).
constexpr size_t DICTIONARY_THRESHOLD = 10;

const char *CREATED_BY = "gdal-kerchunk";

void AppendLE32(uint32_t nValue, std::string &osOut)
{
    char ach[4];
    memcpy(ach, &nValue, 4);
    osOut.append(ach, 4);
}

void AppendLE64(int64_t nValue, std::string &osOut)
{
    char ach[8];
    memcpy(ach, &nValue, 8);
    osOut.append(ach, 8);
}

void AppendByteArray(const std::string &osValue, std::string &osOut)
{
    if (osValue.size() > std::numeric_limits<int32_t>::max())
        throw Error("Parquet byte array value over 2 GB");
    AppendLE32(static_cast<uint32_t>(osValue.size()), osOut);
    osOut += osValue;
}

int32_t CheckedPageSize(size_t nSize)
{
    if (nSize > static_cast<size_t>(std::numeric_limits<int32_t>::max()))
        throw Error("Parquet page over 2 GB: use a smaller record size");
    return static_cast<int32_t>(nSize);
}

struct WrittenChunk
{
    int64_t nDictionaryOffset = -1;
    int64_t nDataOffset = 0;
    int64_t nCompressed = 0;
    int64_t nUncompressed = 0;
    bool bDictionary = false;
};

class TableWriter
{
  public:
    TableWriter(const Table &oTable, Codec eCodec) : m_oTable(oTable), m_eCodec(eCodec)
    {
    }
    std::string Write();

  private:
    WrittenChunk WriteColumn(const Column &oColumn);
    void WritePage(PageType eType, const std::string &osBody, int32_t nValues,
                   int32_t nEncoding, WrittenChunk &oChunk);
    std::string Footer(const std::vector<WrittenChunk> &aoChunks) const;
    void SchemaElement(ThriftWriter &oWriter, const Column &oColumn) const;

    const Table &m_oTable;
    Codec m_eCodec;
    std::string m_osFile{};
};

void TableWriter::WritePage(PageType eType, const std::string &osBody, int32_t nValues,
                            int32_t nEncoding, WrittenChunk &oChunk)
{
    const std::string osCompressed = CompressPage(m_eCodec, osBody);
    ThriftWriter oHeader;
    oHeader.BeginStruct();
    oHeader.FieldI32(field::PH_TYPE, eType);
    oHeader.FieldI32(field::PH_UNCOMPRESSED_SIZE, CheckedPageSize(osBody.size()));
    oHeader.FieldI32(field::PH_COMPRESSED_SIZE, CheckedPageSize(osCompressed.size()));
    if (eType == DICTIONARY_PAGE)
    {
        oHeader.FieldStructBegin(field::PH_DICTIONARY_PAGE);
        oHeader.FieldI32(field::DICT_NUM_VALUES, nValues);
        oHeader.FieldI32(field::DICT_ENCODING, PLAIN);
        oHeader.EndStruct();
    }
    else
    {
        oHeader.FieldStructBegin(field::PH_DATA_PAGE);
        oHeader.FieldI32(field::DP_NUM_VALUES, nValues);
        oHeader.FieldI32(field::DP_ENCODING, nEncoding);
        oHeader.FieldI32(field::DP_DEF_ENCODING, RLE);
        oHeader.FieldI32(field::DP_REP_ENCODING, RLE);
        oHeader.EndStruct();
    }
    oHeader.EndStruct();
    oChunk.nCompressed += static_cast<int64_t>(oHeader.Bytes().size() + osCompressed.size());
    oChunk.nUncompressed += static_cast<int64_t>(oHeader.Bytes().size() + osBody.size());
    m_osFile += oHeader.Bytes();
    m_osFile += osCompressed;
}

WrittenChunk TableWriter::WriteColumn(const Column &oColumn)
{
    WrittenChunk oChunk;
    const size_t nRows = static_cast<size_t>(m_oTable.nRows);
    const bool bByteArray = oColumn.eType == PhysicalType::ByteArray;
    if ((bByteArray ? oColumn.anIndex.size() : oColumn.anInts.size()) != nRows)
        throw Error("Parquet column '" + oColumn.osName + "' does not have one value per row");
    std::string osBody;
    if (oColumn.bOptional)
    {
        std::vector<uint32_t> anLevels(nRows);
        for (size_t i = 0; i < nRows; ++i)
            anLevels[i] = !oColumn.IsNull(i);
        std::string osLevels;
        EncodeRleRuns(anLevels, 1, osLevels);
        AppendLE32(static_cast<uint32_t>(osLevels.size()), osBody);
        osBody += osLevels;
    }
    int32_t nEncoding = PLAIN;
    if (bByteArray)
    {
        size_t nNonNull = 0;
        for (int32_t nIndex : oColumn.anIndex)
            nNonNull += nIndex >= 0;
        oChunk.bDictionary = !oColumn.aosValues.empty() &&
                             nNonNull / oColumn.aosValues.size() > DICTIONARY_THRESHOLD;
        if (oChunk.bDictionary)
        {
            std::string osDictionary;
            for (const auto &osValue : oColumn.aosValues)
                AppendByteArray(osValue, osDictionary);
            oChunk.nDictionaryOffset = static_cast<int64_t>(m_osFile.size());
            WritePage(DICTIONARY_PAGE, osDictionary,
                      static_cast<int32_t>(oColumn.aosValues.size()), PLAIN, oChunk);
            std::vector<uint32_t> anIndices;
            anIndices.reserve(nNonNull);
            for (int32_t nIndex : oColumn.anIndex)
            {
                if (nIndex >= 0)
                    anIndices.push_back(static_cast<uint32_t>(nIndex));
            }
            const int nBitWidth =
                BitWidthFor(static_cast<uint32_t>(oColumn.aosValues.size() - 1));
            osBody += static_cast<char>(nBitWidth);
            EncodeBitPacked(anIndices, nBitWidth, osBody);
            nEncoding = RLE_DICTIONARY;
        }
        else
        {
            for (int32_t nIndex : oColumn.anIndex)
            {
                if (nIndex >= 0)
                    AppendByteArray(oColumn.aosValues.at(static_cast<size_t>(nIndex)), osBody);
            }
        }
    }
    else
    {
        for (int64_t nValue : oColumn.anInts)
            AppendLE64(nValue, osBody);
    }
    oChunk.nDataOffset = static_cast<int64_t>(m_osFile.size());
    WritePage(DATA_PAGE, osBody, CheckedPageSize(nRows), nEncoding, oChunk);
    return oChunk;
}

void TableWriter::SchemaElement(ThriftWriter &oWriter, const Column &oColumn) const
{
    oWriter.ElementStructBegin();
    oWriter.FieldI32(field::SE_TYPE, static_cast<int32_t>(oColumn.eType));
    oWriter.FieldI32(field::SE_REPETITION, oColumn.bOptional ? OPTIONAL : REQUIRED);
    oWriter.FieldBinary(field::SE_NAME, oColumn.osName);
    if (oColumn.bUtf8)
        oWriter.FieldI32(field::SE_CONVERTED_TYPE, CONVERTED_TYPE_UTF8);
    oWriter.EndStruct();
}

std::string TableWriter::Footer(const std::vector<WrittenChunk> &aoChunks) const
{
    ThriftWriter oWriter;
    oWriter.BeginStruct();
    oWriter.FieldI32(field::FMD_VERSION, 1);
    oWriter.FieldListBegin(field::FMD_SCHEMA, ThriftType::Struct, m_oTable.aoColumns.size() + 1);
    oWriter.ElementStructBegin();
    oWriter.FieldBinary(field::SE_NAME, "schema");
    oWriter.FieldI32(field::SE_NUM_CHILDREN, static_cast<int32_t>(m_oTable.aoColumns.size()));
    oWriter.EndStruct();
    for (const auto &oColumn : m_oTable.aoColumns)
        SchemaElement(oWriter, oColumn);
    oWriter.FieldI64(field::FMD_NUM_ROWS, m_oTable.nRows);
    oWriter.FieldListBegin(field::FMD_ROW_GROUPS, ThriftType::Struct, 1);
    oWriter.ElementStructBegin();
    oWriter.FieldListBegin(field::RG_COLUMNS, ThriftType::Struct, aoChunks.size());
    int64_t nTotal = 0;
    for (size_t i = 0; i < aoChunks.size(); ++i)
    {
        const WrittenChunk &oChunk = aoChunks[i];
        const Column &oColumn = m_oTable.aoColumns[i];
        const int64_t nStart =
            oChunk.nDictionaryOffset >= 0 ? oChunk.nDictionaryOffset : oChunk.nDataOffset;
        nTotal += oChunk.nUncompressed;
        oWriter.ElementStructBegin();
        oWriter.FieldI64(field::CC_FILE_OFFSET, nStart);
        oWriter.FieldStructBegin(field::CC_META_DATA);
        oWriter.FieldI32(field::CMD_TYPE, static_cast<int32_t>(oColumn.eType));
        const std::vector<int32_t> anEncodings =
            oChunk.bDictionary ? std::vector<int32_t>{PLAIN, RLE, RLE_DICTIONARY}
                               : std::vector<int32_t>{PLAIN, RLE};
        oWriter.FieldListBegin(field::CMD_ENCODINGS, ThriftType::I32, anEncodings.size());
        for (int32_t nEncoding : anEncodings)
            oWriter.ElementI32(nEncoding);
        oWriter.FieldListBegin(field::CMD_PATH, ThriftType::Binary, 1);
        oWriter.ElementBinary(oColumn.osName);
        oWriter.FieldI32(field::CMD_CODEC, static_cast<int32_t>(m_eCodec));
        oWriter.FieldI64(field::CMD_NUM_VALUES, m_oTable.nRows);
        oWriter.FieldI64(field::CMD_UNCOMPRESSED_SIZE, oChunk.nUncompressed);
        oWriter.FieldI64(field::CMD_COMPRESSED_SIZE, oChunk.nCompressed);
        oWriter.FieldI64(field::CMD_DATA_PAGE_OFFSET, oChunk.nDataOffset);
        if (oChunk.nDictionaryOffset >= 0)
            oWriter.FieldI64(field::CMD_DICTIONARY_PAGE_OFFSET, oChunk.nDictionaryOffset);
        oWriter.EndStruct();  // ColumnMetaData
        oWriter.EndStruct();  // ColumnChunk
    }
    oWriter.FieldI64(field::RG_TOTAL_BYTE_SIZE, nTotal);
    oWriter.FieldI64(field::RG_NUM_ROWS, m_oTable.nRows);
    oWriter.EndStruct();  // RowGroup
    oWriter.FieldBinary(field::FMD_CREATED_BY, CREATED_BY);
    oWriter.EndStruct();
    return oWriter.Bytes();
}

std::string TableWriter::Write()
{
    m_osFile.assign(MAGIC, MAGIC_SIZE);
    std::vector<WrittenChunk> aoChunks;
    for (const auto &oColumn : m_oTable.aoColumns)
        aoChunks.push_back(WriteColumn(oColumn));
    const std::string osFooter = Footer(aoChunks);
    m_osFile += osFooter;
    AppendLE32(static_cast<uint32_t>(osFooter.size()), m_osFile);
    m_osFile.append(MAGIC, MAGIC_SIZE);
    return std::move(m_osFile);
}

}  // namespace

std::string WriteParquet(const Table &oTable, Codec eCodec)
{
    return TableWriter(oTable, eCodec).Write();
}

}  // namespace kerchunk::parquet
