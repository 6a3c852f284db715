#include "parallel_for_each.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

namespace kerchunk
{

void ParallelForEach(size_t nItems, size_t nThreads,
                     const std::function<void(size_t iWorker, size_t iItem)> &fnItem)
{
    std::atomic<size_t> nNext{0};
    std::mutex oErrorMutex;
    std::exception_ptr poFirstError;
    auto Worker = [&](size_t iWorker)
    {
        for (size_t i = nNext++; i < nItems; i = nNext++)
        {
            try
            {
                fnItem(iWorker, i);
            }
            catch (...)
            {
                // An exception leaving a std::thread would end the process.
                std::lock_guard<std::mutex> oLock(oErrorMutex);
                if (!poFirstError)
                    poFirstError = std::current_exception();
            }
        }
    };
    const size_t nUsed = std::max<size_t>(1, std::min(nThreads, nItems));
    std::vector<std::thread> aoThreads;
    aoThreads.reserve(nUsed);
    for (size_t i = 1; i < nUsed; ++i)
    {
        // No more threads to be had: the ones started (and this one) do the
        // work. Leaving here would destroy running threads (std::terminate).
        try
        {
            aoThreads.emplace_back(Worker, i);
        }
        catch (const std::system_error &)
        {
            break;
        }
    }
    Worker(0);
    for (auto &oThread : aoThreads)
        oThread.join();
    if (poFirstError)
        std::rethrow_exception(poFirstError);
}

}  // namespace kerchunk
