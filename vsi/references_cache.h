// The parsed references of recently used files, keyed by path: owned by the
// /vsikerchunk/ filesystem handler (one per process, as GDAL's handlers are),
// so that its lifetime and settings are the handler's, not a global's.
#pragma once

#include "vsikerchunk.h"

#include "cpl_vsi.h"

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace kerchunk
{

// Reads and parses a references file, uncached (reference_store.cpp).
// Parquet references (a folder in fsspec's layout): only .zmetadata is read
// here; chunk records load on demand (parquet_references.h).
std::shared_ptr<const LoadedReferences> ReadParquetReferences(const std::string &osDir,
                                                              std::string &osError);
std::shared_ptr<const LoadedReferences> ReadReferencesFile(const std::string &osRefsPath,
                                                           std::string &osError);

class ReferencesCache
{
  public:
    // Parsed references of `osRefsPath`; an entry is dropped when the file's
    // size or modification time changes, and the least recently used one
    // when more than KERCHUNK_REFS_CACHE_SIZE files are held. Null with
    // osError (a complete message) on failure. Thread-safe.
    std::shared_ptr<const LoadedReferences> Load(const std::string &osRefsPath,
                                                 std::string &osError);

  private:
    struct Entry
    {
        std::string osRefsPath{};
        vsi_l_offset nSize = 0;
        GIntBig nMTime = 0;
        uint64_t nLastUse = 0;
        std::shared_ptr<const LoadedReferences> poRefs{};
    };

    std::mutex m_oMutex{};
    std::vector<Entry> m_aoEntries{};
    uint64_t m_nUseCounter = 0;

    std::shared_ptr<const LoadedReferences> FindFresh(const std::string &osRefsPath,
                                                      bool bStatOK,
                                                      const VSIStatBufL &sStat);
    void Insert(Entry oEntry);
};

}  // namespace kerchunk
