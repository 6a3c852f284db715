// Placeholder until the GRIB scanner lands (issue 4).
#include "../error.h"
#include "../generator.h"

namespace kerchunk
{
GenerateStats GenerateGRIBReferences(const std::string &osSource,
                                     const GenerateOptions &, ReferenceWriter &)
{
    throw Error(osSource + ": GRIB reference generation is not implemented yet");
}
}  // namespace kerchunk
