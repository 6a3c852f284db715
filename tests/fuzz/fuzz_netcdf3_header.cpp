// libFuzzer harness: the NetCDF-3 header parser and layout
// (refgen/netcdf3): any input either parses, with every chunk inside the
// input, or is refused with kerchunk::Error.
#include "netcdf3/netcdf3_attributes.h"
#include "netcdf3/netcdf3_header.h"
#include "netcdf3/netcdf3_layout.h"

#include "error.h"

#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *pabyData, size_t nSize)
{
    try
    {
        auto oHeader = kerchunk::ParseNetCDF3Header(pabyData, nSize, nSize, "fuzz.nc");
        if (!oHeader)
            abort();  // the whole file was given: never "need more bytes"
        const uint64_t nRecSize = kerchunk::NC3RecordSize(*oHeader, "fuzz.nc");
        const uint64_t nNumRecs = kerchunk::NC3NumRecords(*oHeader, nRecSize, nSize);
        for (const auto &oVar : oHeader->aoVariables)
        {
            try
            {
                const auto oLayout = kerchunk::ComputeNC3ArrayLayout(
                    *oHeader, oVar, nRecSize, nNumRecs, nSize, 64, "fuzz.nc", kerchunk::NC3StringDimensions(*oHeader));
                if (oLayout.nChunkCount > 0 &&
                    oLayout.nFirstOffset + (oLayout.nChunkCount - 1) * oLayout.nChunkStride +
                            oLayout.nChunkBytes >
                        nSize)
                    abort();  // a chunk outside the file
                (void)kerchunk::NC3FillValue(oVar).dump();
                (void)kerchunk::NC3VariableAttributes(oVar).dump();
            }
            catch (const kerchunk::Error &)
            {
            }
        }
        for (const auto &oAttr : oHeader->aoAttributes)
            (void)kerchunk::NC3AttributeValue(oAttr).dump();
    }
    catch (const kerchunk::Error &)
    {
    }
    return 0;
}
