// Writing a whole small file so that readers see it complete or not at all,
// on local disks and on object stores alike.
#pragma once

#include <cstddef>
#include <string>

namespace kerchunk
{

// Local and /vsimem/: temporary name + rename. Object stores: one upload,
// which becomes visible only once complete (a PUT, or a multipart upload
// completed at close), so no temporary object is needed. The temporary name
// is osPath + ".tmp": callers make osPath unique to one writer (the holder
// of an entry's lock, or a name no other process can pick). osWhy says why
// on failure.
bool WriteAtomically(const std::string &osPath, const void *pData,
                     size_t nSize, std::string &osWhy);

}  // namespace kerchunk
