#include "fetch_worker_pool.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <system_error>
#include <thread>

#include <unistd.h>

namespace kerchunk
{

namespace
{

// One RunOnPoolThreads call: its task and how many of its runs are left.
struct Submission
{
    const std::function<void()> *poTask = nullptr;
    size_t nRemaining = 0;  // guarded by the pool's mutex
};

class WorkerPool
{
  public:
    size_t Run(size_t nThreads, const std::function<void()> &oTask,
               const std::function<void()> &oInCaller)
    {
        Submission oSubmission;
        oSubmission.poTask = &oTask;
        std::unique_lock<std::mutex> oLock(m_oMutex);
        EnsureIdleThreads(nThreads);
        // Idle threads not yet claimed by runs queued before these.
        const size_t nAvailable = m_nIdle > m_apoQueue.size() ? m_nIdle - m_apoQueue.size() : 0;
        const size_t nRuns = std::min(nThreads, nAvailable);
        oSubmission.nRemaining = nRuns;
        for (size_t i = 0; i < nRuns; ++i)
            m_apoQueue.push_back(&oSubmission);
        if (nRuns)
            m_oWork.notify_all();
        oLock.unlock();
        oInCaller();
        oLock.lock();
        m_oDone.wait(oLock, [&] { return oSubmission.nRemaining == 0; });
        return nRuns;
    }

  private:
    // With m_oMutex held: starts threads until nThreads are idle besides
    // those that queued runs will take, or until no more can be started.
    void EnsureIdleThreads(size_t nThreads)
    {
        while (m_nIdle < nThreads + m_apoQueue.size())
        {
            try
            {
                std::thread(&WorkerPool::Serve, this).detach();
            }
            catch (const std::system_error &)
            {
                return;
            }
            ++m_nIdle;
        }
    }

    void Serve()
    {
        std::unique_lock<std::mutex> oLock(m_oMutex);
        for (;;)
        {
            m_oWork.wait(oLock, [this] { return !m_apoQueue.empty(); });
            Submission *poSubmission = m_apoQueue.front();
            m_apoQueue.pop_front();
            --m_nIdle;
            oLock.unlock();
            try
            {
                (*poSubmission->poTask)();
            }
            catch (...)
            {
                // Tasks do not throw (see the header): nothing to report to.
            }
            oLock.lock();
            ++m_nIdle;
            if (--poSubmission->nRemaining == 0)
                m_oDone.notify_all();
        }
    }

    std::mutex m_oMutex{};
    std::condition_variable m_oWork{};  // a run was queued
    std::condition_variable m_oDone{};  // a submission's last run ended
    std::deque<Submission *> m_apoQueue{};
    size_t m_nIdle = 0;  // threads waiting for work (started ones included)
};

}  // namespace

size_t RunOnPoolThreads(size_t nThreads, const std::function<void()> &oTask,
                        const std::function<void()> &oInCaller)
{
    // Never destroyed: its threads wait on its members until the process
    // ends (see the header). A fork()ed child has none of its parent's
    // threads (and maybe a mutex locked for ever): it starts a pool of its
    // own.
    static std::mutex oPoolMutex;
    static WorkerPool *poPool = nullptr;
    static pid_t nPoolPid = 0;
    WorkerPool *poThisPool = nullptr;
    {
        std::lock_guard<std::mutex> oLock(oPoolMutex);
        if (poPool == nullptr || nPoolPid != getpid())
        {
            poPool = new WorkerPool();
            nPoolPid = getpid();
        }
        poThisPool = poPool;
    }
    return poThisPool->Run(nThreads, oTask, oInCaller);
}

}  // namespace kerchunk
