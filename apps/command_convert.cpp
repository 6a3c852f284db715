// gdal_kerchunk convert IN -o OUT [-of parquet|json] [--record-size N]
//                       [--compression zstd|snappy|none] [-q]
// Converts references between JSON and Parquet (fsspec's layout), either way.
#include "commands.h"
#include "reference_conversion.h"

#include "error.h"
#include "parquet_references.h"
#include "parquet_references_writer.h"

#include <cstdio>

namespace kerchunk::cli
{
namespace
{

struct ConvertArgs
{
    std::string osInput{};
    std::string osOutput{};
    std::string osFormat{};  // "" = the other one
    ParquetWriteOptions oParquet{};
    bool bQuiet = false;
};

ConvertArgs ParseArgs(const std::vector<std::string> &aosArgs)
{
    ConvertArgs sArgs;
    for (size_t i = 0; i < aosArgs.size(); ++i)
    {
        const std::string &osArg = aosArgs[i];
        if (osArg == "-o")
            sArgs.osOutput = TakeOptionValue(aosArgs, i);
        else if (osArg == "-of")
            sArgs.osFormat = TakeOptionValue(aosArgs, i);
        else if (TakeParquetWriteOption(aosArgs, i, sArgs.oParquet))
            continue;
        else if (osArg == "-q")
            sArgs.bQuiet = true;
        else if (!osArg.empty() && osArg[0] == '-')
            throw Error("unknown option " + osArg);
        else if (sArgs.osInput.empty())
            sArgs.osInput = osArg;
        else
            throw Error("convert takes one input, got '" + sArgs.osInput + "' and '" + osArg + "'");
    }
    if (sArgs.osInput.empty() || sArgs.osOutput.empty())
        throw Error("usage: gdal_kerchunk convert IN -o OUT [-of parquet|json] "
                    "[--record-size N] [--compression zstd|snappy|none]");
    if (sArgs.osFormat.empty())
        sArgs.osFormat = IsParquetReferences(sArgs.osInput) ? "json" : "parquet";
    if (sArgs.osFormat != "parquet" && sArgs.osFormat != "json")
        throw Error("-of must be parquet or json, not '" + sArgs.osFormat + "'");
    return sArgs;
}

}  // namespace

int RunConvert(const std::vector<std::string> &aosArgs)
{
    const ConvertArgs sArgs = ParseArgs(aosArgs);
    const ReferenceSet oSet = ReadAllReferences(sArgs.osInput);
    if (sArgs.osFormat == "parquet")
        WriteParquetReferences(oSet, sArgs.osOutput, sArgs.oParquet);
    else
        WriteJsonReferences(oSet, sArgs.osOutput);
    if (!sArgs.bQuiet)
        printf("%s: %zu references written as %s\n", sArgs.osOutput.c_str(), oSet.size(),
               sArgs.osFormat.c_str());
    return 0;
}

}  // namespace kerchunk::cli
