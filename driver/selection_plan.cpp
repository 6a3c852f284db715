#include "selection_plan.h"

namespace kerchunk
{

namespace
{

// The chunk index along iDim of the selection's element k.
uint64_t ChunkOfElement(const ChunkGrid &oGrid, const Selection &oSel, size_t iDim,
                        uint64_t k)
{
    const int64_t nStep = oSel.anStep[iDim];
    const uint64_t nAbsStep = static_cast<uint64_t>(nStep < 0 ? -nStep : nStep);
    const uint64_t nIndex = nStep < 0 ? oSel.anStart[iDim] - k * nAbsStep
                                      : oSel.anStart[iDim] + k * nAbsStep;
    return nIndex / oGrid.GetChunkSize(iDim);
}

// The first element k along iDim that lies in chunk nChunk or beyond it
// (in the direction the selection walks): chunk indices are monotonic in k.
uint64_t FirstElementInChunk(const ChunkGrid &oGrid, const Selection &oSel, size_t iDim,
                             uint64_t nChunk)
{
    const bool bForward = oSel.anStep[iDim] >= 0;
    uint64_t nLow = 0;
    uint64_t nHigh = oSel.anCount[iDim];
    while (nLow < nHigh)
    {
        const uint64_t nMid = nLow + (nHigh - nLow) / 2;
        const uint64_t nMidChunk = ChunkOfElement(oGrid, oSel, iDim, nMid);
        const bool bBefore = bForward ? nMidChunk < nChunk : nMidChunk > nChunk;
        if (bBefore)
            nLow = nMid + 1;
        else
            nHigh = nMid;
    }
    return nLow;
}

}  // namespace

std::vector<SelectionPart>
PlanSelection(const ChunkGrid &oGrid, const Selection &oSel, size_t nMaxKeys,
              uint64_t nBudget,
              const std::function<uint64_t(const std::vector<std::string> &)> &oBytesOf)
{
    const size_t nDims = oGrid.GetDimensionCount();
    if (nDims == 0 || oSel.anStart.size() != nDims || oSel.anCount.size() != nDims ||
        oSel.anStep.size() != nDims)
        return {};
    std::vector<std::vector<uint64_t>> aanIndices(nDims);
    for (size_t i = 0; i < nDims; ++i)
    {
        if (oGrid.GetChunkSize(i) == 0 || oSel.anCount[i] == 0)
            return {};
        aanIndices[i] = oGrid.ChunkIndicesAlong(i, oSel.anStart[i], oSel.anCount[i],
                                                oSel.anStep[i]);
    }
    SelectionPart oWhole;
    oWhole.nCount = oSel.anCount[0];
    if (!oGrid.AppendKeysOfIndices(aanIndices, nMaxKeys, oWhole.aosKeys))
        return {};
    size_t iSplit = 0;
    while (iSplit < nDims && aanIndices[iSplit].size() == 1)
        ++iSplit;
    if (iSplit == nDims || oBytesOf(oWhole.aosKeys) <= nBudget)
        return {std::move(oWhole)};
    oWhole.aosKeys.clear();

    // Runs of chunk slabs along iSplit within the budget.
    std::vector<SelectionPart> aoParts;
    std::vector<uint64_t> anFirstChunks;
    uint64_t nPartBytes = 0;
    auto aanSlab = aanIndices;
    for (const uint64_t nChunk : aanIndices[iSplit])
    {
        aanSlab[iSplit] = {nChunk};
        std::vector<std::string> aosSlabKeys;
        oGrid.AppendKeysOfIndices(aanSlab, nMaxKeys, aosSlabKeys);
        const uint64_t nBytes = oBytesOf(aosSlabKeys);
        if (aoParts.empty() || nPartBytes + nBytes > nBudget)
        {
            aoParts.emplace_back();
            aoParts.back().iDim = iSplit;
            anFirstChunks.push_back(nChunk);
            nPartBytes = 0;
        }
        nPartBytes += nBytes;
        auto &aosKeys = aoParts.back().aosKeys;
        aosKeys.insert(aosKeys.end(), aosSlabKeys.begin(), aosSlabKeys.end());
    }
    for (size_t i = 0; i < aoParts.size(); ++i)
    {
        aoParts[i].nFirst = FirstElementInChunk(oGrid, oSel, iSplit, anFirstChunks[i]);
        const uint64_t nEnd = i + 1 < aoParts.size()
                                  ? FirstElementInChunk(oGrid, oSel, iSplit, anFirstChunks[i + 1])
                                  : oSel.anCount[iSplit];
        aoParts[i].nCount = nEnd - aoParts[i].nFirst;
    }
    return aoParts;
}

}  // namespace kerchunk
