// Reading and parsing a references file (ReadReferencesFile), and reading a
// key's bytes.
#include "config_options.h"
#include "consolidated_metadata.h"
#include "error.h"
#include "gdal_paths.h"
#include "kerchunk_json_parser.h"
#include "parquet_references.h"
#include "references_cache.h"
#include "target_policy.h"
#include "target_open.h"
#include "url_mapping.h"
#include "vsikerchunk.h"

#include "cpl_conv.h"
#include "cpl_error.h"
#include "cpl_vsi.h"

#include <algorithm>
#include <cstdlib>
#include <limits>
#include <vector>

namespace kerchunk
{

namespace
{

std::shared_ptr<const LoadedReferences> MakeLoadedReferences(const std::string &osRefsPath,
                                                             std::unique_ptr<ReferenceSet> poSet)
{
    auto poRefs = std::make_shared<LoadedReferences>();
    poRefs->osRefsPath = osRefsPath;
    poRefs->oSet = std::move(*poSet);
    poSet.reset();
    PrepareMetadata(*poRefs);
    poRefs->oSet.Seal();  // shared read-only between threads from here on
    return poRefs;
}

}  // namespace

std::shared_ptr<const LoadedReferences> ReadParquetReferences(const std::string &osDir,
                                                              std::string &osError)
{
    auto poRefs = std::make_shared<LoadedReferences>();
    poRefs->osRefsPath = osDir;
    if (!LoadParquetReferences(osDir, *poRefs, osError))
        return nullptr;
    PrepareMetadata(*poRefs);
    poRefs->oSet.Seal();  // shared read-only between threads from here on
    return poRefs;
}

namespace
{

// Network files (a remote path whose HEAD failed): one read of the whole
// file, rather than the two passes of a read in pieces.
std::shared_ptr<const LoadedReferences> IngestAndParse(const std::string &osRefsPath,
                                                       uint64_t nMaxSize, std::string &osError)
{
    GByte *pabyData = nullptr;
    vsi_l_offset nDataSize = 0;
    if (!VSIIngestFile(nullptr, osRefsPath.c_str(), &pabyData, &nDataSize,
                       static_cast<GIntBig>(std::min<uint64_t>(
                           nMaxSize, std::numeric_limits<GIntBig>::max()))))
    {
        osError = "cannot read kerchunk references " + osRefsPath;
        const char *pszDetail = CPLGetLastErrorMsg();
        if (pszDetail && *pszDetail)
            osError += std::string(": ") + pszDetail;
        return nullptr;
    }
    // Parsed in place; the text is freed before the metadata is prepared.
    std::unique_ptr<GByte, decltype(&VSIFree)> poData(pabyData, VSIFree);
    return ParseReferencesText(osRefsPath,
                               std::string_view(reinterpret_cast<const char *>(pabyData),
                                                static_cast<size_t>(nDataSize)),
                               osError, [&]() { poData.reset(); });
}

// Other files: parsed while read in pieces, so that peak memory is the
// parsed references, not their text too.
std::shared_ptr<const LoadedReferences> ParseInPieces(const std::string &osRefsPath,
                                                      uint64_t nMaxSize, std::string &osError)
{
    VSIStatBufL sStat;
    if (VSIStatL(osRefsPath.c_str(), &sStat) != 0)
    {
        osError = "cannot read kerchunk references " + osRefsPath + ": not found";
        return nullptr;
    }
    const uint64_t nSize = static_cast<uint64_t>(sStat.st_size);
    if (nSize > nMaxSize)
    {
        osError = "kerchunk references " + osRefsPath + " are larger than " +
                  std::to_string(nMaxSize) + " bytes (KERCHUNK_MAX_REFS_FILE_SIZE)";
        return nullptr;
    }
    std::string osParseError;
    auto poSet = ParseKerchunkJson(
        JsonText::InFile(osRefsPath, nSize, "kerchunk references"), osParseError);
    if (!poSet)
    {
        // Read errors name the file already.
        osError = STARTS_WITH(osParseError.c_str(), "cannot read ")
                      ? osParseError
                      : "invalid kerchunk references " + osRefsPath + ": " + osParseError;
        return nullptr;
    }
    return MakeLoadedReferences(osRefsPath, std::move(poSet));
}

}  // namespace

std::shared_ptr<const LoadedReferences> ReadReferencesFile(const std::string &osRefsPath,
                                                           std::string &osError)
{
    if (osRefsPath.find(VSIKERCHUNK_PREFIX) != std::string::npos)
    {
        osError = osRefsPath + ": references inside " +
                  std::string(VSIKERCHUNK_PREFIX) + " are refused (recursion)";
        return nullptr;
    }
    uint64_t nMaxSize = 0;
    try
    {
        nMaxSize = GetIntegerOption("KERCHUNK_MAX_REFS_FILE_SIZE");
    }
    catch (const Error &e)
    {
        osError = "cannot read kerchunk references " + osRefsPath + ": " + e.what();
        return nullptr;
    }
    // A failed read is reported once, with GDAL's reason appended.
    CPLErrorHandlerPusher oQuiet(CPLQuietErrorHandler);
    CPLErrorReset();
    return IsNetworkGDALPath(osRefsPath) ? IngestAndParse(osRefsPath, nMaxSize, osError)
                                         : ParseInPieces(osRefsPath, nMaxSize, osError);
}

std::shared_ptr<const LoadedReferences>
ParseReferencesText(const std::string &osRefsPath, std::string_view osText,
                    std::string &osError, const std::function<void()> &fnTextDone)
{
    std::string osParseError;
    auto poSet = ParseKerchunkJson(osText, osParseError);
    if (fnTextDone)
        fnTextDone();
    if (!poSet)
    {
        osError = "invalid kerchunk references " + osRefsPath + ": " + osParseError;
        return nullptr;
    }
    return MakeLoadedReferences(osRefsPath, std::move(poSet));
}

bool ResolveTarget(const LoadedReferences &oRefs, const std::string &osKey,
                   const Reference &oRef, std::string &osTargetPath,
                   std::string &osError)
{
    std::string osMapError;
    if (!MapUrlToGDALPath(*oRef.posPath, oRefs.osRefsPath, osTargetPath, osMapError) ||
        !CheckTargetPolicy(osTargetPath, osMapError))
    {
        osError = oRefs.osRefsPath + ": key '" + osKey + "': " + osMapError;
        return false;
    }
    return true;
}

bool CheckRawChunkLength(const LoadedReferences &oRefs, const std::string &osKey,
                         uint64_t nLength, std::string &osError)
{
    if (oRefs.oRawChunkSizes.empty())
        return true;
    const size_t nLastSlash = osKey.rfind('/');
    const size_t nNameStart = nLastSlash == std::string::npos ? 0 : nLastSlash + 1;
    if (osKey.compare(nNameStart, 1, ".") == 0)
        return true;  // metadata, not a chunk
    // The array is the longest "dir/" prefix with a .zarray ("" = the root);
    // with dimension_separator "/" the chunk key has several components.
    for (size_t nEnd = nLastSlash == std::string::npos ? 0 : nLastSlash + 1;;)
    {
        const auto oIter = oRefs.oRawChunkSizes.find(osKey.substr(0, nEnd));
        if (oIter != oRefs.oRawChunkSizes.end())
        {
            if (nLength == oIter->second)
                return true;
            osError = oRefs.osRefsPath + ": key '" + osKey + "': length " +
                      std::to_string(nLength) + " is not the " +
                      std::to_string(oIter->second) +
                      " bytes of a chunk of array '/" + osKey.substr(0, nEnd ? nEnd - 1 : 0) +
                      "', which has no compressor and no filters";
            return false;
        }
        if (nEnd == 0)
            return true;
        const size_t nPrev = osKey.rfind('/', nEnd - 2);
        nEnd = nPrev == std::string::npos || nEnd < 2 ? 0 : nPrev + 1;
    }
}

std::shared_ptr<const Reference> FindReference(const LoadedReferences &oRefs,
                                               const std::string &osKey,
                                               std::string &osError)
{
    if (const Reference *poRef = oRefs.oSet.Find(osKey))
    {
        // Not owned: oRefs, which the caller holds, owns it.
        return std::shared_ptr<const Reference>(std::shared_ptr<const Reference>(), poRef);
    }
    if (!oRefs.poChunkLookup)
        return nullptr;
    std::string osLookupError;
    auto poRef = oRefs.poChunkLookup->Find(osKey, osLookupError);
    if (!osLookupError.empty())
        osError = oRefs.osRefsPath + ": " + osLookupError;
    return poRef;
}

bool ReadKey(const LoadedReferences &oRefs, const std::string &osKey,
             std::string &osBytes, std::string &osError, uint64_t nMaxSize)
{
    const auto poRef = FindReference(oRefs, osKey, osError);
    if (poRef == nullptr)
    {
        if (osError.empty())
            osError = oRefs.osRefsPath + ": no key '" + osKey + "'";
        return false;
    }
    if (poRef->IsInline())
    {
        osBytes = poRef->osInline;
        return true;
    }
    std::string osTarget;
    if (!ResolveTarget(oRefs, osKey, *poRef, osTarget, osError))
        return false;
    VSILFILE *fp = OpenTargetForRangeReads(osTarget, false);
    if (fp == nullptr)
    {
        osError = oRefs.osRefsPath + ": key '" + osKey + "': cannot open " + osTarget;
        return false;
    }
    uint64_t nSize = poRef->nSize;
    if (poRef->bWholeFile)
    {
        VSIFSeekL(fp, 0, SEEK_END);
        nSize = VSIFTellL(fp);
    }
    bool bOK = nSize <= nMaxSize;
    if (bOK)
    {
        osBytes.resize(static_cast<size_t>(nSize));
        bOK = VSIFSeekL(fp, poRef->bWholeFile ? 0 : poRef->nOffset, SEEK_SET) == 0 &&
              VSIFReadL(&osBytes[0], 1, osBytes.size(), fp) == osBytes.size();
    }
    VSIFCloseL(fp);
    if (!bOK)
        osError = oRefs.osRefsPath + ": key '" + osKey + "': cannot read " +
                  std::to_string(nSize) + " bytes from " + osTarget;
    return bOK;
}

}  // namespace kerchunk
