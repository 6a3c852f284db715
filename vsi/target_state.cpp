#include "target_state.h"

#include "cpl_vsi.h"

namespace kerchunk
{

void ForgetTargetStateAfterFailure(const std::string &osTarget)
{
    // Only the file systems built on GDAL's curl handler keep such state;
    // VSICurlPartialClearCache ignores other handlers.
    VSICurlPartialClearCache(osTarget.c_str());
}

}  // namespace kerchunk
