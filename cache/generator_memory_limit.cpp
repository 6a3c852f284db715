#include "generator_memory_limit.h"

#include "config_options.h"

#include "cpl_error.h"
#include "cpl_string.h"

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
    uint64_t nLimit = 0;
    try
    {
        nLimit = GetIntegerOption(kOption);
    }
    catch (const std::exception &)  // the child reported it
    {
    }
    if (nLimit == 0 || kSanitizerBuild)
        return std::string();
    const bool bMentionsMemory =
        CPLString(osFailure).ifind("memory") != std::string::npos ||
        CPLString(osFailure).ifind("alloc") != std::string::npos;
    if (!bMentionsMemory && nPeakResidentBytes < nLimit / 2)
        return std::string();
    return "; the generator process has a memory limit of " + Megabytes(nLimit) +
           " (" + kOption + "=" + std::to_string(nLimit) + "), its peak was " +
           Megabytes(nPeakResidentBytes);
}

uint64_t PeakResidentBytesOfThisProcess()
{
    rusage sUsage{};
    if (getrusage(RUSAGE_SELF, &sUsage) != 0 || sUsage.ru_maxrss < 0)
        return 0;
    return static_cast<uint64_t>(sUsage.ru_maxrss) * 1024;  // Linux: kB
}

}  // namespace kerchunk
