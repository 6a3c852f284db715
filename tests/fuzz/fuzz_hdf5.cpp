// libFuzzer harness: the HDF5 / NetCDF-4 reference generator
// (refgen/hdf5, GenerateHDF5References) on mutated files in /vsimem/.
//
// Why a fork per input, then an in-process run. libhdf5 aborts or corrupts
// its heap on some hostile files (issue 12, finding 6); the driver survives
// that by generating in a child process (cache/generator_process.h). A
// harness that only ran the generator in-process would stop at the first
// libhdf5 bug, which we cannot fix; one that only ran the `gdal_kerchunk`
// child per input would give libFuzzer no coverage (the child's counters are
// not ours) and cost an exec per input. So each input is first generated in
// a fork()ed child -- the same isolation as the driver's, at the cost of a
// fork (about 40 ms of system time per input here: the ASan process's page
// tables) -- whose ASan report, if any, is classified by its top frame
// (sanitizer interceptors and libc skipped):
// - the child finished (or our code failed in it): the input is generated
//   again here, in-process, so libFuzzer measures the coverage of our code
//   and ASan/UBSan/LSan report our bugs with the usual reproducer;
// - libhdf5 crashed (top frame in libhdf5, or an abort: our code never calls
//   abort, and an uncaught exception is reported as ours): the input is
//   skipped, counted and, with FUZZ_HDF5_LIBHDF5_DIR=dir, kept there for
//   review -- in the driver such a file gives "the generator crashed" and
//   the host keeps running. FUZZ_HDF5_SHOW_CHILD=1 prints the child's
//   report, to review such an input (run with -runs=1 FILE).
// A child still running after CHILD_SECONDS is classified the same way, by
// the stack it was interrupted in (OnChildAlarm): a hang inside libhdf5 (its
// vlen conversion can spin forever on a corrupt global heap) is skipped like
// its crashes; a hang in our code is run again in-process, where libFuzzer's
// -timeout reports it. So is a child whose heap grows by more than
// CHILD_HEAP_BYTES, by the stack of the allocation that crossed it
// (OnChildMalloc): libhdf5 holds gigabytes on some corrupt files.
// libhdf5 is not instrumented: the coverage is that of our generator only.
#include "generator.h"
#include "reference_writer.h"

#include "error.h"

#include "cpl_error.h"
#include "cpl_vsi.h"

#include <nlohmann/json.hpp>

#include <sanitizer/allocator_interface.h>
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>

#include <atomic>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>

#include <execinfo.h>
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

