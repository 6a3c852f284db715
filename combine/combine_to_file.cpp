#include "combine_to_file.h"

#include "file_handles.h"

#include "error.h"

#include "cpl_vsi.h"

namespace kerchunk
{

CombineSummary CombineToFile(const std::vector<CombineInput> &aoInputs,
                             const CombineOptions &oOptions, const std::string &osFormat,
                             const std::string &osOutput)
{
    CombineSummary oSummary;
    WriteFileAtomically(osOutput,
                        [&](VSILFILE *fp)
                        {
                            const auto poOutput = CreateReferencesOutput(osFormat, fp);
                            oSummary = CombineReferences(aoInputs, oOptions, *poOutput);
                        });
    return oSummary;
}

}  // namespace kerchunk
