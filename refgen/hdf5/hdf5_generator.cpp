// Placeholder until the HDF5 scanner lands (issue 3).
#include "../error.h"
#include "../generator.h"

namespace kerchunk
{
GenerateStats GenerateHDF5References(const std::string &osSource,
                                     const GenerateOptions &, ReferenceWriter &)
{
    throw Error(osSource + ": HDF5 reference generation is not implemented yet");
}
}  // namespace kerchunk
