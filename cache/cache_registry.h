// In-process state of reference caches, owned by a process-level registry
// keyed by cache folder and settings: ReferenceCache objects are made per
// open, but what they share must outlive them.
//
// - Threads of this process generating one key in one folder wait for each
//   other (the lock file orders processes); the key mutexes belong to the
//   folder.
// - References kept in /vsimem/ when a folder cannot be written are reused
//   by later opens with the same folder and the same settings (generator
//   version, TTL, checksum verification); a cache with another folder or
//   other settings never sees them.
#pragma once

#include "reference_cache.h"

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace kerchunk
{

class CacheProcessState
{
  public:
    // One mutex per key; never freed (one small object per source opened).
    std::timed_mutex &KeyMutex(const std::string &osKey);

    // The in-memory entry of a key, if any.
    std::optional<CacheEntryInfo> FindInMemory(const std::string &osKey) const;
    // Makes oInfo the key's in-memory entry; the previous file is unlinked
    // (datasets still reading it keep its content alive).
    void KeepInMemory(const CacheEntryInfo &oInfo);
    // Removes the key's in-memory entry and its file, if any.
    void ForgetInMemory(const std::string &osKey);

  private:
    friend std::shared_ptr<CacheProcessState> GetCacheProcessState(const CacheConfig &);
    struct KeyMutexes
    {
        std::mutex oMutex{};
        std::map<std::string, std::unique_ptr<std::timed_mutex>> oByKey{};
    };

    std::shared_ptr<KeyMutexes> m_poKeyMutexes{};  // shared by the folder's states
    mutable std::mutex m_oMemoryMutex{};
    std::map<std::string, CacheEntryInfo> m_oMemoryEntries{};
};

// The state of caches with oConfig's folder and settings, made on first use
// and kept for the life of the process.
std::shared_ptr<CacheProcessState> GetCacheProcessState(const CacheConfig &oConfig);

}  // namespace kerchunk
