// CheckCompatibility (combine_plan.h): every input agrees with the first one.
#include "combine_plan.h"

#include "coordinate_reader.h"
#include "error.h"

#include "cpl_error.h"

#include <algorithm>
#include <map>

namespace kerchunk
{

namespace
{

[[noreturn]] void Refuse(const std::string &osArray, const std::string &osWhat,
                         const CombineInput &oA, const std::string &osA,
                         const CombineInput &oB, const std::string &osB)
{
    throw Error("array " + osArray + ": " + osWhat + " differ between " + oA.osName + " (" +
                osA + ") and " + oB.osName + " (" + osB + ")");
}

void CompareField(const std::string &osArray, const char *pszField, const ArrayMetadata &oA,
                  const CombineInput &oInputA, const ArrayMetadata &oB,
                  const CombineInput &oInputB)
{
    const auto oValueA = oA.oZarray.value(pszField, nlohmann::json());
    const auto oValueB = oB.oZarray.value(pszField, nlohmann::json());
    if (oValueA != oValueB)
        Refuse(osArray, pszField, oInputA, oValueA.dump(), oInputB, oValueB.dump());
}

std::string Join(const std::vector<uint64_t> &an)
{
    return nlohmann::json(an).dump();
}

// Arrays taken once must be the same in every input. One-dimensional numeric
// ones (latitude, level...: the usual case) are read from both inputs and
// compared value for value, up to this size; the others by their inline
// chunks, their referenced chunks trusted once the metadata agrees.
constexpr uint64_t MAX_COMPARED_BYTES = 16 * 1024 * 1024;

bool IsComparedByValue(const ArrayMetadata &oArray)
{
    if (oArray.anShape.size() != 1)
        return false;
    try
    {
        const size_t nElement = ElementSize(oArray.oZarray.value("dtype", ""), oArray.osPath);
        return oArray.anShape[0] <= MAX_COMPARED_BYTES / nElement;
    }
    catch (const Error &)
    {
        return false;  // not numeric
    }
}

// False when a chunk cannot be read or decoded in either input (a missing
// chunk is the fill value, legal in Zarr): the inline chunks are compared then.
bool CompareValues(const std::string &osArray, const CombineInput &oA, const CombineInput &oB,
                   std::map<std::string, std::string> &oFirstValues)
{
    std::string osB;
    try
    {
        auto it = oFirstValues.find(osArray);
        if (it == oFirstValues.end())
            it = oFirstValues
                     .emplace(osArray, ReadOneDimensionalBytes(oA, oA.oArrays.at(osArray)))
                     .first;
        osB = ReadOneDimensionalBytes(oB, oB.oArrays.at(osArray));
        if (it->second == osB)
            return true;
    }
    catch (const Error &e)
    {
        CPLDebug("KERCHUNK", "combine: %s not compared by value: %s", osArray.c_str(), e.what());
        return false;
    }
    throw Error("array " + osArray + ": values differ between " + oA.osName + " and " +
                oB.osName + "; it is taken once, so it must be identical");
}

void CompareInlineChunks(const std::string &osArray, const CombineInput &oA,
                         const CombineInput &oB)
{
    const ArrayMetadata &oArray = oA.oArrays.at(osArray);
    const std::string osPrefix = osArray.empty() ? "" : osArray + "/";
    std::vector<uint64_t> anIndex;
    oA.poRefs->ForEach(
        ReferenceSet::Keys::All,
        [&](const std::string &osKey, const Reference &oRef)
        {
            if (osKey.compare(0, osPrefix.size(), osPrefix) != 0 || !oRef.IsInline() ||
                !ParseChunkKey(oArray, osKey, anIndex))
                return true;
            const Reference *poB = oB.poRefs->Find(osKey);
            if (poB != nullptr && poB->IsInline() && poB->osInline != oRef.osInline)
                throw Error("array " + osArray + ": values differ between " + oA.osName +
                            " and " + oB.osName + " (chunk " + osKey +
                            "); it is taken once, so it must be identical");
            return true;
        });
}

void CompareArray(const std::string &osArray, const CombinePlan &oPlan,
                  const CombineInput &oFirst, const CombineInput &oOther,
                  std::map<std::string, std::string> &oFirstValues)
{
    const auto itOther = oOther.oArrays.find(osArray);
    if (itOther == oOther.oArrays.end())
        throw Error("array " + osArray + " is in " + oFirst.osName + " but not in " +
                    oOther.osName);
    const ArrayMetadata &oA = oFirst.oArrays.at(osArray);
    const ArrayMetadata &oB = itOther->second;
    if (oA.aosDims != oB.aosDims)
        Refuse(osArray, "dimensions", oFirst, nlohmann::json(oA.aosDims).dump(), oOther,
               nlohmann::json(oB.aosDims).dump());
    for (const char *pszField :
         {"dtype", "chunks", "compressor", "filters", "fill_value", "order", "dimension_separator"})
        CompareField(osArray, pszField, oA, oFirst, oB, oOther);
    const bool bConcat = oPlan.oConcatArrays.count(osArray) != 0;
    auto anShapeA = oA.anShape;
    auto anShapeB = oB.anShape;
    for (size_t iDim = 0; bConcat && !oPlan.bNewDim && iDim < oA.aosDims.size(); ++iDim)
        if (oPlan.FindDim(oA.aosDims[iDim]))
            anShapeA[iDim] = anShapeB[iDim] = 0;
    if (anShapeA != anShapeB)
        Refuse(osArray, "shapes", oFirst, Join(oA.anShape), oOther, Join(oB.anShape));
    if (!bConcat &&
        !(IsComparedByValue(oA) && CompareValues(osArray, oFirst, oOther, oFirstValues)))
        CompareInlineChunks(osArray, oFirst, oOther);
}

// Along an existing dimension, chunk k of input i becomes chunk
// offset_i / chunk + k: each input but those at the last position must fill
// whole chunks.
void CheckWholeChunks(const std::vector<CombineInput> &aoInputs, const CombinePlan &oPlan,
                      const CombinedDimension &oDim)
{
    for (size_t i : oPlan.anOrder)
    {
        const CombineInput &oInput = aoInputs[i];
        const uint64_t nLength = oDim.anLength[i];
        for (const auto &osArray : oPlan.oConcatArrays)
        {
            const ArrayMetadata &oArray = oInput.oArrays.at(osArray);
            const auto itDim = std::find(oArray.aosDims.begin(), oArray.aosDims.end(), oDim.osName);
            if (itDim == oArray.aosDims.end())
                continue;
            const size_t iDim = static_cast<size_t>(itDim - oArray.aosDims.begin());
            if (oArray.anShape[iDim] != nLength)
                throw Error(oInput.osName + ": array " + osArray + " has " +
                            std::to_string(oArray.anShape[iDim]) + " values along " +
                            oDim.osName + ", its coordinate " + std::to_string(nLength));
            if (!oDim.IsLastPosition(i) && nLength % oArray.anChunks[iDim] != 0)
                throw Error(oInput.osName + ": array " + osArray + " ends with a partial chunk along " +
                            oDim.osName + " (" + std::to_string(nLength) + " values, chunks of " +
                            std::to_string(oArray.anChunks[iDim]) +
                            "); Zarr v2 chunks are regular, so only the last input "
                            "may end with a partial chunk (rechunk the source, or "
                            "regenerate it so that its length is a multiple of the chunk length)");
        }
    }
}

}  // namespace

void CheckCompatibility(const std::vector<CombineInput> &aoInputs, const CombinePlan &oPlan)
{
    const CombineInput &oFirst = aoInputs[oPlan.anOrder[0]];
    std::map<std::string, std::string> oFirstValues;  // arrays compared by value
    for (size_t k = 1; k < oPlan.anOrder.size(); ++k)
    {
        const CombineInput &oOther = aoInputs[oPlan.anOrder[k]];
        for (const auto &oItem : oFirst.oArrays)
        {
            if (!oPlan.IsCombinedCoordinate(oItem.first))
                CompareArray(oItem.first, oPlan, oFirst, oOther, oFirstValues);
        }
        for (const auto &oItem : oOther.oArrays)
            if (!oFirst.oArrays.count(oItem.first))
                throw Error("array " + oItem.first + " is in " + oOther.osName +
                            " but not in " + oFirst.osName);
    }
    for (const auto &oDim : oPlan.aoDims)
        if (!oPlan.bNewDim)
            CheckWholeChunks(aoInputs, oPlan, oDim);
}

}  // namespace kerchunk
