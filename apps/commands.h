// One function per gdal_kerchunk subcommand. Each takes the arguments after
// the subcommand's name and returns the process exit code.
#pragma once

#include "error.h"

#include <cstddef>
#include <string>
#include <vector>

namespace kerchunk::cli
{

int RunGenerate(const std::vector<std::string> &aosArgs);
int RunCache(const std::vector<std::string> &aosArgs);
int RunCombine(const std::vector<std::string> &aosArgs);
// JSON <-> Parquet references (reference_conversion.h).
int RunConvert(const std::vector<std::string> &aosArgs);
// The driver's child process (cache/generator_process.h).
int RunGenerateForDriver(const std::vector<std::string> &aosArgs);

// The value of the option at aosArgs[i]; i moves onto it. Throws "option
// <name> needs a value" when the option is last.
inline const std::string &TakeOptionValue(const std::vector<std::string> &aosArgs, size_t &i)
{
    if (i + 1 >= aosArgs.size())
        throw Error("option " + aosArgs[i] + " needs a value");
    return aosArgs[++i];
}

}  // namespace kerchunk::cli