namespace
{

constexpr const char *FUZZ_PATH = "/vsimem/fuzz.h5";
constexpr const char *OUT_PATH = "/vsimem/fuzz_refs.json";
// Child exit codes (its stderr is silenced; the verdict is the exit code).
constexpr int EXIT_OURS = 78;     // an error report in our code
constexpr int EXIT_LIBHDF5 = 77;  // an error report or a hang whose top frame is libhdf5
constexpr int EXIT_OURS_HANG = 79;  // still running at CHILD_SECONDS, in our code
constexpr int EXIT_OURS_MEMORY = 80;  // over CHILD_HEAP_BYTES, allocating in our code
constexpr size_t CHILD_HEAP_BYTES = size_t(1) << 30;
// A child running longer is ended and the input run again in-process, where
// a real hang meets libFuzzer's -timeout (30 s for this harness in
// scripts/fuzz.sh; a 64 KB file takes milliseconds otherwise). libFuzzer may
// run one input twice (its leak check runs again an input that allocated more
// than it freed), so two children, each stopped at 5 s of CPU or 12 s of wall
// time on a loaded machine, stay under it: at 10 s and 25 s, two children
// stuck in libhdf5 gave a false timeout at 60 s on a loaded machine.
constexpr unsigned CHILD_SECONDS = 5;  // of CPU time
constexpr unsigned CHILD_WALL_SECONDS = 12;  // twice, under the 30 s -timeout

int g_nLibHdf5Crashes = 0;

// Generates the references of FUZZ_PATH into OUT_PATH; a kerchunk::Error is
// the expected refusal of a bad file. The output must be valid JSON.
void Generate()
{
    VSILFILE *fp = VSIFOpenL(OUT_PATH, "wb");
    if (fp == nullptr)
        abort();
    try
    {
        kerchunk::ReferenceWriter oWriter(fp, "fuzz.h5");
        kerchunk::GenerateOptions oOptions;
        (void)kerchunk::GenerateHDF5References(FUZZ_PATH, oOptions, oWriter);
        oWriter.Finish();
    }
    catch (const kerchunk::Error &)
    {
        VSIFCloseL(fp);
        return;
    }
    VSIFCloseL(fp);
    vsi_l_offset nLength = 0;
    const GByte *pabyOut = VSIGetMemFileBuffer(OUT_PATH, &nLength, FALSE);
    if (!nlohmann::json::accept(pabyOut, pabyOut + nLength))
    {
        fprintf(stderr, "fuzz_hdf5: the generator wrote invalid JSON\n");
        abort();
    }
}

// "(/path/of/this/harness+0x": how a frame without source location in this
// executable is printed -- the sanitizers' interceptors (strdup, memcpy, ...)
// linked in statically; our code has debug info and prints file:line.
std::string g_osOwnModuleMark;

// A sanitizer frame line "#N 0x... in FUNC (MODULE+0x...)" that is the
// sanitizer runtime or libc, not where the fault is.
bool IsRuntimeFrame(const std::string &osLine)
{
    if (!g_osOwnModuleMark.empty() && osLine.find(g_osOwnModuleMark) != std::string::npos)
        return true;
    for (const char *pszMark :
         {" in __asan", " in __interceptor", " in __sanitizer", " in __ubsan",
          " in __lsan", "libclang_rt", "/libc.so", " in free ", " in malloc ",
          " in calloc ", " in realloc ", " in memcpy ", " in memmove ",
          " in memset ", " in strlen "})
    {
        if (osLine.find(pszMark) != std::string::npos)
            return true;
    }
    return false;
}

// In the child: an ASan report whose top non-runtime frame is libhdf5 is
// libhdf5's; anything else is ours.
void ClassifyReport(const char *pszReport)
{
    const std::string osReport(pszReport);
    size_t nPos = 0;
    while ((nPos = osReport.find("    #", nPos)) != std::string::npos)
    {
        const size_t nEnd = osReport.find('\n', nPos);
        const std::string osLine = osReport.substr(nPos, nEnd - nPos);
        nPos = nEnd;
        if (IsRuntimeFrame(osLine))
            continue;
        _exit(osLine.find("libhdf5") != std::string::npos ? EXIT_LIBHDF5 : EXIT_OURS);
    }
    _exit(EXIT_OURS);
}

void ChildDied()
{
    _exit(EXIT_OURS);  // UBSan, or ASan without a usable stack
}

// In the child, where is it now? The first frame that is neither libc (the
// signal trampoline, memcpy...) nor the sanitizer runtime nor this file's
// handlers decides, like ClassifyReport: libhdf5's, or ours (exit code
// nOursCode). Not async-signal-safe, which is fine here: the child ends
// right after.
[[noreturn]] void ExitByCurrentStack(int nOursCode, const char *pszWhat)
{
    void *apFrames[64];
    const int nFrames = backtrace(apFrames, 64);
    for (int i = 1; i < nFrames; ++i)  // 0 is this function
    {
        // "FUNCTION MODULE", symbolized by the sanitizer runtime: our own
        // functions and the runtime's are not in the dynamic symbol table.
        char szFrame[1024] = {};
        __sanitizer_symbolize_pc(apFrames[i], "%f %m", szFrame, sizeof(szFrame));
        const std::string osFrame(szFrame);
        if (osFrame.rfind("__", 0) == 0 || osFrame.find("OnChild") != std::string::npos ||
            osFrame.find("ExitByCurrentStack") != std::string::npos ||
            osFrame.find("libc.so") != std::string::npos ||
            osFrame.find("libclang_rt") != std::string::npos ||
            osFrame.find("fuzzer::") != std::string::npos)
            continue;
        // The allocator's entry points, linked into this executable.
        if (osFrame.rfind("malloc ", 0) == 0 || osFrame.rfind("calloc ", 0) == 0 ||
            osFrame.rfind("realloc ", 0) == 0 || osFrame.rfind("operator new", 0) == 0 ||
            osFrame.rfind("posix_memalign ", 0) == 0)
            continue;
        if (getenv("FUZZ_HDF5_SHOW_CHILD") != nullptr)
            fprintf(stderr, "fuzz_hdf5: child %s in %s\n", pszWhat, szFrame);
        _exit(osFrame.find("libhdf5") != std::string::npos ? EXIT_LIBHDF5 : nOursCode);
    }
    _exit(nOursCode);
}

// At CHILD_SECONDS of CPU time or CHILD_WALL_SECONDS of wall time.
void OnChildAlarm(int)
{
    ExitByCurrentStack(EXIT_OURS_HANG, "stuck");
}

// libhdf5 can take gigabytes on a few KB: a corrupt global heap made it hold
// 1.7 GB of heap collections reading ten strings. The child's live heap is
// checked every 1024 allocations (and at every large one); over
// CHILD_HEAP_BYTES more than at its start, the allocating stack decides whose
// it is. Ours is run again in-process, where libFuzzer's -rss_limit_mb
// reports it with a reproducer.
size_t g_nChildHeapLimit = 0;
thread_local bool g_bInMallocHook = false;
std::atomic<size_t> g_nChildMallocs{0};

void OnChildMalloc(const volatile void *, size_t nSize)
{
    if (g_bInMallocHook ||
        ((++g_nChildMallocs & 1023) != 0 && nSize < (size_t(64) << 20)))
        return;
    g_bInMallocHook = true;
    if (__sanitizer_get_current_allocated_bytes() > g_nChildHeapLimit)
        ExitByCurrentStack(EXIT_OURS_MEMORY, "over its heap limit");
    g_bInMallocHook = false;
}

void OnChildFree(const volatile void *)
{
}

[[noreturn]] void RunChild(pid_t nParent)
{
    // Ended with its parent: libFuzzer's -timeout ends the parent while it
    // waits here, and an orphan child (stuck in libhdf5, holding the
    // parent's copied heap) was left behind.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != nParent)
        _exit(0);
    // Silence the child: its reports are classified, not printed, and
    // libFuzzer's own crash handlers must not write a reproducer for it.
    // FUZZ_HDF5_SHOW_CHILD=1 keeps its stderr, to review a kept input.
    if (getenv("FUZZ_HDF5_SHOW_CHILD") == nullptr)
    {
        const int nNull = open("/dev/null", O_WRONLY);
        if (nNull >= 0)
            dup2(nNull, 2);
    }
    signal(SIGABRT, SIG_DFL);
    signal(SIGPROF, OnChildAlarm);
    signal(SIGALRM, OnChildAlarm);
    __asan_set_error_report_callback(ClassifyReport);
    __sanitizer_set_death_callback(ChildDied);
    std::set_terminate([] { _exit(EXIT_OURS); });
    // CPU time (user + system) first: at nice 19 on a loaded machine a
    // child waits many seconds for a core, and a wall-clock alarm alone took
    // such a slow child for a hang (in libhdf5's frames: skipped). The wall
    // clock stays as a backstop, within the parent's -timeout.
    g_nChildHeapLimit = __sanitizer_get_current_allocated_bytes() + CHILD_HEAP_BYTES;
    __sanitizer_install_malloc_and_free_hooks(OnChildMalloc, OnChildFree);
    itimerval sLimit{};
    sLimit.it_value.tv_sec = CHILD_SECONDS;
    setitimer(ITIMER_PROF, &sLimit, nullptr);
    alarm(CHILD_WALL_SECONDS);
    Generate();
    _exit(0);
}

void KeepLibHdf5Input(const uint8_t *pabyData, size_t nSize, int nStatus)
{
    ++g_nLibHdf5Crashes;
    fprintf(stderr, "fuzz_hdf5: libhdf5 failed on an input (%s), skipped: %d so far\n",
            WIFSIGNALED(nStatus) ? strsignal(WTERMSIG(nStatus)) : "ASan report or hang",
            g_nLibHdf5Crashes);
    const char *pszDir = getenv("FUZZ_HDF5_LIBHDF5_DIR");
    if (pszDir == nullptr)
        return;
    const std::string osPath =
        std::string(pszDir) + "/libhdf5-" + std::to_string(getpid()) + "-" +
        std::to_string(g_nLibHdf5Crashes);
    if (FILE *f = fopen(osPath.c_str(), "wb"))
    {
        fwrite(pabyData, 1, nSize, f);
        fclose(f);
    }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
    char szExe[4096];
    const ssize_t nLen = readlink("/proc/self/exe", szExe, sizeof(szExe) - 1);
    if (nLen > 0)
        g_osOwnModuleMark = "(" + std::string(szExe, static_cast<size_t>(nLen)) + "+0x";
    CPLSetErrorHandler(CPLQuietErrorHandler);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *pabyData, size_t nSize)
{
    VSILFILE *fpIn = VSIFileFromMemBuffer(
        FUZZ_PATH, const_cast<GByte *>(pabyData), nSize, FALSE);
    if (fpIn == nullptr)
        return 0;
    VSIFCloseL(fpIn);

    fflush(nullptr);
    const pid_t nParent = getpid();
    const pid_t nPid = fork();
    if (nPid < 0)
        abort();
    if (nPid == 0)
        RunChild(nParent);
    int nStatus = 0;
    while (waitpid(nPid, &nStatus, 0) < 0 && errno == EINTR)
    {
    }
    const bool bLibHdf5 =
        (WIFEXITED(nStatus) && WEXITSTATUS(nStatus) == EXIT_LIBHDF5) ||
        (WIFSIGNALED(nStatus) && WTERMSIG(nStatus) == SIGABRT);
    if (bLibHdf5)
        KeepLibHdf5Input(pabyData, nSize, nStatus);
    else
        Generate();  // ours: coverage, and our bugs reported here
    if (WIFEXITED(nStatus) && WEXITSTATUS(nStatus) == EXIT_OURS)
    {
        // Failed in the child, not here: still a bug of ours (state left by
        // an earlier input, or a fault only the child's heap layout shows).
        fprintf(stderr, "fuzz_hdf5: generation failed in the child only\n");
        abort();
    }

    VSIUnlink(OUT_PATH);
    VSIUnlink(FUZZ_PATH);
    return 0;
}
