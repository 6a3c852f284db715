#include "target_open.h"

#include "cpl_conv.h"

namespace kerchunk
{

namespace
{

constexpr const char *READDIR_OPTION = "GDAL_DISABLE_READDIR_ON_OPEN";

}  // namespace

VSILFILE *OpenTargetForRangeReads(const std::string &osTarget, bool bSetError)
{
    if (CPLGetConfigOption(READDIR_OPTION, nullptr) != nullptr)
        return VSIFOpenExL(osTarget.c_str(), "rb", bSetError);
    // Thread-local: other threads' opens keep the user's configuration.
    CPLSetThreadLocalConfigOption(READDIR_OPTION, "EMPTY_DIR");
    VSILFILE *fp = VSIFOpenExL(osTarget.c_str(), "rb", bSetError);
    CPLSetThreadLocalConfigOption(READDIR_OPTION, nullptr);
    return fp;
}

VSILFILE *TargetOpener::Open(const std::string &osTarget)
{
    std::unique_lock<std::mutex> oLock(m_oMutex);
    if (m_oStarted.count(osTarget))
    {
        m_oOpened.wait(oLock, [&] { return m_oOpening.count(osTarget) == 0; });
        oLock.unlock();
        return OpenTargetForRangeReads(osTarget, true);
    }
    // Both sets are updated before the open, so that what follows it
    // cannot throw: waiting workers are always released.
    m_oStarted.insert(osTarget);
    m_oOpening.insert(osTarget);
    oLock.unlock();
    VSILFILE *fp = OpenTargetForRangeReads(osTarget, true);
    oLock.lock();
    // A failed first open lets the others try for themselves.
    m_oOpening.erase(osTarget);
    m_oOpened.notify_all();
    return fp;
}

}  // namespace kerchunk
