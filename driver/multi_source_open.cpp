#include "multi_source_open.h"

#include "atomic_write.h"
#include "combine_to_file.h"
#include "combined_references.h"
#include "error.h"
#include "generation_isolation.h"
#include "parallel_for_each.h"
#include "reference_cache.h"
#include "sha256.h"
#include "source_open.h"
#include "source_uri.h"

#include "cpl_conv.h"
#include "cpl_multiproc.h"
#include "cpl_string.h"
#include "cpl_vsi.h"

#include <algorithm>
#include <fnmatch.h>

namespace kerchunk
{

namespace
{

// Bump when the combined output for the same inputs changes.
constexpr const char *COMBINED_FORMAT_REVISION = "combine-1";

bool HasGlobCharacters(const std::string &osName)
{
    return osName.find_first_of("*?[") != std::string::npos;
}

std::vector<std::string> ReadListFile(const std::string &osPath)
{
    VSILFILE *fp = VSIFOpenL(osPath.c_str(), "rb");
    if (fp == nullptr)
        throw Error(osPath + ": cannot open the list of sources");
    const std::string osDir = CPLGetPath(osPath.c_str());
    std::vector<std::string> aosSources;
    while (const char *pszLine = CPLReadLineL(fp))
    {
        const std::string osLine = CPLString(pszLine).Trim();
        if (osLine.empty() || osLine[0] == '#')
            continue;
        const bool bRelative = osLine[0] != '/' && osLine.find("://") == std::string::npos;
        aosSources.push_back(bRelative ? CPLFormFilename(osDir.c_str(), osLine.c_str(), nullptr)
                                       : osLine);
    }
    VSIFCloseL(fp);
    return aosSources;
}

std::vector<std::string> ListGlob(const std::string &osPattern)
{
    const std::string osDir = CPLGetPath(osPattern.c_str());
    const std::string osNamePattern = CPLGetFilename(osPattern.c_str());
    if (HasGlobCharacters(osDir))
        throw Error(osPattern + ": only the last path component may hold * ? [ ]");
    const CPLStringList aosNames(VSIReadDir(osDir.empty() ? "." : osDir.c_str()));
    std::vector<std::string> aosSources;
    for (int i = 0; i < aosNames.size(); ++i)
    {
        const char *pszName = aosNames[i];
        if (fnmatch(osNamePattern.c_str(), pszName, 0) != 0)
            continue;
        const std::string osSource = CPLFormFilename(osDir.c_str(), pszName, nullptr);
        VSIStatBufL sStat;
        if (VSIStatL(osSource.c_str(), &sStat) == 0 && !VSI_ISDIR(sStat.st_mode))
            aosSources.push_back(osSource);
    }
    return aosSources;
}

// References of every source through the cache, several at a time, each
// worker thread generating its cache misses in one child process of its own
// (with isolation): a cold open of a year of daily files is otherwise one
// process start per file. Every source is tried; the error names the first
// failing source in order, and how many others failed.
std::vector<std::string> GetReferencesOfSources(const std::vector<std::string> &aosSources)
{
    // Generation is mostly I/O and child processes: one per core, at most 8.
    const size_t nThreads = std::min<size_t>(
        {static_cast<size_t>(std::max(1, CPLGetNumCPUs())), 8, aosSources.size()});
    std::vector<GenerateFunc> afnGenerate;
    for (size_t i = 0; i < nThreads; ++i)
        afnGenerate.push_back(SelectReusableGenerateFunc());
    std::vector<std::string> aosRefs(aosSources.size()), aosErrors(aosSources.size());
    ParallelForEach(aosSources.size(), nThreads,
                    [&](size_t iWorker, size_t i)
                    {
                        try
                        {
                            aosRefs[i] =
                                GetReferencesForSource(aosSources[i], afnGenerate[iWorker]);
                        }
                        catch (const std::exception &e)
                        {
                            aosErrors[i] = std::string("error: ") + e.what();
                        }
                    });
    afnGenerate.clear();  // the children end
    const size_t nFailed = static_cast<size_t>(std::count_if(
        aosErrors.begin(), aosErrors.end(), [](const std::string &os) { return !os.empty(); }));
    const std::string osOthers =
        nFailed > 1 ? " (and " + std::to_string(nFailed - 1) + " other source" +
                          (nFailed > 2 ? "s" : "") + " failed)"
                    : std::string();
    for (size_t i = 0; i < aosSources.size(); ++i)
        if (!aosErrors[i].empty())
            throw Error(aosSources[i] + ": cannot make kerchunk references (" + aosErrors[i] +
                        ")" + osOthers);
    return aosRefs;
}

std::string OptionsText(const CombineOptions &oOptions)
{
    std::string osConcat;
    for (const auto &osDim : oOptions.aosConcatDims)
        osConcat += (osConcat.empty() ? "" : ",") + osDim;
    std::string osText = "concat=" + osConcat + "\nnew=" + oOptions.osNewDim +
                         "\nvalues=" + oOptions.osDimValues + "\nidentical=";
    for (const auto &osName : oOptions.oIdenticalArrays)
        osText += osName + ",";
    return osText + "\n";
}

}  // namespace

bool IsMultiSourceName(const std::string &osPath)
{
    const std::string osExt = CPLString(CPLGetExtension(osPath.c_str())).tolower();
    return osExt == "lst" || osExt == "txt" || HasGlobCharacters(CPLGetFilename(osPath.c_str()));
}

std::vector<std::string> ExpandSources(const std::string &osPath)
{
    std::vector<std::string> aosSources =
        HasGlobCharacters(CPLGetFilename(osPath.c_str())) ? ListGlob(osPath) : ReadListFile(osPath);
    std::sort(aosSources.begin(), aosSources.end());
    aosSources.erase(std::unique(aosSources.begin(), aosSources.end()), aosSources.end());
    if (aosSources.empty())
        throw Error(osPath + ": no sources (nothing matches, or the list is empty)");
    return aosSources;
}

std::string GetCombinedReferences(const std::string &osPath, const CombineOptions &oOptions)
{
    const std::vector<std::string> aosSources = ExpandSources(osPath);
    // Each source through the cache: generated only when missing or stale.
    // Its references path holds their checksum, so the key below changes
    // whenever any source's references do.
    const std::vector<std::string> aosRefs = GetReferencesOfSources(aosSources);
    Sha256 oKey;
    oKey.Update(std::string(COMBINED_FORMAT_REVISION) + "\n" + OptionsText(oOptions));
    for (size_t i = 0; i < aosSources.size(); ++i)
        oKey.Update(NormalizeSourceUri(aosSources[i]) + "\t" + aosRefs[i] + "\n");
    const std::string osKey = oKey.FinishHex();
    const std::string osCacheDir = CacheConfig::FromConfigOptions().osDir;
    const std::string osCached =
        osCacheDir.empty() ? std::string()
                           : CPLFormFilename(CombinedReferencesDir(osCacheDir).c_str(),
                                             osKey.c_str(), "json");
    VSIStatBufL sStat;
    if (!osCached.empty() && VSIStatL(osCached.c_str(), &sStat) == 0)
        return osCached;

    CPLDebug("KERCHUNK", "combining the references of %zu sources for %s", aosSources.size(),
             osPath.c_str());
    std::vector<CombineInput> aoInputs;
    for (size_t i = 0; i < aosSources.size(); ++i)
        aoInputs.push_back(LoadCombineInput(aosSources[i], aosRefs[i]));
    const std::string osMemPath = "/vsimem/kerchunk_combined/" + osKey + ".json";
    VSIMkdir("/vsimem/kerchunk_combined", 0755);
    CombineToFile(aoInputs, oOptions, "json", osMemPath);
    if (osCached.empty())
        return osMemPath;
    vsi_l_offset nSize = 0;
    GByte *pabyData = VSIGetMemFileBuffer(osMemPath.c_str(), &nSize, FALSE);
    std::string osWhy;
    VSIMkdirRecursive(CPLGetPath(osCached.c_str()), 0755);
    if (pabyData == nullptr || !WriteAtomically(osCached, pabyData, static_cast<size_t>(nSize), osWhy))
    {
        CPLError(CE_Warning, CPLE_AppDefined,
                 "%s: combined references kept in memory: cannot write %s (%s)", osPath.c_str(),
                 osCached.c_str(), osWhy.c_str());
        return osMemPath;
    }
    VSIUnlink(osMemPath.c_str());
    return osCached;
}

}  // namespace kerchunk
