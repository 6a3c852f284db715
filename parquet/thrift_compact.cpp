#include "thrift_compact.h"

#include "error.h"

#include <cstring>

namespace kerchunk::parquet
{

namespace
{

// Deeper than any Parquet metadata (FileMetaData > RowGroup > ColumnChunk >
// ColumnMetaData > Statistics is 5); bounds recursion on hostile input.
constexpr int MAX_DEPTH = 32;

class CompactDecoder
{
  public:
    CompactDecoder(const uint8_t *pabyData, size_t nSize, const char *pszWhat)
        : m_pabyData(pabyData), m_nSize(nSize), m_pszWhat(pszWhat)
    {
    }

    size_t Position() const
    {
        return m_nPos;
    }

    void ReadStruct(ThriftValue &oValue, int nDepth)
    {
        CheckDepth(nDepth);
        oValue.eType = ThriftType::Struct;
        int16_t nLastId = 0;
        while (true)
        {
            const uint8_t nHeader = Byte();
            const auto eType = static_cast<ThriftType>(nHeader & 0x0F);
            if (eType == ThriftType::Stop)
                return;
            const int nDelta = nHeader >> 4;
            const int16_t nId = nDelta ? static_cast<int16_t>(nLastId + nDelta)
                                       : static_cast<int16_t>(ZigZag());
            ThriftValue oField;
            oField.nFieldId = nId;
            if (eType == ThriftType::BoolTrue || eType == ThriftType::BoolFalse)
            {
                oField.eType = eType;
                oField.nInt = eType == ThriftType::BoolTrue;
            }
            else
                ReadValue(oField, eType, nDepth + 1);
            oValue.aoItems.push_back(std::move(oField));
            nLastId = nId;
        }
    }

  private:
    [[noreturn]] void Fail(const std::string &osProblem) const
    {
        throw Error(std::string(m_pszWhat) + ": " + osProblem + " at byte " +
                    std::to_string(m_nPos));
    }

    void CheckDepth(int nDepth) const
    {
        if (nDepth > MAX_DEPTH)
            Fail("thrift structure nested too deeply");
    }

    uint8_t Byte()
    {
        if (m_nPos >= m_nSize)
            Fail("truncated thrift structure");
        return m_pabyData[m_nPos++];
    }

    uint64_t VarInt()
    {
        uint64_t nValue = 0;
        for (int nShift = 0; nShift < 64; nShift += 7)
        {
            const uint8_t nByte = Byte();
            nValue |= static_cast<uint64_t>(nByte & 0x7F) << nShift;
            if (!(nByte & 0x80))
                return nValue;
        }
        Fail("varint longer than 10 bytes");
    }

    int64_t ZigZag()
    {
        const uint64_t n = VarInt();
        return static_cast<int64_t>((n >> 1) ^ (~(n & 1) + 1));
    }

    // Every element takes at least one byte: a count over the bytes left is
    // a lie, refused before anything is reserved.
    size_t Count(uint64_t nCount)
    {
        if (nCount > m_nSize - m_nPos)
            Fail("thrift container of " + std::to_string(nCount) +
                 " elements in " + std::to_string(m_nSize - m_nPos) + " bytes");
        return static_cast<size_t>(nCount);
    }

    void ReadValue(ThriftValue &oValue, ThriftType eType, int nDepth)
    {
        CheckDepth(nDepth);
        oValue.eType = eType;
        switch (eType)
        {
            case ThriftType::BoolTrue:
            case ThriftType::BoolFalse:
                // Inside containers a boolean is a whole byte (1 = true).
                oValue.nInt = Byte() == 1;
                break;
            case ThriftType::Byte:
                oValue.nInt = static_cast<int8_t>(Byte());
                break;
            case ThriftType::I16:
            case ThriftType::I32:
            case ThriftType::I64:
                oValue.nInt = ZigZag();
                break;
            case ThriftType::Double:
                if (m_nSize - m_nPos < 8)
                    Fail("truncated double");
                memcpy(&oValue.dfDouble, m_pabyData + m_nPos, 8);
                m_nPos += 8;
                break;
            case ThriftType::Binary:
            {
                const uint64_t nLength = VarInt();
                if (nLength > m_nSize - m_nPos)
                    Fail("binary of " + std::to_string(nLength) + " bytes past the end");
                oValue.osBinary.assign(reinterpret_cast<const char *>(m_pabyData + m_nPos),
                                       static_cast<size_t>(nLength));
                m_nPos += static_cast<size_t>(nLength);
                break;
            }
            case ThriftType::List:
            case ThriftType::Set:
                ReadList(oValue, nDepth);
                break;
            case ThriftType::Map:
                ReadMap(oValue, nDepth);
                break;
            case ThriftType::Struct:
                ReadStruct(oValue, nDepth);
                break;
            default:
                Fail("unknown thrift type " + std::to_string(static_cast<int>(eType)));
        }
    }

