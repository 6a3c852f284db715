#include "array_checks.h"
#include "json_nesting.h"

#include "cpl_compressor.h"

#include <nlohmann/json.hpp>

namespace kerchunk
{

static std::string CheckCodec(const nlohmann::json &oCodec, const char *pszRole)
{
    if (oCodec.is_null())
        return std::string();
    if (!oCodec.is_object() || !oCodec.contains("id") || !oCodec["id"].is_string())
        return std::string(pszRole) + " is not a {\"id\": ...} object";
    const std::string osId = oCodec["id"].get<std::string>();
    if (CPLGetDecompressor(osId.c_str()) == nullptr)
        return "codec '" + osId + "' (" + pszRole + ") is not supported";
    return std::string();
}

std::vector<ArrayProblem> FindArrayProblems(const LoadedReferences &oRefs)
{
    constexpr const char *ZARRAY = ".zarray";
    std::vector<ArrayProblem> aoProblems;
    std::vector<std::string> aosZarrayKeys;
    oRefs.oSet.ForEach(ReferenceSet::Keys::NotChunks,
                       [&](const std::string &osKey, const Reference &)
                       {
                           if (osKey.size() >= strlen(ZARRAY) &&
                               osKey.compare(osKey.size() - strlen(ZARRAY),
                                             std::string::npos, ZARRAY) == 0)
                               aosZarrayKeys.push_back(osKey);
                           return true;
                       });
    for (const std::string &osKey : aosZarrayKeys)
    {
        std::string osArray = "/" + osKey.substr(0, osKey.size() - strlen(ZARRAY));
        if (osArray.size() > 1 && osArray.back() == '/')
            osArray.pop_back();
        std::string osBytes, osError;
        if (!ReadKey(oRefs, osKey, osBytes, osError))
        {
            aoProblems.push_back({osArray, osError});
            continue;
        }
        if (!CheckJsonNesting(osBytes, osError))
        {
            aoProblems.push_back({osArray, ".zarray: " + osError});
            continue;
        }
        const auto oDoc = nlohmann::json::parse(osBytes, nullptr, false);
        if (!oDoc.is_object())
        {
            aoProblems.push_back({osArray, ".zarray is not a JSON object"});
            continue;
        }
        std::string osReason;
        if (oDoc.contains("shape") && oDoc["shape"].is_array())
        {
            for (const auto &oSize : oDoc["shape"])
            {
                if (oSize.is_number_integer() && oSize.get<int64_t>() == 0)
                    osReason = "zero-length dimension (shape " + oDoc["shape"].dump() +
                               "): GDAL 3.6's Zarr driver cannot open empty arrays";
            }
        }
        if (osReason.empty() && oDoc.contains("compressor"))
            osReason = CheckCodec(oDoc["compressor"], "compressor");
        if (osReason.empty() && oDoc.contains("filters") && !oDoc["filters"].is_null())
        {
            if (!oDoc["filters"].is_array())
                osReason = "filters is not a list";
            else
            {
                for (const auto &oFilter : oDoc["filters"])
                {
                    osReason = CheckCodec(oFilter, "filter");
                    if (!osReason.empty())
                        break;
                }
            }
        }
        if (!osReason.empty())
            aoProblems.push_back({osArray, osReason});
    }
    return aoProblems;
}

}  // namespace kerchunk
