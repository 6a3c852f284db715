// Combine straight into a file: written under a temporary name and renamed,
// so a failure never leaves a partial output.
#pragma once

#include "combiner.h"

#include <string>
#include <vector>

namespace kerchunk
{

CombineSummary CombineToFile(const std::vector<CombineInput> &aoInputs,
                             const CombineOptions &oOptions, const std::string &osFormat,
                             const std::string &osOutput);

}  // namespace kerchunk
