#include "chunk_table.h"

#include <algorithm>
#include <limits>

namespace kerchunk
{

namespace
{

// A grid is kept while it has at most this many cells per 3 chunks (plus a
// little slack for tiny arrays): 48-byte cells stay under 64 bytes per key.
constexpr size_t CELLS_PER_3_CHUNKS = 4;
constexpr size_t SLACK_CELLS = 64;

}  // namespace

Reference ChunkTable::EmptyCell()
{
    Reference oRef;
    oRef.nOffset = std::numeric_limits<uint64_t>::max();
    return oRef;
}

// Inline references have offset 0 and ranges a target path: no reference
// looks like an empty cell.
bool ChunkTable::IsEmptyCell(const Reference &oRef)
{
    return oRef.posPath == nullptr && oRef.nOffset == std::numeric_limits<uint64_t>::max();
}

void ChunkTable::Reserve(const std::vector<uint32_t> &anExtent, size_t nCells)
{
    if (!m_aoCells.empty() || !m_aoPending.empty() || m_bSparse ||
        anExtent.size() != m_nDims)
        return;
    m_aoCells.assign(nCells, EmptyCell());
    m_anExtent = anExtent;
    m_bReserved = true;
}

bool ChunkTable::Add(const uint32_t *panCoords, const Reference &oRef)
{
    size_t nIndex = 0;
    // Queued chunks must stay in addition order: place only while none is.
    if (m_aoPending.empty() && !m_aoCells.empty() && LinearIndex(panCoords, nIndex))
    {
        if (IsEmptyCell(m_aoCells[nIndex]))
            ++m_nLive;
        m_aoCells[nIndex] = oRef;
        return false;
    }
    m_aoPending.push_back(oRef);
    m_anPendingCoords.insert(m_anPendingCoords.end(), panCoords, panCoords + m_nDims);
    return true;
}

bool ChunkTable::LinearIndex(const uint32_t *panCoords, size_t &nIndex) const
{
    nIndex = 0;
    for (size_t i = 0; i < m_nDims; ++i)
    {
        if (panCoords[i] >= m_anExtent[i])
            return false;
        nIndex = nIndex * m_anExtent[i] + panCoords[i];
    }
    return true;
}

void ChunkTable::Relayout(const std::vector<uint32_t> &anExtent, size_t nCells)
{
    if (anExtent == m_anExtent)
        return;
    std::vector<Reference> aoCells(nCells, EmptyCell());
    std::vector<uint32_t> anCoords(m_nDims, 0);
    for (size_t nOld = 0; nOld < m_aoCells.size(); ++nOld)
    {
        if (!IsEmptyCell(m_aoCells[nOld]))
        {
            size_t nNew = 0;
            for (size_t i = 0; i < m_nDims; ++i)
                nNew = nNew * anExtent[i] + anCoords[i];
            aoCells[nNew] = m_aoCells[nOld];
        }
        // Next coordinates in C order within the old extent.
        for (size_t i = m_nDims; i-- > 0;)
        {
            if (++anCoords[i] < m_anExtent[i])
                break;
            anCoords[i] = 0;
        }
    }
    m_aoCells = std::move(aoCells);
    m_anExtent = anExtent;
}

void ChunkTable::Seal(const Spill &fnSpill)
{
    if (m_aoPending.empty() && !m_bReserved)
        return;
    m_bReserved = false;
    std::vector<uint32_t> anExtent =
        m_anExtent.empty() ? std::vector<uint32_t>(m_nDims, 0) : m_anExtent;
    for (size_t n = 0; n < m_aoPending.size(); ++n)
    {
        for (size_t i = 0; i < m_nDims; ++i)
            anExtent[i] = std::max(anExtent[i], m_anPendingCoords[n * m_nDims + i] + 1);
    }
    // Counts duplicates twice: only ever keeps a grid a little sparser.
    const size_t nChunks = m_nLive + m_aoPending.size();
    const size_t nMaxCells = nChunks / 3 * CELLS_PER_3_CHUNKS + SLACK_CELLS;
    size_t nCells = 1;
    bool bDense = true;
    for (const uint32_t nExtent : anExtent)
    {
        if (nExtent > nMaxCells / nCells)
        {
            bDense = false;
            break;
        }
        nCells *= nExtent;
    }
    if (!bDense)
    {
        ForEach([&](const uint32_t *panCoords, const Reference &oRef)
                { fnSpill(panCoords, oRef); return true; });
        for (size_t n = 0; n < m_aoPending.size(); ++n)
            fnSpill(&m_anPendingCoords[n * m_nDims], m_aoPending[n]);
        m_bSparse = true;
        std::vector<Reference>().swap(m_aoCells);
        m_anExtent.clear();
        m_nLive = 0;
    }
    else
    {
        Relayout(anExtent, nCells);
        for (size_t n = 0; n < m_aoPending.size(); ++n)
        {
            size_t nIndex = 0;
            LinearIndex(&m_anPendingCoords[n * m_nDims], nIndex);
            if (IsEmptyCell(m_aoCells[nIndex]))
                ++m_nLive;
            m_aoCells[nIndex] = m_aoPending[n];
        }
    }
    // Swapped out, not assigned {}: that would keep the capacity.
    std::vector<Reference>().swap(m_aoPending);
    std::vector<uint32_t>().swap(m_anPendingCoords);
}

const Reference *ChunkTable::Find(const uint32_t *panCoords) const
{
    size_t nIndex = 0;
    if (!LinearIndex(panCoords, nIndex) || IsEmptyCell(m_aoCells[nIndex]))
        return nullptr;
    return &m_aoCells[nIndex];
}

bool ChunkTable::ForEach(
    const std::function<bool(const uint32_t *panCoords, const Reference &oRef)> &fn) const
{
    std::vector<uint32_t> anCoords(m_nDims, 0);
    for (size_t n = 0; n < m_aoCells.size(); ++n)
    {
        if (!IsEmptyCell(m_aoCells[n]) && !fn(anCoords.data(), m_aoCells[n]))
            return false;
        for (size_t i = m_nDims; i-- > 0;)
        {
            if (++anCoords[i] < m_anExtent[i])
                break;
            anCoords[i] = 0;
        }
    }
    return true;
}

}  // namespace kerchunk
