#include "combine_grid.h"

#include "error.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>

namespace kerchunk
{

namespace
{

void CheckIncreasing(const std::vector<CombineInput> &aoInputs,
                     const std::vector<std::vector<double>> &aadfValues, const std::string &osDim)
{
    for (size_t i = 0; i < aadfValues.size(); ++i)
    {
        const auto &adf = aadfValues[i];
        if (adf.empty())
            throw Error(aoInputs[i].osName + ": dimension " + osDim + " is empty");
        for (size_t j = 0; j < adf.size(); ++j)
            if (std::isnan(adf[j]) || (j > 0 && !(adf[j] > adf[j - 1])))
                throw Error(aoInputs[i].osName + ": the values of " + osDim +
                            " are not strictly increasing (index " + std::to_string(j) + ")");
    }
}

std::string DescribeCell(const std::vector<CombinedDimension> &aoDims,
                         const std::vector<AxisPositions> &aoAxes,
                         const std::vector<size_t> &anPositions)
{
    std::string osText;
    for (size_t d = 0; d < aoDims.size(); ++d)
        osText += (d ? ", " : "") + aoDims[d].osName + " " + aoAxes[d].aosValues[anPositions[d]];
    return osText;
}

std::vector<size_t> PositionsOf(const std::vector<CombinedDimension> &aoDims, size_t iInput)
{
    std::vector<size_t> anPositions;
    for (const auto &oDim : aoDims)
        anPositions.push_back(oDim.anPosition[iInput]);
    return anPositions;
}

// The first cell no input holds, in C order; the grid has more cells than
// there are inputs, or fewer inputs than cells were placed.
[[noreturn]] void RefuseMissingCell(const std::vector<CombineInput> &aoInputs,
                                    const std::vector<CombinedDimension> &aoDims,
                                    const std::vector<AxisPositions> &aoAxes,
                                    const std::map<uint64_t, size_t> &oCells)
{
    uint64_t nCell = 0;
    while (oCells.count(nCell))
        ++nCell;
    std::vector<size_t> anPositions(aoDims.size());
    std::string osWhere, osShape, osNames;
    for (size_t d = aoDims.size(); d-- > 0;)
    {
        anPositions[d] = static_cast<size_t>(nCell % aoDims[d].nPositions);
        nCell /= aoDims[d].nPositions;
    }
    for (size_t d = 0; d < aoDims.size(); ++d)
    {
        osWhere += std::string(d ? ", " : "") + aoDims[d].osName + " " +
                   aoAxes[d].aosValues[anPositions[d]] + " (as in " +
                   aoInputs[aoAxes[d].anInput[anPositions[d]]].osName + ")";
        osShape += (d ? " x " : "") + std::to_string(aoDims[d].nPositions);
        osNames += (d ? ", " : "") + aoDims[d].osName;
    }
    throw Error("no input for " + osWhere + ": the inputs form a " + osShape + " grid along " +
                osNames + " and each cell needs exactly one input");
}

}  // namespace

AxisPositions PlaceAlongDimension(const std::vector<CombineInput> &aoInputs,
                                  const std::vector<std::vector<double>> &aadfValues,
                                  const std::function<std::string(double)> &fnDescribe,
                                  CombinedDimension &oDim)
{
    CheckIncreasing(aoInputs, aadfValues, oDim.osName);
    const auto Range = [&](size_t i)
    { return fnDescribe(aadfValues[i].front()) + " to " + fnDescribe(aadfValues[i].back()); };
    std::vector<size_t> anOrder(aoInputs.size());
    std::iota(anOrder.begin(), anOrder.end(), size_t(0));
    std::stable_sort(anOrder.begin(), anOrder.end(), [&](size_t a, size_t b)
                     { return aadfValues[a].front() < aadfValues[b].front(); });
    AxisPositions oAxis;
    oDim.anPosition.assign(aoInputs.size(), 0);
    oDim.anOffset.assign(aoInputs.size(), 0);
    oDim.anLength.assign(aoInputs.size(), 0);
    oDim.nTotal = 0;
    for (size_t k = 0; k < anOrder.size(); ++k)
    {
        const size_t i = anOrder[k];
        const bool bSame = k > 0 && aadfValues[i] == aadfValues[oAxis.anInput.back()];
        if (!bSame)
        {
            if (k > 0 && !(aadfValues[i].front() > aadfValues[oAxis.anInput.back()].back()))
                throw Error("the values of " + oDim.osName + " overlap between " +
                            aoInputs[anOrder[k - 1]].osName + " (" + Range(anOrder[k - 1]) +
                            ") and " + aoInputs[i].osName + " (" + Range(i) + ")");
            if (k > 0)
                oDim.nTotal += aadfValues[oAxis.anInput.back()].size();
            oAxis.anInput.push_back(i);
            oAxis.aosValues.push_back(aadfValues[i].size() == 1 ? fnDescribe(aadfValues[i][0])
                                                                : Range(i));
        }
        oDim.anPosition[i] = oAxis.anInput.size() - 1;
        oDim.anOffset[i] = oDim.nTotal;
        oDim.anLength[i] = aadfValues[i].size();
    }
    oDim.nTotal += aadfValues[oAxis.anInput.back()].size();
    oDim.nPositions = oAxis.anInput.size();
    return oAxis;
}

std::vector<size_t> OrderOnGrid(const std::vector<CombineInput> &aoInputs,
                                const std::vector<CombinedDimension> &aoDims,
                                const std::vector<AxisPositions> &aoAxes)
{
    uint64_t nCells = 1;
    for (const auto &oDim : aoDims)
    {
        if (nCells > std::numeric_limits<uint64_t>::max() / oDim.nPositions)
            throw Error("too many combinations of coordinate values");
        nCells *= oDim.nPositions;
    }
    std::map<uint64_t, size_t> oCells;  // cell number in C order -> input
    for (size_t i = 0; i < aoInputs.size(); ++i)
    {
        uint64_t nCell = 0;
        for (const auto &oDim : aoDims)
            nCell = nCell * oDim.nPositions + oDim.anPosition[i];
        const auto oDone = oCells.emplace(nCell, i);
        if (!oDone.second)
            throw Error(aoInputs[oDone.first->second].osName + " and " + aoInputs[i].osName +
                        " both hold " + DescribeCell(aoDims, aoAxes, PositionsOf(aoDims, i)) +
                        " (duplicate inputs)");
    }
    if (oCells.size() != nCells)
        RefuseMissingCell(aoInputs, aoDims, aoAxes, oCells);
    std::vector<size_t> anOrder;
    for (const auto &oCell : oCells)
        anOrder.push_back(oCell.second);
    return anOrder;
}

}  // namespace kerchunk
