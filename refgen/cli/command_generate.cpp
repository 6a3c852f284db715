// gdal_kerchunk generate SOURCE -o OUT ...
#include "commands.h"

#include "../error.h"
#include "../generator.h"

#include "cpl_conv.h"
#include "cpl_multiproc.h"
#include "cpl_string.h"
#include "cpl_vsi.h"

#include <cstdio>
#include <memory>

namespace kerchunk::cli
{

int RunGenerate(const std::vector<std::string> &aosArgs)
{
    std::string osSource;
    std::string osOutput;
    bool bQuiet = false;
    bool bTemplates = false;
    GenerateOptions oOptions;
    for (size_t i = 0; i < aosArgs.size(); ++i)
    {
        const std::string &osArg = aosArgs[i];
        auto NextValue = [&]() -> const std::string &
        {
            if (i + 1 >= aosArgs.size())
                throw Error("option " + osArg + " needs a value");
            return aosArgs[++i];
        };
        if (osArg == "-o")
            osOutput = NextValue();
        else if (osArg == "--inline-threshold")
            oOptions.nInlineThreshold = std::stoull(NextValue());
        else if (osArg == "--var")
            oOptions.aosVariables.push_back(NextValue());
        else if (osArg == "--strict")
            oOptions.bStrict = true;
        else if (osArg == "--templates")
            bTemplates = true;
        else if (osArg == "-q")
            bQuiet = true;
        else if (!osArg.empty() && osArg[0] == '-')
            throw Error("unknown option " + osArg);
        else if (osSource.empty())
            osSource = osArg;
        else
            throw Error("only one SOURCE is accepted");
    }
    if (osSource.empty() || osOutput.empty())
        throw Error("generate needs SOURCE and -o OUT");

    // Write to a temporary name and rename, so that a failure never leaves a
    // partial OUT.
    const std::string osTemp = osOutput + ".tmp" + std::to_string(CPLGetPID());
    VSILFILE *fp = VSIFOpenL(osTemp.c_str(), "wb");
    if (fp == nullptr)
        throw Error("cannot create " + osTemp);
    GenerateStats oStats;
    try
    {
        const char *pszAbs = CPLIsFilenameRelative(osSource.c_str())
                                 ? CPLFormFilename(CPLGetCurrentDir(),
                                                   osSource.c_str(), nullptr)
                                 : osSource.c_str();
        ReferenceWriter oWriter(fp, pszAbs, bTemplates);
        oStats = GenerateReferences(osSource, oOptions, oWriter);
        oWriter.Finish();
    }
    catch (...)
    {
        VSIFCloseL(fp);
        VSIUnlink(osTemp.c_str());
        throw;
    }
    if (VSIFCloseL(fp) != 0 || VSIRename(osTemp.c_str(), osOutput.c_str()) != 0)
    {
        VSIUnlink(osTemp.c_str());
        throw Error("cannot write " + osOutput);
    }
    if (!bQuiet)
        printf("%s: %llu arrays, %llu chunks, %zu skipped\n", osOutput.c_str(),
               static_cast<unsigned long long>(oStats.nArrays),
               static_cast<unsigned long long>(oStats.nChunks),
               oStats.aosSkipped.size());
    return 0;
}

}  // namespace kerchunk::cli
