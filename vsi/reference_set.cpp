#include "reference_set.h"
#include "chunk_table.h"

#include <algorithm>
#include <utility>

namespace kerchunk
{

namespace
{

// Splits "<array>/i.j.k" (or "i.j.k" at the root) into the array path and
// the coordinates. Only canonical decimals qualify ("0", not "00" or "+1"),
// so that FormatChunkKey gives back the very same key.
bool SplitChunkKey(std::string_view osKey, std::string_view &osArray,
                   uint32_t *panCoords, size_t &nDims)
{
    const size_t nSlash = osKey.rfind('/');
    const size_t nStart = nSlash == std::string_view::npos ? 0 : nSlash + 1;
    osArray = osKey.substr(0, nSlash == std::string_view::npos ? 0 : nSlash);
    nDims = 0;
    size_t nPos = nStart;
    while (true)
    {
        if (nDims == ChunkTable::MAX_DIMS || nPos >= osKey.size())
            return false;
        const size_t nBegin = nPos;
        uint64_t nValue = 0;
        while (nPos < osKey.size() && osKey[nPos] >= '0' && osKey[nPos] <= '9')
        {
            nValue = nValue * 10 + static_cast<uint64_t>(osKey[nPos] - '0');
            if (nValue >= UINT32_MAX || nPos - nBegin >= 10)
                return false;
            ++nPos;
        }
        if (nPos == nBegin || (osKey[nBegin] == '0' && nPos - nBegin > 1))
            return false;
        panCoords[nDims++] = static_cast<uint32_t>(nValue);
        if (nPos == osKey.size())
            return true;
        if (osKey[nPos] != '.')
            return false;
        ++nPos;
    }
}

std::string FormatChunkKey(const std::string &osArray, const uint32_t *panCoords,
                           size_t nDims)
{
    std::string osKey = osArray.empty() ? std::string() : osArray + '/';
    for (size_t i = 0; i < nDims; ++i)
    {
        if (i)
            osKey += '.';
        osKey += std::to_string(panCoords[i]);
    }
    return osKey;
}

bool IsChunkKey(const std::string &osKey)
{
    std::string_view osArray;
    uint32_t anCoords[ChunkTable::MAX_DIMS];
    size_t nDims = 0;
    return SplitChunkKey(osKey, osArray, anCoords, nDims);
}

}  // namespace

ReferenceSet::ReferenceSet() = default;
ReferenceSet::~ReferenceSet() = default;
ReferenceSet::ReferenceSet(ReferenceSet &&) noexcept = default;
ReferenceSet &ReferenceSet::operator=(ReferenceSet &&) noexcept = default;

const std::string *ReferenceSet::InternPath(const std::string &osPath)
{
    if (m_posLastPath == nullptr || *m_posLastPath != osPath)
        m_posLastPath = &*m_oPaths.insert(osPath).first;
    return m_posLastPath;
}

ChunkTable &ReferenceSet::GetTable(std::string_view osArray, size_t nDims)
{
    auto oIter = m_oTables.find(osArray);
    if (oIter == m_oTables.end())
        oIter = m_oTables.emplace(std::string(osArray),
                                  std::vector<std::unique_ptr<ChunkTable>>()).first;
    for (const auto &poTable : oIter->second)
    {
        if (poTable->GetDims() == nDims)
            return *poTable;
    }
    oIter->second.push_back(std::make_unique<ChunkTable>(nDims));
    return *oIter->second.back();
}

void ReferenceSet::Add(const std::string &osKey, const Reference &oRef)
{
    std::string_view osArray;
    uint32_t anCoords[ChunkTable::MAX_DIMS];
    size_t nDims = 0;
    if (SplitChunkKey(osKey, osArray, anCoords, nDims))
    {
        // Consecutive keys nearly always belong to the same array.
        ChunkTable *poTable = m_poLastTable;
        if (poTable == nullptr || poTable->GetDims() != nDims ||
            m_osLastArray != osArray)
        {
            poTable = &GetTable(osArray, nDims);
            m_poLastTable = poTable;
            m_osLastArray = std::string(osArray);
        }
        if (!poTable->IsSparse())
        {
            if (poTable->Add(anCoords, oRef))
                m_bPending = true;
            return;
        }
    }
    m_oRefs[osKey] = oRef;
}

void ReferenceSet::AddInline(const std::string &osKey, std::string osBytes)
{
    m_aosInline.push_back(std::move(osBytes));
    Reference oRef;
    oRef.osInline = m_aosInline.back();
    Add(osKey, oRef);
}

void ReferenceSet::AddRange(const std::string &osKey, const std::string &osPath,
                            uint64_t nOffset, uint64_t nSize)
{
    Reference oRef;
    oRef.posPath = InternPath(osPath);
    oRef.nOffset = nOffset;
    oRef.nSize = nSize;
    Add(osKey, oRef);
}

void ReferenceSet::AddWholeFile(const std::string &osKey, const std::string &osPath)
{
    Reference oRef;
    oRef.posPath = InternPath(osPath);
    oRef.bWholeFile = true;
    Add(osKey, oRef);
}

void ReferenceSet::ReserveChunkGrid(const std::string &osArray,
                                    const std::vector<uint32_t> &anExtent, size_t nMaxCells)
{
    if (anExtent.empty() || anExtent.size() > ChunkTable::MAX_DIMS)
        return;
    size_t nCells = 1;
    for (const uint32_t nExtent : anExtent)
    {
        if (nExtent == 0 || nExtent > nMaxCells / nCells)
            return;
        nCells *= nExtent;
    }
    GetTable(osArray, anExtent.size()).Reserve(anExtent, nCells);
    m_bPending = true;  // Seal checks the grid's density
}

void ReferenceSet::Seal()
{
    if (!m_bPending)
        return;
    for (auto &oArray : m_oTables)
    {
        for (auto &poTable : oArray.second)
        {
            const std::string &osArray = oArray.first;
            const size_t nDims = poTable->GetDims();
            poTable->Seal([&](const uint32_t *panCoords, const Reference &oRef)
                          { m_oRefs[FormatChunkKey(osArray, panCoords, nDims)] = oRef; });
        }
    }
    m_bPending = false;
}

// Const methods seal lazily: sets are filled and then read, and are shared
// between threads only once sealed (see the header).
void ReferenceSet::SealIfPending() const
{
    if (m_bPending)
        const_cast<ReferenceSet *>(this)->Seal();
}

const Reference *ReferenceSet::Find(const std::string &osKey) const
{
    SealIfPending();
    std::string_view osArray;
    uint32_t anCoords[ChunkTable::MAX_DIMS];
    size_t nDims = 0;
    if (SplitChunkKey(osKey, osArray, anCoords, nDims))
    {
        const auto oIter = m_oTables.find(osArray);
        if (oIter != m_oTables.end())
        {
            for (const auto &poTable : oIter->second)
            {
                if (poTable->GetDims() == nDims && !poTable->IsSparse())
                    return poTable->Find(anCoords);
            }
        }
    }
    const auto oIter = m_oRefs.find(osKey);
    return oIter == m_oRefs.end() ? nullptr : &oIter->second;
}

bool ReferenceSet::IsDirectory(const std::string &osPath) const
{
    SealIfPending();
    if (osPath.empty())
        return true;
    const std::string osPrefix = osPath + '/';
    const auto oIter = m_oRefs.lower_bound(osPrefix);
    if (oIter != m_oRefs.end() && oIter->first.compare(0, osPrefix.size(), osPrefix) == 0)
        return true;
    // An array with chunks is a directory, and so is each of its parents.
    auto HasChunks = [](const std::vector<std::unique_ptr<ChunkTable>> &apoTables)
    {
        for (const auto &poTable : apoTables)
        {
            if (poTable->size() > 0)
                return true;
        }
        return false;
    };
    const auto oSame = m_oTables.find(osPath);
    if (oSame != m_oTables.end() && HasChunks(oSame->second))
        return true;
    for (auto oTable = m_oTables.lower_bound(osPrefix);
         oTable != m_oTables.end() &&
         oTable->first.compare(0, osPrefix.size(), osPrefix) == 0;
         ++oTable)
    {
        if (HasChunks(oTable->second))
            return true;
    }
    return false;
}

std::vector<std::string> ReferenceSet::ListDirectory(const std::string &osDir,
                                                     int nMaxFiles) const
{
    SealIfPending();
    const std::string osPrefix = osDir.empty() ? std::string() : osDir + '/';
    // Collected, then sorted once: an array may have millions of chunks.
    std::vector<std::string> aosNames;
    auto oIter = m_oRefs.lower_bound(osPrefix);
    while (oIter != m_oRefs.end() &&
           oIter->first.compare(0, osPrefix.size(), osPrefix) == 0)
    {
        const std::string &osKey = oIter->first;
        const size_t nSlash = osKey.find('/', osPrefix.size());
        if (nSlash == std::string::npos)
        {
            aosNames.push_back(osKey.substr(osPrefix.size()));
            ++oIter;
        }
        else
        {
            // A subdirectory: list it once and skip all keys beneath it
            // ('/' + 1 == '0' sorts right after every "name/..." key).
            aosNames.push_back(osKey.substr(osPrefix.size(), nSlash - osPrefix.size()));
            oIter = m_oRefs.lower_bound(osKey.substr(0, nSlash) + '0');
        }
    }
    // The array's own chunks, then arrays below osDir seen as directories.
    auto ListChunks = [&](const std::vector<std::unique_ptr<ChunkTable>> &apoTables)
    {
        for (const auto &poTable : apoTables)
        {
            poTable->ForEach(
                [&](const uint32_t *panCoords, const Reference &)
                {
                    aosNames.push_back(FormatChunkKey(std::string(), panCoords,
                                                 poTable->GetDims()));
                    return true;
                });
        }
    };
    const auto oSame = m_oTables.find(osDir);
    if (oSame != m_oTables.end())
        ListChunks(oSame->second);
    for (auto oTable = m_oTables.lower_bound(osPrefix);
         oTable != m_oTables.end() &&
         oTable->first.compare(0, osPrefix.size(), osPrefix) == 0;
         ++oTable)
    {
        const std::string &osArray = oTable->first;
        if (osArray.size() <= osPrefix.size())
            continue;  // the root array, listed above
        for (const auto &poTable : oTable->second)
        {
            if (poTable->size() > 0)
            {
                aosNames.push_back(osArray.substr(
                    osPrefix.size(), osArray.find('/', osPrefix.size()) - osPrefix.size()));
                break;
            }
        }
    }
    std::sort(aosNames.begin(), aosNames.end());
    aosNames.erase(std::unique(aosNames.begin(), aosNames.end()), aosNames.end());
    if (nMaxFiles > 0 && aosNames.size() > static_cast<size_t>(nMaxFiles))
        aosNames.resize(static_cast<size_t>(nMaxFiles));
    return aosNames;
}

size_t ReferenceSet::size() const
{
    SealIfPending();
    size_t nSize = m_oRefs.size();
    for (const auto &oArray : m_oTables)
    {
        for (const auto &poTable : oArray.second)
            nSize += poTable->size();
    }
    return nSize;
}

void ReferenceSet::ForEach(Keys eWhich, const Visitor &fn) const
{
    SealIfPending();
    for (const auto &oItem : m_oRefs)
    {
        if (eWhich == Keys::NotChunks && IsChunkKey(oItem.first))
            continue;
        if (!fn(oItem.first, oItem.second))
            return;
    }
    if (eWhich == Keys::NotChunks)
        return;
    for (const auto &oArray : m_oTables)
    {
        for (const auto &poTable : oArray.second)
        {
            const bool bGoOn = poTable->ForEach(
                [&](const uint32_t *panCoords, const Reference &oRef)
                {
                    return fn(FormatChunkKey(oArray.first, panCoords, poTable->GetDims()),
                              oRef);
                });
            if (!bGoOn)
                return;
        }
    }
}

}  // namespace kerchunk
