// Building Zarr v2 metadata documents (.zgroup, .zarray, .zattrs) the way
// zarr-python writes them, so that fsspec/zarr, GDAL's Zarr driver and this
// plugin all read the generated references.
#pragma once

#include "reference_writer.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace kerchunk
{

// Zarr v2 spec, "data type encoding": e.g. "<f4", ">i2", "|u1", "|S8".
enum class ZarrKind
{
    Bool,         // 'b'
    SignedInt,    // 'i'
    UnsignedInt,  // 'u'
    Float,        // 'f'
    Bytes,        // 'S' (fixed-length byte strings)
};
std::string ZarrDtype(ZarrKind eKind, size_t nSize, bool bBigEndian);

struct ZarrArrayMetadata
{
    std::vector<uint64_t> anShape{};
    std::vector<uint64_t> anChunks{};
    std::string osDtype{};
    // Structured (compound) dtypes, e.g. [["a", "<i4"], ["b", "<f8", [3]]]:
    // written instead of osDtype when not null.
    nlohmann::json oStructuredDtype = nullptr;
    nlohmann::json oFillValue = nullptr;   // see EncodeFillValue()
    nlohmann::json oCompressor = nullptr;  // {"id": "zlib", "level": 4} or null
    nlohmann::json oFilters = nullptr;     // [{"id": "shuffle", ...}] or null
};

// The .zarray document ("order": "C", "zarr_format": 2).
nlohmann::json MakeZarray(const ZarrArrayMetadata &oMeta);

// A float as zarr encodes it in JSON: NaN -> "NaN", +/-inf -> "Infinity" /
// "-Infinity" (JSON has no literals for them), else the number.
nlohmann::json EncodeFloat(double dfValue);

// Attribute values: NaN/Infinity anywhere inside are encoded as above.
nlohmann::json EncodeAttributeValue(const nlohmann::json &oValue);

// Writes "<path>/.zgroup" (and "<path>/.zattrs" when attributes are given);
// path "" is the root.
void WriteGroup(ReferenceWriter &oWriter, const std::string &osPath,
                const nlohmann::json &oAttributes = nlohmann::json::object());

// Writes "<path>/.zarray" and "<path>/.zattrs"; `aosDimensions` becomes the
// xarray convention attribute _ARRAY_DIMENSIONS.
void WriteArrayMetadata(ReferenceWriter &oWriter, const std::string &osPath,
                        const ZarrArrayMetadata &oMeta,
                        const std::vector<std::string> &aosDimensions,
                        nlohmann::json oAttributes = nlohmann::json::object());

// Zarr v2 chunk key "i.j.k" (a 0-d array's single chunk is "0").
std::string ChunkKey(const std::string &osArrayPath,
                     const std::vector<uint64_t> &anChunkIndex);

}  // namespace kerchunk
