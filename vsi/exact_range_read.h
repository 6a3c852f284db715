// Reading one byte range as exactly that range. GDAL's network file systems
// (/vsicurl/, /vsis3/, /vsigs/, /vsiaz/...) round a VSIFReadL out to whole
// blocks of CPL_VSIL_CURL_CHUNK_SIZE bytes (up to a block more per request,
// kept again in GDAL's block cache, and touching the neighbouring chunks'
// bytes), but send VSIFReadMultiRangeL's ranges as they are, joining
// consecutive ones into one request: the range is asked for as two
// consecutive parts. GDAL 3.6 does not retry on that path, so a caller falls
// back to VSIFReadL (which applies GDAL_HTTP_MAX_RETRY) when it fails.
#pragma once

#include "cpl_vsi.h"

#include <cstddef>
#include <cstdint>

namespace kerchunk
{

// True when all nSize bytes at nOffset were read into pBuffer by one exact
// request; false (nothing to rely on in pBuffer) otherwise, and always for
// fewer than 2 bytes. Reports no error (the caller's fallback read does).
bool ReadExactRange(VSILFILE *fp, uint64_t nOffset, void *pBuffer, size_t nSize);

}  // namespace kerchunk
