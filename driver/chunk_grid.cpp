#include "chunk_grid.h"

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
    std::vector<uint64_t> anFirst(nDims), anLast(nDims);
    uint64_t nKeys = 1;
    for (size_t i = 0; i < nDims; ++i)
    {
        if (anCount[i] == 0 || m_anChunkSize[i] == 0)
            return true;  // an empty window needs nothing
        anFirst[i] = anStart[i] / m_anChunkSize[i];
        anLast[i] = (anStart[i] + anCount[i] - 1) / m_anChunkSize[i];
        nKeys *= anLast[i] - anFirst[i] + 1;
        if (nKeys > nMaxKeys)
            return false;
    }
    if (nDims == 0)
    {
        aosKeys.push_back(m_osPrefix + "0");  // a scalar's only chunk
        return true;
    }
    std::vector<uint64_t> anIndex(anFirst);
    for (;;)
    {
        std::string osKey = m_osPrefix;
        for (size_t i = 0; i < nDims; ++i)
        {
            if (i)
                osKey += m_osSeparator;
            osKey += std::to_string(anIndex[i]);
        }
        aosKeys.push_back(std::move(osKey));
        size_t i = nDims;
        while (i > 0 && anIndex[i - 1] == anLast[i - 1])
        {
            anIndex[i - 1] = anFirst[i - 1];
            --i;
        }
        if (i == 0)
            return true;
        ++anIndex[i - 1];
    }
}

}  // namespace kerchunk
