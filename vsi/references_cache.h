// The parsed references of recently used files, keyed by path: owned by the
// /vsikerchunk/ filesystem handler (one per process, as GDAL's handlers are),
// so that its lifetime and settings are the handler's, not a global's.
#pragma once

#include "remote_references.h"
#include "vsikerchunk.h"

#include "cpl_vsi.h"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
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
// Parses references already in memory; fnTextDone (optional) is called once
// the text is no longer needed, before the metadata is prepared.
std::shared_ptr<const LoadedReferences>
ParseReferencesText(const std::string &osRefsPath, std::string_view osText,
                    std::string &osError, const std::function<void()> &fnTextDone = {});

class ReferencesCache
{
  public:
    // Parsed references of `osRefsPath`; an entry is dropped when the file's
    // size or modification time changes (remote files: their ETag /
    // Last-Modified, checked by one HEAD at most every
    // KERCHUNK_REFS_REVALIDATE_SECONDS), and the least recently used one
    // when more than KERCHUNK_REFS_CACHE_SIZE files are held. Null with
    // osError (a complete message) on failure. Thread-safe.
    std::shared_ptr<const LoadedReferences> Load(const std::string &osRefsPath,
                                                 std::string &osError);

    // Whether osPath holds kerchunk JSON references (first non-blank byte
    // '{') rather than a source file. A small remote file is fetched whole
    // by that one request, and its references kept for Load.
    bool IsJsonReferences(const std::string &osPath);

  private:
    struct Entry
    {
        std::string osRefsPath{};
        vsi_l_offset nSize = 0;
        GIntBig nMTime = 0;
        uint64_t nLastUse = 0;
        std::shared_ptr<const LoadedReferences> poRefs{};
        // Remote references (LoadRemote): the version loaded, and when to
        // check it again.
        RemoteValidators oValidators{};
        bool bValidated = false;
        std::chrono::steady_clock::time_point tRevalidate{};
    };

    std::mutex m_oMutex{};
    std::vector<Entry> m_aoEntries{};
    uint64_t m_nUseCounter = 0;

    std::shared_ptr<const LoadedReferences> FindFresh(const std::string &osRefsPath,
                                                      bool bStatOK,
                                                      const VSIStatBufL &sStat);
    // The entry of osRefsPath or null; the caller holds m_oMutex.
    Entry *FindEntry(const std::string &osRefsPath);
    void Insert(Entry oEntry);
    std::shared_ptr<const LoadedReferences> LoadByStat(const std::string &osRefsPath,
                                                       std::string &osError);
    std::shared_ptr<const LoadedReferences> LoadRemote(const std::string &osRefsPath,
                                                       std::string &osError);
    void RememberRemote(const std::string &osRefsPath, const RemoteValidators &oValidators,
                        std::shared_ptr<const LoadedReferences> poRefs);
};

}  // namespace kerchunk
