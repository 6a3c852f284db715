// The bytes of fetched chunks, kept in memory so that the Zarr driver's
// per-key opens after a batch fetch are served without a request. Keyed by
// the byte range itself (target, offset, size): every reference set naming
// the same range shares the entry. Least recently used entries go first; the
// total never exceeds the capacity given to Put. Thread-safe.
#pragma once

#include "chunk_bytes.h"

#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace kerchunk
{

class ChunkCache
{
  public:
    using Bytes = SharedChunkBytes;

    static std::string MakeKey(const std::string &osTarget, uint64_t nOffset,
                               uint64_t nSize);

    // Null when absent; a hit becomes the most recently used entry.
    Bytes Get(const std::string &osKey);
    bool Contains(const std::string &osKey) const;
    // Stores the bytes, evicting the least recently used entries until the
    // total fits nCapacity; bytes larger than nCapacity are not stored.
    void Put(const std::string &osKey, Bytes poBytes, uint64_t nCapacity);
    void Clear();

    uint64_t GetTotalBytes() const;
    size_t GetEntryCount() const;

  private:
    using Entry = std::pair<std::string, Bytes>;

    void EvictUntil(uint64_t nCapacity);  // with m_oMutex held

    mutable std::mutex m_oMutex{};
    std::list<Entry> m_oLRU{};  // most recently used first
    std::unordered_map<std::string, std::list<Entry>::iterator> m_oIndex{};
    uint64_t m_nTotalBytes = 0;
};

}  // namespace kerchunk
