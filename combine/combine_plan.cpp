#include "combine_plan.h"

#include "cf_time.h"
#include "combine_grid.h"
#include "coordinate_reader.h"
#include "error.h"

#include "cpl_conv.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <regex>

namespace kerchunk
{

namespace
{

std::string LastComponent(const std::string &osPath)
{
    const size_t nSlash = osPath.rfind('/');
    return nSlash == std::string::npos ? osPath : osPath.substr(nSlash + 1);
}

bool IsCoordinateOf(const ArrayMetadata &oArray, const std::string &osDim)
{
    return oArray.aosDims.size() == 1 && oArray.aosDims[0] == osDim &&
           LastComponent(oArray.osPath) == osDim;
}

const ArrayMetadata &FindCoordinate(const CombineInput &oInput, const std::string &osDim)
{
    const auto oRoot = oInput.oArrays.find(osDim);
    if (oRoot != oInput.oArrays.end() && IsCoordinateOf(oRoot->second, osDim))
        return oRoot->second;
    for (const auto &oItem : oInput.oArrays)
        if (IsCoordinateOf(oItem.second, osDim))
            return oItem.second;
    throw Error(oInput.osName + ": no coordinate variable '" + osDim +
                "' (a 1-D array named after the dimension) to order the inputs by");
}

std::string AttrString(const nlohmann::json &oAttrs, const char *pszName)
{
    const auto it = oAttrs.find(pszName);
    return it != oAttrs.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string Describe(double dfValue)
{
    char szBuf[64];
    snprintf(szBuf, sizeof(szBuf), "%.17g", dfValue);
    return szBuf;
}

std::string LittleEndianDoubles(const std::vector<double> &adf)
{
    std::string osRaw(adf.size() * sizeof(double), '\0');
    for (size_t i = 0; i < adf.size(); ++i)
    {
        double df = adf[i];
        CPL_LSBPTR64(&df);
        std::memcpy(&osRaw[i * sizeof(double)], &df, sizeof(double));
    }
    return osRaw;
}

struct InputCoordinate
{
    CoordinateValues oValues{};
    std::string osUnits{};
    std::string osCalendar{};
    std::vector<double> adfInstants{};  // in a unit common to all inputs
};

// Values of every input on one comparable scale: as stored when the units
// agree, else CF time converted to seconds since 1970.
bool ToCommonScale(const std::vector<CombineInput> &aoInputs,
                   std::vector<InputCoordinate> &aoCoords, const std::string &osDim)
{
    bool bSameUnits = true;
    for (const auto &oCoord : aoCoords)
        bSameUnits = bSameUnits && oCoord.osUnits == aoCoords[0].osUnits &&
                     oCoord.oValues.osDtype == aoCoords[0].oValues.osDtype;
    for (size_t i = 0; i < aoCoords.size(); ++i)
    {
        auto &oCoord = aoCoords[i];
        if (bSameUnits)
        {
            oCoord.adfInstants = oCoord.oValues.adfValues;
            continue;
        }
        const auto oUnits = ParseCfTimeUnits(oCoord.osUnits);
        if (!oUnits || !IsGregorianCalendar(oCoord.osCalendar) ||
            oCoord.osCalendar != aoCoords[0].osCalendar)
            throw Error("coordinate " + osDim + ": units or dtype differ between " +
                        aoInputs[0].osName + " ('" + aoCoords[0].osUnits + "', " +
                        aoCoords[0].oValues.osDtype + ") and " + aoInputs[i].osName + " ('" +
                        oCoord.osUnits + "', " + oCoord.oValues.osDtype +
                        ") and cannot be converted (only CF time units of the "
                        "standard/proleptic_gregorian calendars are)");
        for (double dfValue : oCoord.oValues.adfValues)
            oCoord.adfInstants.push_back(oUnits->dfReferenceSeconds +
                                         dfValue * oUnits->dfUnitSeconds);
    }
    return bSameUnits;
}

// The combined coordinate of oDim from one input at each position, in the
// inputs' units when they agree, else in the earliest input's.
void BuildCoordinate(const std::vector<CombineInput> &aoInputs,
                     const std::vector<InputCoordinate> &aoCoords, bool bSameUnits,
                     const AxisPositions &oAxis, CombinedDimension &oDim)
{
    const size_t iFirst = oAxis.anInput[0];
    const ArrayMetadata &oFirstCoord = FindCoordinate(aoInputs[iFirst], oDim.osName);
    oDim.osCoordPath = oFirstCoord.osPath;
    oDim.oCoordAttrs = oFirstCoord.oZattrs;
    if (bSameUnits)
    {
        oDim.osCoordDtype = aoCoords[iFirst].oValues.osDtype;
        oDim.oCoordFill = oFirstCoord.oZarray.value("fill_value", nlohmann::json());
        for (size_t i : oAxis.anInput)
            oDim.osCoordRaw += aoCoords[i].oValues.osRaw;
        return;
    }
    // The common unit is the earliest input's: its values stay as they are.
    const auto oUnits = ParseCfTimeUnits(aoCoords[iFirst].osUnits);
    std::vector<double> adfAll;
    for (size_t i : oAxis.anInput)
        for (double dfInstant : aoCoords[i].adfInstants)
            adfAll.push_back((dfInstant - oUnits->dfReferenceSeconds) / oUnits->dfUnitSeconds);
    oDim.osCoordDtype = "<f8";
    oDim.osCoordRaw = LittleEndianDoubles(adfAll);
    oDim.osConversionNote = oDim.osName + " units differ between inputs: values converted to '" +
                            aoCoords[iFirst].osUnits + "' (float64)";
}

// One existing dimension: every input's coordinate values, on one scale,
// place the inputs along it.
AxisPositions PlanExistingDim(const std::vector<CombineInput> &aoInputs, CombinedDimension &oDim)
{
    const std::string &osDim = oDim.osName;
    std::vector<InputCoordinate> aoCoords(aoInputs.size());
    for (size_t i = 0; i < aoInputs.size(); ++i)
    {
        const ArrayMetadata &oArray = FindCoordinate(aoInputs[i], osDim);
        aoCoords[i].oValues = ReadCoordinateValues(aoInputs[i], oArray);
        aoCoords[i].osUnits = AttrString(oArray.oZattrs, "units");
        aoCoords[i].osCalendar = AttrString(oArray.oZattrs, "calendar");
    }
    const bool bSameUnits = ToCommonScale(aoInputs, aoCoords, osDim);
    std::vector<std::vector<double>> aadfValues;
    for (const auto &oCoord : aoCoords)
        aadfValues.push_back(oCoord.adfInstants);
    const auto fnDescribe = [bSameUnits](double dfValue)
    { return bSameUnits ? Describe(dfValue) : FormatInstant(dfValue); };
    AxisPositions oAxis = PlaceAlongDimension(aoInputs, aadfValues, fnDescribe, oDim);
    BuildCoordinate(aoInputs, aoCoords, bSameUnits, oAxis, oDim);
    return oAxis;
}

void PlanExistingDims(const std::vector<CombineInput> &aoInputs, const CombineOptions &oOptions,
                      CombinePlan &oPlan)
{
    std::vector<AxisPositions> aoAxes;
    for (const auto &osDim : oOptions.aosConcatDims)
    {
        if (oPlan.FindDim(osDim))
            throw Error("--concat-dim " + osDim + " is given twice");
        oPlan.aoDims.emplace_back();
        oPlan.aoDims.back().osName = osDim;
        aoAxes.push_back(PlanExistingDim(aoInputs, oPlan.aoDims.back()));
    }
    oPlan.anOrder = OrderOnGrid(aoInputs, oPlan.aoDims, aoAxes);
    const CombineInput &oFirst = aoInputs[oPlan.anOrder[0]];
    for (const auto &oItem : oFirst.oArrays)
    {
        if (oPlan.IsCombinedCoordinate(oItem.first))
            continue;
        const auto &aosDims = oItem.second.aosDims;
        const bool bAlong = std::any_of(aosDims.begin(), aosDims.end(), [&](const std::string &osDim)
                                        { return oPlan.FindDim(osDim) != nullptr; });
        (bAlong ? oPlan.oConcatArrays : oPlan.oOnceArrays).insert(oItem.first);
    }
}

double NewDimValue(const CombineInput &oInput, const std::string &osRule, size_t nIndex)
{
    if (osRule == "index")
        return static_cast<double>(nIndex);
    std::string osText;
    if (osRule.compare(0, 6, "regex:") == 0)
    {
        const std::string osName = CPLGetFilename(oInput.osName.c_str());
        std::smatch oMatch;
        std::regex oRegex;
        try
        {
            oRegex = std::regex(osRule.substr(6));
        }
        catch (const std::regex_error &e)
        {
            throw Error("--dim-values " + osRule + ": bad regular expression: " + e.what());
        }
        if (!std::regex_search(osName, oMatch, oRegex))
            throw Error("--dim-values " + osRule + " does not match " + oInput.osName);
        osText = oMatch.size() > 1 ? oMatch[1].str() : oMatch[0].str();
    }
    else if (osRule.compare(0, 5, "attr:") == 0)
    {
        const auto it = oInput.oRootAttrs.find(osRule.substr(5));
        if (it == oInput.oRootAttrs.end())
            throw Error(oInput.osName + ": no root attribute '" + osRule.substr(5) + "'");
        if (it->is_number())
            return it->get<double>();
        osText = it->is_string() ? it->get<std::string>() : it->dump();
    }
    else
        throw Error("--dim-values expects index, regex:PATTERN or attr:NAME, not '" + osRule + "'");
    char *pszEnd = nullptr;
    const double dfValue = CPLStrtod(osText.c_str(), &pszEnd);
    if (osText.empty() || *pszEnd != '\0')
        throw Error("--dim-values " + osRule + ": '" + osText + "' from " + oInput.osName +
                    " is not a number");
    return dfValue;
}

void PlanNewDim(const std::vector<CombineInput> &aoInputs, const CombineOptions &oOptions,
                CombinePlan &oPlan)
{
    std::vector<double> adfValues;
    for (size_t i = 0; i < aoInputs.size(); ++i)
        adfValues.push_back(NewDimValue(aoInputs[i], oOptions.osDimValues, i));
    std::vector<size_t> anSorted(aoInputs.size());
    std::iota(anSorted.begin(), anSorted.end(), size_t(0));
    std::stable_sort(anSorted.begin(), anSorted.end(),
                     [&](size_t a, size_t b) { return adfValues[a] < adfValues[b]; });
    bool bIntegers = true;
    std::vector<double> adfOrdered;
    for (size_t k = 0; k < anSorted.size(); ++k)
    {
        const double dfValue = adfValues[anSorted[k]];
        if (k > 0 && dfValue == adfOrdered.back())
            throw Error("--dim-values " + oOptions.osDimValues + " gives " + Describe(dfValue) +
                        " to both " + aoInputs[anSorted[k - 1]].osName + " and " +
                        aoInputs[anSorted[k]].osName);
        bIntegers = bIntegers && dfValue == std::floor(dfValue) && std::fabs(dfValue) < 9e15;
        adfOrdered.push_back(dfValue);
    }
    oPlan.aoDims.emplace_back();
    CombinedDimension &oDim = oPlan.aoDims.back();
    oDim.osName = oOptions.osNewDim;
    std::vector<std::vector<double>> aadfValues;
    for (double dfValue : adfValues)
        aadfValues.push_back({dfValue});
    const auto oAxis = PlaceAlongDimension(aoInputs, aadfValues, Describe, oDim);
    oPlan.anOrder = OrderOnGrid(aoInputs, oPlan.aoDims, {oAxis});
    oDim.osCoordPath = oDim.osName;
    if (bIntegers)
    {
        oDim.osCoordDtype = "<i8";
        for (double df : adfOrdered)
        {
            int64_t n = static_cast<int64_t>(df);
            CPL_LSBPTR64(&n);
            oDim.osCoordRaw.append(reinterpret_cast<const char *>(&n), sizeof(n));
        }
    }
    else
    {
        oDim.osCoordDtype = "<f8";
        oDim.osCoordRaw = LittleEndianDoubles(adfOrdered);
    }
    oDim.oCoordAttrs = {{"_ARRAY_DIMENSIONS", nlohmann::json::array({oDim.osName})}};
    const CombineInput &oFirst = aoInputs[oPlan.anOrder[0]];
    if (oFirst.oArrays.count(oDim.osName))
        throw Error(oFirst.osName + ": already has an array named " + oDim.osName +
                    " (--new-dim must be a new name)");
    for (const auto &oItem : oFirst.oArrays)
    {
        const ArrayMetadata &oArray = oItem.second;
        const bool bCoordinate = oArray.aosDims.size() == 1 &&
                                 LastComponent(oArray.osPath) == oArray.aosDims[0];
        const bool bOnce = bCoordinate || oOptions.oIdenticalArrays.count(oItem.first);
        (bOnce ? oPlan.oOnceArrays : oPlan.oConcatArrays).insert(oItem.first);
    }
}

}  // namespace

const CombinedDimension *CombinePlan::FindDim(const std::string &osDim) const
{
    for (const auto &oDim : aoDims)
        if (oDim.osName == osDim)
            return &oDim;
    return nullptr;
}

bool CombinePlan::IsCombinedCoordinate(const std::string &osArray) const
{
    if (bNewDim)
        return false;
    for (const auto &oDim : aoDims)
        if (oDim.osCoordPath == osArray)
            return true;
    return false;
}

CombinePlan PlanCombine(const std::vector<CombineInput> &aoInputs, const CombineOptions &oOptions)
{
    if (aoInputs.empty())
        throw Error("nothing to combine");
    if (oOptions.aosConcatDims.empty() == oOptions.osNewDim.empty())
        throw Error("give either dimensions to concatenate along (--concat-dim) "
                    "or a new one (--new-dim)");
    CombinePlan oPlan;
    oPlan.bNewDim = !oOptions.osNewDim.empty();
    if (oPlan.bNewDim)
        PlanNewDim(aoInputs, oOptions, oPlan);
    else
        PlanExistingDims(aoInputs, oOptions, oPlan);
    for (const auto &osName : oOptions.oIdenticalArrays)
    {
        if (!aoInputs[oPlan.anOrder[0]].oArrays.count(osName))
            throw Error("--identical-dims: no array " + osName + " in " +
                        aoInputs[oPlan.anOrder[0]].osName);
        if (oPlan.oConcatArrays.erase(osName))
            oPlan.oOnceArrays.insert(osName);
    }
    return oPlan;
}

}  // namespace kerchunk
