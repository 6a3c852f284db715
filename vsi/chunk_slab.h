// One block of memory for all the bytes a batch fetches (batch_fetcher.h),
// backed by transparent huge pages where the system has them.
//
// A pixel's time series fetches tens of MB into fresh memory, and on virtual
// machines a page fault costs microseconds: filling 16.7 MB of separately
// mapped chunk buffers took 47 ms from the page cache, most of it faulting
// 4 KB pages. In one 2 MB-aligned block advised MADV_HUGEPAGE, the kernel
// maps 2 MB at a fault (3 ms for 36 MB in a microbenchmark), and the
// series read locally went from 0.19 s to 0.11 s.
//
// The chunks of the batch are views of the block (ChunkBytes), which keep
// it alive. A view that is dropped (the chunk cache evicting it) gives its
// whole pages back to the system, so the block holds no more memory than
// the views still alive, plus the pages they share at their ends.
#pragma once

#include <cstddef>
#include <memory>

namespace kerchunk
{

class ChunkSlab
{
  public:
    // Batches smaller than this gain nothing from a block: no huge page.
    static constexpr size_t MIN_SIZE = 2 * 1024 * 1024;

    // The block, or null when it cannot be mapped (the caller then
    // allocates buffers one by one).
    static std::shared_ptr<ChunkSlab> Create(size_t nSize);

  private:
    struct MappedTag
    {
    };

  public:
    // For Create() only (make_shared needs it public).
    ChunkSlab(MappedTag, char *pMapping, size_t nMappingSize, char *pData, size_t nSize);
    ~ChunkSlab();
    ChunkSlab(const ChunkSlab &) = delete;
    ChunkSlab &operator=(const ChunkSlab &) = delete;

    char *data() const
    {
        return m_pData;
    }
    size_t size() const
    {
        return m_nSize;
    }

    // Maps the pages of [nOffset, nOffset + nBytes) now, in one system call
    // (where the kernel has MADV_POPULATE_WRITE), before a read fills them.
    void Populate(size_t nOffset, size_t nBytes) const;

    // Gives back the whole pages inside [nOffset, nOffset + nBytes): their
    // bytes are no longer used. Thread-safe.
    void Release(size_t nOffset, size_t nBytes) const;

  private:
    char *m_pMapping = nullptr;  // what munmap() takes back
    size_t m_nMappingSize = 0;
    char *m_pData = nullptr;  // 2 MB-aligned, within the mapping
    size_t m_nSize = 0;
};

}  // namespace kerchunk
