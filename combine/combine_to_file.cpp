#include "combine_to_file.h"

#include "file_handles.h"

#include "error.h"

#include "cpl_multiproc.h"
#include "cpl_vsi.h"

namespace kerchunk
{

CombineSummary CombineToFile(const std::vector<CombineInput> &aoInputs,
                             const CombineOptions &oOptions, const std::string &osFormat,
                             const std::string &osOutput)
{
    // CPLGetPID() is the thread id: unique among concurrent writers.
    const std::string osTemp = osOutput + ".tmp" + std::to_string(CPLGetPID());
    VSIFilePtr poFile = OpenVSIFile(osTemp, "wb");
    if (!poFile)
        throw Error("cannot create " + osTemp);
    CombineSummary oSummary;
    try
    {
        const auto poOutput = CreateReferencesOutput(osFormat, poFile.get());
        oSummary = CombineReferences(aoInputs, oOptions, *poOutput);
    }
    catch (...)
    {
        poFile.reset();
        VSIUnlink(osTemp.c_str());
        throw;
    }
    if (!CloseVSIFile(poFile) || VSIRename(osTemp.c_str(), osOutput.c_str()) != 0)
    {
        VSIUnlink(osTemp.c_str());
        throw Error("cannot write " + osOutput);
    }
    return oSummary;
}

}  // namespace kerchunk
