#include "chunk_grid.h"

#include <cstdlib>

namespace kerchunk
{

std::string ArrayKeyOf(const std::string &osFullName)
{
    const size_t nFirst = osFullName.find_first_not_of('/');
    return nFirst == std::string::npos ? std::string() : osFullName.substr(nFirst);
}

ChunkGrid::ChunkGrid(std::string osArrayKey, std::string osSeparator,
                     std::vector<uint64_t> anChunkSize)
    : m_osPrefix(osArrayKey.empty() ? std::string() : osArrayKey + "/"),
      m_osSeparator(std::move(osSeparator)), m_anChunkSize(std::move(anChunkSize))
{
}

bool ChunkGrid::AppendKeys(const std::vector<uint64_t> &anStart,
                           const std::vector<uint64_t> &anCount, size_t nMaxKeys,
                           std::vector<std::string> &aosKeys) const
{
    const size_t nDims = m_anChunkSize.size();
    if (anStart.size() != nDims || anCount.size() != nDims)
        return false;
    std::vector<std::vector<uint64_t>> aanIndices(nDims);
    uint64_t nKeys = 1;
    for (size_t i = 0; i < nDims; ++i)
    {
        if (anCount[i] == 0 || m_anChunkSize[i] == 0)
            return true;  // an empty window needs nothing
        const uint64_t nFirst = anStart[i] / m_anChunkSize[i];
        const uint64_t nLast = (anStart[i] + anCount[i] - 1) / m_anChunkSize[i];
        nKeys *= nLast - nFirst + 1;
        if (nKeys > nMaxKeys)
            return false;
        for (uint64_t n = nFirst; n <= nLast; ++n)
            aanIndices[i].push_back(n);
    }
    return AppendKeysOfIndices(aanIndices, nMaxKeys, aosKeys);
}

std::vector<uint64_t> ChunkGrid::ChunkIndicesAlong(size_t iDim, uint64_t nStart,
                                                   uint64_t nCount, int64_t nStep) const
{
    std::vector<uint64_t> anIndices;
    const uint64_t nChunk = iDim < m_anChunkSize.size() ? m_anChunkSize[iDim] : 0;
    if (nCount == 0 || nChunk == 0)
        return anIndices;
    const uint64_t nAbsStep = static_cast<uint64_t>(std::llabs(nStep));
    const uint64_t nFirst = nStart / nChunk;
    if (nCount == 1 || nAbsStep == 0)
        return {nFirst};
    const uint64_t nEnd = nStep > 0 ? nStart + (nCount - 1) * nAbsStep
                                    : nStart - (nCount - 1) * nAbsStep;
    if (nAbsStep <= nChunk)
    {
        // Consecutive elements are at most one chunk apart: every chunk
        // between the first and the last one is touched.
        const uint64_t nLast = nEnd / nChunk;
        for (uint64_t n = nFirst;; n = nStep > 0 ? n + 1 : n - 1)
        {
            anIndices.push_back(n);
            if (n == nLast)
                break;
        }
        return anIndices;
    }
    // Wider steps: each element lies in a chunk of its own (nCount is then
    // below the number of chunks along the dimension).
    for (uint64_t k = 0; k < nCount; ++k)
        anIndices.push_back((nStep > 0 ? nStart + k * nAbsStep : nStart - k * nAbsStep) /
                            nChunk);
    return anIndices;
}

bool ChunkGrid::AppendKeysOfIndices(const std::vector<std::vector<uint64_t>> &aanIndices,
                                    size_t nMaxKeys, std::vector<std::string> &aosKeys) const
{
    const size_t nDims = m_anChunkSize.size();
    if (aanIndices.size() != nDims)
        return false;
    uint64_t nKeys = 1;
    for (const auto &anIndices : aanIndices)
    {
        if (anIndices.empty())
            return true;  // an empty selection needs nothing
        nKeys *= anIndices.size();
        if (nKeys > nMaxKeys)
            return false;
    }
    if (nDims == 0)
    {
        aosKeys.push_back(m_osPrefix + "0");  // a scalar's only chunk
        return true;
    }
    // Odometer over the positions in each list, the last one fastest.
    std::vector<size_t> anPos(nDims, 0);
    for (;;)
    {
        std::string osKey = m_osPrefix;
        for (size_t i = 0; i < nDims; ++i)
        {
            if (i)
                osKey += m_osSeparator;
            osKey += std::to_string(aanIndices[i][anPos[i]]);
        }
        aosKeys.push_back(std::move(osKey));
        size_t i = nDims;
        while (i > 0 && anPos[i - 1] + 1 == aanIndices[i - 1].size())
        {
            anPos[i - 1] = 0;
            --i;
        }
        if (i == 0)
            return true;
        ++anPos[i - 1];
    }
}

}  // namespace kerchunk
