#include "reference_conversion.h"

#include "commands.h"  // TakeOptionValue
#include "error.h"
#include "file_handles.h"
#include "kerchunk_json_parser.h"
#include "parquet_layout.h"
#include "parquet_references.h"
#include "vsikerchunk.h"

#include "cpl_conv.h"
#include "cpl_string.h"
#include "cpl_vsi.h"

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <vector>

namespace kerchunk::cli
{
namespace
{

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
        const ParquetChunkGrid oLayout = ReadParquetChunkGrid(osArray, oZarray);
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

bool TakeParquetWriteOption(const std::vector<std::string> &aosArgs, size_t &i,
                            ParquetWriteOptions &oOptions)
{
    if (aosArgs[i] == "--record-size")
    {
        const std::string &osValue = TakeOptionValue(aosArgs, i);
        char *pszEnd = nullptr;
        oOptions.nRecordSize = std::strtoull(osValue.c_str(), &pszEnd, 10);
        if (osValue.empty() || osValue[0] == '-' || *pszEnd != '\0' || oOptions.nRecordSize == 0)
            throw Error("option --record-size expects a positive number, not '" + osValue + "'");
        CheckParquetRecordSize(oOptions.nRecordSize);
        return true;
    }
    if (aosArgs[i] == "--compression")
    {
        oOptions.eCodec = parquet::CodecFromName(TakeOptionValue(aosArgs, i));
        return true;
    }
    return false;
}

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
    WriteWholeFile(osOutput, oDoc.dump());
}

}  // namespace kerchunk::cli
