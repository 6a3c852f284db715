#include "chunk_slab.h"

#include <algorithm>
#include <cstdint>
#include <new>

#include <sys/mman.h>
#include <unistd.h>

namespace kerchunk
{

namespace
{

constexpr size_t HUGE_PAGE_SIZE = 2 * 1024 * 1024;

size_t RoundUp(size_t n, size_t nMultiple)
{
    return (n + nMultiple - 1) / nMultiple * nMultiple;
}

size_t PageSize()
{
    static const size_t nPageSize = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    return nPageSize;
}

}  // namespace

std::shared_ptr<ChunkSlab> ChunkSlab::Create(size_t nSize)
{
    if (nSize == 0 || nSize > (static_cast<size_t>(-1) >> 2))
        return nullptr;
    // A huge page more than needed, to start the block on a 2 MB boundary:
    // only whole aligned 2 MB ranges get huge pages.
    const size_t nHugeSize = RoundUp(nSize, HUGE_PAGE_SIZE);
    const size_t nMappingSize = nHugeSize + HUGE_PAGE_SIZE;
    void *pMapping = mmap(nullptr, nMappingSize, PROT_READ | PROT_WRITE,
                          MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (pMapping == MAP_FAILED)
        return nullptr;
    const auto nAligned = RoundUp(reinterpret_cast<uintptr_t>(pMapping), HUGE_PAGE_SIZE);
    char *pData = reinterpret_cast<char *>(nAligned);
#ifdef MADV_HUGEPAGE
    // Refused where the kernel has no transparent huge pages: then the
    // block still saves the allocations, and Populate() the faults.
    madvise(pData, nHugeSize, MADV_HUGEPAGE);
#endif
    try
    {
        return std::make_shared<ChunkSlab>(MappedTag{}, static_cast<char *>(pMapping),
                                           nMappingSize, pData, nSize);
    }
    catch (const std::bad_alloc &)
    {
        munmap(pMapping, nMappingSize);
        return nullptr;
    }
}

ChunkSlab::ChunkSlab(MappedTag, char *pMapping, size_t nMappingSize, char *pData, size_t nSize)
    : m_pMapping(pMapping), m_nMappingSize(nMappingSize), m_pData(pData), m_nSize(nSize)
{
}

ChunkSlab::~ChunkSlab()
{
    munmap(m_pMapping, m_nMappingSize);
}

void ChunkSlab::Populate(size_t nOffset, size_t nBytes) const
{
#ifdef MADV_POPULATE_WRITE
    if (nBytes == 0 || nOffset >= m_nSize)
        return;
    const size_t nStart = nOffset / PageSize() * PageSize();
    const size_t nEnd = RoundUp(std::min(nOffset + nBytes, m_nSize), PageSize());
    // Refused by kernels before 5.14: the read's writes fault the pages in.
    madvise(m_pData + nStart, nEnd - nStart, MADV_POPULATE_WRITE);
#else
    (void)nOffset;
    (void)nBytes;
#endif
}

void ChunkSlab::Release(size_t nOffset, size_t nBytes) const
{
    if (nOffset >= m_nSize)
        return;
    const size_t nStart = RoundUp(nOffset, PageSize());
    const size_t nEnd = std::min(nOffset + nBytes, m_nSize) / PageSize() * PageSize();
    if (nEnd > nStart)
        madvise(m_pData + nStart, nEnd - nStart, MADV_DONTNEED);
}

}  // namespace kerchunk
