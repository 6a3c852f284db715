// Streams kerchunk references (JSON, version 1) to a VSI file, entry by entry,
// so memory does not grow with the number of chunks.
//
// Output shape (readable by fsspec/zarr, this plugin and GDAL >= 3.11):
//   {"version": 1, ["templates": {"u": "<url>"},] "refs": {
//       ".zgroup": "{\"zarr_format\":2}",
//       "t2m/.zarray": "{...}",
//       "t2m/0.0": ["<url>", <offset>, <size>],
//       "lat/0": "base64:AAAA..."}}
#pragma once

#include "cpl_vsi.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

namespace kerchunk
{

class ReferenceWriter
{
  public:
    // `fp` stays owned by the caller. `osSourceUrl` is what every range
    // reference points to; with `bUseTemplates` it is written once as the
    // template "u" and references say "{{u}}" (GDAL >= 3.11 refuses templates,
    // hence off by default).
    ReferenceWriter(VSILFILE *fp, std::string osSourceUrl,
                    bool bUseTemplates = false);
    ~ReferenceWriter();

    ReferenceWriter(const ReferenceWriter &) = delete;
    ReferenceWriter &operator=(const ReferenceWriter &) = delete;

    // A Zarr metadata document (.zgroup, .zarray, .zattrs), stored as its
    // serialized JSON text as kerchunk does.
    void AddJson(const std::string &osKey, const nlohmann::json &oValue);
    // Inline bytes: written as text when they are valid UTF-8, else base64.
    void AddInline(const std::string &osKey, const std::string &osBytes);
    // Inline bytes, always base64 (binary values such as coordinates).
    void AddInlineBase64(const std::string &osKey, const std::string &osBytes);
    // A byte range of the source.
    void AddRange(const std::string &osKey, uint64_t nOffset, uint64_t nSize);

    // Closes the JSON document. Throws kerchunk::Error if any write failed.
    void Finish();

    uint64_t GetEntryCount() const
    {
        return m_nEntries;
    }

  private:
    void WriteKey(const std::string &osKey);
    void Write(const std::string &osText);

    VSILFILE *m_fp;
    std::string m_osUrlJson;  // the URL as a JSON string, quotes included
    uint64_t m_nEntries = 0;
    bool m_bFinished = false;
    bool m_bWriteFailed = false;
};

// Encodes bytes in standard base64 (RFC 4648, with padding).
std::string Base64Encode(const std::string &osBytes);

}  // namespace kerchunk
