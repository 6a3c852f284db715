// Where the driver generates references on a cache miss: in a child process
// (the gdal_kerchunk command installed beside the plugin) by default, so that
// a source that crashes or hangs a library cannot take the host application
// down; in this process when asked, or when the command cannot be found.
#pragma once

#include "reference_cache.h"

#include <string>

namespace kerchunk
{

// From KERCHUNK_GENERATION_ISOLATION (PROCESS, the default, or IN_PROCESS)
// and KERCHUNK_GENERATOR_COMMAND. Throws kerchunk::Error on a malformed
// value, or when the named command is not executable.
GenerateFunc SelectGenerateFunc();

// The same choice for many sources generated one after the other by one
// thread: with isolation, they share one child process (generator_process.h,
// ReusableGeneratorProcess), started at the first cache miss. One per thread.
GenerateFunc SelectReusableGenerateFunc();

// The gdal_kerchunk command beside this plugin (build tree: next to the
// gdalplugins/ folder; installed: the bin folder of the same prefix), or ""
// when there is none.
std::string FindGeneratorCommandBesidePlugin();

}  // namespace kerchunk
