// The chunk keys of one array ("<array>/i.j.k" with a fixed number of
// coordinates) held as a dense grid of References indexed by coordinates:
// no key strings, URLs shared through the ReferenceSet's table.
#pragma once

#include "reference.h"

#include <cstdint>
#include <functional>
#include <vector>

namespace kerchunk
{

class ChunkTable
{
  public:
    // Zarr arrays have at most a few dozen dimensions; keys with more
    // coordinates are kept as plain keys.
    static constexpr size_t MAX_DIMS = 32;

    explicit ChunkTable(size_t nDims) : m_nDims(nDims)
    {
    }

    size_t GetDims() const
    {
        return m_nDims;
    }
    // True once the chunks proved too sparse for a grid: this array's keys
    // then live in the ReferenceSet's map.
    bool IsSparse() const
    {
        return m_bSparse;
    }
    bool HasPending() const
    {
        return !m_aoPending.empty();
    }
    size_t size() const
    {
        return m_nLive;
    }

    // Sizes the grid ahead of the chunks (from the array's .zarray), so that
    // chunks inside it are placed at once instead of queued.
    void Reserve(const std::vector<uint32_t> &anExtent, size_t nCells);
    // Placed in the grid, or queued until Seal() (returns true then); a
    // later addition of the same coordinates wins.
    bool Add(const uint32_t *panCoords, const Reference &oRef);

    using Spill = std::function<void(const uint32_t *panCoords, const Reference &oRef)>;
    // Places the queued chunks in the grid, growing it as needed. When the
    // grid would hold too many empty cells per chunk, every chunk is handed
    // to fnSpill (in addition order) and the table becomes sparse and empty.
    void Seal(const Spill &fnSpill);

    const Reference *Find(const uint32_t *panCoords) const;
    // Visits the present chunks in coordinate order until fn returns false.
    bool ForEach(const std::function<bool(const uint32_t *panCoords,
                                          const Reference &oRef)> &fn) const;

  private:
    size_t m_nDims;
    std::vector<uint32_t> m_anExtent{};  // grid size per dimension
    std::vector<Reference> m_aoCells{};  // C order; empty cells IsEmptyCell()
    size_t m_nLive = 0;
    bool m_bSparse = false;
    bool m_bReserved = false;  // sized by Reserve, density not checked yet
    std::vector<Reference> m_aoPending{};
    std::vector<uint32_t> m_anPendingCoords{};  // m_nDims per pending entry

    static bool IsEmptyCell(const Reference &oRef);
    static Reference EmptyCell();
    bool LinearIndex(const uint32_t *panCoords, size_t &nIndex) const;
    void Relayout(const std::vector<uint32_t> &anExtent, size_t nCells);
};

}  // namespace kerchunk
