// The bytes of one fetched range, shared by the chunk cache and the handles
// reading them.
//
// Allocated without zero-filling (a fetch overwrites every byte), and large
// ones mapped with their pages populated at once (MAP_POPULATE): a time
// series fetches tens of MB into fresh memory, and on virtual machines a
// page fault costs microseconds -- touching 36 MB page by page took 145 ms
// here, zero-filling it first as much again. The chunks of a large batch
// are views of one block of the batch's instead (chunk_slab.h).
#pragma once

#include "chunk_slab.h"

#include <cstddef>
#include <memory>

namespace kerchunk
{

class ChunkBytes
{
  public:
    // nSize bytes of unspecified content. Throws std::bad_alloc.
    explicit ChunkBytes(size_t nSize);
    // A copy of [pData, pData + nSize). Throws std::bad_alloc.
    ChunkBytes(const void *pData, size_t nSize);
    // The nSize bytes at nOffset of poSlab, which no other live view
    // overlaps: their pages go back to the system with this view.
    ChunkBytes(std::shared_ptr<const ChunkSlab> poSlab, size_t nOffset, size_t nSize);
    ~ChunkBytes();
    ChunkBytes(const ChunkBytes &) = delete;
    ChunkBytes &operator=(const ChunkBytes &) = delete;

    char *data()
    {
        return m_pData;
    }
    const char *data() const
    {
        return m_pData;
    }
    size_t size() const
    {
        return m_nSize;
    }

  private:
    char *m_pData = nullptr;
    size_t m_nSize = 0;
    bool m_bMapped = false;  // mmap()ed, else new[] unless a view
    std::shared_ptr<const ChunkSlab> m_poSlab{};  // of which this is a view
};

using SharedChunkBytes = std::shared_ptr<const ChunkBytes>;

}  // namespace kerchunk
