// Where combined references go: kerchunk JSON version 1, streamed, or
// Parquet references in fsspec's layout (vsi/parquet_references_writer.h).
#pragma once

#include "parquet_references_writer.h"

#include "cpl_vsi.h"

#include <cstdint>
#include <memory>
#include <string>

namespace kerchunk
{

class ReferencesOutput
{
  public:
    virtual ~ReferencesOutput() = default;

    // A Zarr metadata document (.zgroup, .zarray, .zattrs) as JSON text.
    virtual void AddMetadata(const std::string &osKey, const std::string &osJson) = 0;
    // Inline chunk bytes.
    virtual void AddInline(const std::string &osKey, const std::string &osBytes) = 0;
    // A byte range of the file at osUrl (as written in references).
    virtual void AddRange(const std::string &osKey, const std::string &osUrl,
                          uint64_t nOffset, uint64_t nSize) = 0;
    // The whole file at osUrl.
    virtual void AddWholeFile(const std::string &osKey, const std::string &osUrl) = 0;
    // Completes the output; throws kerchunk::Error if anything failed.
    virtual void Finish() = 0;
};

struct ReferencesFormat
{
    std::string osName = "json";  // or "parquet"
    ParquetWriteOptions oParquet{};
};

// Throws kerchunk::Error unless osFormat is "json" or "parquet".
void CheckReferencesOutputFormat(const std::string &osFormat);

// Kerchunk JSON version 1, streamed to fp, which stays the caller's.
std::unique_ptr<ReferencesOutput> CreateJsonReferencesOutput(VSILFILE *fp);

// Parquet references: kept in memory (chunks are written sorted by number)
// and written into the folder osFolder by Finish().
std::unique_ptr<ReferencesOutput> CreateParquetReferencesOutput(const std::string &osFolder,
                                                                const ParquetWriteOptions &oOptions);

}  // namespace kerchunk
