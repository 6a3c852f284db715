#include "netcdf3_layout.h"

#include "error.h"
#include "../zarr_metadata.h"

#include <algorithm>
#include <limits>
#include <map>

namespace kerchunk
{

namespace
{

[[noreturn]] void FailVariable(const std::string &osFilename,
                               const NC3Variable &oVar,
                               const std::string &osWhat)
{
    throw Error(osFilename + ": variable '" + oVar.osName + "': " + osWhat);
}

uint64_t CheckedMultiply(uint64_t a, uint64_t b, const std::string &osFilename,
                         const NC3Variable &oVar)
{
    if (b != 0 && a > std::numeric_limits<uint64_t>::max() / b)
        FailVariable(osFilename, oVar, "size overflows 64 bits");
    return a * b;
}

// Values in one record (record variables) or in the whole variable.
uint64_t ElementsPerRecord(const NC3Header &oHeader, const NC3Variable &oVar,
                           const std::string &osFilename)
{
    uint64_t nProduct = 1;
    for (size_t i = oVar.bIsRecord ? 1 : 0; i < oVar.anDimIds.size(); ++i)
        nProduct = CheckedMultiply(
            nProduct, oHeader.aoDimensions[oVar.anDimIds[i]].nLength,
            osFilename, oVar);
    return nProduct;
}

// "vsize" of the spec, recomputed as netCDF-C does (the header's own field
// wraps for variables over 4 GiB): rounded up to a multiple of 4.
uint64_t PaddedSize(const NC3Header &oHeader, const NC3Variable &oVar,
                    const std::string &osFilename)
{
    const uint64_t nBytes =
        CheckedMultiply(ElementsPerRecord(oHeader, oVar, osFilename),
                        NC3TypeSize(oVar.eType), osFilename, oVar);
    if (nBytes > std::numeric_limits<uint64_t>::max() - 3)
        FailVariable(osFilename, oVar, "size overflows 64 bits");
    return (nBytes + 3) / 4 * 4;
}

std::string Dtype(const NC3Variable &oVar, uint64_t nStringLength)
{
    const size_t nSize = NC3TypeSize(oVar.eType);
    switch (oVar.eType)
    {
        case NC3Type::Char:
            return ZarrDtype(ZarrKind::Bytes, static_cast<size_t>(nStringLength),
                             true);
        case NC3Type::Byte:
        case NC3Type::Short:
        case NC3Type::Int:
        case NC3Type::Int64:
            return ZarrDtype(ZarrKind::SignedInt, nSize, true);
        case NC3Type::UByte:
        case NC3Type::UShort:
        case NC3Type::UInt:
        case NC3Type::UInt64:
            return ZarrDtype(ZarrKind::UnsignedInt, nSize, true);
        case NC3Type::Float:
        case NC3Type::Double:
            return ZarrDtype(ZarrKind::Float, nSize, true);
    }
    return std::string();
}

// Largest divisor of `n` not above `nMax` (nMax >= 1).
uint64_t LargestDivisorAtMost(uint64_t n, uint64_t nMax)
{
    for (uint64_t d = std::min(n, nMax); d > 1; --d)
    {
        if (n % d == 0)
            return d;
    }
    return 1;
}

}  // namespace

uint64_t NC3RecordSize(const NC3Header &oHeader, const std::string &osFilename)
{
    // netCDF-C, NC_computeshapes(): the sum of the record variables' padded
    // sizes; with a single record variable records are packed unpadded.
    uint64_t nRecordSize = 0;
    const NC3Variable *poLast = nullptr;
    uint64_t nLastPadded = 0;
    for (const auto &oVar : oHeader.aoVariables)
    {
        if (!oVar.bIsRecord)
            continue;
        nLastPadded = PaddedSize(oHeader, oVar, osFilename);
        if (nRecordSize > std::numeric_limits<uint64_t>::max() - nLastPadded)
            throw Error(osFilename + ": NetCDF-3 record size overflows 64 bits");
        nRecordSize += nLastPadded;
        poLast = &oVar;
    }
    if (poLast != nullptr && nRecordSize == nLastPadded)
        nRecordSize = ElementsPerRecord(oHeader, *poLast, osFilename) *
                      NC3TypeSize(poLast->eType);
    return nRecordSize;
}

uint64_t NC3NumRecords(const NC3Header &oHeader, uint64_t nRecordSize,
                       uint64_t nFileSize)
{
    if (!oHeader.bStreaming)
        return oHeader.nNumRecs;
    // STREAMING: numrecs was not written; count the whole records present.
    uint64_t nBeginRecords = std::numeric_limits<uint64_t>::max();
    for (const auto &oVar : oHeader.aoVariables)
    {
        if (oVar.bIsRecord)
            nBeginRecords = std::min(nBeginRecords, oVar.nBegin);
    }
    if (nRecordSize == 0 || nBeginRecords >= nFileSize)
        return 0;
    return (nFileSize - nBeginRecords) / nRecordSize;
}

std::vector<bool> NC3StringDimensions(const NC3Header &oHeader)
{
    std::vector<bool> abString(oHeader.aoDimensions.size(), true);
    if (oHeader.nRecordDimension)
        abString[*oHeader.nRecordDimension] = false;
    for (const auto &oVar : oHeader.aoVariables)
    {
        const size_t nDims = oVar.anDimIds.size();
        for (size_t i = 0; i < nDims; ++i)
        {
            if (oVar.eType != NC3Type::Char || i + 1 != nDims)
                abString[oVar.anDimIds[i]] = false;
        }
    }
    std::map<std::string, size_t> oDimIndex;
    for (size_t i = 0; i < oHeader.aoDimensions.size(); ++i)
        oDimIndex.emplace(oHeader.aoDimensions[i].osName, i);
    for (const auto &oVar : oHeader.aoVariables)
    {
        const auto oIter = oDimIndex.find(oVar.osName);
        if (oIter != oDimIndex.end())
            abString[oIter->second] = false;
    }
    return abString;
}

namespace
{

// Shape, dimension names and dtype; char arrays become fixed-length strings
// along the last dimension, when xarray would decode them so.
void SetShapeAndDtype(const NC3Header &oHeader, const NC3Variable &oVar, uint64_t nNumRecords,
                      const std::vector<bool> &abStringDimensions, NC3ArrayLayout &oLayout)
{
    const size_t nDims = oVar.anDimIds.size();
    for (size_t i = 0; i < nDims; ++i)
    {
        const auto &oDim = oHeader.aoDimensions[oVar.anDimIds[i]];
        oLayout.anShape.push_back(i == 0 && oVar.bIsRecord ? nNumRecords : oDim.nLength);
        oLayout.aosDimensions.push_back(oDim.osName);
    }
    uint64_t nStringLength = 1;
    if (oVar.eType == NC3Type::Char && nDims > 0 &&
        oVar.anDimIds.back() < abStringDimensions.size() &&
        abStringDimensions[oVar.anDimIds.back()])
    {
        nStringLength = oLayout.anShape.back();
        oLayout.anShape.pop_back();
        oLayout.aosDimensions.pop_back();
    }
    oLayout.osDtype = Dtype(oVar, nStringLength);
}

// One chunk per record; the last record must end within the file.
void SetRecordChunks(const NC3Variable &oVar, uint64_t nRecordSize, uint64_t nNumRecords,
                     uint64_t nFileSize, uint64_t nBytesPerRecord,
                     const std::string &osFilename, NC3ArrayLayout &oLayout)
{
    oLayout.anChunks[0] = 1;
    oLayout.nChunkCount = nNumRecords;
    oLayout.nChunkStride = nRecordSize;
    oLayout.nChunkBytes = nBytesPerRecord;
    if (nNumRecords == 0)
        return;
    const uint64_t nLastOffset = CheckedMultiply(nNumRecords - 1, nRecordSize, osFilename, oVar);
    if (nLastOffset > nFileSize - oVar.nBegin ||
        nBytesPerRecord > nFileSize - oVar.nBegin - nLastOffset)
        FailVariable(osFilename, oVar,
                     "record " + std::to_string(nNumRecords - 1) +
                         " extends past the end of the file (" + std::to_string(nFileSize) +
                         " bytes; numrecs " + std::to_string(nNumRecords) +
                         ", record size " + std::to_string(nRecordSize) + ")");
}

// A large non-record variable split along the first dimension into chunks
// of whole rows, so that a read of a few rows stays small.
void SplitIntoRowBlocks(const NC3Variable &oVar, uint64_t nFileSize, uint64_t nMaxChunkBytes,
                        NC3ArrayLayout &oLayout)
{
    const uint64_t nBytes = oLayout.nChunkBytes;
    if (oLayout.anShape.empty() || nBytes <= nMaxChunkBytes || oLayout.anShape[0] <= 1)
        return;
    const uint64_t nRows = oLayout.anShape[0];
    const uint64_t nRowBytes = nBytes / nRows;
    uint64_t nRowsPerChunk = std::max<uint64_t>(1, nMaxChunkBytes / nRowBytes);
    const uint64_t nChunks = (nRows + nRowsPerChunk - 1) / nRowsPerChunk;
    if (nRows % nRowsPerChunk != 0 &&
        nChunks * nRowsPerChunk * nRowBytes > nFileSize - oVar.nBegin)
    {
        // Zarr stores edge chunks whole: the last reference may run past the
        // variable into what follows, but not past the end of the file. Fall
        // back to a divisor of the row count, or to a single chunk when that
        // would make too many chunks.
        nRowsPerChunk = LargestDivisorAtMost(nRows, nRowsPerChunk);
        constexpr uint64_t MAX_CHUNKS_FROM_DIVISOR = 100000;
        if (nRows / nRowsPerChunk > MAX_CHUNKS_FROM_DIVISOR)
            return;
    }
    oLayout.anChunks[0] = nRowsPerChunk;
    oLayout.nChunkCount = (nRows + nRowsPerChunk - 1) / nRowsPerChunk;
    oLayout.nChunkBytes = nRowsPerChunk * nRowBytes;
    oLayout.nChunkStride = oLayout.nChunkBytes;
}

}  // namespace

NC3ArrayLayout ComputeNC3ArrayLayout(const NC3Header &oHeader,
                                     const NC3Variable &oVar,
                                     uint64_t nRecordSize, uint64_t nNumRecords,
                                     uint64_t nFileSize, uint64_t nMaxChunkBytes,
                                     const std::string &osFilename,
                                     const std::vector<bool> &abStringDimensions)
{
    NC3ArrayLayout oLayout;
    SetShapeAndDtype(oHeader, oVar, nNumRecords, abStringDimensions, oLayout);

    const uint64_t nBytesPerRecord =
        CheckedMultiply(ElementsPerRecord(oHeader, oVar, osFilename),
                        NC3TypeSize(oVar.eType), osFilename, oVar);
    if (oVar.nBegin < oHeader.nHeaderSize)
        FailVariable(osFilename, oVar,
                     "data offset " + std::to_string(oVar.nBegin) +
                         " lies inside the header (" +
                         std::to_string(oHeader.nHeaderSize) + " bytes)");
    // With no records, record variables may begin at or past the end.
    if (oVar.nBegin > nFileSize && !(oVar.bIsRecord && nNumRecords == 0))
        FailVariable(osFilename, oVar,
                     "data offset " + std::to_string(oVar.nBegin) +
                         " is past the end of the file (" +
                         std::to_string(nFileSize) + " bytes)");
    oLayout.nFirstOffset = oVar.nBegin;
    oLayout.anChunks = oLayout.anShape;

    if (oVar.bIsRecord)
    {
        SetRecordChunks(oVar, nRecordSize, nNumRecords, nFileSize, nBytesPerRecord,
                        osFilename, oLayout);
        return oLayout;
    }
    if (nBytesPerRecord > nFileSize - oVar.nBegin)
        FailVariable(osFilename, oVar,
                     "data (" + std::to_string(nBytesPerRecord) +
                         " bytes at offset " + std::to_string(oVar.nBegin) +
                         ") extends past the end of the file (" +
                         std::to_string(nFileSize) + " bytes)");
    oLayout.nChunkCount = 1;
    oLayout.nChunkBytes = nBytesPerRecord;
    oLayout.nChunkStride = nBytesPerRecord;
    SplitIntoRowBlocks(oVar, nFileSize, nMaxChunkBytes, oLayout);
    return oLayout;
}

}  // namespace kerchunk
