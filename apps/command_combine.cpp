// gdal_kerchunk combine INPUT... -o OUT [--concat-dim DIM]...
//     [--new-dim NAME [--dim-values index|regex:PATTERN|attr:NAME]]
//     [--identical-dims NAME,...] [-of json|parquet] [--record-size N]
//     [--compression zstd|snappy|none] [-j N] [--cache] [--from-file LIST] [-q]
// INPUT is a references file, or a source whose references are generated
// first (into the cache with --cache, else in memory), N at a time.
#include "commands.h"
#include "generate_batch.h"
#include "reference_conversion.h"  // TakeParquetWriteOption

#include "combine_to_file.h"
#include "error.h"
#include "reference_cache.h"
#include "source_uri.h"
#include "vsikerchunk.h"  // IsJsonReferencesFile

#include "cpl_conv.h"
#include "cpl_progress.h"
#include "cpl_string.h"
#include "cpl_vsi.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <thread>

namespace kerchunk::cli
{
namespace
{

struct CombineArgs
{
    std::vector<std::string> aosInputs{};
    std::string osOutput{};
    ReferencesFormat oFormat{};
    bool bParquetOptions = false;  // --record-size or --compression given
    CombineOptions oOptions{};
    bool bCache = false;
    bool bQuiet = false;
    int nJobs = 1;
};

CombineArgs ParseArgs(const std::vector<std::string> &aosArgs)
{
    CombineArgs sArgs;
    bool bDimValues = false;
    for (size_t i = 0; i < aosArgs.size(); ++i)
    {
        const std::string &osArg = aosArgs[i];
        if (osArg == "-o")
            sArgs.osOutput = TakeOptionValue(aosArgs, i);
        else if (osArg == "-of")
            sArgs.oFormat.osName = CPLString(TakeOptionValue(aosArgs, i)).tolower();
        else if (TakeParquetWriteOption(aosArgs, i, sArgs.oFormat.oParquet))
            sArgs.bParquetOptions = true;
        else if (osArg == "--concat-dim")
            sArgs.oOptions.aosConcatDims.push_back(TakeOptionValue(aosArgs, i));
        else if (osArg == "--new-dim")
            sArgs.oOptions.osNewDim = TakeOptionValue(aosArgs, i);
        else if (osArg == "--dim-values")
        {
            sArgs.oOptions.osDimValues = TakeOptionValue(aosArgs, i);
            bDimValues = true;
        }
        else if (osArg == "--identical-dims")
        {
            const CPLStringList aosNames(CSLTokenizeString2(TakeOptionValue(aosArgs, i).c_str(), ",", 0));
            for (int iName = 0; iName < aosNames.size(); ++iName)
                sArgs.oOptions.oIdenticalArrays.insert(aosNames[iName]);
        }
        else if (osArg == "-j")
            sArgs.nJobs = ParseJobCount(TakeOptionValue(aosArgs, i));
        else if (osArg == "--cache")
            sArgs.bCache = true;
        else if (osArg == "-q")
            sArgs.bQuiet = true;
        else if (osArg == "--from-file")
        {
            for (auto &osSource : ReadSourceList(TakeOptionValue(aosArgs, i)))
                sArgs.aosInputs.push_back(std::move(osSource));
        }
        else if (!osArg.empty() && osArg[0] == '-')
            throw Error("unknown option " + osArg);
        else
            sArgs.aosInputs.push_back(osArg);
    }
    if (sArgs.aosInputs.empty() || sArgs.osOutput.empty())
        throw Error("combine needs INPUT... and -o OUT");
    CheckReferencesOutputFormat(sArgs.oFormat.osName);
    if (sArgs.bParquetOptions && sArgs.oFormat.osName != "parquet")
        throw Error("--record-size and --compression only apply with -of parquet");
    if (bDimValues && sArgs.oOptions.osNewDim.empty())
        throw Error("--dim-values only applies with --new-dim");
    if (sArgs.oOptions.aosConcatDims.empty() == sArgs.oOptions.osNewDim.empty())
        throw Error("combine needs --concat-dim DIM (one or more) or --new-dim NAME, not both");
    return sArgs;
}

// References of a source generated into memory, outside any cache.
std::string GenerateInMemory(const std::string &osSource, size_t iInput,
                             GDALProgressFunc pfnProgress, void *pProgressData)
{
    const std::string osPath = CPLSPrintf("/vsimem/gdal_kerchunk_combine/%zu.json", iInput);
    VSILFILE *fp = VSIFOpenL(osPath.c_str(), "wb");
    if (fp == nullptr)
        throw Error("cannot create " + osPath);
    try
    {
        DefaultGenerate(NormalizeSourceUri(osSource), fp, pfnProgress, pProgressData);
    }
    catch (...)
    {
        VSIFCloseL(fp);
        throw;
    }
    VSIFCloseL(fp);
    return osPath;
}

struct ResolveProgress
{
    std::mutex oMutex{};
    size_t nDone = 0;
    size_t nTotal = 0;
    bool bEnabled = true;

