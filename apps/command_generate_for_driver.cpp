// gdal_kerchunk generate-for-driver [--expect-version V] SOURCE
// The child process of the driver's isolated generation
// (cache/generator_process.h): writes the references the cache stores for
// SOURCE to stdout, and events (progress, warnings, the error, the result) to
// stderr in the format of cache/generator_protocol.h. Not for interactive use.
#include "commands.h"

#include "generator_protocol.h"
#include "reference_cache.h"

#include "error.h"
#include "file_handles.h"

#include "cpl_error.h"
#include "cpl_vsi.h"

#include <cmath>
#include <cstdio>
#include <string>

namespace kerchunk::cli
{
namespace
{

void WriteEvent(const std::string &osEvent)
{
    fwrite(osEvent.data(), 1, osEvent.size(), stderr);
    fflush(stderr);
}

void CPL_STDCALL ForwardCPLError(CPLErr eClass, CPLErrorNum nNum, const char *pszMessage)
{
    WriteEvent(FormatCPLErrorEvent(eClass, nNum, pszMessage));
}

struct ProgressState
{
    double dfLast = -1;
};

// The parent decides when to stop (by ending this process): always go on.
int CPL_STDCALL ReportProgress(double dfComplete, const char *pszMessage, void *pData)
{
    auto *psState = static_cast<ProgressState *>(pData);
    // A thousand events at most: 100,000-chunk arrays call this per chunk.
    if (std::fabs(dfComplete - psState->dfLast) >= 0.001)
    {
        psState->dfLast = dfComplete;
        WriteEvent(FormatProgressEvent(dfComplete, pszMessage));
    }
    return TRUE;
}

}  // namespace

int RunGenerateForDriver(const std::vector<std::string> &aosArgs)
{
    CPLSetErrorHandler(ForwardCPLError);
    std::string osExpectedVersion, osSource;
    for (size_t i = 0; i < aosArgs.size(); ++i)
    {
        if (aosArgs[i] == "--expect-version" && i + 1 < aosArgs.size())
            osExpectedVersion = aosArgs[++i];
        else if (osSource.empty())
            osSource = aosArgs[i];
        else
        {
            WriteEvent(FormatFailedEvent("generate-for-driver: unexpected argument " +
                                         aosArgs[i]));
            return 2;
        }
    }
    if (osSource.empty())
    {
        WriteEvent(FormatFailedEvent("generate-for-driver needs SOURCE"));
        return 2;
    }
    // References of another version would be recorded as this one's.
    if (!osExpectedVersion.empty() && osExpectedVersion != CurrentGeneratorVersion())
    {
        WriteEvent(FormatFailedEvent(
            "the generator command is " + CurrentGeneratorVersion() +
            " but the driver is " + osExpectedVersion +
            " (install matching versions, or set KERCHUNK_GENERATOR_COMMAND, or "
            "KERCHUNK_GENERATION_ISOLATION=IN_PROCESS)"));
        return 2;
    }
    VSIFilePtr poFile = OpenVSIFile("/vsistdout/", "wb");
    if (!poFile)
    {
        WriteEvent(FormatFailedEvent("cannot write to standard output"));
        return 1;
    }
    ProgressState sProgress;
    GenerateStats oStats;
    try
    {
        oStats = DefaultGenerate(osSource, poFile.get(), ReportProgress, &sProgress);
    }
    catch (const std::exception &e)
    {
        poFile.reset();
        WriteEvent(FormatFailedEvent(e.what()));
        return 1;
    }
    if (!CloseVSIFile(poFile) || fflush(stdout) != 0)
    {
        WriteEvent(FormatFailedEvent("cannot write the references to standard output"));
        return 1;
    }
    WriteEvent(FormatResultEvent(oStats));
    return 0;
}

}  // namespace kerchunk::cli
