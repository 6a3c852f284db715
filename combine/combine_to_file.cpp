#include "combine_to_file.h"

#include "file_handles.h"

#include "error.h"

#include "cpl_vsi.h"

namespace kerchunk
{

CombineSummary CombineToFile(const std::vector<CombineInput> &aoInputs,
                             const CombineOptions &oOptions, const ReferencesFormat &oFormat,
                             const std::string &osOutput)
{
    CheckReferencesOutputFormat(oFormat.osName);
    if (oFormat.osName == "parquet")
    {
        const auto poOutput = CreateParquetReferencesOutput(osOutput, oFormat.oParquet);
        return CombineReferences(aoInputs, oOptions, *poOutput);
    }
    CombineSummary oSummary;
    WriteFileAtomically(osOutput,
                        [&](VSILFILE *fp)
                        {
                            const auto poOutput = CreateJsonReferencesOutput(fp);
                            oSummary = CombineReferences(aoInputs, oOptions, *poOutput);
                        });
    return oSummary;
}

CombineSummary CombineToFile(const std::vector<CombineInput> &aoInputs,
                             const CombineOptions &oOptions, const std::string &osFormat,
                             const std::string &osOutput)
{
    ReferencesFormat oFormat;
    oFormat.osName = osFormat;
    return CombineToFile(aoInputs, oOptions, oFormat, osOutput);
}

}  // namespace kerchunk
