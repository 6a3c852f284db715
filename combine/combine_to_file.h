// Combine straight into a file or folder, never leaving a partial output:
// JSON is written under a temporary name and renamed; a Parquet folder is
// written once everything is checked and removed again if writing fails.
#pragma once

#include "combiner.h"

#include <string>
#include <vector>

namespace kerchunk
{

CombineSummary CombineToFile(const std::vector<CombineInput> &aoInputs,
                             const CombineOptions &oOptions, const ReferencesFormat &oFormat,
                             const std::string &osOutput);

// The JSON or Parquet output with default Parquet options.
CombineSummary CombineToFile(const std::vector<CombineInput> &aoInputs,
                             const CombineOptions &oOptions, const std::string &osFormat,
                             const std::string &osOutput);

}  // namespace kerchunk
