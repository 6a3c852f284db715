// One pass over an array's .zarray when references are loaded: parsed once,
// adapted for GDAL 3.6's Zarr driver (AdaptZarrayForGDAL36, codecs.h) and
// checked. What it finds is kept with the references (LoadedReferences), so
// the raw chunk length check and the driver's array checks read it instead
// of parsing the document again.
#pragma once

#include "cpl_json.h"

#include <cstdint>
#include <string>

namespace kerchunk
{

// An array GDAL 3.6 cannot read, and why.
struct ArrayProblem
{
    std::string osArray;   // "/group/array"
    std::string osReason;  // "codec 'lzo' (compressor) is not supported", ...
};

struct PreparedZarray
{
    // The document /vsikerchunk/ serves: adapted, or the original bytes when
    // nothing changed or they are not a JSON object.
    std::string osServed{};
    // Whether the bytes are a JSON object, and then its adapted parsed form
    // (for the consolidated metadata).
    bool bIsObject = false;
    CPLJSONObject oDocument{};
    // The byte size every chunk must have when the array has no codec at
    // all; 0 when it has one or the size cannot be known.
    uint64_t nRawChunkSize = 0;
    // Why GDAL 3.6 cannot read the array ("codec 'lzo' (compressor) is not
    // supported", "zero-length dimension ..."); empty when it can.
    std::string osProblem{};
    // Set when the document nests too deep to be parsed at all.
    std::string osNestingError{};
};

// Prepares the .zarray text osBytes. Codecs must be registered
// (RegisterCodecs) so the check sees the ids GDAL will look up.
PreparedZarray PrepareZarray(const std::string &osBytes);

// Parses osText as GDAL will (json-c, through CPLJSONDocument), quietly: a
// bad document is reported by the caller, by name. False when the text nests
// too deep (osError says so) or is not JSON.
bool ParseMetadataDocument(const std::string &osText, CPLJSONDocument &oDoc,
                           std::string &osError);

}  // namespace kerchunk
