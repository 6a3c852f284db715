#include "array_catalog.h"

#include "cpl_string.h"

#include <set>

namespace kerchunk
{

std::shared_ptr<GDALMDArray> OpenArrayByPath(const std::shared_ptr<GDALGroup> &poRoot,
                                             const std::string &osPath)
{
    const CPLStringList aosParts(CSLTokenizeString2(osPath.c_str(), "/", 0));
    if (aosParts.empty())
        return nullptr;
    std::shared_ptr<GDALGroup> poGroup = poRoot;
    for (int i = 0; poGroup && i + 1 < aosParts.size(); ++i)
        poGroup = poGroup->OpenGroup(aosParts[i]);
    if (!poGroup)
        return nullptr;
    return poGroup->OpenMDArray(aosParts[aosParts.size() - 1]);
}

static void CollectArrays(const std::shared_ptr<GDALGroup> &poGroup, int nDepth,
                          std::vector<std::shared_ptr<GDALMDArray>> &apoArrays)
{
    // Bounded: references can declare absurdly deep group trees.
    if (nDepth > 64)
        return;
    for (const auto &osName : poGroup->GetMDArrayNames())
    {
        if (auto poArray = poGroup->OpenMDArray(osName))
            apoArrays.push_back(std::move(poArray));
    }
    for (const auto &osName : poGroup->GetGroupNames())
    {
        if (auto poSubGroup = poGroup->OpenGroup(osName))
            CollectArrays(poSubGroup, nDepth + 1, apoArrays);
    }
}

std::vector<std::shared_ptr<GDALMDArray>>
ListAllArrays(const std::shared_ptr<GDALGroup> &poRoot)
{
    std::vector<std::shared_ptr<GDALMDArray>> apoArrays;
    CollectArrays(poRoot, 0, apoArrays);
    return apoArrays;
}

// Names listed by CF attributes as auxiliary to another variable.
static std::set<std::string>
GetAuxiliaryNames(const std::vector<std::shared_ptr<GDALMDArray>> &apoArrays)
{
    std::set<std::string> oNames;
    for (const auto &poArray : apoArrays)
    {
        for (const char *pszAttr : {"coordinates", "bounds", "grid_mapping",
                                    "ancillary_variables", "cell_measures"})
        {
            const auto poAttr = poArray->GetAttribute(pszAttr);
            if (!poAttr || poAttr->GetDataType().GetClass() != GEDTC_STRING)
                continue;
            const char *pszValue = poAttr->ReadAsString();
            const CPLStringList aosTokens(CSLTokenizeString2(pszValue ? pszValue : "", " :", 0));
            for (int i = 0; i < aosTokens.size(); ++i)
                oNames.insert(aosTokens[i]);
        }
    }
    return oNames;
}

std::vector<std::shared_ptr<GDALMDArray>>
ListRasterCandidates(const std::shared_ptr<GDALGroup> &poRoot)
{
    const auto apoArrays = ListAllArrays(poRoot);
    const auto oAuxiliary = GetAuxiliaryNames(apoArrays);
    auto IsNumeric = [](const std::shared_ptr<GDALMDArray> &poArray)
    {
        return poArray->GetDataType().GetClass() == GEDTC_NUMERIC &&
               poArray->GetDataType().GetNumericDataType() != GDT_Unknown;
    };

    std::vector<std::shared_ptr<GDALMDArray>> apoCandidates;
    for (const auto &poArray : apoArrays)
    {
        if (poArray->GetDimensionCount() >= 2 && IsNumeric(poArray) &&
            oAuxiliary.count(poArray->GetName()) == 0)
            apoCandidates.push_back(poArray);
    }
    if (!apoCandidates.empty())
        return apoCandidates;
    for (const auto &poArray : apoArrays)
    {
        if (poArray->GetDimensionCount() != 1 || !IsNumeric(poArray) ||
            oAuxiliary.count(poArray->GetName()) != 0)
            continue;
        const auto poIndexVar = poArray->GetDimensions()[0]->GetIndexingVariable();
        if (poIndexVar && poIndexVar->GetFullName() == poArray->GetFullName())
            continue;
        if (poArray->GetName() == poArray->GetDimensions()[0]->GetName())
            continue;
        apoCandidates.push_back(poArray);
    }
    return apoCandidates;
}

}  // namespace kerchunk
