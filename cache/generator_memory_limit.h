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

// The note a failed generation's message gets when the memory limit may be
// the cause: the failure mentions memory or an allocation, or the child's
// peak resident memory reached half the limit. Empty otherwise, and when
// there is no limit.
std::string GeneratorMemoryLimitNote(const std::string &osFailure,
                                     uint64_t nPeakResidentBytes);

// This process's peak resident memory, in bytes.
uint64_t PeakResidentBytesOfThisProcess();

}  // namespace kerchunk
