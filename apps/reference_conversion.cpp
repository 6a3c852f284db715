#include "reference_conversion.h"

#include "error.h"
#include "kerchunk_json_parser.h"
#include "parquet_references.h"
#include "parquet_writer.h"
#include "vsikerchunk.h"

#include "cpl_conv.h"
#include "cpl_string.h"
#include "cpl_vsi.h"

#include <nlohmann/json.hpp>

#include <limits>
#include <map>
#include <vector>

namespace kerchunk::cli
{
namespace
{

bool IsMetadataKey(const std::string &osKey)
{
    const size_t nSlash = osKey.rfind('/');
    const std::string osName = nSlash == std::string::npos ? osKey : osKey.substr(nSlash + 1);
    return osName == ".zarray" || osName == ".zgroup" || osName == ".zattrs" ||
           osName == ".zmetadata";
}

std::string IngestFile(const std::string &osPath)
{
    GByte *pabyData = nullptr;
    vsi_l_offset nSize = 0;
    if (!VSIIngestFile(nullptr, osPath.c_str(), &pabyData, &nSize, -1))
        throw Error("cannot read " + osPath);
    std::string osBytes(reinterpret_cast<const char *>(pabyData), static_cast<size_t>(nSize));
    VSIFree(pabyData);
    return osBytes;
}

void WriteFile(const std::string &osPath, const std::string &osBytes)
{
    VSILFILE *fp = VSIFOpenL(osPath.c_str(), "wb");
    if (fp == nullptr)
        throw Error("cannot create " + osPath);
    const bool bOK = VSIFWriteL(osBytes.data(), 1, osBytes.size(), fp) == osBytes.size();
    if (VSIFCloseL(fp) != 0 || !bOK)
        throw Error("cannot write " + osPath);
}

// Chunks per dimension of an array's .zarray document.
struct ArrayLayout
{
    std::vector<uint64_t> anChunksPerDim{};
    uint64_t nChunks = 1;
};

ArrayLayout ReadLayout(const std::string &osArray, const nlohmann::json &oZarray)
{
    ArrayLayout oLayout;
    const auto oShape = oZarray.find("shape");
    const auto oChunks = oZarray.find("chunks");
    if (oShape == oZarray.end() || oChunks == oZarray.end() || !oShape->is_array() ||
        !oChunks->is_array() || oShape->size() != oChunks->size())
        throw Error("array '" + osArray + "': .zarray without matching shape and chunks");
    if (oZarray.value("dimension_separator", ".") != ".")
        throw Error("array '" + osArray +
                    "': dimension_separator \"/\" cannot be stored in Parquet references "
                    "(fsspec's layout names chunks \"i.j\")");
    for (size_t i = 0; i < oShape->size(); ++i)
    {
        const auto &oExtent = (*oShape)[i];
        const auto &oChunk = (*oChunks)[i];
        if (!oExtent.is_number_unsigned() || !oChunk.is_number_unsigned() ||
            oChunk.get<uint64_t>() == 0)
            throw Error("array '" + osArray + "': shape and chunks must be positive integers");
        const uint64_t nExtent = oExtent.get<uint64_t>(), nChunk = oChunk.get<uint64_t>();
        const uint64_t nCount = nExtent / nChunk + (nExtent % nChunk != 0);
        if (nCount != 0 && oLayout.nChunks > std::numeric_limits<uint64_t>::max() / nCount)
            throw Error("array '" + osArray + "': too many chunks");
        oLayout.nChunks *= nCount;
        oLayout.anChunksPerDim.push_back(nCount);
    }
    return oLayout;
}

// The chunk's number in C order (fsspec's ravel_multi_index).
uint64_t ChunkNumber(const std::string &osKey, const std::string &osChunk,
                     const ArrayLayout &oLayout)
{
    const CPLStringList aosParts(CSLTokenizeString2(osChunk.c_str(), ".", CSLT_ALLOWEMPTYTOKENS));
    const size_t nDims = std::max<size_t>(oLayout.anChunksPerDim.size(), 1);
    if (static_cast<size_t>(aosParts.size()) != nDims)
        throw Error("key '" + osKey + "': not a chunk of its array (" + std::to_string(nDims) +
                    " indices expected)");
    uint64_t nNumber = 0;
    for (size_t i = 0; i < nDims; ++i)
    {
        const std::string osPart = aosParts[static_cast<int>(i)];
        const uint64_t nCount = oLayout.anChunksPerDim.empty() ? 1 : oLayout.anChunksPerDim[i];
        if (osPart.empty() || osPart.size() > 19 ||
            osPart.find_first_not_of("0123456789") != std::string::npos ||
            std::stoull(osPart) >= nCount)
            throw Error("key '" + osKey + "': chunk index '" + osPart +
                        "' outside the array's chunk grid");
        nNumber = nNumber * nCount + std::stoull(osPart);
    }
    return nNumber;
}

parquet::Table MakeRecordTable(const std::vector<std::pair<uint64_t, const Reference *>> &aoRows,
                               uint64_t nFirst, uint64_t nRows)
{
    parquet::Table oTable;
    oTable.nRows = static_cast<int64_t>(nRows);
    parquet::Column oPath, oOffset, oSize, oRaw;
    oPath.osName = "path";
    oPath.eType = parquet::PhysicalType::ByteArray;
    oPath.bOptional = oPath.bUtf8 = true;
    oOffset.osName = "offset";
    oSize.osName = "size";
    oRaw.osName = "raw";
    oRaw.eType = parquet::PhysicalType::ByteArray;
    oRaw.bOptional = true;
    oPath.anIndex.assign(nRows, -1);
    oRaw.anIndex.assign(nRows, -1);
    oOffset.anInts.assign(nRows, 0);
    oSize.anInts.assign(nRows, 0);
    std::map<const std::string *, int32_t> oPathIndex;
    for (const auto &oRow : aoRows)
    {
        const size_t nRow = static_cast<size_t>(oRow.first - nFirst);
        const Reference &oRef = *oRow.second;
        if (oRef.IsInline())
        {
            oRaw.anIndex[nRow] = static_cast<int32_t>(oRaw.aosValues.size());
            oRaw.aosValues.emplace_back(oRef.osInline);
            continue;
        }
        auto oIter = oPathIndex.find(oRef.posPath);
        if (oIter == oPathIndex.end())
        {
            oIter = oPathIndex.emplace(oRef.posPath, static_cast<int32_t>(oPath.aosValues.size()))
                        .first;
            oPath.aosValues.push_back(*oRef.posPath);
        }
        oPath.anIndex[nRow] = oIter->second;
        if (!oRef.bWholeFile)
        {
            oOffset.anInts[nRow] = static_cast<int64_t>(oRef.nOffset);
            oSize.anInts[nRow] = static_cast<int64_t>(oRef.nSize);
        }
    }
    oTable.aoColumns = {std::move(oPath), std::move(oOffset), std::move(oSize), std::move(oRaw)};
    return oTable;
}

// Every chunk key of every array of a Parquet reference set, through the
// same lazy lookup the driver uses.
void AddParquetChunks(const LoadedReferences &oRefs, ReferenceSet &oSet)
{
    std::vector<std::pair<std::string, std::string>> aoZarrays;  // array, document
    oRefs.oSet.ForEach(ReferenceSet::Keys::NotChunks,
                       [&](const std::string &osKey, const Reference &oRef)
                       {
                           if (osKey.size() >= 8 &&
                               osKey.compare(osKey.size() - 8, 8, "/.zarray") == 0)
                               aoZarrays.emplace_back(osKey.substr(0, osKey.size() - 8),
                                                      std::string(oRef.osInline));
                           return true;
                       });
    for (const auto &oItem : aoZarrays)
    {
        const std::string &osArray = oItem.first;
        const auto oZarray = nlohmann::json::parse(oItem.second, nullptr, false);
        const ArrayLayout oLayout = ReadLayout(osArray, oZarray);
        std::vector<uint64_t> anIndex(oLayout.anChunksPerDim.size(), 0);
        for (uint64_t n = 0; n < oLayout.nChunks; ++n)
        {
            std::string osChunk = osArray + "/";
            for (size_t i = 0; i < anIndex.size(); ++i)
                osChunk += (i ? "." : "") + std::to_string(anIndex[i]);
            if (anIndex.empty())
                osChunk += "0";
            std::string osError;
            const auto poRef = FindReference(oRefs, osChunk, osError);
            if (!osError.empty())
                throw Error(osError);
            if (poRef && poRef->IsInline())
                oSet.AddInline(osChunk, std::string(poRef->osInline));
            else if (poRef && poRef->bWholeFile)
                oSet.AddWholeFile(osChunk, *poRef->posPath);
            else if (poRef)
                oSet.AddRange(osChunk, *poRef->posPath, poRef->nOffset, poRef->nSize);
            for (size_t i = anIndex.size(); i-- > 0;)
            {
                if (++anIndex[i] < oLayout.anChunksPerDim[i])
                    break;
                anIndex[i] = 0;
            }
        }
    }
}

bool IsValidUtf8(const std::string &osText)
{
    return CPLIsUTF8(osText.c_str(), static_cast<int>(osText.size())) &&
           osText.find('\0') == std::string::npos;
}

}  // namespace

ReferenceSet ReadAllReferences(const std::string &osInput)
{
    if (IsParquetReferences(osInput))
    {
        LoadedReferences oRefs;
        oRefs.osRefsPath = osInput;
        std::string osError;
        if (!LoadParquetReferences(osInput, oRefs, osError))
            throw Error(osError);
        ReferenceSet oSet;
        oRefs.oSet.ForEach(ReferenceSet::Keys::All,
                           [&](const std::string &osKey, const Reference &oRef)
                           {
                               oSet.AddInline(osKey, std::string(oRef.osInline));
                               return true;
                           });
        AddParquetChunks(oRefs, oSet);
        return oSet;
    }
    std::string osError;
    auto poSet = ParseKerchunkJson(IngestFile(osInput), osError);
    if (!poSet)
        throw Error("invalid kerchunk references " + osInput + ": " + osError);
    return std::move(*poSet);
}

void WriteParquetReferences(const ReferenceSet &oSet, const std::string &osOutput,
                            uint64_t nRecordSize, parquet::Codec eCodec)
{
    if (nRecordSize == 0 || nRecordSize > std::numeric_limits<int32_t>::max())
        throw Error("--record-size must be between 1 and 2147483647");
    nlohmann::json oMetadata = nlohmann::json::object();
    std::map<std::string, ArrayLayout> oArrays;
    // Keys in sorted order: the output does not depend on the set's layout.
    std::map<std::string, const Reference *> oAll;
    oSet.ForEach(ReferenceSet::Keys::All,
                 [&](const std::string &osKey, const Reference &oRef)
                 {
                     oAll.emplace(osKey, &oRef);
                     return true;
                 });
    for (const auto &oEntry : oAll)
    {
        const std::string &osKey = oEntry.first;
        const Reference &oRef = *oEntry.second;
        if (!IsMetadataKey(osKey) || osKey == ".zmetadata" ||
            (osKey.size() > 11 &&
             osKey.compare(osKey.size() - 11, 11, "/.zmetadata") == 0))
            continue;
        if (!oRef.IsInline())
            throw Error("key '" + osKey + "': metadata must be inline to be stored in "
                        "Parquet references");
        auto oDoc = nlohmann::json::parse(oRef.osInline, nullptr, false);
        if (!oDoc.is_object())
            throw Error("key '" + osKey + "': not a JSON object");
        const size_t nLen = osKey.size();
        if (nLen > 8 && osKey.compare(nLen - 8, 8, "/.zarray") == 0)
        {
            const std::string osArray = osKey.substr(0, nLen - 8);
            oArrays[osArray] = ReadLayout(osArray, oDoc);
        }
        oMetadata[osKey] = std::move(oDoc);
    }

    // Chunks grouped by array, by number.
    std::map<std::string, std::vector<std::pair<uint64_t, const Reference *>>> oChunks;
    for (const auto &oItem : oAll)
    {
        const std::string &osKey = oItem.first;
        if (IsMetadataKey(osKey))
            continue;
        const size_t nSlash = osKey.rfind('/');
        const auto oArray =
            nSlash == std::string::npos ? oArrays.end() : oArrays.find(osKey.substr(0, nSlash));
        if (oArray == oArrays.end())
            throw Error("key '" + osKey + "' is no chunk of an array: Parquet references "
                        "cannot hold it");
        oChunks[oArray->first].emplace_back(
            ChunkNumber(osKey, osKey.substr(nSlash + 1), oArray->second), oItem.second);
    }

    VSIStatBufL sStat;
    if (VSIStatL(osOutput.c_str(), &sStat) == 0)
    {
        char **papszEntries = VSIReadDir(osOutput.c_str());
        const bool bEmpty = VSI_ISDIR(sStat.st_mode) && CSLCount(papszEntries) == 0;
        CSLDestroy(papszEntries);
        if (!bEmpty)
            throw Error(osOutput + " already exists");
    }
    if (VSIMkdirRecursive(osOutput.c_str(), 0755) != 0)
        throw Error("cannot create folder " + osOutput);
    for (auto &oArray : oChunks)
    {
        auto &aoRows = oArray.second;
        std::sort(aoRows.begin(), aoRows.end());
        const std::string osFolder = osOutput + "/" + oArray.first;
        if (VSIMkdirRecursive(osFolder.c_str(), 0755) != 0)
            throw Error("cannot create folder " + osFolder);
        const uint64_t nChunks = oArrays[oArray.first].nChunks;
        for (size_t nStart = 0; nStart < aoRows.size();)
        {
            const uint64_t nRecord = aoRows[nStart].first / nRecordSize;
            size_t nEnd = nStart;
            while (nEnd < aoRows.size() && aoRows[nEnd].first / nRecordSize == nRecord)
                ++nEnd;
            const std::vector<std::pair<uint64_t, const Reference *>> aoRecord(
                aoRows.begin() + static_cast<std::ptrdiff_t>(nStart),
                aoRows.begin() + static_cast<std::ptrdiff_t>(nEnd));
            const uint64_t nFirst = nRecord * nRecordSize;
            const auto oTable =
                MakeRecordTable(aoRecord, nFirst, std::min(nRecordSize, nChunks - nFirst));
            WriteFile(osFolder + "/refs." + std::to_string(nRecord) + ".parq",
                      parquet::WriteParquet(oTable, eCodec));
            nStart = nEnd;
        }
    }
    nlohmann::json oDoc;
    oDoc["metadata"] = std::move(oMetadata);
    oDoc["record_size"] = nRecordSize;
    WriteFile(osOutput + "/" + PARQUET_METADATA_KEY, oDoc.dump());
}

void WriteJsonReferences(const ReferenceSet &oSet, const std::string &osOutput)
{
    nlohmann::json oRefs = nlohmann::json::object();
    oSet.ForEach(ReferenceSet::Keys::All, [&](const std::string &osKey, const Reference &oRef)
    {
        if (oRef.IsInline())
        {
            if (IsValidUtf8(std::string(oRef.osInline)))
                oRefs[osKey] = std::string(oRef.osInline);
            else
            {
                char *pszEncoded = CPLBase64Encode(static_cast<int>(oRef.osInline.size()),
                                                   reinterpret_cast<const GByte *>(
                                                       oRef.osInline.data()));
                oRefs[osKey] = std::string("base64:") + pszEncoded;
                CPLFree(pszEncoded);
            }
        }
        else if (oRef.bWholeFile)
            oRefs[osKey] = nlohmann::json::array({*oRef.posPath});
        else
            oRefs[osKey] = nlohmann::json::array({*oRef.posPath, oRef.nOffset, oRef.nSize});
        return true;
    });
    nlohmann::json oDoc;
    oDoc["version"] = 1;
    oDoc["refs"] = std::move(oRefs);
    WriteFile(osOutput, oDoc.dump());
}

}  // namespace kerchunk::cli