    void ReadList(ThriftValue &oValue, int nDepth)
    {
        const uint8_t nHeader = Byte();
        uint64_t nCount = nHeader >> 4;
        if (nCount == 15)
            nCount = VarInt();
        const auto eElementType = static_cast<ThriftType>(nHeader & 0x0F);
        oValue.aoItems.resize(Count(nCount));
        for (auto &oItem : oValue.aoItems)
            ReadValue(oItem, eElementType, nDepth + 1);
    }

    void ReadMap(ThriftValue &oValue, int nDepth)
    {
        const size_t nCount = Count(VarInt());
        if (nCount == 0)
            return;
        const uint8_t nTypes = Byte();
        oValue.aoItems.resize(Count(2 * static_cast<uint64_t>(nCount)));
        for (size_t i = 0; i < oValue.aoItems.size(); ++i)
            ReadValue(oValue.aoItems[i],
                      static_cast<ThriftType>(i % 2 == 0 ? nTypes >> 4 : nTypes & 0x0F),
                      nDepth + 1);
    }

    const uint8_t *m_pabyData;
    size_t m_nSize;
    const char *m_pszWhat;
    size_t m_nPos = 0;
};

}  // namespace

const ThriftValue *ThriftValue::Field(int16_t nId) const
{
    for (const auto &oItem : aoItems)
    {
        if (oItem.nFieldId == nId)
            return &oItem;
    }
    return nullptr;
}

int64_t ThriftValue::RequiredInt(int16_t nId, const char *pszWhat) const
{
    const ThriftValue *poField = Field(nId);
    if (poField == nullptr)
        throw Error(std::string("missing required field ") + pszWhat);
    return poField->nInt;
}

int64_t ThriftValue::IntOr(int16_t nId, int64_t nDefault) const
{
    const ThriftValue *poField = Field(nId);
    return poField ? poField->nInt : nDefault;
}

ThriftValue ReadThriftStruct(const uint8_t *pabyData, size_t nSize, size_t &nConsumed,
                             const char *pszWhat)
{
    CompactDecoder oDecoder(pabyData, nSize, pszWhat);
    ThriftValue oValue;
    oDecoder.ReadStruct(oValue, 0);
    nConsumed = oDecoder.Position();
    return oValue;
}

void ThriftWriter::VarInt(uint64_t nValue)
{
    while (nValue >= 0x80)
    {
        m_osBytes += static_cast<char>((nValue & 0x7F) | 0x80);
        nValue >>= 7;
    }
    m_osBytes += static_cast<char>(nValue);
}

void ThriftWriter::ZigZag(int64_t nValue)
{
    VarInt((static_cast<uint64_t>(nValue) << 1) ^ static_cast<uint64_t>(nValue >> 63));
}

void ThriftWriter::FieldHeader(int16_t nId, ThriftType eType)
{
    const int nDelta = nId - m_anLastFieldId.back();
    if (nDelta > 0 && nDelta <= 15)
        m_osBytes += static_cast<char>((nDelta << 4) | static_cast<int>(eType));
    else
    {
        m_osBytes += static_cast<char>(eType);
        ZigZag(nId);
    }
    m_anLastFieldId.back() = nId;
}

void ThriftWriter::BeginStruct()
{
    m_anLastFieldId.push_back(0);
}

void ThriftWriter::EndStruct()
{
    m_osBytes += static_cast<char>(ThriftType::Stop);
    m_anLastFieldId.pop_back();
}

void ThriftWriter::FieldI32(int16_t nId, int32_t nValue)
{
    FieldHeader(nId, ThriftType::I32);
    ZigZag(nValue);
}

void ThriftWriter::FieldI64(int16_t nId, int64_t nValue)
{
    FieldHeader(nId, ThriftType::I64);
    ZigZag(nValue);
}

void ThriftWriter::FieldBool(int16_t nId, bool bValue)
{
    FieldHeader(nId, bValue ? ThriftType::BoolTrue : ThriftType::BoolFalse);
}

void ThriftWriter::FieldBinary(int16_t nId, const std::string &osValue)
{
    FieldHeader(nId, ThriftType::Binary);
    ElementBinary(osValue);
}

void ThriftWriter::FieldStructBegin(int16_t nId)
{
    FieldHeader(nId, ThriftType::Struct);
    BeginStruct();
}

void ThriftWriter::FieldListBegin(int16_t nId, ThriftType eElementType, size_t nCount)
{
    FieldHeader(nId, ThriftType::List);
    if (nCount < 15)
        m_osBytes += static_cast<char>((nCount << 4) | static_cast<int>(eElementType));
    else
    {
        m_osBytes += static_cast<char>(0xF0 | static_cast<int>(eElementType));
        VarInt(nCount);
    }
}

void ThriftWriter::ElementI32(int32_t nValue)
{
    ZigZag(nValue);
}

void ThriftWriter::ElementBinary(const std::string &osValue)
{
    VarInt(osValue.size());
    m_osBytes += osValue;
}

void ThriftWriter::ElementStructBegin()
{
    BeginStruct();
}

}  // namespace kerchunk::parquet
