// Parses kerchunk references in JSON, version 0 (a plain {key: value} map)
// and version 1 ({"version": 1, "templates": ..., "gen": [...], "refs": ...}),
// following the kerchunk specification and fsspec's ReferenceFileSystem.
#pragma once

#include "json_text.h"
#include "reference_set.h"

#include <memory>
#include <string>
#include <string_view>

namespace kerchunk
{

// Returns null and sets osError (naming the offending key or section) when
// the document is malformed. Target URLs are kept as written (templates
// rendered); url_mapping.h turns them into GDAL paths when a key is opened.
// The references are streamed: no DOM of the whole document is built.
std::unique_ptr<ReferenceSet> ParseKerchunkJson(std::string_view osText,
                                                std::string &osError);
// The same on text read in pieces (a file): read twice, never held whole;
// a read error is reported as "cannot read <path>...".
std::unique_ptr<ReferenceSet> ParseKerchunkJson(const JsonText &oText, std::string &osError);

// Strict standard base64 (RFC 4648, padding optional). False on bad input.
bool Base64Decode(const std::string &osEncoded, std::string &osDecoded);

}  // namespace kerchunk
