#include "generation_lock.h"

#include "file_handles.h"
#include "gdal_paths.h"
#include "source_uri.h"

#include "cpl_conv.h"
#include "cpl_vsi.h"

#include <condition_variable>
#include <mutex>
#include <random>
#include <sstream>
#include <thread>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace kerchunk
{

namespace
{

std::string HostName()
{
    char szHost[256] = {};
    if (gethostname(szHost, sizeof(szHost) - 1) != 0)
        return "unknown";
    return szHost;
}

std::string RandomNonce()
{
    std::random_device oRandom;
    std::ostringstream os;
    os << std::hex << oRandom() << oRandom();
    return os.str();
}

struct LockRecord
{
    long nPid = 0;
    std::string osHost{};
    double dfHeartbeat = 0;
    std::string osNonce{};
    bool bValid = false;
};

LockRecord ParseLockRecord(const std::string &osText)
{
    LockRecord o;
    std::istringstream is(osText);
    if (is >> o.nPid >> o.osHost >> o.dfHeartbeat >> o.osNonce)
        o.bValid = true;
    return o;
}

// Holder gone: its heartbeat is too old, or it ran here and its pid is dead.
bool IsAbandoned(const LockRecord &o, double dfStaleSeconds)
{
    if (!o.bValid)
        return true;
    if (o.osHost == HostName() && o.nPid > 0 &&
        kill(static_cast<pid_t>(o.nPid), 0) != 0 && errno == ESRCH)
        return true;
    return static_cast<double>(time(nullptr)) - o.dfHeartbeat > dfStaleSeconds;
}

// A lock record is one short line; a larger file is not one of ours.
constexpr uint64_t MAX_LOCK_RECORD_SIZE = 1 << 20;

// False when there is no lock file; an oversized one reads as empty (an
// invalid record, so abandoned).
bool ReadLockRecord(const std::string &osPath, std::string &osContent)
{
    if (IngestSmallFile(osPath, MAX_LOCK_RECORD_SIZE, osContent))
        return true;
    VSIStatBufL sStat;
    if (VSIStatL(osPath.c_str(), &sStat) != 0)
        return false;
    osContent.clear();
    return true;
}

bool WriteWholeFile(const std::string &osPath, const std::string &osContent)
{
    VSIFilePtr poFile = OpenVSIFile(osPath, "wb");
    if (!poFile)
        return false;
    const bool bOK = VSIFWriteL(osContent.data(), 1, osContent.size(), poFile.get()) ==
                     osContent.size();
    return CloseVSIFile(poFile) && bOK;
}

void SleepUntilNextPoll(Clock::time_point tDeadline, int nMilliseconds)
{
    const auto tWake = std::min(tDeadline, Clock::now() + std::chrono::milliseconds(nMilliseconds));
    std::this_thread::sleep_until(tWake);
}

// Lock held with flock(2): released by the kernel if the process dies.
class FlockLock final : public GenerationLock
{
  public:
    explicit FlockLock(UniqueFd oFd) : m_oFd(std::move(oFd))
    {
    }
    ~FlockLock() override
    {
        // Truncate so that DescribeHolder shows nobody, then drop the lock
        // (closing m_oFd releases it). The file stays: unlinking it would
        // let a waiter lock an orphaned inode.
        if (ftruncate(m_oFd.Get(), 0) != 0)
        {
            // Only diagnostics are lost.
        }
    }

  private:
    UniqueFd m_oFd;
};

// A lease kept alive by a heartbeat thread.
class LeaseLock final : public GenerationLock
{
  public:
    LeaseLock(std::string osPath, std::string osNonce, double dfStaleSeconds)
        : m_osPath(std::move(osPath)), m_osNonce(std::move(osNonce))
    {
        const auto tPeriod = std::chrono::milliseconds(
            static_cast<int64_t>(std::max(0.2, dfStaleSeconds / 4) * 1000));
        m_oHeartbeat = std::thread(
            [this, tPeriod]()
            {
                std::unique_lock<std::mutex> oLock(m_oMutex);
                while (!m_oStop.wait_for(oLock, tPeriod, [this] { return m_bStop; }))
                    WriteWholeFile(m_osPath, MakeLockRecord(m_osNonce));
            });
    }
    ~LeaseLock() override
    {
        {
            std::lock_guard<std::mutex> oLock(m_oMutex);
            m_bStop = true;
        }
        m_oStop.notify_all();
        m_oHeartbeat.join();
        // Remove the lease only if it is still ours (a stale-lease takeover
        // may have replaced it).
        std::string osContent;
        if (IsNetworkGDALPath(m_osPath))
            VSICurlPartialClearCache(m_osPath.c_str());
        if (ReadLockRecord(m_osPath, osContent) &&
            ParseLockRecord(osContent).osNonce == m_osNonce)
            VSIUnlink(m_osPath.c_str());
    }

  private:
    std::string m_osPath;
    std::string m_osNonce;
    std::mutex m_oMutex{};
    std::condition_variable m_oStop{};
    bool m_bStop = false;
    std::thread m_oHeartbeat{};
};

GenerationLock::Status AcquireLease(const std::string &osPath,
                                    Clock::time_point tDeadline,
                                    double dfStaleSeconds,
                                    std::unique_ptr<GenerationLock> &poLock,
                                    std::string &osWhy)
{
    const bool bLocal = IsLocalPath(osPath);
    const std::string osNonce = RandomNonce();
    for (;;)
    {
        if (!bLocal)
            VSICurlPartialClearCache(osPath.c_str());
        std::string osContent;
        const bool bExists = ReadLockRecord(osPath, osContent);
        const LockRecord oHolder = ParseLockRecord(osContent);
        if (bExists && !IsAbandoned(oHolder, dfStaleSeconds))
        {
            if (Clock::now() >= tDeadline)
            {
                osWhy = "locked by pid " + std::to_string(oHolder.nPid) +
                        " on host " + oHolder.osHost;
                return GenerationLock::Status::TimedOut;
            }
            SleepUntilNextPoll(tDeadline, 250);
            continue;
        }
        if (bLocal)
        {
            if (bExists)
                unlink(osPath.c_str());  // abandoned lease
            UniqueFd oFd(open(osPath.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
            if (!oFd.IsOpen())
            {
                if (errno == EEXIST)
                    continue;  // someone else won: wait for them
                osWhy = osPath + ": " + strerror(errno);
                return GenerationLock::Status::Unwritable;
            }
            const std::string osRecord = MakeLockRecord(osNonce);
            const bool bOK = write(oFd.Get(), osRecord.data(), osRecord.size()) ==
                             static_cast<ssize_t>(osRecord.size());
            oFd.Reset();
            if (!bOK)
            {
                unlink(osPath.c_str());
                osWhy = osPath + ": cannot write the lock file";
                return GenerationLock::Status::Unwritable;
            }
            poLock = std::make_unique<LeaseLock>(osPath, osNonce, dfStaleSeconds);
            return GenerationLock::Status::Acquired;
        }
        // Object store: last writer wins; wait a little, then see who won.
        if (!WriteWholeFile(osPath, MakeLockRecord(osNonce)))
        {
            osWhy = osPath + ": cannot write the lock object";
            return GenerationLock::Status::Unwritable;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        VSICurlPartialClearCache(osPath.c_str());
        if (ReadLockRecord(osPath, osContent) &&
            ParseLockRecord(osContent).osNonce == osNonce)
        {
            poLock = std::make_unique<LeaseLock>(osPath, osNonce, dfStaleSeconds);
            return GenerationLock::Status::Acquired;
        }
    }
}

}  // namespace

std::string MakeLockRecord(const std::string &osNonce)
{
    return std::to_string(static_cast<long>(getpid())) + " " + HostName() +
           " " + std::to_string(static_cast<long long>(time(nullptr))) + " " +
           osNonce + "\n";
}

GenerationLock::Status GenerationLock::Acquire(
    const std::string &osLockPath, Clock::time_point tDeadline,
    double dfStaleSeconds, std::unique_ptr<GenerationLock> &poLock,
    std::string &osWhy)
{
    if (!IsLocalPath(osLockPath))
        return AcquireLease(osLockPath, tDeadline, dfStaleSeconds, poLock,
                            osWhy);
    for (;;)
    {
        UniqueFd oFd(open(osLockPath.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
        const int fd = oFd.Get();
        if (fd < 0)
        {
            // Read-only or full directory, missing permissions...
            osWhy = osLockPath + ": " + strerror(errno);
            return Status::Unwritable;
        }
        for (;;)
        {
            if (flock(fd, LOCK_EX | LOCK_NB) == 0)
                break;
            if (errno != EWOULDBLOCK && errno != EINTR)
            {
                // No flock here (ENOLCK, EOPNOTSUPP...): use a lease.
                oFd.Reset();
                return AcquireLease(osLockPath + ".lease", tDeadline,
                                    dfStaleSeconds, poLock, osWhy);
            }
            if (Clock::now() >= tDeadline)
            {
                oFd.Reset();
                osWhy = DescribeHolder(osLockPath, dfStaleSeconds);
                if (osWhy.empty())
                    osWhy = "locked by another process";
                return Status::TimedOut;
            }
            SleepUntilNextPoll(tDeadline, 50);
        }
        // The file may have been removed (cache rm/purge) between our open()
        // and flock(): then we locked an orphan, try again.
        struct stat sFd, sPath;
        if (fstat(fd, &sFd) == 0 && stat(osLockPath.c_str(), &sPath) == 0 &&
            sFd.st_ino == sPath.st_ino && sFd.st_dev == sPath.st_dev)
        {
            const std::string osRecord = MakeLockRecord(RandomNonce());
            if (ftruncate(fd, 0) != 0 ||
                pwrite(fd, osRecord.data(), osRecord.size(), 0) < 0)
            {
                // Diagnostics only.
            }
            poLock = std::make_unique<FlockLock>(std::move(oFd));
            return Status::Acquired;
        }
    }
}

std::string GenerationLock::DescribeHolder(const std::string &osLockPath,
                                           double dfStaleSeconds)
{
    std::string osContent;
    if (!IsLocalPath(osLockPath))
        VSICurlPartialClearCache(osLockPath.c_str());
    if (!ReadLockRecord(osLockPath, osContent) &&
        !(IsLocalPath(osLockPath) &&
          ReadLockRecord(osLockPath + ".lease", osContent)))
        return std::string();
    const LockRecord o = ParseLockRecord(osContent);
    if (!o.bValid)
        return std::string();
    if (IsLocalPath(osLockPath))
    {
        // A flock lock file keeps its record only while held; check that
        // somebody really holds it.
        const UniqueFd oFd(open(osLockPath.c_str(), O_RDONLY | O_CLOEXEC));
        if (oFd.IsOpen())
        {
            const bool bFree = flock(oFd.Get(), LOCK_SH | LOCK_NB) == 0;
            if (bFree)
                return std::string();
        }
    }
    else if (IsAbandoned(o, dfStaleSeconds))
        return std::string();
    char szTime[64] = {};
    const time_t t = static_cast<time_t>(o.dfHeartbeat);
    struct tm sTm;
    strftime(szTime, sizeof(szTime), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &sTm));
    return "locked by pid " + std::to_string(o.nPid) + " on host " + o.osHost +
           " (since " + szTime + ")";
}

}  // namespace kerchunk
