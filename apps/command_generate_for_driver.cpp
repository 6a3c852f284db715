// gdal_kerchunk generate-for-driver [--expect-version V] SOURCE
// gdal_kerchunk generate-for-driver [--expect-version V] --batch
// The child process of the driver's isolated generation
// (cache/generator_process.h): writes the references the cache stores for
// SOURCE to stdout, and events (progress, warnings, the error, the result) to
// stderr in the format of cache/generator_protocol.h. With --batch, the
// sources come one per line on stdin and are generated one after the other
// (a multi-file open pays one process start, not one per file). Not for
// interactive use.
#include "commands.h"

#include "generator_memory_limit.h"
#include "generator_protocol.h"
#include "hdf5/hdf5_call_watch.h"
#include "reference_cache.h"

#include "config_options.h"
#include "error.h"
#include "file_handles.h"

#include "cpl_error.h"
#include "cpl_string.h"
#include "cpl_vsi.h"

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <unistd.h>

namespace kerchunk::cli
{
namespace
{

void WriteEvent(const std::string &osEvent)
{
    fwrite(osEvent.data(), 1, osEvent.size(), stderr);
    fflush(stderr);
}

// A failure, with the memory limit's note when the limit may be its cause.
std::string FailedEvent(const char *pszFailure)
{
    return FormatFailedEvent(pszFailure + GeneratorMemoryLimitNote(
                                              pszFailure, PeakResidentBytesOfThisProcess()));
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

// Writes all of a buffer to a file descriptor; false on an error.
bool WriteAll(int nFd, const GByte *pabyData, size_t nSize)
{
    while (nSize > 0)
    {
        const ssize_t nWritten = write(nFd, pabyData, nSize);
        if (nWritten < 0 && errno == EINTR)
            continue;
        if (nWritten <= 0)
            return false;
        pabyData += nWritten;
        nSize -= static_cast<size_t>(nWritten);
    }
    return true;
}

// The source being generated, for the watchdog's message.
struct CurrentSource
{
    std::mutex oMutex;
    std::string osSource;
};

CurrentSource &GetCurrentSource()
{
    static CurrentSource oCurrent;
    return oCurrent;
}

void SetCurrentSource(const std::string &osSource)
{
    CurrentSource &oCurrent = GetCurrentSource();
    std::lock_guard<std::mutex> oLock(oCurrent.oMutex);
    oCurrent.osSource = osSource;
}

// libhdf5 loops forever on some corrupt files (hdf5/hdf5_call_watch.h):
// once a watched libhdf5 read has used dfCpuSeconds of CPU time, this
// process reports the failure and ends, so that the driver gets an error,
// never a generation that does not end (KERCHUNK_GENERATION_TIMEOUT is 0,
// no limit, by default). A detached thread: it lives as long as the process.
void StartStuckCallWatchdog(double dfCpuSeconds)
{
    if (dfCpuSeconds <= 0)
        return;
    std::thread(
        [dfCpuSeconds]
        {
            while (true)
            {
                std::this_thread::sleep_for(std::chrono::milliseconds(250));
                const std::string osStuck = hdf5::FindStuckCall(dfCpuSeconds);
                if (osStuck.empty())
                    continue;
                std::string osSource;
                {
                    CurrentSource &oCurrent = GetCurrentSource();
                    std::lock_guard<std::mutex> oLock(oCurrent.oMutex);
                    osSource = oCurrent.osSource;
                }
                WriteEvent(FormatFailedEvent(
                    osSource + ": libhdf5 used more than " + CPLSPrintf("%g", dfCpuSeconds) +
                    " s of CPU time reading " + osStuck +
                    " without returning (a corrupt file: libhdf5 loops on it); "
                    "generation stopped (KERCHUNK_HDF5_MAX_CALL_SECONDS)"));
                _exit(1);
            }
        })
        .detach();
}

// One source of a batch: generated in memory, so that a failure writes
// nothing to the references stream, then written whole and announced by the
// result event with its size. False when the references stream is broken
// (the driver is gone).
bool GenerateOneOfBatch(const std::string &osSource, int nRefsFd)
{
    // The driver fingerprinted the source just before asking: read it afresh,
    // not through what /vsicurl/ kept from an earlier source.
    VSICurlClearCache();
    SetCurrentSource(osSource);
    const std::string osMemPath = "/vsimem/kerchunk_generate_for_driver.json";
    VSIFilePtr poFile = OpenVSIFile(osMemPath, "wb");
    ProgressState sProgress;
    GenerateStats oStats;
    try
    {
        if (!poFile)
            throw Error("cannot create " + osMemPath);
        oStats = DefaultGenerate(osSource, poFile.get(), ReportProgress, &sProgress);
    }
    catch (const std::exception &e)
    {
        poFile.reset();
        VSIUnlink(osMemPath.c_str());
        WriteEvent(FailedEvent(e.what()));
        return true;
    }
    poFile.reset();
    vsi_l_offset nSize = 0;
    std::unique_ptr<GByte, decltype(&VSIFree)> poData(
        VSIGetMemFileBuffer(osMemPath.c_str(), &nSize, TRUE), VSIFree);
    if (!WriteAll(nRefsFd, poData.get(), static_cast<size_t>(nSize)))
    {
        WriteEvent(FormatFailedEvent("cannot write the references to standard output"));
        return false;
    }
    WriteEvent(FormatResultEvent(oStats, static_cast<uint64_t>(nSize)));
    return true;
}

int RunBatch()
{
    // The references go to the original stdout only; whatever a library
    // prints to stdout goes to stderr, where it is quoted, instead of
    // shifting the byte counts of the references stream.
    const UniqueFd oRefs(dup(STDOUT_FILENO));
    if (oRefs.Get() < 0 || dup2(STDERR_FILENO, STDOUT_FILENO) < 0)
    {
        WriteEvent(FormatFailedEvent("cannot set up the references stream"));
        return 1;
    }
    std::string osLine;
    while (std::getline(std::cin, osLine))
    {
        if (!GenerateOneOfBatch(ParseSourceRequest(osLine), oRefs.Get()))
            return 1;
    }
    return 0;
}

}  // namespace

int RunGenerateForDriver(const std::vector<std::string> &aosArgs)
{
    CPLSetErrorHandler(ForwardCPLError);
    std::string osExpectedVersion, osSource;
    bool bBatch = false;
    for (size_t i = 0; i < aosArgs.size(); ++i)
    {
        if (aosArgs[i] == "--expect-version" && i + 1 < aosArgs.size())
            osExpectedVersion = aosArgs[++i];
        else if (aosArgs[i] == "--batch" && osSource.empty())
            bBatch = true;
        else if (osSource.empty() && !bBatch)
            osSource = aosArgs[i];
        else
        {
            WriteEvent(FormatFailedEvent("generate-for-driver: unexpected argument " +
                                         aosArgs[i]));
            return 2;
        }
    }
    if (osSource.empty() && !bBatch)
    {
        WriteEvent(FormatFailedEvent("generate-for-driver needs SOURCE or --batch"));
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
    try
    {
        ApplyGeneratorMemoryLimit();
        StartStuckCallWatchdog(GetNumberOption("KERCHUNK_HDF5_MAX_CALL_SECONDS"));
    }
    catch (const std::exception &e)  // an option does not parse
    {
        WriteEvent(FormatFailedEvent(e.what()));
        return 2;
    }
    if (bBatch)
        return RunBatch();
    SetCurrentSource(osSource);
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
        WriteEvent(FailedEvent(e.what()));
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
