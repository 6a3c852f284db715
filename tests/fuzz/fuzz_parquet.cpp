// libFuzzer harness: the Parquet reader (parquet/), as Parquet references
// use it: every column of an arbitrary file is decoded (footer, page headers,
// dictionary and data pages, levels, none/snappy/zstd pages), and the values
// of each row are touched. Any input must give a table or an Error, never a
// crash, a read out of bounds or a huge allocation.
#include "error.h"
#include "parquet_reader.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *pabyData, size_t nSize)
{
    try
    {
        const auto oTable = kerchunk::parquet::ReadParquet(pabyData, nSize, "fuzz.parq");
        size_t nTotal = 0;
        for (const auto &oColumn : oTable.aoColumns)
        {
            for (size_t i = 0; i < static_cast<size_t>(oTable.nRows); ++i)
            {
                if (oColumn.eType == kerchunk::parquet::PhysicalType::ByteArray)
                    nTotal += oColumn.IsNull(i)
                                  ? 0
                                  : oColumn.aosValues.at(static_cast<size_t>(oColumn.anIndex[i]))
                                        .size();
                else
                    nTotal += static_cast<size_t>(oColumn.anInts.at(i) & 1);
            }
        }
        (void)nTotal;
    }
    catch (const kerchunk::Error &)
    {
    }
    return 0;
}
