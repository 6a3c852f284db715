// /vsikerchunk/: kerchunk references served as a read-only Zarr store.
//
//   /vsikerchunk/{/data/refs.json}/.zgroup         a key, inline or a range
//   /vsikerchunk/{/vsis3/b/refs.json}/t2m/0.3.1    references anywhere GDAL reads
//   /vsikerchunk//data/refs.json/t2m/.zarray       braces optional: the
//                                                  references path then ends at
//                                                  the first ".json" component
//
// Groups are directories; a missing key is ENOENT without an error message
// (GDAL's Zarr driver probes keys constantly). A consolidated ".zmetadata" is
// synthesized when the references have none, so the Zarr driver opens without
// listing; it replaces one the references may have (whose documents are kept).
// Metadata documents are served adapted to GDAL 3.6's Zarr driver (see
// PrepareZarray in zarray_preparation.h). GetFileMetadata(key, "KERCHUNK") tells
// a key's target.
#pragma once

#include "reference_set.h"
#include "zarray_preparation.h"

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace kerchunk
{

constexpr const char *VSIKERCHUNK_PREFIX = "/vsikerchunk/";

// Installs the handler once (thread-safe, idempotent).
void InstallVSIKerchunkHandler();

// "/vsikerchunk/{<refs>}" or "/vsikerchunk/{<refs>}/<key>".
std::string MakeVSIKerchunkPath(const std::string &osRefsPath,
                                const std::string &osKey = std::string());

// Splits a /vsikerchunk/ path into references path and key ("" for the root).
bool SplitVSIKerchunkPath(const std::string &osPath, std::string &osRefsPath,
                          std::string &osKey);

// Where the chunk keys of a reference set live when they are not all in its
// ReferenceSet (Parquet references load them on demand). Thread-safe.
class ChunkReferenceLookup
{
  public:
    virtual ~ChunkReferenceLookup() = default;
    // The key's reference (which keeps whatever it points into alive); null
    // when the key has none, with osError set when looking it up failed.
    virtual std::shared_ptr<const Reference> Find(const std::string &osKey,
                                                  std::string &osError) const = 0;
};

// Parsed references, immutable once loaded.
struct LoadedReferences
{
    std::string osRefsPath{};
    ReferenceSet oSet{};
    std::string osZMetadata{};  // synthesized consolidated metadata
    // Arrays stored without any codec (compressor and filters null): array
    // path -> the exact byte size each chunk must have.
    std::map<std::string, uint64_t> oRawChunkSizes{};
    // Arrays GDAL 3.6 cannot read, in key order, found when the metadata was
    // prepared (PrepareZarray).
    std::vector<ArrayProblem> aoArrayProblems{};
    // Asked for keys oSet does not hold; null for JSON references.
    std::shared_ptr<const ChunkReferenceLookup> poChunkLookup{};
};

// A key's reference from oSet, else from poChunkLookup; null when there is
// none, with osError set (naming the key) when the lookup failed.
std::shared_ptr<const Reference> FindReference(const LoadedReferences &oRefs,
                                               const std::string &osKey,
                                               std::string &osError);

// When osKey is a chunk of an array stored without any codec and its
// declared length is not that array's chunk size, false with osError naming
// the key (Python's zarr refuses such a chunk too).
bool CheckRawChunkLength(const LoadedReferences &oRefs, const std::string &osKey,
                         uint64_t nLength, std::string &osError);

// Parsed references of `osRefsPath`, from the bounded in-memory cache of the
// /vsikerchunk/ handler (installed if needed; see references_cache.h), that
// drops an entry when the file's size or modification time changes (remote
// files: their ETag/Last-Modified, checked by one HEAD at most every
// KERCHUNK_REFS_REVALIDATE_SECONDS; see remote_references.h). Returns
// null and sets osError (a complete message) on failure.
std::shared_ptr<const LoadedReferences>
LoadReferences(const std::string &osRefsPath, std::string &osError);

// Whether osPath holds kerchunk JSON references (first non-blank byte '{')
// rather than a source file. A small remote file is fetched whole by the
// same request, and its references kept for LoadReferences.
bool IsJsonReferencesFile(const std::string &osPath);

// The GDAL path of a range or whole-file reference's target, or false with
// osError naming the key (unsupported scheme, recursion, remote→local).
bool ResolveTarget(const LoadedReferences &oRefs, const std::string &osKey,
                   const Reference &oRef, std::string &osTargetPath,
                   std::string &osError);

// Reads a key's bytes in full (metadata documents), at most nMaxSize bytes.
bool ReadKey(const LoadedReferences &oRefs, const std::string &osKey,
             std::string &osBytes, std::string &osError,
             uint64_t nMaxSize = 100 * 1024 * 1024);

}  // namespace kerchunk
