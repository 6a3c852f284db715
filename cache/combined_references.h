// Combined references (KERCHUNK:"<glob or list>") cached beside the entries:
// <cache>/combined/<KEY>.json, KEY the SHA-256 of the combine options and
// of the sources with their references (driver/multi_source_open.cpp). No
// metadata: a file's modification time is its creation time.
#pragma once

#include <cstddef>
#include <string>

namespace kerchunk
{

// The folder of the combined references of a cache folder.
std::string CombinedReferencesDir(const std::string &osCacheDir);

// Removes the combined references written more than dfOlderThanDays ago
// (all with 0) and temporary files abandoned for over an hour. Returns the
// number of combined references removed.
size_t PurgeCombinedReferences(const std::string &osCacheDir, double dfOlderThanDays);

}  // namespace kerchunk
