// The chunk keys of a Zarr v2 array that a window of it touches: what a
// read needs fetched before GDAL's Zarr driver decodes it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace kerchunk
{

// An array's path in the references ("" at the root, else "a/b") from the
// full name GDAL's Zarr driver gives it ("/a/b").
std::string ArrayKeyOf(const std::string &osFullName);

class ChunkGrid
{
  public:
    // osArrayKey: the array's path in the references ("" at the root, else
    // "a/b"); osSeparator: its dimension_separator; anChunkSize: its chunks.
    ChunkGrid(std::string osArrayKey, std::string osSeparator,
              std::vector<uint64_t> anChunkSize);

    size_t GetDimensionCount() const
    {
        return m_anChunkSize.size();
    }

    // Appends the keys of the chunks that [anStart, anStart + anCount)
    // intersects, in C order. False, leaving aosKeys as it was, when that is
    // more than nMaxKeys keys or the window is malformed.
    bool AppendKeys(const std::vector<uint64_t> &anStart,
                    const std::vector<uint64_t> &anCount, size_t nMaxKeys,
                    std::vector<std::string> &aosKeys) const;

    // The chunk indices along dimension iDim that the elements
    // nStart + k * nStep (0 <= k < nCount) fall in, in the order k visits
    // them, each once. A step wider than a chunk skips the chunks between.
    std::vector<uint64_t> ChunkIndicesAlong(size_t iDim, uint64_t nStart, uint64_t nCount,
                                            int64_t nStep) const;

    // Appends the keys of every combination of the chunk indices listed per
    // dimension, in C order of the lists. False, leaving aosKeys as it was,
    // when that is more than nMaxKeys keys or the rank is wrong.
    bool AppendKeysOfIndices(const std::vector<std::vector<uint64_t>> &aanIndices,
                             size_t nMaxKeys, std::vector<std::string> &aosKeys) const;

    uint64_t GetChunkSize(size_t iDim) const
    {
        return m_anChunkSize[iDim];
    }

  private:
    std::string m_osPrefix;  // "a/b/" or ""
    std::string m_osSeparator;
    std::vector<uint64_t> m_anChunkSize;
};

}  // namespace kerchunk
