// Where combined references go: one small interface, so that other formats
// (Parquet, issue 10 item 3) plug in beside JSON version 1.
#pragma once

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

// Throws kerchunk::Error unless osFormat is one CreateReferencesOutput makes.
void CheckReferencesOutputFormat(const std::string &osFormat);

// "json" (kerchunk JSON version 1, streamed to fp, which stays the caller's).
// Throws kerchunk::Error for other formats, "parquet" included for now.
std::unique_ptr<ReferencesOutput> CreateReferencesOutput(const std::string &osFormat,
                                                         VSILFILE *fp);

}  // namespace kerchunk
