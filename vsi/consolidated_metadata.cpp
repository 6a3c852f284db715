#include "consolidated_metadata.h"

#include "codecs.h"
#include "zarray_preparation.h"

#include "cpl_error.h"
#include "cpl_json.h"

#include <cstring>
#include <utility>
#include <vector>

namespace kerchunk
{

namespace
{

constexpr const char *ZARRAY = ".zarray";

std::string NameOf(const std::string &osKey)
{
    const size_t nSlash = osKey.rfind('/');
    return nSlash == std::string::npos ? osKey : osKey.substr(nSlash + 1);
}

bool IsMetadataKey(const std::string &osKey)
{
    const std::string osName = NameOf(osKey);
    return osName == ".zarray" || osName == ".zgroup" || osName == ".zattrs";
}

// "/group/array" of "group/array/.zarray" ("/" for the root).
std::string ArrayPathOf(const std::string &osZarrayKey)
{
    std::string osArray = "/" + osZarrayKey.substr(0, osZarrayKey.size() - strlen(ZARRAY));
    if (osArray.size() > 1 && osArray.back() == '/')
        osArray.pop_back();
    return osArray;
}

// A .zmetadata of the references only contributes documents they do not
// otherwise have.
void AdoptConsolidatedDocuments(LoadedReferences &oRefs)
{
    if (oRefs.oSet.Find(".zmetadata") == nullptr)
        return;
    std::string osBytes, osError;
    CPLJSONDocument oDoc;
    if (!ReadKey(oRefs, ".zmetadata", osBytes, osError) ||
        !ParseMetadataDocument(osBytes, oDoc, osError))
        return;
    const CPLJSONObject oMetadata = oDoc.GetRoot().GetObj("metadata");
    if (oMetadata.GetType() != CPLJSONObject::Type::Object)
        return;
    for (const auto &oItem : oMetadata.GetChildren())
    {
        if (oRefs.oSet.Find(oItem.GetName()) == nullptr)
            oRefs.oSet.AddInline(oItem.GetName(),
                                 oItem.Format(CPLJSONObject::PrettyFormat::Plain));
    }
}

// A metadata document as served, parsed once: .zarray documents adapted and
// checked (PrepareZarray), their findings kept in oRefs.
struct ServedDocument
{
    std::string osKey{};
    std::string osBytes{};
    std::string osNestingError{};  // too deep to parse: left out with a warning
    bool bIsObject = false;
    CPLJSONObject oDocument{};
};

ServedDocument PrepareDocument(LoadedReferences &oRefs, const std::string &osKey,
                               std::string osBytes)
{
    ServedDocument oServed;
    oServed.osKey = osKey;
    if (NameOf(osKey) == ZARRAY)
    {
        PreparedZarray oZarray = PrepareZarray(osBytes);
        if (oZarray.nRawChunkSize != 0)
            oRefs.oRawChunkSizes[osKey.substr(0, osKey.size() - strlen(ZARRAY))] =
                oZarray.nRawChunkSize;
        if (!oZarray.osProblem.empty())
            oRefs.aoArrayProblems.push_back({ArrayPathOf(osKey), oZarray.osProblem});
        oServed.osBytes = std::move(oZarray.osServed);
        oServed.bIsObject = oZarray.bIsObject;
        oServed.oDocument = std::move(oZarray.oDocument);
        oServed.osNestingError = std::move(oZarray.osNestingError);
        return oServed;
    }
    CPLJSONDocument oDoc;
    if (ParseMetadataDocument(osBytes, oDoc, oServed.osNestingError) &&
        oDoc.GetRoot().GetType() == CPLJSONObject::Type::Object)
    {
        oServed.bIsObject = true;
        oServed.oDocument = oDoc.GetRoot();
    }
    oServed.osBytes = std::move(osBytes);
    return oServed;
}

}  // namespace

// Makes every metadata document (.zgroup, .zarray, .zattrs) inline, adapted
// for GDAL 3.6, and builds Zarr's consolidated metadata from them:
// {"zarr_consolidated_format": 1, "metadata": {"<key>": <document>}}.
// Documents that are not JSON objects are left out (the driver reports them
// by name).
void PrepareMetadata(LoadedReferences &oRefs)
{
    RegisterCodecs();  // the adaptation and the checks look codec ids up
    AdoptConsolidatedDocuments(oRefs);

    std::vector<ServedDocument> aoDocuments;
    std::vector<std::string> aosMetadataKeys;
    oRefs.oSet.ForEach(ReferenceSet::Keys::NotChunks,
                       [&](const std::string &osKey, const Reference &)
                       {
                           if (IsMetadataKey(osKey))
                               aosMetadataKeys.push_back(osKey);
                           return true;
                       });
    for (const std::string &osKey : aosMetadataKeys)
    {
        std::string osBytes, osError;
        if (!ReadKey(oRefs, osKey, osBytes, osError))
        {
            CPLDebug("KERCHUNK", "%s", osError.c_str());
            if (NameOf(osKey) == ZARRAY)
                oRefs.aoArrayProblems.push_back({ArrayPathOf(osKey), osError});
            continue;
        }
        aoDocuments.push_back(PrepareDocument(oRefs, osKey, std::move(osBytes)));
    }

    CPLJSONObject oMetadata;
    for (auto &oDocument : aoDocuments)
    {
        if (!oDocument.osNestingError.empty())
            // Left out: GDAL then reports the array or group by name.
            CPLError(CE_Warning, CPLE_AppDefined, "%s: key '%s': %s",
                     oRefs.osRefsPath.c_str(), oDocument.osKey.c_str(),
                     oDocument.osNestingError.c_str());
        else if (oDocument.bIsObject)
            oMetadata.AddNoSplitName(oDocument.osKey, oDocument.oDocument);
        else
            CPLDebug("KERCHUNK", "%s: key '%s' is not a JSON object",
                     oRefs.osRefsPath.c_str(), oDocument.osKey.c_str());
        oRefs.oSet.AddInline(oDocument.osKey, std::move(oDocument.osBytes));
    }
    CPLJSONObject oRoot;
    oRoot.Add("zarr_consolidated_format", 1);
    oRoot.Add("metadata", oMetadata);
    oRefs.osZMetadata = oRoot.Format(CPLJSONObject::PrettyFormat::Plain);
}

}  // namespace kerchunk