    void OneDone()
    {
        std::lock_guard<std::mutex> oLock(oMutex);
        ++nDone;
        if (bEnabled)
            GDALTermProgress(0.9 * static_cast<double>(nDone) / nTotal, "", nullptr);
    }
};

// The references path of every input; sources are generated on -j threads.
std::vector<std::string> ResolveInputs(const CombineArgs &sArgs, size_t &nGenerated)
{
    const auto &aosInputs = sArgs.aosInputs;
    std::vector<std::string> aosRefs(aosInputs.size()), aosErrors(aosInputs.size());
    std::vector<char> abGenerated(aosInputs.size(), 0);
    ResolveProgress oProgress;
    oProgress.nTotal = aosInputs.size();
    oProgress.bEnabled = !sArgs.bQuiet;
    std::atomic<size_t> nNext{0};
    auto Worker = [&]()
    {
        for (size_t i = nNext++; i < aosInputs.size(); i = nNext++)
        {
            try
            {
                if (IsJsonReferencesFile(aosInputs[i]))
                    aosRefs[i] = aosInputs[i];
                else if (sArgs.bCache)
                {
                    ReferenceCache oCache(CacheConfig::FromConfigOptions());
                    const CacheResult oCached =
                        oCache.GetReferences(aosInputs[i], false, nullptr, nullptr, true);
                    aosRefs[i] = oCached.osReferencesPath;
                    abGenerated[i] = oCached.bGenerated;
                }
                else
                {
                    VSIStatBufL sStat;
                    if (VSIStatL(aosInputs[i].c_str(), &sStat) != 0)
                        throw Error("no such file");
                    aosRefs[i] = GenerateInMemory(aosInputs[i], i, nullptr, nullptr);
                    abGenerated[i] = 1;
                }
            }
            catch (const std::exception &e)
            {
                aosErrors[i] = e.what();
            }
            oProgress.OneDone();
        }
    };
    std::vector<std::thread> aoThreads;
    for (int i = 1; i < std::min<int>(sArgs.nJobs, static_cast<int>(aosInputs.size())); ++i)
        aoThreads.emplace_back(Worker);
    Worker();
    for (auto &oThread : aoThreads)
        oThread.join();
    std::string osErrors;
    for (size_t i = 0; i < aosInputs.size(); ++i)
    {
        if (!aosErrors[i].empty())
            osErrors += (osErrors.empty() ? "" : "\n") + aosInputs[i] + ": " + aosErrors[i];
        nGenerated += abGenerated[i];
    }
    if (!osErrors.empty())
        throw Error("cannot get the references of every input:\n" + osErrors);
    return aosRefs;
}

}  // namespace

int RunCombine(const std::vector<std::string> &aosArgs)
{
    const CombineArgs sArgs = ParseArgs(aosArgs);
    // Refuse an output that cannot be written before any generation.
    if (sArgs.oFormat.osName == "parquet")
        CheckParquetOutputFolder(sArgs.osOutput);
    const auto tStart = std::chrono::steady_clock::now();
    if (!sArgs.bQuiet)
        GDALTermProgress(0.0, "", nullptr);
    size_t nGenerated = 0;
    std::vector<std::string> aosRefs;
    std::vector<CombineInput> aoInputs;
    try
    {
        aosRefs = ResolveInputs(sArgs, nGenerated);
        for (size_t i = 0; i < aosRefs.size(); ++i)
            aoInputs.push_back(LoadCombineInput(sArgs.aosInputs[i], aosRefs[i]));
    }
    catch (...)
    {
        VSIRmdirRecursive("/vsimem/gdal_kerchunk_combine");
        throw;
    }
    const CombineSummary oSummary =
        CombineToFile(aoInputs, sArgs.oOptions, sArgs.oFormat, sArgs.osOutput);
    VSIRmdirRecursive("/vsimem/gdal_kerchunk_combine");
    if (!sArgs.bQuiet)
    {
        GDALTermProgress(1.0, "", nullptr);
        const double dfSeconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - tStart).count();
        std::string osLengths;
        for (const auto &oLength : oSummary.aoLengths)
            osLengths += (osLengths.empty() ? "" : ", ") + std::to_string(oLength.second) +
                         " along " + oLength.first;
        printf("%s: %zu inputs (%zu generated), %zu arrays, %llu chunks, %s; %.1f s\n",
               sArgs.osOutput.c_str(), oSummary.nInputs, nGenerated, oSummary.nArrays,
               static_cast<unsigned long long>(oSummary.nChunks), osLengths.c_str(), dfSeconds);
        if (!oSummary.osNote.empty())
            printf("note: %s\n", oSummary.osNote.c_str());
    }
    return 0;
}

}  // namespace kerchunk::cli
