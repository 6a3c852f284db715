#include "parquet_references_writer.h"

#include "error.h"
#include "file_handles.h"
#include "parquet_layout.h"
#include "parquet_references.h"  // PARQUET_METADATA_KEY
#include "parquet_writer.h"

#include "cpl_string.h"
#include "cpl_vsi.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <limits>
#include <map>
#include <utility>
#include <vector>

namespace kerchunk
{
namespace
{

// (chunk number, reference), per array: 16 bytes a chunk, no key strings
// (10 million chunks are 160 MB here; a sorted map of keys was ten times that).
using NumberedChunks = std::vector<std::pair<uint64_t, const Reference *>>;

// What goes into .zmetadata, and the chunk grid of every array.
struct MetadataDocuments
{
    nlohmann::json oMetadata = nlohmann::json::object();
    std::map<std::string, ParquetChunkGrid> oGrids{};
};

std::string LastComponent(const std::string &osKey)
{
    const size_t nSlash = osKey.rfind('/');
    return nSlash == std::string::npos ? osKey : osKey.substr(nSlash + 1);
}

bool IsMetadataKey(const std::string &osKey)
{
    const std::string osName = LastComponent(osKey);
    return osName == ".zarray" || osName == ".zgroup" || osName == ".zattrs" ||
           osName == ".zmetadata";
}

void AddArrayGrid(const std::string &osArray, const nlohmann::json &oZarray,
                  MetadataDocuments &oDocs)
{
    if (oZarray.value("dimension_separator", ".") != ".")
        throw Error("array '" + osArray +
                    "': dimension_separator \"/\" cannot be stored in Parquet references "
                    "(fsspec's layout names chunks \"i.j\")");
    oDocs.oGrids[osArray] = ReadParquetChunkGrid(osArray, oZarray);
}

// Every .zgroup/.zattrs/.zarray as a JSON object (nlohmann's objects keep
// keys sorted: the output does not depend on the set's layout); consolidated
// metadata of the input is left out (the output's .zmetadata replaces it).
MetadataDocuments ReadMetadataDocuments(const ReferenceSet &oSet)
{
    MetadataDocuments oDocs;
    oSet.ForEach(ReferenceSet::Keys::NotChunks,
                 [&](const std::string &osKey, const Reference &oRef)
                 {
                     if (!IsMetadataKey(osKey) || LastComponent(osKey) == ".zmetadata")
                         return true;
                     if (!oRef.IsInline())
                         throw Error("key '" + osKey + "': metadata must be inline to be "
                                     "stored in Parquet references");
                     auto oDoc = nlohmann::json::parse(oRef.osInline, nullptr, false);
                     if (!oDoc.is_object())
                         throw Error("key '" + osKey + "': not a JSON object");
                     if (LastComponent(osKey) == ".zarray" && osKey != ".zarray")
                         AddArrayGrid(osKey.substr(0, osKey.size() - 8), oDoc, oDocs);
                     oDocs.oMetadata[osKey] = std::move(oDoc);
                     return true;
                 });
    return oDocs;
}

// Chunk references grouped by array, sorted by chunk number.
std::map<std::string, NumberedChunks> NumberChunks(const ReferenceSet &oSet,
                                                   const MetadataDocuments &oDocs)
{
    std::map<std::string, NumberedChunks> oChunks;
    oSet.ForEach(
        ReferenceSet::Keys::All,
        [&](const std::string &osKey, const Reference &oRef)
        {
            if (IsMetadataKey(osKey))
                return true;
            const size_t nSlash = osKey.rfind('/');
            const auto oGrid = nSlash == std::string::npos
                                   ? oDocs.oGrids.end()
                                   : oDocs.oGrids.find(osKey.substr(0, nSlash));
            if (oGrid == oDocs.oGrids.end())
                throw Error("key '" + osKey + "' is no chunk of an array: Parquet references "
                            "cannot hold it");
            uint64_t nNumber = 0;
            if (!ParquetChunkNumber(oGrid->second, osKey.substr(nSlash + 1), nNumber))
                throw Error("key '" + osKey + "': chunk index '" + osKey.substr(nSlash + 1) +
                            "' outside the array's chunk grid (chunks per dimension " +
                            nlohmann::json(oGrid->second.anChunksPerDim).dump() + ")");
            // Pointers into the set stay valid: it is not modified meanwhile.
            oChunks[oGrid->first].emplace_back(nNumber, &oRef);
            return true;
        });
    for (auto &oItem : oChunks)
        std::sort(oItem.second.begin(), oItem.second.end());
    return oChunks;
}

// One refs.<R>.parq: nRows rows from nFirst, null where no chunk is given.
parquet::Table MakeRecordTable(NumberedChunks::const_iterator itBegin,
                               NumberedChunks::const_iterator itEnd, uint64_t nFirst,
                               uint64_t nRows)
{
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
    std::map<const std::string *, int32_t> oPathIndex;  // paths are interned
    for (auto it = itBegin; it != itEnd; ++it)
    {
        const size_t nRow = static_cast<size_t>(it->first - nFirst);
        const Reference &oRef = *it->second;
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
        if (!oRef.bWholeFile)  // fsspec: offset = size = 0 is the whole file
        {
            oOffset.anInts[nRow] = static_cast<int64_t>(oRef.nOffset);
            oSize.anInts[nRow] = static_cast<int64_t>(oRef.nSize);
        }
    }
    parquet::Table oTable;
    oTable.nRows = static_cast<int64_t>(nRows);
    oTable.aoColumns = {std::move(oPath), std::move(oOffset), std::move(oSize), std::move(oRaw)};
    return oTable;
}

// GDAL 3.6's VSIMkdirRecursive fails on a relative path of one component
// ("out": its parent "" cannot be made), so the plain mkdir comes first.
void CreateFolder(const std::string &osPath)
{
    if (VSIMkdir(osPath.c_str(), 0755) != 0 && VSIMkdirRecursive(osPath.c_str(), 0755) != 0)
        throw Error("cannot create folder " + osPath);
}

// The record files holding at least one chunk (fsspec writes no others).
void WriteArrayRecords(const std::string &osFolder, const NumberedChunks &aoRows,
                       uint64_t nChunks, const ParquetWriteOptions &oOptions)
{
    CreateFolder(osFolder);
    const uint64_t nRecordSize = oOptions.nRecordSize;
    for (auto itStart = aoRows.begin(); itStart != aoRows.end();)
    {
        const uint64_t nRecord = itStart->first / nRecordSize;
        const auto itEnd = std::find_if(itStart, aoRows.end(), [&](const auto &oRow)
                                        { return oRow.first / nRecordSize != nRecord; });
        const uint64_t nFirst = nRecord * nRecordSize;
        const auto oTable =
            MakeRecordTable(itStart, itEnd, nFirst, std::min(nRecordSize, nChunks - nFirst));
        WriteWholeFile(osFolder + "/" + ParquetRecordFileName(nRecord),
                  parquet::WriteParquet(oTable, oOptions.eCodec));
        itStart = itEnd;
    }
}

}  // namespace

void CheckParquetRecordSize(uint64_t nRecordSize)
{
    if (nRecordSize == 0 || nRecordSize > static_cast<uint64_t>(std::numeric_limits<int32_t>::max()))
        throw Error("the record size must be between 1 and 2147483647, not " +
                    std::to_string(nRecordSize));
}

void CheckParquetOutputFolder(const std::string &osOutput)
{
    VSIStatBufL sStat;
    if (VSIStatL(osOutput.c_str(), &sStat) != 0)
        return;
    const CPLStringList aosEntries(VSIReadDir(osOutput.c_str()));
    if (!VSI_ISDIR(sStat.st_mode) || !aosEntries.empty())
        throw Error(osOutput + " already exists (Parquet references are written into a new "
                    "or empty folder)");
}

void WriteParquetReferences(const ReferenceSet &oSet, const std::string &osOutput,
                            const ParquetWriteOptions &oOptions)
{
    CheckParquetRecordSize(oOptions.nRecordSize);
    MetadataDocuments oDocs = ReadMetadataDocuments(oSet);
    const auto oChunks = NumberChunks(oSet, oDocs);
    CheckParquetOutputFolder(osOutput);
    CreateFolder(osOutput);
    try
    {
        for (const auto &oArray : oChunks)
            WriteArrayRecords(osOutput + "/" + oArray.first, oArray.second,
                              oDocs.oGrids.at(oArray.first).nChunks, oOptions);
        nlohmann::json oDoc;
        oDoc["metadata"] = std::move(oDocs.oMetadata);
        oDoc["record_size"] = oOptions.nRecordSize;
        WriteWholeFile(osOutput + "/" + PARQUET_METADATA_KEY, oDoc.dump());
    }
    catch (...)
    {
        VSIRmdirRecursive(osOutput.c_str());
        throw;
    }
}

}  // namespace kerchunk
