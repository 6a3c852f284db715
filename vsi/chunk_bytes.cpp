#include "chunk_bytes.h"

#include <cstring>
#include <new>
#include <utility>

#include <sys/mman.h>

namespace kerchunk
{

namespace
{

// From this size on a buffer gets pages of its own (glibc's malloc maps
// such sizes anyway), populated in one system call.
constexpr size_t MIN_MAPPED_BYTES = 128 * 1024;

}  // namespace

ChunkBytes::ChunkBytes(size_t nSize) : m_nSize(nSize)
{
    if (nSize >= MIN_MAPPED_BYTES)
    {
        void *pMap = mmap(nullptr, nSize, PROT_READ | PROT_WRITE,
                          MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
        if (pMap != MAP_FAILED)
        {
            m_pData = static_cast<char *>(pMap);
            m_bMapped = true;
            return;
        }
    }
    m_pData = new char[nSize == 0 ? 1 : nSize];  // not value-initialised
}

ChunkBytes::ChunkBytes(const void *pData, size_t nSize) : ChunkBytes(nSize)
{
    if (nSize > 0)
        memcpy(m_pData, pData, nSize);
}

ChunkBytes::ChunkBytes(std::shared_ptr<const ChunkSlab> poSlab, size_t nOffset, size_t nSize)
    : m_pData(poSlab->data() + nOffset), m_nSize(nSize), m_poSlab(std::move(poSlab))
{
}

ChunkBytes::~ChunkBytes()
{
    if (m_poSlab)
        m_poSlab->Release(static_cast<size_t>(m_pData - m_poSlab->data()), m_nSize);
    else if (m_bMapped)
        munmap(m_pData, m_nSize);
    else
        delete[] m_pData;
}

}  // namespace kerchunk
