// Runs one function over the items 0..n-1 on a few threads, each thread
// taking the next unclaimed item: the work queue of the batch commands and
// of the multi-file open.
#pragma once

#include <cstddef>
#include <functional>

namespace kerchunk
{

// Calls fnItem(iWorker, iItem) once for every iItem in [0, nItems), on at
// most nThreads threads (the calling thread is worker 0; at least one is
// used). iWorker (< nThreads) lets a caller keep per-thread state, such as
// one generator process per worker. Returns once every item is done; the
// first exception thrown by fnItem is rethrown then, the other items still
// running to completion.
void ParallelForEach(size_t nItems, size_t nThreads,
                     const std::function<void(size_t iWorker, size_t iItem)> &fnItem);

}  // namespace kerchunk
