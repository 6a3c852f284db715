// Opening the target of a reference for range reads. GDAL's network file
// systems list the parent "directory" of a file the first time it is opened
// (a GET of the folder's URL on /vsicurl/, a LIST of the prefix on /vsis3/,
// /vsigs/...) unless GDAL_DISABLE_READDIR_ON_OPEN says not to: a round trip
// before the first chunk (measured: GET / before every read of the bench's
// series), and on an object store a listing of a whole prefix, that tells
// nothing a reference does not already say. Unless the user set that option
// (then it is theirs), targets are opened with it at EMPTY_DIR.
#pragma once

#include "cpl_vsi.h"

#include <condition_variable>
#include <mutex>
#include <set>
#include <string>

namespace kerchunk
{

// VSIFOpenExL(osTarget, "rb", bSetError) without the directory listing.
VSILFILE *OpenTargetForRangeReads(const std::string &osTarget, bool bSetError);

// Opens targets for the workers of one batch. The first open of a network
// file makes GDAL fetch its properties (a HEAD on /vsicurl/, /vsis3/...);
// workers opening it at the same time would each send one (measured: 64
// HEADs before a multidimensional series at 80 ms). Here the first worker
// opens it while the others wait for that open (the round trip they would
// have spent on their own HEAD), then open it from GDAL's cache. Thread-safe.
class TargetOpener
{
  public:
    VSILFILE *Open(const std::string &osTarget);

  private:
    std::mutex m_oMutex{};
    std::condition_variable m_oOpened{};
    std::set<std::string> m_oStarted{};  // first opens started
    std::set<std::string> m_oOpening{};  // first opens not ended yet
};

}  // namespace kerchunk
