// gdal_kerchunk cache stats [--since DAYS] [-of text|json|prometheus]
// gdal_kerchunk cache verify [-of text|json]
#pragma once

#include <string>
#include <vector>

namespace kerchunk
{
class ReferenceCache;
}

namespace kerchunk::cli
{

// aosArgs: what follows "stats" / "verify". Return the exit code.
int RunCacheStats(ReferenceCache &oCache, const std::vector<std::string> &aosArgs);
// Exit code 1 when any entry is not ok.
int RunCacheVerify(ReferenceCache &oCache, const std::vector<std::string> &aosArgs);

}  // namespace kerchunk::cli
