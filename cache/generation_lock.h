// One generation at a time per cache entry, across processes: a lock file
// beside the entry (<key>.lock).
//
// Local file systems: flock(2) on the lock file. The kernel drops the lock
// when its holder dies (kill -9 included), so no stale lock can remain; the
// file also records pid, host and start time for `gdal_kerchunk cache info`.
// Where flock is not supported (some FUSE/NFS mounts), and on object stores,
// a lease: the lock file holds "pid host heartbeat nonce" and its holder
// rewrites the heartbeat every few seconds. A lease is taken over when its
// heartbeat is older than KERCHUNK_LOCK_STALE_SECONDS, or at once when its
// holder ran on this host and its pid is gone. Local leases are created with
// O_EXCL; object stores have no exclusive create (GDAL 3.6 sends no
// conditional PUT), so two processes can both win a race of a few hundred
// milliseconds and generate the same entry twice. That is harmless: output
// is deterministic and every object is written in one PUT.
#pragma once

#include <chrono>
#include <memory>
#include <string>

namespace kerchunk
{

using Clock = std::chrono::steady_clock;

class GenerationLock
{
  public:
    enum class Status
    {
        Acquired,
        TimedOut,     // another holder kept it until the deadline
        Unwritable,   // the lock file cannot be created (read-only, full)
    };

    // Waits until the lock is held or `tDeadline` passes. `osWhy` says who
    // holds it (TimedOut) or why it cannot be created (Unwritable).
    static Status Acquire(const std::string &osLockPath, Clock::time_point tDeadline,
                          double dfStaleSeconds,
                          std::unique_ptr<GenerationLock> &poLock,
                          std::string &osWhy);

    // "pid 123 on host h since <time>", or empty when nobody holds it
    // (best effort, for diagnostics).
    static std::string DescribeHolder(const std::string &osLockPath,
                                      double dfStaleSeconds);

    virtual ~GenerationLock() = default;

  protected:
    GenerationLock() = default;
};

// "pid host unixtime nonce" line written in lock files.
std::string MakeLockRecord(const std::string &osNonce);

}  // namespace kerchunk
