// The memory limit of the generator child process
// (KERCHUNK_GENERATION_MAX_MEMORY): a hostile or corrupt source can make
// libhdf5 or eccodes allocate gigabytes; bounded, the child fails with an
// allocation error instead of pushing the host machine into its OOM killer,
// which may pick the application that opened the dataset.
#pragma once

#include <cstdint>
#include <string>

namespace kerchunk
{

// Called first thing in the child: sets RLIMIT_DATA (heap and private
// writable mappings) to the option's bytes, unless it is 0 or this is a
// sanitizer build (their shadow memory counts against the limit).
void ApplyGeneratorMemoryLimit();

// In the child: the note its failure message gets when the memory limit may
// be the cause: the failure mentions memory or an allocation, or the child's
// peak resident memory reached half the limit. Empty otherwise, and when
// there is no limit.
std::string GeneratorMemoryLimitNote(const std::string &osFailure,
                                     uint64_t nPeakResidentBytes);

// In the driver: the note of a child that died without reporting its
// failure (a signal, an exit code) when what it printed (osOutput) mentions
// memory or an allocation. Its peak is not known here: the kernel's count
// for a spawned child starts from the parent's own peak. Empty when there is
// no limit.
std::string GeneratorMemoryLimitNoteForCrash(const std::string &osOutput);

// This process's peak resident memory since its exec() (VmHWM), in bytes;
// 0 when unknown. Not getrusage(): its ru_maxrss keeps, across exec(), the
// peak of the process that spawned this one.
uint64_t PeakResidentBytesOfThisProcess();

}  // namespace kerchunk
