// NetCDF-3 (CDF-1, CDF-2, CDF-5) to kerchunk references: the header is parsed
// by netcdf3_header, each variable mapped by netcdf3_layout, and references
// are streamed variable by variable.
#include "netcdf3_attributes.h"
#include "netcdf3_header.h"
#include "netcdf3_layout.h"
#include "utf8.h"

#include "error.h"
#include "file_handles.h"
#include "../read_counter.h"
#include "config_options.h"
#include "../generator.h"
#include "../generation_reporter.h"
#include "../zarr_metadata.h"

#include "cpl_conv.h"
#include "cpl_error.h"
#include "cpl_vsi.h"

#include <algorithm>
#include <limits>
#include <map>
#include <memory>

namespace kerchunk
{

namespace
{

// Reads small ranges for inlining through a window, so that the tiny records
// of a record variable cost one read per window, not one per record. The
// window never extends past what the caller will ask for (`nSpan` bytes from
// `nOffset`), so that a small variable costs a small read on remote files.
class WindowedReader
{
  public:
    WindowedReader(VSILFILE *fp, const std::string &osFilename)
        : m_fp(fp), m_osFilename(osFilename)
    {
    }

    std::string Read(uint64_t nOffset, size_t nSize, uint64_t nSpan)
    {
        if (nOffset < m_nWindowStart ||
            nOffset - m_nWindowStart > m_osWindow.size() ||
            nSize > m_osWindow.size() - (nOffset - m_nWindowStart))
        {
            // 1 MiB: big enough to hold many records, small enough to not
            // read far past what is needed on a remote file.
            constexpr uint64_t WINDOW_SIZE = 1024 * 1024;
            m_osWindow.resize(static_cast<size_t>(
                std::max<uint64_t>(std::min(WINDOW_SIZE, nSpan), nSize)));
            m_nWindowStart = nOffset;
            if (VSIFSeekL(m_fp, nOffset, SEEK_SET) != 0)
                throw Error(m_osFilename + ": cannot seek to " +
                            std::to_string(nOffset));
            m_osWindow.resize(VSIFReadL(&m_osWindow[0], 1, m_osWindow.size(), m_fp));
            CountSourceBytesRead(m_osWindow.size());
            if (m_osWindow.size() < nSize)
                throw Error(m_osFilename + ": cannot read " +
                            std::to_string(nSize) + " bytes at offset " +
                            std::to_string(nOffset));
        }
        return m_osWindow.substr(static_cast<size_t>(nOffset - m_nWindowStart),
                                 nSize);
    }

