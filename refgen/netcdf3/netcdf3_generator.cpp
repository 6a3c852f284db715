// Placeholder until the NetCDF-3 scanner lands (issue 4).
#include "../error.h"
#include "../generator.h"

namespace kerchunk
{
GenerateStats GenerateNetCDF3References(const std::string &osSource,
                                     const GenerateOptions &, ReferenceWriter &)
{
    throw Error(osSource + ": NetCDF-3 reference generation is not implemented yet");
}
}  // namespace kerchunk
