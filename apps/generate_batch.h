// `gdal_kerchunk generate` over many sources (SOURCE..., --from-file LIST),
// into a folder or into the reference cache (--cache), on N threads (-j N),
// with GDAL's progress bar and a summary line.
#pragma once

#include "generator.h"

#include "cpl_progress.h"

#include <functional>
#include <string>
#include <vector>

namespace kerchunk::cli
{

struct BatchOptions
{
    bool bCache = false;  // into the cache (KERCHUNK_CACHE_DIR) instead of -o
    bool bForce = false;  // --cache: regenerate up-to-date entries too
    bool bQuiet = false;  // no progress bar, no summary
    int nJobs = 1;
};

// Generates the references of one source into osOutput (the single-source
// path of `generate`); throws kerchunk::Error.
using GenerateOneFunc = std::function<GenerateStats(
    const std::string &osSource, const std::string &osOutput,
    GDALProgressFunc pfnProgress, void *pProgressData)>;

// Without --cache, osOutDir is an existing folder receiving
// <source file name>.json for each source. Returns the exit code: 1 when any
// source failed (each failure is printed with its source's name).
int RunGenerateBatch(const std::vector<std::string> &aosSources,
                     const std::string &osOutDir, const BatchOptions &oOptions,
                     const GenerateOneFunc &fnGenerateOne);

// Sources listed in a file, one per line ("-": standard input); blank lines
// and lines starting with '#' are ignored.
std::vector<std::string> ReadSourceList(const std::string &osListFile);

// -j N: a positive number of jobs.
int ParseJobCount(const std::string &osValue);

}  // namespace kerchunk::cli
