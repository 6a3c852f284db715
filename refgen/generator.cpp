#include "generator.h"
#include "error.h"
#include "file_handles.h"
#include "gdal_paths.h"
#include "read_counter.h"

#include "cpl_conv.h"
#include "cpl_vsi.h"

#include <algorithm>
#include <vector>
#include <cstring>

namespace kerchunk
{

const char *SourceFormatName(SourceFormat eFormat)
{
    switch (eFormat)
    {
        case SourceFormat::HDF5:
            return "HDF5/NetCDF-4";
        case SourceFormat::NetCDF3:
            return "NetCDF-3";
        case SourceFormat::GRIB:
            return "GRIB";
        case SourceFormat::Unknown:
            break;
    }
    return "unknown";
}

SourceFormat DetectSourceFormat(const std::string &osSource)
{
    const VSIFilePtr poFile = OpenVSIFile(osSource, "rb");
    if (!poFile)
        throw Error("cannot open " + osSource);
    // GRIB files may start with a WMO header or padding: look a little
    // further. (A 64 KB first read over the network saved a request, but a
    // server stalling after its first block then failed detection instead of
    // reaching the generation timeout: kept at one GDAL block.)
    constexpr size_t SNIFF_SIZE = 4096;
    std::vector<char> abyHeader(SNIFF_SIZE);
    const size_t nRead = VSIFReadL(abyHeader.data(), 1, abyHeader.size(), poFile.get());
    CountSourceBytesRead(nRead);

    // HDF5 superblock signature (HDF5 spec, "Format Signature"); the
    // superblock may also sit at 512, 1024, ... but the common case is 0.
    static const char achHDF5[8] = {'\x89', 'H', 'D', 'F', '\r', '\n', '\x1a', '\n'};
    for (size_t nOff = 0; nOff + 8 <= std::min(nRead, SNIFF_SIZE); nOff = nOff ? nOff * 2 : 512)
    {
        if (memcmp(abyHeader.data() + nOff, achHDF5, 8) == 0)
            return SourceFormat::HDF5;
    }
    // NetCDF classic format spec: "CDF" followed by version byte 1, 2 or 5.
    if (nRead >= 4 && memcmp(abyHeader.data(), "CDF", 3) == 0 &&
        (abyHeader[3] == 1 || abyHeader[3] == 2 || abyHeader[3] == 5))
        return SourceFormat::NetCDF3;
    for (size_t i = 0; i + 4 <= std::min(nRead, SNIFF_SIZE); ++i)
    {
        if (memcmp(abyHeader.data() + i, "GRIB", 4) == 0)
            return SourceFormat::GRIB;
    }
    return SourceFormat::Unknown;
}

GenerateStats GenerateReferences(const std::string &osSource,
                                 const GenerateOptions &oOptions,
                                 ReferenceWriter &oWriter)
{
    ScopedReadCounter oCounter;
    // Only the source itself is opened: listing its folder (GDAL's default on
    // /vsicurl/) would cost a request and tell nothing. A user's setting wins.
    CPLConfigOptionSetter oNoListing("GDAL_DISABLE_READDIR_ON_OPEN", "EMPTY_DIR", true);
    GenerateStats oStats;
    switch (DetectSourceFormat(osSource))
    {
        case SourceFormat::HDF5:
            oStats = GenerateHDF5References(osSource, oOptions, oWriter);
            break;
        case SourceFormat::NetCDF3:
            oStats = GenerateNetCDF3References(osSource, oOptions, oWriter);
            break;
        case SourceFormat::GRIB:
            oStats = GenerateGRIBReferences(osSource, oOptions, oWriter);
            break;
        case SourceFormat::Unknown:
            throw Error(osSource + ": not a NetCDF-4/HDF5, NetCDF-3 or GRIB "
                                   "file (unknown magic bytes)");
    }
    oStats.nBytesRead = oCounter.Get();
    return oStats;
}

}  // namespace kerchunk
