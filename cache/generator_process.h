// Isolated generation: references made by a child process (the
// `gdal_kerchunk generate-for-driver` command), so that a crash, an abort or a
// hang inside libhdf5, eccodes or a network read ends the child, never the
// application that opened the dataset. Implements the GenerateFunc contract of
// reference_cache.h: the references stream into the caller's file (the cache
// validates and commits them as for an in-process generation), and the
// progress function is called while the child runs -- also when it reports
// nothing -- so a FALSE (timeout, user cancel) ends the child at once.
#pragma once

#include "reference_cache.h"

#include <string>

namespace kerchunk
{

// Runs osCommand (a gdal_kerchunk executable) on osSource. GDAL config
// options of this process reach the child through its environment. Throws
// kerchunk::Error with the child's own message when generation failed, or
// naming the source and the signal / exit code when the child died.
GenerateStats GenerateInChildProcess(const std::string &osCommand,
                                     const std::string &osSource, VSILFILE *fp,
                                     GDALProgressFunc pfnProgress,
                                     void *pProgressData);

GenerateFunc MakeChildProcessGenerate(const std::string &osCommand);

}  // namespace kerchunk
