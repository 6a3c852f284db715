// Parquet format constants (apache/parquet-format, src/main/thrift/
// parquet.thrift): the enum values and thrift field ids this reader and
// writer use. Names follow the spec.
#pragma once

#include <cstddef>
#include <cstdint>

namespace kerchunk::parquet
{

constexpr char MAGIC[] = "PAR1";  // at the start and the end of every file
constexpr size_t MAGIC_SIZE = 4;

enum class PhysicalType : int32_t  // enum Type
{
    Boolean = 0,
    Int32 = 1,
    Int64 = 2,
    Int96 = 3,
    Float = 4,
    Double = 5,
    ByteArray = 6,
    FixedLenByteArray = 7,
};

enum Repetition : int32_t  // enum FieldRepetitionType
{
    REQUIRED = 0,
    OPTIONAL = 1,
    REPEATED = 2,
};

enum Encoding : int32_t  // enum Encoding
{
    PLAIN = 0,
    PLAIN_DICTIONARY = 2,
    RLE = 3,
    BIT_PACKED = 4,
    RLE_DICTIONARY = 8,
};

enum class Codec : int32_t  // enum CompressionCodec
{
    Uncompressed = 0,
    Snappy = 1,
    Gzip = 2,
    Zstd = 6,
};

enum PageType : int32_t  // enum PageType
{
    DATA_PAGE = 0,
    INDEX_PAGE = 1,
    DICTIONARY_PAGE = 2,
    DATA_PAGE_V2 = 3,
};

constexpr int32_t CONVERTED_TYPE_UTF8 = 0;  // enum ConvertedType

// Field ids of the structs read and written.
namespace field
{
// struct FileMetaData
constexpr int16_t FMD_VERSION = 1, FMD_SCHEMA = 2, FMD_NUM_ROWS = 3, FMD_ROW_GROUPS = 4,
                  FMD_CREATED_BY = 6;
// struct SchemaElement
constexpr int16_t SE_TYPE = 1, SE_REPETITION = 3, SE_NAME = 4, SE_NUM_CHILDREN = 5,
                  SE_CONVERTED_TYPE = 6;
// struct RowGroup
constexpr int16_t RG_COLUMNS = 1, RG_TOTAL_BYTE_SIZE = 2, RG_NUM_ROWS = 3;
// struct ColumnChunk
constexpr int16_t CC_FILE_PATH = 1, CC_FILE_OFFSET = 2, CC_META_DATA = 3;
// struct ColumnMetaData
constexpr int16_t CMD_TYPE = 1, CMD_ENCODINGS = 2, CMD_PATH = 3, CMD_CODEC = 4,
                  CMD_NUM_VALUES = 5, CMD_UNCOMPRESSED_SIZE = 6, CMD_COMPRESSED_SIZE = 7,
                  CMD_DATA_PAGE_OFFSET = 9, CMD_DICTIONARY_PAGE_OFFSET = 11;
// struct PageHeader
constexpr int16_t PH_TYPE = 1, PH_UNCOMPRESSED_SIZE = 2, PH_COMPRESSED_SIZE = 3,
                  PH_DATA_PAGE = 5, PH_DICTIONARY_PAGE = 7, PH_DATA_PAGE_V2 = 8;
// struct DataPageHeader
constexpr int16_t DP_NUM_VALUES = 1, DP_ENCODING = 2, DP_DEF_ENCODING = 3, DP_REP_ENCODING = 4;
// struct DictionaryPageHeader
constexpr int16_t DICT_NUM_VALUES = 1, DICT_ENCODING = 2;
// struct DataPageHeaderV2
constexpr int16_t DP2_NUM_VALUES = 1, DP2_ENCODING = 4, DP2_DEF_LENGTH = 5, DP2_REP_LENGTH = 6,
                  DP2_IS_COMPRESSED = 7;
}  // namespace field

}  // namespace kerchunk::parquet
