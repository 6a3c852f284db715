// Thrift's compact protocol, the encoding of Parquet's footer and page
// headers (thrift/doc/specs/thrift-compact-protocol.md). The reader decodes
// a whole struct into a small tree with a bound on every length and on the
// nesting depth; the writer emits the few shapes Parquet's metadata needs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace kerchunk::parquet
{

// Compact protocol type ids (the low nibble of a field header).
enum class ThriftType : uint8_t
{
    Stop = 0,
    BoolTrue = 1,
    BoolFalse = 2,
    Byte = 3,
    I16 = 4,
    I32 = 5,
    I64 = 6,
    Double = 7,
    Binary = 8,
    List = 9,
    Set = 10,
    Map = 11,
    Struct = 12,
};

// One decoded value: integers (and booleans) in nInt, strings in osBinary,
// list/set elements (and map keys and values, alternating) in aoItems, struct
// fields in aoItems with their id in nFieldId.
struct ThriftValue
{
    ThriftType eType = ThriftType::Stop;
    int16_t nFieldId = 0;
    int64_t nInt = 0;
    double dfDouble = 0;
    std::string osBinary{};
    std::vector<ThriftValue> aoItems{};

    // A struct's field, or null when absent.
    const ThriftValue *Field(int16_t nId) const;
    // The field's integer, or throws Error naming pszWhat when absent.
    int64_t RequiredInt(int16_t nId, const char *pszWhat) const;
    int64_t IntOr(int16_t nId, int64_t nDefault) const;
};

// Decodes one struct from pabyData[0..nSize); nConsumed receives its length.
// Throws Error (naming pszWhat) on truncated or malformed input.
ThriftValue ReadThriftStruct(const uint8_t *pabyData, size_t nSize,
                             size_t &nConsumed, const char *pszWhat);

class ThriftWriter
{
  public:
    void BeginStruct();
    void EndStruct();  // writes the stop field
    void FieldI32(int16_t nId, int32_t nValue);
    void FieldI64(int16_t nId, int64_t nValue);
    void FieldBool(int16_t nId, bool bValue);
    void FieldBinary(int16_t nId, const std::string &osValue);
    // A struct-valued field: follow with the struct's fields and EndStruct().
    void FieldStructBegin(int16_t nId);
    // A list field; then write nCount elements with the Element* calls.
    void FieldListBegin(int16_t nId, ThriftType eElementType, size_t nCount);
    void ElementI32(int32_t nValue);
    void ElementBinary(const std::string &osValue);
    void ElementStructBegin();

    const std::string &Bytes() const
    {
        return m_osBytes;
    }

  private:
    void FieldHeader(int16_t nId, ThriftType eType);
    void VarInt(uint64_t nValue);
    void ZigZag(int64_t nValue);

    std::string m_osBytes{};
    std::vector<int16_t> m_anLastFieldId{};
};

}  // namespace kerchunk::parquet
