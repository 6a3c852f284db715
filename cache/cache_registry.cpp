#include "cache_registry.h"

#include "cpl_conv.h"
#include "cpl_vsi.h"

namespace kerchunk
{

std::timed_mutex &CacheProcessState::KeyMutex(const std::string &osKey)
{
    std::lock_guard<std::mutex> oLock(m_poKeyMutexes->oMutex);
    auto &poMutex = m_poKeyMutexes->oByKey[osKey];
    if (!poMutex)
        poMutex = std::make_unique<std::timed_mutex>();
    return *poMutex;
}

std::optional<CacheEntryInfo> CacheProcessState::FindInMemory(const std::string &osKey) const
{
    std::lock_guard<std::mutex> oLock(m_oMemoryMutex);
    const auto oIter = m_oMemoryEntries.find(osKey);
    if (oIter == m_oMemoryEntries.end())
        return std::nullopt;
    return oIter->second;
}

void CacheProcessState::KeepInMemory(const CacheEntryInfo &oInfo)
{
    std::lock_guard<std::mutex> oLock(m_oMemoryMutex);
    auto &oSlot = m_oMemoryEntries[oInfo.osKey];
    if (!oSlot.osReferencesPath.empty() && oSlot.osReferencesPath != oInfo.osReferencesPath)
        VSIUnlink(oSlot.osReferencesPath.c_str());
    oSlot = oInfo;
}

void CacheProcessState::ForgetInMemory(const std::string &osKey)
{
    std::lock_guard<std::mutex> oLock(m_oMemoryMutex);
    const auto oIter = m_oMemoryEntries.find(osKey);
    if (oIter == m_oMemoryEntries.end())
        return;
    VSIUnlink(oIter->second.osReferencesPath.c_str());
    m_oMemoryEntries.erase(oIter);
}

std::shared_ptr<CacheProcessState> GetCacheProcessState(const CacheConfig &oConfig)
{
    // The registry itself is the one process-wide object: caches are made
    // per open and their shared state must outlive each of them.
    static std::mutex oRegistryMutex;
    static std::map<std::string, std::shared_ptr<CacheProcessState::KeyMutexes>> oFolders;
    static std::map<std::string, std::shared_ptr<CacheProcessState>> oStates;

    // The settings that decide which entries are valid.
    const std::string osSettings =
        oConfig.osGeneratorVersion + '\n' + CPLSPrintf("%.17g", oConfig.dfTTLDays) + '\n' +
        (oConfig.bVerifyChecksum ? "verify" : "size-only");
    std::lock_guard<std::mutex> oLock(oRegistryMutex);
    auto &poState = oStates[oConfig.osDir + '\n' + osSettings];
    if (!poState)
    {
        auto &poKeyMutexes = oFolders[oConfig.osDir];
        if (!poKeyMutexes)
            poKeyMutexes = std::make_shared<CacheProcessState::KeyMutexes>();
        poState = std::make_shared<CacheProcessState>();
        poState->m_poKeyMutexes = poKeyMutexes;
    }
    return poState;
}

}  // namespace kerchunk
