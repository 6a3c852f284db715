// Which targets references may read. References are files other people hand
// over: by default a target must be a regular file, never something under
// /proc, /sys or /dev (a process's environment or memory, a device), and a
// FIFO must be refused before open() blocks on it.
// KERCHUNK_ALLOW_SPECIAL_FILES=YES lifts these rules.
#pragma once

#include <string>

namespace kerchunk
{

// False, with osError naming the target and the option, when the GDAL path
// osTarget may not be read. Network and /vsimem/ paths pass; wrappers
// (/vsisubfile/, /vsizip/, /vsigzip/, ...) are judged by the file they wrap.
// Missing files pass (opening them reports them).
bool CheckTargetPolicy(const std::string &osTarget, std::string &osError);

}  // namespace kerchunk
