// Entry point of the reference generator: detect the source's format from its
// magic bytes and write kerchunk JSON (version 1) for it.
#pragma once

#include "reference_writer.h"

#include "cpl_progress.h"

#include <cstdint>
#include <string>
#include <vector>

namespace kerchunk
{

enum class SourceFormat
{
    Unknown,
    HDF5,     // HDF5 and NetCDF-4
    NetCDF3,  // CDF-1, CDF-2, CDF-5
    GRIB,     // editions 1 and 2
};

const char *SourceFormatName(SourceFormat eFormat);

// Revision of the references the generators write for a given source, part
// of the cache's generator version: bump it whenever the output for existing
// files changes, so that cached references are regenerated.
//   1: first release.
//   2: NetCDF-4 variables written partly along an unlimited dimension have
//      the dimension's length (previously the written extent).
//      GRIB rotated grids: the pole longitude in the CRS is in [-180, 180],
//      as GDAL's GRIB driver gives it.
constexpr int REFERENCES_REVISION = 2;

// Reads the first bytes of `osSource` (any GDAL path) through VSI.
// Throws kerchunk::Error when the source cannot be read.
SourceFormat DetectSourceFormat(const std::string &osSource);

struct GenerateOptions
{
    // Only these variables (and the coordinates they need); all when empty.
    std::vector<std::string> aosVariables{};
    // Chunks of at most this many bytes are inlined (base64) in the references.
    uint64_t nInlineThreshold = 500;
    // Fail instead of skipping what cannot be referenced.
    bool bStrict = false;
    GDALProgressFunc pfnProgress = nullptr;
    void *pProgressData = nullptr;
};

struct GenerateStats
{
    uint64_t nArrays = 0;
    uint64_t nChunks = 0;
    std::vector<std::string> aosSkipped{};  // "<array>: <reason>"
    uint64_t nBytesRead = 0;  // from the source, metadata and inlined chunks
};

// Writes the references of `osSource` into `oWriter` (which knows the URL to
// write for the source). Throws kerchunk::Error naming the file and dataset.
GenerateStats GenerateReferences(const std::string &osSource,
                                 const GenerateOptions &oOptions,
                                 ReferenceWriter &oWriter);

// One function per family, called by GenerateReferences().
GenerateStats GenerateHDF5References(const std::string &osSource,
                                     const GenerateOptions &oOptions,
                                     ReferenceWriter &oWriter);
GenerateStats GenerateNetCDF3References(const std::string &osSource,
                                        const GenerateOptions &oOptions,
                                        ReferenceWriter &oWriter);
GenerateStats GenerateGRIBReferences(const std::string &osSource,
                                     const GenerateOptions &oOptions,
                                     ReferenceWriter &oWriter);

}  // namespace kerchunk
