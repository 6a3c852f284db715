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

}  // namespace kerchunk
