#include "generation_isolation.h"

#include "generator_process.h"

#include "config_options.h"
#include "error.h"

#include "cpl_conv.h"
#include "cpl_error.h"
#include "cpl_string.h"

#include <dlfcn.h>
#include <sys/stat.h>
#include <unistd.h>

// Path of the installed command relative to the installed plugin's folder
// (computed by CMake from the install directories).
#ifndef KERCHUNK_INSTALLED_COMMAND_FROM_PLUGIN_DIR
#define KERCHUNK_INSTALLED_COMMAND_FROM_PLUGIN_DIR "../../bin/gdal_kerchunk"
#endif

namespace kerchunk
{

namespace
{

bool IsExecutableFile(const std::string &osPath)
{
    struct stat sStat;
    return stat(osPath.c_str(), &sStat) == 0 && S_ISREG(sStat.st_mode) &&
           access(osPath.c_str(), X_OK) == 0;
}

}  // namespace

std::string FindGeneratorCommandBesidePlugin()
{
    Dl_info sInfo;
    if (dladdr(reinterpret_cast<void *>(&FindGeneratorCommandBesidePlugin), &sInfo) == 0 ||
        sInfo.dli_fname == nullptr)
        return std::string();
    const std::string osPluginDir = CPLGetPath(sInfo.dli_fname);
    for (const char *pszRelative :
         {"../gdal_kerchunk", KERCHUNK_INSTALLED_COMMAND_FROM_PLUGIN_DIR})
    {
        const std::string osCandidate = osPluginDir + "/" + pszRelative;
        if (IsExecutableFile(osCandidate))
            return osCandidate;
    }
    return std::string();
}

namespace
{

// The command isolated generation runs, or "" for generation in this
// process.
std::string SelectGeneratorCommand()
{
    const std::string osMode = GetStringOption("KERCHUNK_GENERATION_ISOLATION");
    if (EQUAL(osMode.c_str(), "IN_PROCESS"))
        return std::string();
    if (!EQUAL(osMode.c_str(), "PROCESS"))
        throw Error("KERCHUNK_GENERATION_ISOLATION=" + osMode +
                    ": expected PROCESS or IN_PROCESS");

    const std::string osNamedCommand = GetStringOption("KERCHUNK_GENERATOR_COMMAND");
    if (!osNamedCommand.empty())
    {
        // Named explicitly: not finding it is an error, not a silent change.
        if (!IsExecutableFile(osNamedCommand))
            throw Error("KERCHUNK_GENERATOR_COMMAND=" + osNamedCommand +
                        ": not an executable file");
        return osNamedCommand;
    }
    const std::string osCommand = FindGeneratorCommandBesidePlugin();
    if (osCommand.empty())
        CPLDebug("KERCHUNK",
                 "gdal_kerchunk not found beside the plugin: generating "
                 "references in this process (set KERCHUNK_GENERATOR_COMMAND)");
    return osCommand;
}

}  // namespace

GenerateFunc SelectGenerateFunc()
{
    const std::string osCommand = SelectGeneratorCommand();
    return osCommand.empty() ? GenerateFunc(DefaultGenerate) : MakeChildProcessGenerate(osCommand);
}

GenerateFunc SelectReusableGenerateFunc()
{
    const std::string osCommand = SelectGeneratorCommand();
    return osCommand.empty() ? GenerateFunc(DefaultGenerate)
                             : MakeReusableChildProcessGenerate(osCommand);
}

}  // namespace kerchunk
