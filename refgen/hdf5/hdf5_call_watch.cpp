#include "hdf5_call_watch.h"

#include <ctime>
#include <map>
#include <mutex>
#include <thread>

#include <pthread.h>

namespace kerchunk::hdf5
{

namespace
{

struct WatchedCall
{
    std::string osWhat;
    clockid_t nThreadClock;
    double dfStartCpuSeconds;
};

struct Registry
{
    std::mutex oMutex;
    std::map<std::thread::id, WatchedCall> oCalls;
};

Registry &GetRegistry()
{
    static Registry oRegistry;
    return oRegistry;
}

double CpuSeconds(clockid_t nClock)
{
    timespec sNow{};
    if (clock_gettime(nClock, &sNow) != 0)
        return 0;
    return static_cast<double>(sNow.tv_sec) + static_cast<double>(sNow.tv_nsec) * 1e-9;
}

}  // namespace

CallWatch::CallWatch(const std::string &osWhat)
{
    clockid_t nClock{};
    if (pthread_getcpuclockid(pthread_self(), &nClock) != 0)
        return;
    Registry &oRegistry = GetRegistry();
    std::lock_guard<std::mutex> oLock(oRegistry.oMutex);
    m_bRegistered = oRegistry.oCalls
                        .emplace(std::this_thread::get_id(),
                                 WatchedCall{osWhat, nClock, CpuSeconds(nClock)})
                        .second;
}

CallWatch::~CallWatch()
{
    if (!m_bRegistered)
        return;
    Registry &oRegistry = GetRegistry();
    std::lock_guard<std::mutex> oLock(oRegistry.oMutex);
    oRegistry.oCalls.erase(std::this_thread::get_id());
}

std::string FindStuckCall(double dfCpuSeconds)
{
    Registry &oRegistry = GetRegistry();
    std::lock_guard<std::mutex> oLock(oRegistry.oMutex);
    for (const auto &oEntry : oRegistry.oCalls)
    {
        // The thread is alive: it removes its entry before it returns.
        const WatchedCall &oCall = oEntry.second;
        if (CpuSeconds(oCall.nThreadClock) - oCall.dfStartCpuSeconds > dfCpuSeconds)
            return oCall.osWhat;
    }
    return std::string();
}

}  // namespace kerchunk::hdf5