  private:
    VSILFILE *m_fp;
    const std::string &m_osFilename;
    uint64_t m_nWindowStart = 0;
    std::string m_osWindow{};
};

// The variables to write: all, or the requested ones plus the coordinate
// variables (named after a dimension) of their dimensions.
std::vector<bool> SelectVariables(const NC3Header &oHeader,
                                  const GenerateOptions &oOptions,
                                  const std::string &osSource)
{
    std::vector<bool> abSelected(oHeader.aoVariables.size(),
                                 oOptions.aosVariables.empty());
    if (oOptions.aosVariables.empty())
        return abSelected;
    std::map<std::string, size_t> oIndex;
    for (size_t i = 0; i < oHeader.aoVariables.size(); ++i)
        oIndex[oHeader.aoVariables[i].osName] = i;
    for (const auto &osName : oOptions.aosVariables)
    {
        const auto oIter = oIndex.find(osName);
        if (oIter == oIndex.end())
            throw Error(osSource + ": no variable '" + osName + "'");
        abSelected[oIter->second] = true;
        for (size_t nDimId : oHeader.aoVariables[oIter->second].anDimIds)
        {
            const auto oCoord = oIndex.find(oHeader.aoDimensions[nDimId].osName);
            if (oCoord != oIndex.end())
                abSelected[oCoord->second] = true;
        }
    }
    return abSelected;
}

// The largest chunk a contiguous variable is split into.
uint64_t MaxChunkBytes()
{
    // ~64 MB: a read of a few rows of a big variable stays small, while
    // typical variables stay a single reference. Same option as for
    // contiguous HDF5 datasets; 0 disables splitting.
    const uint64_t nMaxChunkBytes =
        GetIntegerOption("KERCHUNK_CONTIGUOUS_SPLIT_BYTES");
    return nMaxChunkBytes == 0 ? std::numeric_limits<uint64_t>::max()
                               : nMaxChunkBytes;
}

// The root group with the global attributes (the first of a repeated name).
void WriteRootGroup(ReferenceWriter &oWriter, const NC3Header &oHeader)
{
    nlohmann::json oGlobal = nlohmann::json::object();
    for (const auto &oAttr : oHeader.aoAttributes)
    {
        if (!oGlobal.contains(oAttr.osName))
            oGlobal[oAttr.osName] = NC3AttributeValue(oAttr);
    }
    WriteGroup(oWriter, "", oGlobal);
}

// Where the variable's chunks are in a file of the given shape; throws
// Error when it cannot be referenced.
NC3ArrayLayout LayoutOf(const NC3Header &oHeader, const NC3Variable &oVar,
                        uint64_t nRecordSize, uint64_t nNumRecords,
                        uint64_t nFileSize, uint64_t nMaxChunkBytes,
                        const std::string &osSource,
                        const std::vector<bool> &abStringDimensions)
{
    // The classic format spec forbids '/' in names; a leading '.'
    // would collide with Zarr's own keys (.zarray, .zgroup).
    if (oVar.osName.find('/') != std::string::npos || oVar.osName[0] == '.')
        throw Error(osSource + ": variable '" + oVar.osName +
                    "': name cannot be a Zarr key ('/' or leading '.')");
    return ComputeNC3ArrayLayout(oHeader, oVar, nRecordSize, nNumRecords,
                                 nFileSize, nMaxChunkBytes, osSource,
                                 abStringDimensions);
}

// The variable's .zarray, .zattrs and chunk references (small chunks
// inlined).
void WriteVariable(ReferenceWriter &oWriter, WindowedReader &oReader,
                   const NC3Variable &oVar, const NC3ArrayLayout &oLayout,
                   const GenerateOptions &oOptions, GenerateStats &oStats)
{
    ZarrArrayMetadata oMeta;
    oMeta.anShape = oLayout.anShape;
    oMeta.anChunks = oLayout.anChunks;
    oMeta.osDtype = oLayout.osDtype;
    oMeta.oFillValue = NC3FillValue(oVar);
    WriteArrayMetadata(oWriter, oVar.osName, oMeta, oLayout.aosDimensions,
                       NC3VariableAttributes(oVar));
    ++oStats.nArrays;

    std::vector<uint64_t> anIndex(oLayout.anShape.size(), 0);
    for (uint64_t i = 0; i < oLayout.nChunkCount; ++i)
    {
        if (!anIndex.empty())
            anIndex[0] = i;
        const std::string osKey = ChunkKey(oVar.osName, anIndex);
        const uint64_t nOffset = oLayout.nFirstOffset + i * oLayout.nChunkStride;
        if (oLayout.nChunkBytes <= oOptions.nInlineThreshold)
        {
            const uint64_t nSpan = (oLayout.nChunkCount - 1 - i) *
                                       oLayout.nChunkStride +
                                   oLayout.nChunkBytes;
            const std::string osBytes = oReader.Read(
                nOffset, static_cast<size_t>(oLayout.nChunkBytes), nSpan);
            // Text stays readable as text; numbers are base64, which is
            // also shorter than JSON-escaped binary.
            if (oVar.eType == NC3Type::Char && IsValidUtf8(osBytes))
                oWriter.AddInline(osKey, osBytes);
            else
                oWriter.AddInlineBase64(osKey, osBytes);
        }
        else
        {
            oWriter.AddRange(osKey, nOffset, oLayout.nChunkBytes);
        }
        ++oStats.nChunks;
    }
}

}  // namespace

GenerateStats GenerateNetCDF3References(const std::string &osSource,
                                        const GenerateOptions &oOptions,
                                        ReferenceWriter &oWriter)
{
    VSIFilePtr poFile(VSIFOpenL(osSource.c_str(), "rb"));
    if (!poFile)
        throw Error("cannot open " + osSource);
    const NC3Header oHeader = ReadNetCDF3Header(poFile.get(), osSource);
    if (VSIFSeekL(poFile.get(), 0, SEEK_END) != 0)
        throw Error(osSource + ": cannot seek to the end of the file");
    const uint64_t nFileSize = VSIFTellL(poFile.get());
    const uint64_t nRecordSize = NC3RecordSize(oHeader, osSource);
    const uint64_t nNumRecords = NC3NumRecords(oHeader, nRecordSize, nFileSize);
    const uint64_t nMaxChunkBytes = MaxChunkBytes();

    const std::vector<bool> abSelected =
        SelectVariables(oHeader, oOptions, osSource);
    const std::vector<bool> abStringDimensions = NC3StringDimensions(oHeader);
    WriteRootGroup(oWriter, oHeader);

    GenerateStats oStats;
    GenerationReporter oReporter(osSource, oOptions, oStats);
    WindowedReader oReader(poFile.get(), osSource);
    const size_t nVars = oHeader.aoVariables.size();
    for (size_t iVar = 0; iVar < nVars; ++iVar)
    {
        const NC3Variable &oVar = oHeader.aoVariables[iVar];
        if (!abSelected[iVar])
            continue;
        NC3ArrayLayout oLayout;
        try
        {
            oLayout = LayoutOf(oHeader, oVar, nRecordSize, nNumRecords,
                               nFileSize, nMaxChunkBytes, osSource,
                               abStringDimensions);
        }
        catch (const Error &e)
        {
            oReporter.Skip("/" + oVar.osName, oReporter.WithoutSource(e.what()));
            continue;
        }
        WriteVariable(oWriter, oReader, oVar, oLayout, oOptions, oStats);
        oReporter.Progress(static_cast<double>(iVar + 1) / nVars);
    }
    return oStats;
}

}  // namespace kerchunk
