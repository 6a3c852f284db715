// GDAL paths and the URLs kerchunk references use for them, in one place:
// the read path maps URLs to GDAL paths, the generator and the cache write
// URLs for GDAL paths, and all of them need to know what is remote.
//
//   s3://b/k, s3a://b/k          <-> /vsis3/b/k
//   gs://b/k, gcs://b/k          <-> /vsigs/b/k
//   az://c/p, abfs(s)://c[@acct.host]/p  <-> /vsiaz/c/p
//   http(s)://host/p             <-> /vsicurl/http(s)://host/p
//   file:///abs/p                 -> /abs/p
#pragma once

#include <string>

namespace kerchunk
{

// True for GDAL paths whose bytes come over the network (/vsicurl/, /vsis3/,
// /vsigs/, /vsiaz/, ... also when wrapped, e.g. /vsigzip//vsicurl/...).
bool IsNetworkGDALPath(const std::string &osPath);

// Maps a URL with one of the schemes above to its GDAL path. False, with
// osPath untouched, when the URL has none of them.
bool UrlSchemeToGDALPath(const std::string &osUrl, std::string &osPath);

// The URL fsspec understands for a GDAL path (https://, s3://, gs://, az://);
// other paths are returned unchanged.
std::string GDALPathToUrl(const std::string &osPath);

}  // namespace kerchunk
