// The threads that make the requests of batch fetches (batch_fetcher.h),
// kept from one batch to the next for the life of the process. A read runs
// several batches (a pixel's time series: three), and a thread started per
// batch costs more than its requests at low latency: its stack, its malloc
// arena (fresh pages for every buffer), and its connections, which GDAL's
// /vsicurl/ keeps per thread (a new TCP connection per batch and thread,
// one more round trip each on a real network). Measured on the bench's
// series at 0 ms: 64 fresh threads per batch took 0.3 s more than 8.
//
// The pool grows to the largest number of threads asked for at once and
// does not shrink; its threads wait on a condition variable between
// batches. It is never destroyed (a process-lifetime object, as GDAL's own
// worker pools), so no thread is joined during static destruction.
#pragma once

#include <cstddef>
#include <functional>

namespace kerchunk
{

// Runs oTask on nThreads threads of the process-wide pool at once (starting
// threads when fewer are idle) and oInCaller on the calling thread
// meanwhile, and returns when all have returned. Returns the number of pool
// threads that ran oTask: fewer than nThreads when no more threads can be
// started, even none, so oInCaller should take part in the work. Neither
// may throw.
size_t RunOnPoolThreads(size_t nThreads, const std::function<void()> &oTask,
                        const std::function<void()> &oInCaller);

}  // namespace kerchunk
