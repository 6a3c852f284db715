// Unit tests of hdf5::CallWatch: the generator child's watchdog finds a
// watched call by the CPU time its thread spent in it, not by wall time (a
// read waiting on a slow server is not stuck).
#include "hdf5/hdf5_call_watch.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace
{

using kerchunk::hdf5::CallWatch;
using kerchunk::hdf5::FindStuckCall;

TEST(Hdf5CallWatch, SpinningCallIsFoundByItsCpuTime)
{
    std::atomic<bool> bStop{false};
    std::atomic<bool> bStarted{false};
    std::thread oSpinner(
        [&]
        {
            const CallWatch oWatch("the attributes of dataset /x");
            bStarted = true;
            volatile unsigned nSpin = 0;
            while (!bStop)
                ++nSpin;
        });
    while (!bStarted)
        std::this_thread::yield();
    std::string osStuck;
    const auto tEnd = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (osStuck.empty() && std::chrono::steady_clock::now() < tEnd)
    {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        osStuck = FindStuckCall(0.2);
    }
    bStop = true;
    oSpinner.join();
    EXPECT_EQ(osStuck, "the attributes of dataset /x");
    EXPECT_EQ(FindStuckCall(0), "");  // the watch ended with the call
}

TEST(Hdf5CallWatch, WaitingCallIsNotStuck)
{
    const CallWatch oWatch("the strings of dataset /s");
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    EXPECT_EQ(FindStuckCall(0.2), "");
    EXPECT_EQ(FindStuckCall(-1), "the strings of dataset /s");
}

TEST(Hdf5CallWatch, NestedWatchKeepsTheOutermost)
{
    const CallWatch oOuter("outer");
    {
        const CallWatch oInner("inner");
        EXPECT_EQ(FindStuckCall(-1), "outer");
    }
    EXPECT_EQ(FindStuckCall(-1), "outer");
}

}  // namespace
