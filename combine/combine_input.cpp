#include "combine_input.h"

#include "file_handles.h"

#include "config_options.h"
#include "error.h"
#include "kerchunk_json_parser.h"

#include "cpl_conv.h"
#include "cpl_vsi.h"

#include <cctype>
#include <cstdlib>

namespace kerchunk
{

namespace
{

// The text of a references file of at most KERCHUNK_MAX_REFS_FILE_SIZE
// bytes; errors start with the input's name.
std::string ReadReferencesText(const std::string &osPath, const std::string &osName)
{
    const uint64_t nMaxSize = GetIntegerOption("KERCHUNK_MAX_REFS_FILE_SIZE");
    std::string osText;
    IngestFailure eFailure = IngestFailure::None;
    if (IngestSmallFile(osPath, nMaxSize, osText, &eFailure))
        return osText;
    if (eFailure == IngestFailure::TooLarge)
        throw Error(osName + ": references " + osPath + " are larger than " +
                    std::to_string(nMaxSize) + " bytes (KERCHUNK_MAX_REFS_FILE_SIZE)");
    throw Error(osName + ": cannot read references " + osPath);
}

nlohmann::json ParseDocument(const CombineInput &oInput, const std::string &osKey)
{
    const Reference *poRef = oInput.poRefs->Find(osKey);
    if (poRef == nullptr)
        return nlohmann::json();
    if (!poRef->IsInline())
        throw Error(oInput.osName + ": " + osKey + " is not inline JSON");
    try
    {
        return nlohmann::json::parse(poRef->osInline);
    }
    catch (const std::exception &e)
    {
        throw Error(oInput.osName + ": " + osKey + " is not valid JSON: " + e.what());
    }
}

std::vector<uint64_t> ReadSizes(const CombineInput &oInput, const std::string &osKey,
                                const nlohmann::json &oValue)
{
    std::vector<uint64_t> anOut;
    if (!oValue.is_array())
        throw Error(oInput.osName + ": " + osKey + ": shape/chunks is not a list");
    for (const auto &oItem : oValue)
    {
        if (!oItem.is_number_unsigned())
            throw Error(oInput.osName + ": " + osKey + ": shape/chunks holds a non-integer");
        anOut.push_back(oItem.get<uint64_t>());
    }
    return anOut;
}

ArrayMetadata ReadArray(const CombineInput &oInput, const std::string &osPath)
{
    const std::string osPrefix = osPath.empty() ? "" : osPath + "/";
    ArrayMetadata oArray;
    oArray.osPath = osPath;
    oArray.oZarray = ParseDocument(oInput, osPrefix + ".zarray");
    const nlohmann::json oAttrs = ParseDocument(oInput, osPrefix + ".zattrs");
    if (oAttrs.is_object())
        oArray.oZattrs = oAttrs;
    const std::string osWhere = osPrefix + ".zarray";
    if (!oArray.oZarray.is_object() || !oArray.oZarray.contains("shape") ||
        !oArray.oZarray.contains("chunks"))
        throw Error(oInput.osName + ": " + osWhere + " lacks shape or chunks");
    oArray.anShape = ReadSizes(oInput, osWhere, oArray.oZarray["shape"]);
    oArray.anChunks = ReadSizes(oInput, osWhere, oArray.oZarray["chunks"]);
    if (oArray.anShape.size() != oArray.anChunks.size())
        throw Error(oInput.osName + ": " + osWhere + ": shape and chunks differ in rank");
    for (uint64_t nChunk : oArray.anChunks)
        if (nChunk == 0)
            throw Error(oInput.osName + ": " + osWhere + ": a chunk length is 0");
    const auto oSep = oArray.oZarray.find("dimension_separator");
    if (oSep != oArray.oZarray.end() && oSep->is_string())
        oArray.osSeparator = oSep->get<std::string>();
    const auto oDims = oArray.oZattrs.find("_ARRAY_DIMENSIONS");
    if (oDims != oArray.oZattrs.end() && oDims->is_array())
    {
        for (const auto &oDim : *oDims)
            oArray.aosDims.push_back(oDim.is_string() ? oDim.get<std::string>() : "");
    }
    if (oArray.aosDims.size() != oArray.anShape.size())
        throw Error(oInput.osName + ": array " + osPath +
                    " has no _ARRAY_DIMENSIONS matching its shape (dimension "
                    "names are needed to combine)");
    return oArray;
}

}  // namespace

CombineInput LoadCombineInput(const std::string &osName, const std::string &osRefsPath)
{
    CombineInput oInput;
    oInput.osName = osName;
    oInput.osRefsPath = osRefsPath;
    std::string osError;
    oInput.poRefs = ParseKerchunkJson(ReadReferencesText(osRefsPath, osName), osError);
    if (!oInput.poRefs)
        throw Error(osName + ": " + osError);
    const std::string osZarray = ".zarray";
    std::vector<std::string> aosArrayPaths;
    oInput.poRefs->ForEach(
        ReferenceSet::Keys::NotChunks,
        [&](const std::string &osKey, const Reference &)
        {
            if (osKey == osZarray ||
                (osKey.size() > osZarray.size() + 1 &&
                 osKey.compare(osKey.size() - osZarray.size() - 1, std::string::npos,
                               "/.zarray") == 0))
                aosArrayPaths.push_back(
                    osKey == osZarray ? "" : osKey.substr(0, osKey.size() - osZarray.size() - 1));
            return true;
        });
    for (const std::string &osPath : aosArrayPaths)
        oInput.oArrays.emplace(osPath, ReadArray(oInput, osPath));
    if (oInput.oArrays.empty())
        throw Error(osName + ": no arrays in the references");
    const nlohmann::json oRootAttrs = ParseDocument(oInput, ".zattrs");
    if (oRootAttrs.is_object())
        oInput.oRootAttrs = oRootAttrs;
    return oInput;
}

bool ParseChunkKey(const ArrayMetadata &oArray, const std::string &osKey,
                   std::vector<uint64_t> &anIndex)
{
    const std::string osPrefix = oArray.osPath.empty() ? "" : oArray.osPath + "/";
    if (osKey.compare(0, osPrefix.size(), osPrefix) != 0)
        return false;
    const std::string osRest = osKey.substr(osPrefix.size());
    anIndex.clear();
    if (oArray.anShape.empty())
        return osRest == "0";
    size_t nPos = 0;
    while (true)
    {
        const size_t nEnd = osRest.find(oArray.osSeparator, nPos);
        const std::string osPart = osRest.substr(nPos, nEnd == std::string::npos ? nEnd : nEnd - nPos);
        if (osPart.empty() || osPart.find_first_not_of("0123456789") != std::string::npos ||
            osPart.size() > 18)
            return false;
        anIndex.push_back(std::strtoull(osPart.c_str(), nullptr, 10));
        if (nEnd == std::string::npos)
            break;
        nPos = nEnd + oArray.osSeparator.size();
    }
    return anIndex.size() == oArray.anShape.size();
}

std::string MakeChunkKey(const ArrayMetadata &oArray, const std::vector<uint64_t> &anIndex)
{
    std::string osKey = oArray.osPath.empty() ? "" : oArray.osPath + "/";
    if (anIndex.empty())
        return osKey + "0";
    for (size_t i = 0; i < anIndex.size(); ++i)
        osKey += (i ? oArray.osSeparator : "") + std::to_string(anIndex[i]);
    return osKey;
}

std::string AbsoluteUrl(const CombineInput &oInput, const std::string &osUrl)
{
    if (osUrl.empty() || osUrl[0] == '/' || osUrl.find("://") != std::string::npos)
        return osUrl;
    std::string osDir = CPLGetPath(oInput.osRefsPath.c_str());
    if (osDir.empty() || osDir[0] != '/')
    {
        char *pszCwd = CPLGetCurrentDir();
        osDir = osDir.empty() ? std::string(pszCwd ? pszCwd : ".")
                              : CPLFormFilename(pszCwd ? pszCwd : ".", osDir.c_str(), nullptr);
        CPLFree(pszCwd);
    }
    return CPLFormFilename(osDir.c_str(), osUrl.c_str(), nullptr);
}

}  // namespace kerchunk
