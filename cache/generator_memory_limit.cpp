#include "generator_memory_limit.h"

#include "config_options.h"
#include "file_handles.h"

#include "cpl_error.h"
#include "cpl_string.h"

#include <cstdlib>
#include <cstring>

#include <sys/resource.h>

namespace kerchunk
{

namespace
{

constexpr const char *kOption = "KERCHUNK_GENERATION_MAX_MEMORY";

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool kSanitizerBuild = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || \
    __has_feature(memory_sanitizer)
constexpr bool kSanitizerBuild = true;
#else
constexpr bool kSanitizerBuild = false;
#endif
#else
constexpr bool kSanitizerBuild = false;
#endif

std::string Megabytes(uint64_t nBytes)
{
    return std::to_string((nBytes + (1 << 20) / 2) >> 20) + " MB";
}

// The limit in force; 0 without one (none set, a sanitizer build, or a value
// that does not parse: the child reports that one itself).
uint64_t LimitOrZero()
{
    if (kSanitizerBuild)
        return 0;
    try
    {
        return GetIntegerOption(kOption);
    }
    catch (const std::exception &)
    {
        return 0;
    }
}

bool MentionsMemory(const std::string &osText)
{
    return CPLString(osText).ifind("memory") != std::string::npos ||
           CPLString(osText).ifind("alloc") != std::string::npos;
}

std::string LimitText(uint64_t nLimit)
{
    return "; the generator process has a memory limit of " + Megabytes(nLimit) + " (" +
           kOption + "=" + std::to_string(nLimit) + ")";
}

}  // namespace

void ApplyGeneratorMemoryLimit()
{
    const uint64_t nLimit = GetIntegerOption(kOption);
    if (nLimit == 0 || kSanitizerBuild)
        return;
    rlimit sLimit{};
    if (getrlimit(RLIMIT_DATA, &sLimit) != 0)
        return;
    // Never raise a limit the host already set lower.
    if (sLimit.rlim_cur != RLIM_INFINITY && sLimit.rlim_cur <= nLimit)
        return;
    sLimit.rlim_cur = static_cast<rlim_t>(nLimit);
    if (setrlimit(RLIMIT_DATA, &sLimit) != 0)
        CPLDebug("KERCHUNK", "cannot set the generator's memory limit (%s=%s)",
                 kOption, std::to_string(nLimit).c_str());
}

std::string GeneratorMemoryLimitNote(const std::string &osFailure,
                                     uint64_t nPeakResidentBytes)
{
    const uint64_t nLimit = LimitOrZero();
    if (nLimit == 0 || (!MentionsMemory(osFailure) && nPeakResidentBytes < nLimit / 2))
        return std::string();
    return LimitText(nLimit) + ", its peak was " + Megabytes(nPeakResidentBytes);
}

std::string GeneratorMemoryLimitNoteForCrash(const std::string &osOutput)
{
    const uint64_t nLimit = LimitOrZero();
    if (nLimit == 0 || !MentionsMemory(osOutput))
        return std::string();
    return LimitText(nLimit);
}

uint64_t PeakResidentBytesOfThisProcess()
{
    VSIFilePtr poStatus = OpenVSIFile("/proc/self/status", "rb");
    if (!poStatus)
        return 0;
    while (const char *pszLine = CPLReadLineL(poStatus.get()))
    {
        if (STARTS_WITH(pszLine, "VmHWM:"))
            return std::strtoull(pszLine + strlen("VmHWM:"), nullptr, 10) * 1024;  // kB
    }
    return 0;
}

}  // namespace kerchunk
