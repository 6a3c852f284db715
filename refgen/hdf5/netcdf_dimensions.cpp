#include "netcdf_dimensions.h"

#include <algorithm>
#include <map>
#include <utility>

namespace kerchunk::hdf5
{
namespace
{

std::string ParentGroup(const std::string &osGroup)
{
    const size_t nPos = osGroup.rfind('/');
    return nPos == 0 || nPos == std::string::npos ? "/" : osGroup.substr(0, nPos);
}

using ScaleKey = std::pair<std::string, std::string>;  // (group, name)

// The group holding the scale that `osName` refers to from `osGroup`, or
// empty when no group on the way to the root has one.
std::string ScopeOf(const std::map<ScaleKey, uint64_t> &oScales,
                    std::string osGroup, const std::string &osName)
{
    while (true)
    {
        if (oScales.count({osGroup, osName}))
            return osGroup;
        if (osGroup == "/")
            return std::string();
        osGroup = ParentGroup(osGroup);
    }
}

}  // namespace

std::vector<std::vector<uint64_t>>
NetCDFShapes(const std::vector<NetCDFVariableShape> &aoVariables)
{
    // Lengths start at the scales' own extents, then grow to the largest
    // extent of any variable using them, as netCDF-C's nc4_find_dim_len().
    std::map<ScaleKey, uint64_t> oLengths;
    for (const auto &oVar : aoVariables)
    {
        if (oVar.bIsDimensionScale && !oVar.anExtent.empty())
        {
            uint64_t &nLength = oLengths[{oVar.osGroup, oVar.osName}];
            nLength = std::max(nLength, oVar.anExtent[0]);
        }
    }
    std::vector<std::vector<std::string>> aaosScopes(aoVariables.size());
    for (size_t i = 0; i < aoVariables.size(); ++i)
    {
        const auto &oVar = aoVariables[i];
        for (size_t iDim = 0; iDim < oVar.aosDimensions.size() && iDim < oVar.anExtent.size();
             ++iDim)
        {
            const std::string osScope = ScopeOf(oLengths, oVar.osGroup, oVar.aosDimensions[iDim]);
            aaosScopes[i].push_back(osScope);
            if (!osScope.empty())
            {
                uint64_t &nLength = oLengths[{osScope, oVar.aosDimensions[iDim]}];
                nLength = std::max(nLength, oVar.anExtent[iDim]);
            }
        }
    }
    std::vector<std::vector<uint64_t>> aanShapes;
    aanShapes.reserve(aoVariables.size());
    for (size_t i = 0; i < aoVariables.size(); ++i)
    {
        const auto &oVar = aoVariables[i];
        std::vector<uint64_t> anShape = oVar.anExtent;
        for (size_t iDim = 0; iDim < aaosScopes[i].size(); ++iDim)
        {
            if (!aaosScopes[i][iDim].empty() && iDim < oVar.abUnlimited.size() &&
                oVar.abUnlimited[iDim])
                anShape[iDim] = oLengths[{aaosScopes[i][iDim], oVar.aosDimensions[iDim]}];
        }
        aanShapes.push_back(std::move(anShape));
    }
    return aanShapes;
}

}  // namespace kerchunk::hdf5
