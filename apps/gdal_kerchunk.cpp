// gdal_kerchunk: the companion command. Dispatches to one function per
// subcommand; every exception is caught here, once.
#include "commands.h"

#include "cpl_conv.h"
#include "cpl_error.h"
#include "cpl_string.h"
#include "gdal.h"

#include <cstdio>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

static void Usage()
{
    fprintf(stderr,
            "Usage: gdal_kerchunk generate SOURCE -o OUT [--inline-threshold BYTES]\n"
            "                     [--var NAME]... [--strict] [--templates]\n"
            "                     [--relative] [-q]\n"
            "       gdal_kerchunk generate --cache [--force] [-j N] [-q]\n"
            "                     SOURCE... [--from-file LIST]\n"
            "       gdal_kerchunk generate -o FOLDER [-j N] [-q] SOURCE...\n"
            "                     [--from-file LIST] [generation options]\n"
            "       gdal_kerchunk combine INPUT... -o OUT [--concat-dim DIM]...\n"
            "                     [--new-dim NAME [--dim-values index|regex:PATTERN|attr:NAME]]\n"
            "                     [--identical-dims NAME,...] [-of json|parquet]\n"
            "                     [--record-size N] [--compression zstd|snappy|none]\n"
            "                     [-j N] [--cache] [--from-file LIST] [-q]\n"
            "       gdal_kerchunk cache list | info SOURCE | rm SOURCE... |\n"
            "                     purge [--older-than DAYS] |\n"
            "                     stats [--since DAYS] [-of text|json|prometheus] |\n"
            "                     verify [-of text|json]\n"
            "       gdal_kerchunk convert IN -o OUT [-of parquet|json]\n"
            "                     [--record-size N] [--compression zstd|snappy|none] [-q]\n");
}

int main(int argc, char **argv)
{
    argc = GDALGeneralCmdLineProcessor(argc, &argv, 0);
    if (argc < 1)
        return 1;
    std::vector<std::string> aosArgs(argv + 1, argv + argc);
    CSLDestroy(argv);

    int nRet = 1;
    try
    {
        if (aosArgs.empty() || aosArgs[0] == "--help" || aosArgs[0] == "-h")
        {
            Usage();
            nRet = aosArgs.empty() ? 1 : 0;
        }
        else
        {
            const std::string osCommand = aosArgs[0];
            aosArgs.erase(aosArgs.begin());
            if (osCommand == "generate")
                nRet = kerchunk::cli::RunGenerate(aosArgs);
            else if (osCommand == "combine")
                nRet = kerchunk::cli::RunCombine(aosArgs);
            else if (osCommand == "convert")
                nRet = kerchunk::cli::RunConvert(aosArgs);
            else if (osCommand == "cache")
                nRet = kerchunk::cli::RunCache(aosArgs);
            else if (osCommand == "generate-for-driver")
                nRet = kerchunk::cli::RunGenerateForDriver(aosArgs);
            else
            {
                fprintf(stderr, "gdal_kerchunk: unknown command '%s'\n",
                        osCommand.c_str());
                Usage();
            }
        }
    }
    catch (const std::exception &e)
    {
        fprintf(stderr, "gdal_kerchunk: %s\n", e.what());
        nRet = 1;
    }
    GDALDestroyDriverManager();
    return nRet;
}
