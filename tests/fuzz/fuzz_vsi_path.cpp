// libFuzzer harness: the path grammars. The input is split at the first
// '\n' into a path and a second string, then given to
// SplitVSIKerchunkPath/MakeVSIKerchunkPath (/vsikerchunk/{refs}/key),
// ParseKerchunkDatasetName/MakeSubdatasetName (KERCHUNK:"path":array),
// MapUrlToGDALPath (URL, references path) and the scheme mappings of
// common/gdal_paths.h. Each round trip that the grammar promises is checked.
#include "gdal_paths.h"
#include "kerchunk_dataset_name.h"
#include "url_mapping.h"
#include "vsikerchunk.h"

#include "cpl_error.h"

#include <cstdint>
#include <cstdlib>
#include <string>

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
    CPLSetErrorHandler(CPLQuietErrorHandler);
    return 0;
}

namespace
{

// Braces that a brace-delimited references path can carry unchanged.
bool BracesBalanced(const std::string &os)
{
    int nDepth = 0;
    for (char c : os)
    {
        if (c == '{')
            ++nDepth;
        else if (c == '}' && --nDepth < 0)
            return false;
    }
    return nDepth == 0;
}

void CheckVSIKerchunkPath(const std::string &osPath)
{
    std::string osRefs, osKey;
    if (!kerchunk::SplitVSIKerchunkPath(osPath, osRefs, osKey))
        return;
    if (osRefs.empty() || (!osKey.empty() && (osKey.front() == '/' || osKey.back() == '/')))
        abort();  // the grammar promises a path and a normalized key
    if (!BracesBalanced(osRefs))
        return;
    std::string osRefs2, osKey2;
    if (!kerchunk::SplitVSIKerchunkPath(kerchunk::MakeVSIKerchunkPath(osRefs, osKey),
                                        osRefs2, osKey2) ||
        osRefs2 != osRefs || osKey2 != osKey)
        abort();
}

void CheckDatasetName(const std::string &osName)
{
    kerchunk::KerchunkDatasetName oName;
    if (!kerchunk::ParseKerchunkDatasetName(osName, oName))
        return;
    if (oName.osPath.empty())
        abort();
    if (oName.osPath.find('"') != std::string::npos)
        return;  // a quote cannot be written back inside quotes
    kerchunk::KerchunkDatasetName oName2;
    if (!kerchunk::ParseKerchunkDatasetName(
            kerchunk::MakeSubdatasetName(oName.osPath, oName.osArray), oName2) ||
        oName2.osPath != oName.osPath || oName2.osArray != oName.osArray)
        abort();
}

void CheckUrls(const std::string &osUrl, const std::string &osRefsPath)
{
    std::string osGDALPath, osError;
    if (!kerchunk::MapUrlToGDALPath(osUrl, osRefsPath, osGDALPath, osError) &&
        osError.empty())
        abort();  // a refusal always says why
    (void)kerchunk::IsNetworkGDALPath(osUrl);
    std::string osMapped;
    (void)kerchunk::UrlSchemeToGDALPath(osUrl, osMapped);
    // A GDAL path written as a URL maps back to itself, unless its bucket
    // has an '@' (no valid bucket or container name has one; in a URL it
    // introduces abfs's account, which the mapping drops).
    const std::string osAsUrl = kerchunk::GDALPathToUrl(osUrl);
    const size_t nSchemeEnd = osAsUrl.find("://");
    const std::string osAfterScheme =
        nSchemeEnd == std::string::npos ? std::string() : osAsUrl.substr(nSchemeEnd + 3);
    const bool bAtInBucket =
        osAfterScheme.substr(0, osAfterScheme.find('/')).find('@') != std::string::npos;
    if (osAsUrl != osUrl && !bAtInBucket &&
        (!kerchunk::UrlSchemeToGDALPath(osAsUrl, osMapped) || osMapped != osUrl))
        abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *pabyData, size_t nSize)
{
    const std::string osInput(reinterpret_cast<const char *>(pabyData), nSize);
    const size_t nSep = osInput.find('\n');
    const std::string osFirst = osInput.substr(0, nSep);
    const std::string osSecond =
        nSep == std::string::npos ? std::string() : osInput.substr(nSep + 1);

    CheckVSIKerchunkPath(osFirst);
    CheckVSIKerchunkPath(std::string(kerchunk::VSIKERCHUNK_PREFIX) + osFirst);
    CheckDatasetName(osFirst);
    CheckDatasetName(std::string(kerchunk::KERCHUNK_DATASET_PREFIX) + osFirst);
    CheckUrls(osFirst, osSecond.empty() ? "/vsimem/refs.json" : osSecond);
    return 0;
}
