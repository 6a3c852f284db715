#include "combiner.h"

#include "error.h"

#include <algorithm>

namespace kerchunk
{

namespace
{

std::string PrefixOf(const std::string &osArray)
{
    return osArray.empty() ? "" : osArray + "/";
}

bool IsArrayDocument(const CombineInput &oInput, const std::string &osKey)
{
    const size_t nSlash = osKey.rfind('/');
    const std::string osParent = nSlash == std::string::npos ? "" : osKey.substr(0, nSlash);
    return oInput.oArrays.count(osParent) != 0;
}

// .zgroup and group .zattrs of the first input; .zmetadata is left out (it
// would describe the first input only; readers consolidate themselves).
void WriteGroupDocuments(const CombineInput &oFirst, ReferencesOutput &oOutput)
{
    oFirst.poRefs->ForEach(
        ReferenceSet::Keys::NotChunks,
        [&](const std::string &osKey, const Reference &oRef)
        {
            const size_t nSlash = osKey.rfind('/');
            const std::string osName =
                nSlash == std::string::npos ? osKey : osKey.substr(nSlash + 1);
            if ((osName == ".zgroup" || osName == ".zattrs") && oRef.IsInline() &&
                !IsArrayDocument(oFirst, osKey))
                oOutput.AddMetadata(osKey, std::string(oRef.osInline));
            return true;
        });
}

void WriteReference(const CombineInput &oInput, const std::string &osKey,
                    const Reference &oRef, ReferencesOutput &oOutput)
{
    if (oRef.IsInline())
        oOutput.AddInline(osKey, std::string(oRef.osInline));
    else if (oRef.bWholeFile)
        oOutput.AddWholeFile(osKey, AbsoluteUrl(oInput, *oRef.posPath));
    else
        oOutput.AddRange(osKey, AbsoluteUrl(oInput, *oRef.posPath), oRef.nOffset, oRef.nSize);
}

// Chunk keys of one array of one input, each index moved by the plan.
uint64_t WriteChunks(const CombineInput &oInput, const ArrayMetadata &oArray,
                     const ArrayMetadata &oOutArray, const std::string &osDim,
                     bool bPrependDim, uint64_t nOffset, ReferencesOutput &oOutput)
{
    const std::string osPrefix = PrefixOf(oArray.osPath);
    const auto itDim = std::find(oArray.aosDims.begin(), oArray.aosDims.end(), osDim);
    const size_t iDim = static_cast<size_t>(itDim - oArray.aosDims.begin());
    uint64_t nChunks = 0;
    std::vector<uint64_t> anIndex;
    oInput.poRefs->ForEach(
        ReferenceSet::Keys::All,
        [&](const std::string &osKey, const Reference &oRef)
        {
            if (osKey.compare(0, osPrefix.size(), osPrefix) != 0 ||
                !ParseChunkKey(oArray, osKey, anIndex))
                return true;
            if (bPrependDim)
                anIndex.insert(anIndex.begin(), nOffset);
            else if (itDim != oArray.aosDims.end())
                anIndex[iDim] += nOffset / oArray.anChunks[iDim];
            WriteReference(oInput, MakeChunkKey(oOutArray, anIndex), oRef, oOutput);
            ++nChunks;
            return true;
        });
    return nChunks;
}

ArrayMetadata CombinedMetadata(const ArrayMetadata &oFirst, const CombinePlan &oPlan)
{
    ArrayMetadata oOut = oFirst;
    if (oPlan.bNewDim)
    {
        oOut.anShape.insert(oOut.anShape.begin(), oPlan.nTotal);
        oOut.anChunks.insert(oOut.anChunks.begin(), 1);
        oOut.aosDims.insert(oOut.aosDims.begin(), oPlan.osDim);
    }
    else
    {
        const size_t iDim = static_cast<size_t>(
            std::find(oOut.aosDims.begin(), oOut.aosDims.end(), oPlan.osDim) - oOut.aosDims.begin());
        oOut.anShape[iDim] = oPlan.nTotal;
    }
    oOut.oZarray["shape"] = oOut.anShape;
    oOut.oZarray["chunks"] = oOut.anChunks;
    oOut.oZattrs["_ARRAY_DIMENSIONS"] = oOut.aosDims;
    return oOut;
}

void WriteArrayDocuments(const ArrayMetadata &oArray, ReferencesOutput &oOutput)
{
    const std::string osPrefix = PrefixOf(oArray.osPath);
    oOutput.AddMetadata(osPrefix + ".zarray", oArray.oZarray.dump());
    oOutput.AddMetadata(osPrefix + ".zattrs", oArray.oZattrs.dump());
}

// The combined coordinate: one uncompressed inline chunk.
void WriteCoordinate(const CombinePlan &oPlan, ReferencesOutput &oOutput)
{
    ArrayMetadata oCoord;
    oCoord.osPath = oPlan.osCoordPath;
    oCoord.oZarray = {{"zarr_format", 2},
                      {"shape", nlohmann::json::array({oPlan.nTotal})},
                      {"chunks", nlohmann::json::array({oPlan.nTotal})},
                      {"dtype", oPlan.osCoordDtype},
                      {"compressor", nullptr},     {"filters", nullptr},
                      {"fill_value", oPlan.oCoordFill}, {"order", "C"}};
    oCoord.oZattrs = oPlan.oCoordAttrs;
    if (!oPlan.osConversionNote.empty())
    {
        // Units are those of the earliest input; packing no longer applies.
        oCoord.oZattrs.erase("scale_factor");
        oCoord.oZattrs.erase("add_offset");
        oCoord.oZattrs.erase("_FillValue");
    }
    WriteArrayDocuments(oCoord, oOutput);
    oOutput.AddInline(MakeChunkKey(oCoord, {0}), oPlan.osCoordRaw);
}

}  // namespace

CombineSummary CombineReferences(const std::vector<CombineInput> &aoInputs,
                                 const CombineOptions &oOptions, ReferencesOutput &oOutput)
{
    const CombinePlan oPlan = PlanCombine(aoInputs, oOptions);
    CheckCompatibility(aoInputs, oPlan);

    CombineSummary oSummary;
    oSummary.nInputs = aoInputs.size();
    oSummary.nLength = oPlan.nTotal;
    oSummary.osNote = oPlan.osConversionNote;
    const CombineInput &oFirst = aoInputs[oPlan.anOrder[0]];
    WriteGroupDocuments(oFirst, oOutput);
    WriteCoordinate(oPlan, oOutput);
    oSummary.nArrays = 1 + oPlan.oConcatArrays.size() + oPlan.oOnceArrays.size();
    for (const auto &osArray : oPlan.oOnceArrays)
    {
        const ArrayMetadata &oArray = oFirst.oArrays.at(osArray);
        WriteArrayDocuments(oArray, oOutput);
        oSummary.nChunks += WriteChunks(oFirst, oArray, oArray, oPlan.osDim, false, 0, oOutput);
    }
    for (const auto &osArray : oPlan.oConcatArrays)
    {
        const ArrayMetadata oOut = CombinedMetadata(oFirst.oArrays.at(osArray), oPlan);
        WriteArrayDocuments(oOut, oOutput);
        for (size_t k = 0; k < oPlan.anOrder.size(); ++k)
        {
            const CombineInput &oInput = aoInputs[oPlan.anOrder[k]];
            oSummary.nChunks += WriteChunks(oInput, oInput.oArrays.at(osArray), oOut, oPlan.osDim,
                                            oPlan.bNewDim, oPlan.anOffset[k], oOutput);
        }
    }
    oOutput.Finish();
    return oSummary;
}

}  // namespace kerchunk
