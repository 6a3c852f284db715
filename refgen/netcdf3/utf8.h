// Strict UTF-8 (Unicode 15, table 3-7 "well-formed byte sequences"): the
// checks nlohmann::json applies when it writes a string, so that what we
// accept can always be written as JSON.
#pragma once

#include <cstddef>
#include <string>

namespace kerchunk
{

// Length of the well-formed sequence starting at s[i], or 0 when there is
// none; `*pnBadLength` then receives the length of the maximal ill-formed
// subpart (at least 1), which decoders replace with one U+FFFD.
size_t Utf8SequenceLength(const std::string &s, size_t i,
                          size_t *pnBadLength = nullptr);

bool IsValidUtf8(const std::string &s);

// Decodes like Python's bytes.decode("utf-8", errors="replace").
std::string Utf8Replace(const std::string &s);

}  // namespace kerchunk
