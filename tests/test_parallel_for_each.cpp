// The work queue shared by the batch commands and the multi-file open
// (common/parallel_for_each.h).
#include "parallel_for_each.h"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

namespace kerchunk
{
namespace
{

TEST(ParallelForEach, EveryItemOnceOnAtMostNThreads)
{
    constexpr size_t nItems = 1000;
    std::vector<std::atomic<int>> anSeen(nItems);
    std::mutex oMutex;
    std::set<std::thread::id> oThreads;
    std::set<size_t> oWorkers;
    ParallelForEach(nItems, 4,
                    [&](size_t iWorker, size_t iItem)
                    {
                        ++anSeen[iItem];
                        std::lock_guard<std::mutex> oLock(oMutex);
                        oThreads.insert(std::this_thread::get_id());
                        oWorkers.insert(iWorker);
                    });
    for (size_t i = 0; i < nItems; ++i)
        EXPECT_EQ(anSeen[i], 1) << i;
    EXPECT_LE(oThreads.size(), 4u);
    EXPECT_EQ(oThreads.size(), oWorkers.size());
    EXPECT_LT(*oWorkers.rbegin(), 4u);
}

TEST(ParallelForEach, NoItemsAndZeroThreads)
{
    int nCalls = 0;
    ParallelForEach(0, 8, [&](size_t, size_t) { ++nCalls; });
    EXPECT_EQ(nCalls, 0);
    ParallelForEach(3, 0, [&](size_t iWorker, size_t) { nCalls += iWorker == 0; });
    EXPECT_EQ(nCalls, 3);  // at least the calling thread
}

TEST(ParallelForEach, FirstExceptionRethrownAfterAllItems)
{
    std::atomic<int> nDone{0};
    EXPECT_THROW(ParallelForEach(50, 3,
                                 [&](size_t, size_t iItem)
                                 {
                                     ++nDone;
                                     if (iItem % 10 == 0)
                                         throw std::runtime_error("item failed");
                                 }),
                 std::runtime_error);
    EXPECT_EQ(nDone, 50);
}

}  // namespace
}  // namespace kerchunk
