// gdal_kerchunk generate SOURCE -o OUT [--inline-threshold BYTES] [--var NAME]...
//                        [--strict] [--templates] [--relative] [-q]
// gdal_kerchunk generate --cache [--force] [-j N] SOURCE... [--from-file LIST]
// gdal_kerchunk generate -o FOLDER [-j N] SOURCE... [--from-file LIST] [...]
#include "commands.h"
#include "gdal_paths.h"
#include "generate_batch.h"

#include "error.h"
#include "file_handles.h"
#include "generator.h"

#include "cpl_conv.h"
#include "cpl_error.h"
#include "cpl_multiproc.h"
#include "cpl_string.h"
#include "cpl_vsi.h"

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>

namespace kerchunk::cli
{
namespace
{

struct GenerateArgs
{
    std::string osSource{};
    std::string osOutput{};
    bool bQuiet = false;
    bool bTemplates = false;
    bool bRelative = false;
    GenerateOptions oOptions{};
    // Batch mode (generate_batch.h): several sources, or --cache.
    std::vector<std::string> aosSources{};
    bool bCache = false;
    bool bForce = false;
    int nJobs = 1;
};

uint64_t ParseByteCount(const std::string &osOption, const std::string &osValue)
{
    char *pszEnd = nullptr;
    const unsigned long long nValue = std::strtoull(osValue.c_str(), &pszEnd, 10);
    if (osValue.empty() || osValue[0] == '-' || *pszEnd != '\0')
        throw Error("option " + osOption + " expects a number of bytes, not '" +
                    osValue + "'");
    return nValue;
}

GenerateArgs ParseArgs(const std::vector<std::string> &aosArgs)
{
    GenerateArgs sArgs;
    for (size_t i = 0; i < aosArgs.size(); ++i)
    {
        const std::string &osArg = aosArgs[i];
        if (osArg == "-o")
            sArgs.osOutput = TakeOptionValue(aosArgs, i);
        else if (osArg == "--inline-threshold")
            sArgs.oOptions.nInlineThreshold = ParseByteCount(osArg, TakeOptionValue(aosArgs, i));
        else if (osArg == "--var")
            sArgs.oOptions.aosVariables.push_back(TakeOptionValue(aosArgs, i));
        else if (osArg == "--strict")
            sArgs.oOptions.bStrict = true;
        else if (osArg == "--templates")
            sArgs.bTemplates = true;
        else if (osArg == "--relative")
            sArgs.bRelative = true;
        else if (osArg == "-q")
            sArgs.bQuiet = true;
        else if (osArg == "--cache")
            sArgs.bCache = true;
        else if (osArg == "--force")
            sArgs.bForce = true;
        else if (osArg == "-j")
            sArgs.nJobs = ParseJobCount(TakeOptionValue(aosArgs, i));
        else if (osArg == "--from-file")
        {
            for (auto &osSource : ReadSourceList(TakeOptionValue(aosArgs, i)))
                sArgs.aosSources.push_back(std::move(osSource));
        }
        else if (!osArg.empty() && osArg[0] == '-')
            throw Error("unknown option " + osArg);
        else
            sArgs.aosSources.push_back(osArg);
    }
    if (sArgs.bCache && !sArgs.osOutput.empty())
        throw Error("--cache and -o cannot be used together");
    if (sArgs.bForce && !sArgs.bCache)
        throw Error("--force only applies with --cache");
    if (sArgs.bCache &&
        (!sArgs.oOptions.aosVariables.empty() || sArgs.oOptions.bStrict ||
         sArgs.oOptions.nInlineThreshold != GenerateOptions().nInlineThreshold ||
         sArgs.bTemplates || sArgs.bRelative))
        throw Error("--cache stores the references the driver uses: --var, "
                    "--inline-threshold, --strict, --templates and --relative "
                    "cannot be used with it");
    if (sArgs.aosSources.empty() || (sArgs.osOutput.empty() && !sArgs.bCache))
        throw Error("generate needs SOURCE and -o OUT (or --cache)");
    sArgs.osSource = sArgs.aosSources[0];
    return sArgs;
}

// The URL written in the references for `osSource`: what fsspec understands
// when there is an equivalent (https://, s3://, gs://, az://), which the
// plugin's /vsikerchunk/ maps back to GDAL paths; otherwise the GDAL path.
// Local files: absolute, or relative to OUT's folder with `bRelative`.
std::string ReferenceUrlForSource(const std::string &osSource,
                                  const std::string &osOutput, bool bRelative)
{
    if (STARTS_WITH(osSource.c_str(), "/vsi"))
        return GDALPathToUrl(osSource);  // the GDAL path when fsspec has none
    namespace fs = std::filesystem;
    std::error_code oErr;
    const fs::path oSource = fs::absolute(osSource, oErr).lexically_normal();
    if (oErr)
        throw Error(osSource + ": " + oErr.message());
    if (!bRelative)
        return oSource.string();
    const fs::path oOutDir =
        fs::absolute(osOutput, oErr).lexically_normal().parent_path();
    if (oErr || STARTS_WITH(osOutput.c_str(), "/vsi"))
        throw Error("--relative needs a local OUT");
    return oSource.lexically_relative(oOutDir).generic_string();
}

// The single-source path: references of `osSource` into `osOutput`, written
// to a temporary name and renamed, so a failure never leaves a partial OUT.
// (Also the unit of work of the batch runner, generate_batch.h.)
GenerateStats GenerateToFile(const std::string &osSource, const std::string &osOutput,
                             const GenerateArgs &sArgs, GDALProgressFunc pfnProgress,
                             void *pProgressData)
{
    const std::string osUrl = ReferenceUrlForSource(osSource, osOutput, sArgs.bRelative);
    GenerateOptions oOptions = sArgs.oOptions;
    oOptions.pfnProgress = pfnProgress;
    oOptions.pProgressData = pProgressData;
    GenerateStats oStats;
    WriteFileAtomically(osOutput,
                        [&](VSILFILE *fp)
                        {
                            ReferenceWriter oWriter(fp, osUrl, sArgs.bTemplates);
                            oStats = GenerateReferences(osSource, oOptions, oWriter);
                            oWriter.Finish();
                        });
    return oStats;
}

}  // namespace

int RunGenerate(const std::vector<std::string> &aosArgs)
{
    const GenerateArgs sArgs = ParseArgs(aosArgs);
    if (sArgs.bCache || sArgs.aosSources.size() > 1)
    {
        BatchOptions oBatch;
        oBatch.bCache = sArgs.bCache;
        oBatch.bForce = sArgs.bForce;
        oBatch.bQuiet = sArgs.bQuiet;
        oBatch.nJobs = sArgs.nJobs;
        return RunGenerateBatch(
            sArgs.aosSources, sArgs.osOutput, oBatch,
            [&sArgs](const std::string &osSource, const std::string &osOutput,
                     GDALProgressFunc pfnProgress, void *pProgressData)
            { return GenerateToFile(osSource, osOutput, sArgs, pfnProgress, pProgressData); });
    }
    const GenerateStats oStats =
        GenerateToFile(sArgs.osSource, sArgs.osOutput, sArgs, nullptr, nullptr);
    if (!sArgs.bQuiet)
        printf("%s: %llu arrays, %llu chunks, %zu skipped\n",
               sArgs.osOutput.c_str(),
               static_cast<unsigned long long>(oStats.nArrays),
               static_cast<unsigned long long>(oStats.nChunks),
               oStats.aosSkipped.size());
    return 0;
}

}  // namespace kerchunk::cli
