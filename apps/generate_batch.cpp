#include "generate_batch.h"

#include "reference_cache.h"

#include "error.h"
#include "file_handles.h"
#include "parallel_for_each.h"

#include "cpl_conv.h"
#include "cpl_string.h"
#include "cpl_vsi.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <mutex>

namespace kerchunk::cli
{

namespace
{

// Overall progress of the batch: the mean of every source's fraction,
// reported only when it grows (GDALTermProgress prints dots forward only).
struct BatchProgress
{
    std::mutex oMutex{};
    std::vector<double> adfDone{};
    double dfReported = 0;
    bool bEnabled = true;

    void Set(size_t iSource, double dfComplete)
    {
        std::lock_guard<std::mutex> oLock(oMutex);
        adfDone[iSource] = std::max(adfDone[iSource], std::min(1.0, dfComplete));
        double dfSum = 0;
        for (double df : adfDone)
            dfSum += df;
        const double dfTotal = dfSum / adfDone.size();
        if (bEnabled && dfTotal > dfReported)
        {
            dfReported = dfTotal;
            GDALTermProgress(dfTotal, "", nullptr);
        }
    }
};

struct SourceProgress
{
    BatchProgress *poBatch;
    size_t iSource;
};

int CPL_STDCALL OneSourceProgress(double dfComplete, const char *, void *pData)
{
    auto *psProgress = static_cast<SourceProgress *>(pData);
    psProgress->poBatch->Set(psProgress->iSource, dfComplete);
    return TRUE;
}

struct SourceResult
{
    bool bDone = false;
    bool bGenerated = false;
    uint64_t nArrays = 0;
    uint64_t nChunks = 0;
    std::string osError{};
};

// Without --cache: OUT/<source file name>.json for each source, checked
// before any work. With --cache: the cache folder checked once, so that a
// bad option fails before any work.
std::vector<std::string> PlanOutputs(const std::vector<std::string> &aosSources,
                                     const std::string &osOutDir, const BatchOptions &oOptions)
{
    std::vector<std::string> aosOutputs(aosSources.size());
    if (oOptions.bCache)
    {
        if (CacheConfig::FromConfigOptions().osDir.empty())
            throw Error("--cache: no cache directory (set KERCHUNK_CACHE_DIR, "
                        "XDG_CACHE_HOME or HOME)");
        return aosOutputs;
    }
    VSIStatBufL sStat;
    if (osOutDir.empty() || VSIStatL(osOutDir.c_str(), &sStat) != 0 || !VSI_ISDIR(sStat.st_mode))
        throw Error("with several sources, -o must be an existing folder (or use --cache)");
    // a.nc -> OUT/a.nc.json: the extension stays, so a.nc and a.grib do not
    // collide.
    std::map<std::string, std::string> oSeen;
    for (size_t i = 0; i < aosSources.size(); ++i)
    {
        aosOutputs[i] =
            CPLFormFilename(osOutDir.c_str(), CPLGetFilename(aosSources[i].c_str()), "json");
        auto oInsert = oSeen.emplace(aosOutputs[i], aosSources[i]);
        if (!oInsert.second)
            throw Error(oInsert.first->second + " and " + aosSources[i] +
                        " would both be written to " + aosOutputs[i]);
    }
    return aosOutputs;
}

// One source, into the cache or into its output file; failures are kept in
// the result, not thrown.
SourceResult GenerateOneSource(const std::string &osSource, const std::string &osOutput,
                               const BatchOptions &oOptions,
                               const GenerateOneFunc &fnGenerateOne, SourceProgress &sProgress)
{
    SourceResult oResult;
    try
    {
        if (oOptions.bCache)
        {
            ReferenceCache oCache(CacheConfig::FromConfigOptions());
            const CacheResult oCached = oCache.GetReferences(
                osSource, oOptions.bForce, OneSourceProgress, &sProgress, /* bQuiet = */ true);
            if (oCached.bInMemory)
                throw Error(oCached.osWarning);
            oResult.bGenerated = oCached.bGenerated;
            oResult.nArrays = oCached.oInfo.nArrays;
            oResult.nChunks = oCached.oInfo.nChunks;
        }
        else
        {
            const GenerateStats oStats =
                fnGenerateOne(osSource, osOutput, OneSourceProgress, &sProgress);
            oResult.bGenerated = true;
            oResult.nArrays = oStats.nArrays;
            oResult.nChunks = oStats.nChunks;
        }
        oResult.bDone = true;
    }
    catch (const std::exception &e)
    {
        oResult.osError = e.what();
    }
    return oResult;
}

// Prints each failure with its source, then (unless -q) the summary line.
// Returns the number of failures.
size_t ReportBatch(const std::vector<std::string> &aosSources,
                   const std::vector<SourceResult> &aoResults, const BatchOptions &oOptions,
                   double dfSeconds)
{
    size_t nGenerated = 0, nUpToDate = 0, nFailed = 0;
    uint64_t nArrays = 0, nChunks = 0;
    for (size_t i = 0; i < aosSources.size(); ++i)
    {
        const SourceResult &oResult = aoResults[i];
        if (!oResult.bDone)
        {
            ++nFailed;
            fprintf(stderr, "gdal_kerchunk: %s: %s\n", aosSources[i].c_str(),
                    oResult.osError.c_str());
            continue;
        }
        (oResult.bGenerated ? nGenerated : nUpToDate)++;
        nArrays += oResult.nArrays;
        nChunks += oResult.nChunks;
    }
    if (!oOptions.bQuiet)
    {
        printf("%zu source%s: %zu generated, ", aosSources.size(),
               aosSources.size() == 1 ? "" : "s", nGenerated);
        if (oOptions.bCache)
            printf("%zu up to date in the cache, ", nUpToDate);
        printf("%zu failed; %llu arrays, %llu chunks; %.1f s\n", nFailed,
               static_cast<unsigned long long>(nArrays),
               static_cast<unsigned long long>(nChunks), dfSeconds);
    }
    return nFailed;
}

}  // namespace

int ParseJobCount(const std::string &osValue)
{
    char *pszEnd = nullptr;
    const long nValue = strtol(osValue.c_str(), &pszEnd, 10);
    if (osValue.empty() || *pszEnd != '\0' || nValue < 1 || nValue > 256)
        throw Error("-j expects a number of jobs from 1 to 256, not '" + osValue + "'");
    return static_cast<int>(nValue);
}

std::vector<std::string> ReadSourceList(const std::string &osListFile)
{
    const std::string osPath = osListFile == "-" ? "/vsistdin/" : osListFile;
    const VSIFilePtr poFile = OpenVSIFile(osPath, "rb");
    if (!poFile)
        throw Error("--from-file: cannot open " + osListFile);
    std::vector<std::string> aosSources;
    while (const char *pszLine = CPLReadLineL(poFile.get()))
    {
        std::string osLine = pszLine;
        const size_t nStart = osLine.find_first_not_of(" \t\r");
        const size_t nEnd = osLine.find_last_not_of(" \t\r");
        if (nStart == std::string::npos || osLine[nStart] == '#')
            continue;
        aosSources.push_back(osLine.substr(nStart, nEnd - nStart + 1));
    }
    return aosSources;
}

int RunGenerateBatch(const std::vector<std::string> &aosSources,
                     const std::string &osOutDir, const BatchOptions &oOptions,
                     const GenerateOneFunc &fnGenerateOne)
{
    if (aosSources.empty())
        throw Error("generate: no SOURCE given");
    const std::vector<std::string> aosOutputs = PlanOutputs(aosSources, osOutDir, oOptions);

    BatchProgress oProgress;
    oProgress.adfDone.assign(aosSources.size(), 0.0);
    oProgress.bEnabled = !oOptions.bQuiet;
    if (oProgress.bEnabled)
        GDALTermProgress(0.0, "", nullptr);

    std::vector<SourceResult> aoResults(aosSources.size());
    const auto tStart = std::chrono::steady_clock::now();
    ParallelForEach(aosSources.size(), static_cast<size_t>(oOptions.nJobs),
                    [&](size_t, size_t i)
                    {
                        SourceProgress sProgress{&oProgress, i};
                        aoResults[i] = GenerateOneSource(aosSources[i], aosOutputs[i],
                                                         oOptions, fnGenerateOne, sProgress);
                        oProgress.Set(i, 1.0);
                    });
    const double dfSeconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - tStart).count();
    return ReportBatch(aosSources, aoResults, oOptions, dfSeconds) ? 1 : 0;
}

}  // namespace kerchunk::cli
