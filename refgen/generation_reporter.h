// Skips and progress of one generation, worded the same way by the three
// generators (hdf5/, netcdf3/, grib/):
//
//   skipped   stats entry "<array>: <reason>", and the CE_Warning
//             "<source>: <array> skipped: <reason>"
//   --strict  kerchunk::Error "<source>: <array>: <reason> (--strict)"
//   cancel    kerchunk::Error "<source>: interrupted" when the progress
//             function returns FALSE
//
// <array> is the array's path ("/group/t2m"), or for GRIB the message
// ("GRIB message 3 field 2 (offset 1234)").
#pragma once

#include "generator.h"

#include <string>

namespace kerchunk
{

class GenerationReporter
{
  public:
    GenerationReporter(const std::string &osSource, const GenerateOptions &oOptions,
                       GenerateStats &oStats)
        : m_osSource(osSource), m_oOptions(oOptions), m_oStats(oStats)
    {
    }

    // Records a skipped array, or throws with --strict.
    void Skip(const std::string &osArray, const std::string &osReason);

    // Reports dfComplete (0 to 1); throws when the user cancels.
    void Progress(double dfComplete);

    // osMessage without a leading "<source>: " (errors thrown inside a
    // generator name the source; a skip names it once).
    std::string WithoutSource(const std::string &osMessage) const;

  private:
    const std::string &m_osSource;
    const GenerateOptions &m_oOptions;
    GenerateStats &m_oStats;
};

}  // namespace kerchunk
