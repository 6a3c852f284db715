#include "chunk_cache.h"

namespace kerchunk
{

std::string ChunkCache::MakeKey(const std::string &osTarget, uint64_t nOffset,
                                uint64_t nSize)
{
    // '\n' cannot occur in a GDAL path, so keys cannot collide.
    return osTarget + '\n' + std::to_string(nOffset) + '+' + std::to_string(nSize);
}

ChunkCache::Bytes ChunkCache::Get(const std::string &osKey)
{
    std::lock_guard<std::mutex> oLock(m_oMutex);
    const auto oIter = m_oIndex.find(osKey);
    if (oIter == m_oIndex.end())
        return nullptr;
    m_oLRU.splice(m_oLRU.begin(), m_oLRU, oIter->second);
    return oIter->second->second;
}

bool ChunkCache::Contains(const std::string &osKey) const
{
    std::lock_guard<std::mutex> oLock(m_oMutex);
    return m_oIndex.count(osKey) != 0;
}

void ChunkCache::Put(const std::string &osKey, Bytes poBytes, uint64_t nCapacity)
{
    if (!poBytes)
        return;
    const uint64_t nSize = poBytes->size();
    std::lock_guard<std::mutex> oLock(m_oMutex);
    const auto oIter = m_oIndex.find(osKey);
    if (oIter != m_oIndex.end())
    {
        m_nTotalBytes -= oIter->second->second->size();
        m_oLRU.erase(oIter->second);
        m_oIndex.erase(oIter);
    }
    if (nSize > nCapacity)
    {
        EvictUntil(nCapacity);
        return;
    }
    EvictUntil(nCapacity - nSize);
    m_oLRU.emplace_front(osKey, std::move(poBytes));
    m_oIndex[osKey] = m_oLRU.begin();
    m_nTotalBytes += nSize;
}

void ChunkCache::EvictUntil(uint64_t nCapacity)
{
    while (m_nTotalBytes > nCapacity && !m_oLRU.empty())
    {
        m_nTotalBytes -= m_oLRU.back().second->size();
        m_oIndex.erase(m_oLRU.back().first);
        m_oLRU.pop_back();
    }
}

void ChunkCache::Clear()
{
    std::lock_guard<std::mutex> oLock(m_oMutex);
    m_oLRU.clear();
    m_oIndex.clear();
    m_nTotalBytes = 0;
}

uint64_t ChunkCache::GetTotalBytes() const
{
    std::lock_guard<std::mutex> oLock(m_oMutex);
    return m_nTotalBytes;
}

size_t ChunkCache::GetEntryCount() const
{
    std::lock_guard<std::mutex> oLock(m_oMutex);
    return m_oIndex.size();
}

}  // namespace kerchunk
