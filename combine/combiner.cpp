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

// True when oInput's chunks of oArray are written: an array without some
// combined dimension is the same at every position along it, so it is
// taken from the inputs at the first one.
bool IsWrittenFrom(const ArrayMetadata &oArray, const CombinePlan &oPlan, size_t iInput)
{
    for (const auto &oDim : oPlan.aoDims)
        if (!oPlan.bNewDim && oDim.anPosition[iInput] != 0 &&
            std::find(oArray.aosDims.begin(), oArray.aosDims.end(), oDim.osName) ==
                oArray.aosDims.end())
            return false;
    return true;
}

// Chunk keys of one array of one input, each index moved by the plan
// (bConcat), or as they are.
uint64_t WriteChunks(const CombineInput &oInput, size_t iInput, const ArrayMetadata &oArray,
                     const ArrayMetadata &oOutArray, const CombinePlan &oPlan, bool bConcat,
                     ReferencesOutput &oOutput)
{
    const std::string osPrefix = PrefixOf(oArray.osPath);
    // Chunks to add along each dimension of the input array.
    std::vector<uint64_t> anShift(oArray.aosDims.size(), 0);
    for (size_t i = 0; bConcat && !oPlan.bNewDim && i < anShift.size(); ++i)
        if (const CombinedDimension *poDim = oPlan.FindDim(oArray.aosDims[i]))
            anShift[i] = poDim->anOffset[iInput] / oArray.anChunks[i];
    uint64_t nChunks = 0;
    std::vector<uint64_t> anIndex;
    oInput.poRefs->ForEach(
        ReferenceSet::Keys::All,
        [&](const std::string &osKey, const Reference &oRef)
        {
            if (osKey.compare(0, osPrefix.size(), osPrefix) != 0 ||
                !ParseChunkKey(oArray, osKey, anIndex))
                return true;
            for (size_t i = 0; i < anShift.size(); ++i)
                anIndex[i] += anShift[i];
            if (bConcat && oPlan.bNewDim)
                anIndex.insert(anIndex.begin(), oPlan.aoDims[0].anOffset[iInput]);
            WriteReference(oInput, MakeChunkKey(oOutArray, anIndex), oRef, oOutput);
            ++nChunks;
            return true;
        });
    return nChunks;
}

ArrayMetadata CombinedMetadata(const ArrayMetadata &oFirst, const CombinePlan &oPlan)
{
    ArrayMetadata oOut = oFirst;
    for (const auto &oDim : oPlan.aoDims)
    {
        if (oPlan.bNewDim)
        {
            oOut.anShape.insert(oOut.anShape.begin(), oDim.nTotal);
            oOut.anChunks.insert(oOut.anChunks.begin(), 1);
            oOut.aosDims.insert(oOut.aosDims.begin(), oDim.osName);
            continue;
        }
        const auto it = std::find(oOut.aosDims.begin(), oOut.aosDims.end(), oDim.osName);
        if (it != oOut.aosDims.end())
            oOut.anShape[static_cast<size_t>(it - oOut.aosDims.begin())] = oDim.nTotal;
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
void WriteCoordinate(const CombinedDimension &oPlan, ReferencesOutput &oOutput)
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
    const size_t iFirst = oPlan.anOrder[0];
    const CombineInput &oFirst = aoInputs[iFirst];
    WriteGroupDocuments(oFirst, oOutput);
    for (const auto &oDim : oPlan.aoDims)
    {
        oSummary.aoLengths.emplace_back(oDim.osName, oDim.nTotal);
        if (!oDim.osConversionNote.empty())
            oSummary.osNote += (oSummary.osNote.empty() ? "" : "; ") + oDim.osConversionNote;
        WriteCoordinate(oDim, oOutput);
    }
    oSummary.nArrays = oPlan.aoDims.size() + oPlan.oConcatArrays.size() + oPlan.oOnceArrays.size();
    for (const auto &osArray : oPlan.oOnceArrays)
    {
        const ArrayMetadata &oArray = oFirst.oArrays.at(osArray);
        WriteArrayDocuments(oArray, oOutput);
        oSummary.nChunks += WriteChunks(oFirst, iFirst, oArray, oArray, oPlan, false, oOutput);
    }
    for (const auto &osArray : oPlan.oConcatArrays)
    {
        const ArrayMetadata oOut = CombinedMetadata(oFirst.oArrays.at(osArray), oPlan);
        WriteArrayDocuments(oOut, oOutput);
        for (size_t i : oPlan.anOrder)
        {
            const ArrayMetadata &oArray = aoInputs[i].oArrays.at(osArray);
            if (IsWrittenFrom(oArray, oPlan, i))
                oSummary.nChunks += WriteChunks(aoInputs[i], i, oArray, oOut, oPlan, true, oOutput);
        }
    }
    oOutput.Finish();
    return oSummary;
}

}  // namespace kerchunk
