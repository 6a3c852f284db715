#include "parquet_layout.h"

#include "error.h"

#include <algorithm>
#include <limits>

namespace kerchunk
{

ParquetChunkGrid ReadParquetChunkGrid(const std::string &osArray, const nlohmann::json &oZarray)
{
    const auto oShape = oZarray.find("shape");
    const auto oChunks = oZarray.find("chunks");
    if (oShape == oZarray.end() || oChunks == oZarray.end() || !oShape->is_array() ||
        !oChunks->is_array() || oShape->size() != oChunks->size())
        throw Error("array '" + osArray + "': .zarray without matching shape and chunks");
    ParquetChunkGrid oGrid;
    for (size_t i = 0; i < oShape->size(); ++i)
    {
        const auto &oExtent = (*oShape)[i];
        const auto &oChunk = (*oChunks)[i];
        if (!oExtent.is_number_unsigned() || !oChunk.is_number_unsigned() ||
            oChunk.get<uint64_t>() == 0)
            throw Error("array '" + osArray + "': shape and chunks must be positive integers");
        const uint64_t nExtent = oExtent.get<uint64_t>();
        const uint64_t nChunk = oChunk.get<uint64_t>();
        const uint64_t nCount = nExtent / nChunk + (nExtent % nChunk != 0);
        if (nCount != 0 && oGrid.nChunks > std::numeric_limits<uint64_t>::max() / nCount)
            throw Error("array '" + osArray + "': too many chunks");
        oGrid.nChunks *= nCount;
        oGrid.anChunksPerDim.push_back(nCount);
    }
    return oGrid;
}

bool ParquetChunkNumber(const ParquetChunkGrid &oGrid, const std::string &osChunk,
                        uint64_t &nNumber)
{
    const auto &anGrid = oGrid.anChunksPerDim;
    const size_t nDims = std::max<size_t>(anGrid.size(), 1);
    nNumber = 0;
    size_t nPos = 0;
    for (size_t iDim = 0; iDim < nDims; ++iDim)
    {
        const size_t nEnd = iDim + 1 == nDims ? osChunk.size() : osChunk.find('.', nPos);
        // 19 digits: the largest count that cannot overflow std::stoull.
        if (nEnd == std::string::npos || nEnd <= nPos || nEnd - nPos > 19 ||
            osChunk.find_first_not_of("0123456789", nPos) < nEnd)
            return false;
        const uint64_t nIndex = std::stoull(osChunk.substr(nPos, nEnd - nPos));
        const uint64_t nCount = anGrid.empty() ? 1 : anGrid[iDim];
        if (nIndex >= nCount)
            return false;
        // nNumber < the product of the counts, which fits (ReadParquetChunkGrid).
        nNumber = nNumber * nCount + nIndex;
        nPos = nEnd + 1;
    }
    return true;
}

std::string ParquetRecordFileName(uint64_t nRecord)
{
    return "refs." + std::to_string(nRecord) + ".parq";
}

}  // namespace kerchunk
