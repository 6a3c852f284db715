// The in-memory model of a set of kerchunk references: Zarr key (e.g.
// "t2m/0.3.1") -> what its bytes are.
//
// Millions of chunk keys must fit in bounded memory, so keys are held in two
// places (docs/kerchunk.rst, "Large reference sets"):
//  - chunk keys "<array>/i.j.k" (decimal coordinates) in one dense table per
//    array and dimension count, indexed by coordinates, target URLs interned;
//  - every other key (metadata, odd names, arrays whose chunks are too
//    sparse for a table) in a sorted map.
#pragma once

#include "chunk_table.h"
#include "reference.h"

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace kerchunk
{

class ReferenceSet
{
  public:
    ReferenceSet();
    ~ReferenceSet();
    ReferenceSet(ReferenceSet &&) noexcept;
    ReferenceSet &operator=(ReferenceSet &&) noexcept;
    ReferenceSet(const ReferenceSet &) = delete;
    ReferenceSet &operator=(const ReferenceSet &) = delete;

    // Interns a target path: thousands of chunks share a handful of URLs.
    const std::string *InternPath(const std::string &osPath);

    // A later addition of the same key replaces the earlier one.
    void AddInline(const std::string &osKey, std::string osBytes);
    void AddRange(const std::string &osKey, const std::string &osPath,
                  uint64_t nOffset, uint64_t nSize);
    void AddWholeFile(const std::string &osKey, const std::string &osPath);

    // Builds the chunk tables from the chunk keys added so far. The const
    // methods below do it on first use; call it before sharing the set
    // between threads, which must then only use const methods.
    void Seal();
    // Sizes the chunk table of an array ahead of its chunks (anExtent:
    // chunks per dimension), when its grid has at most nMaxCells cells.
    void ReserveChunkGrid(const std::string &osArray, const std::vector<uint32_t> &anExtent,
                          size_t nMaxCells);

    // Null when the key has no reference. The pointer stays valid until the
    // set is modified.
    const Reference *Find(const std::string &osKey) const;
    // True for "" (the root) and for every prefix "a/b" of a key "a/b/...".
    bool IsDirectory(const std::string &osPath) const;
    // Names (not paths) of the files and directories directly under osDir,
    // sorted, at most nMaxFiles of them when nMaxFiles > 0.
    std::vector<std::string> ListDirectory(const std::string &osDir,
                                           int nMaxFiles = 0) const;

    size_t size() const;

    // Which keys ForEach visits. Metadata keys (".zarray"...) are never
    // chunk keys.
    enum class Keys
    {
        All,
        NotChunks  // keys whose last component is not "i.j.k" coordinates
    };
    // Calls fn for each key (in no particular order) until it returns false.
    using Visitor = std::function<bool(const std::string &osKey, const Reference &oRef)>;
    void ForEach(Keys eWhich, const Visitor &fn) const;

  private:
    std::set<std::string> m_oPaths{};
    const std::string *m_posLastPath = nullptr;  // most keys repeat the last URL
    std::deque<std::string> m_aosInline{};       // stable storage of inline bytes
    std::map<std::string, Reference> m_oRefs{};  // keys outside chunk tables
    // Chunk tables by array path; several when keys of one path differ in
    // dimension count.
    std::map<std::string, std::vector<std::unique_ptr<ChunkTable>>, std::less<>> m_oTables{};
    ChunkTable *m_poLastTable = nullptr;  // consecutive keys share an array
    std::string m_osLastArray{};
    mutable bool m_bPending = false;      // chunk keys added since the last Seal

    void Add(const std::string &osKey, const Reference &oRef);
    ChunkTable &GetTable(std::string_view osArray, size_t nDims);
    void SealIfPending() const;
};

}  // namespace kerchunk
