// What GDAL's network file systems remember about a target after a failed
// read. A body shorter than announced makes GDAL 3.6's /vsicurl/ (and
// /vsis3/, /vsigs/, /vsiaz/...) take the file for one that ends where the
// body stopped, for the rest of the process: every later read past that
// point, of any chunk, would then fail. A failed read forgets that state so
// only the reads of the bytes that really failed fail.
#pragma once

#include <string>

namespace kerchunk
{

// Drops GDAL's cached size and blocks of osTarget when it is on a network
// file system; does nothing for other paths.
void ForgetTargetStateAfterFailure(const std::string &osTarget);

}  // namespace kerchunk
