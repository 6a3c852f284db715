// Kerchunk references for HDF5 and NetCDF-4 files: every group becomes a Zarr
// group, every dataset a Zarr array whose chunks point into the source file.
#include "hdf5_call_watch.h"
#include "hdf5_chunks.h"
#include "hdf5_filters.h"
#include "hdf5_handle.h"
#include "hdf5_types.h"
#include "hdf5_unsupported.h"
#include "hdf5_vfd.h"
#include "netcdf_dimensions.h"

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
#include <cstring>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace kerchunk
{
namespace
{
using hdf5::CheckId;
using hdf5::CheckRet;
using hdf5::Handle;

// Variable-length strings are converted to fixed-length and inlined; beyond
// this the references would be unreasonably large.
constexpr uint64_t MAX_INLINED_STRING_BYTES = 64 * 1024 * 1024;
// Chunks stored with some filters skipped are re-encoded and inlined (see
// EncodeSkippedFilters); larger ones make the dataset unsupported.
constexpr uint64_t MAX_REENCODED_CHUNK_BYTES = 4 * 1024 * 1024;

// netCDF-4 (netCDF-C's "nc4hdf.c" / HDF5 dimension scales) bookkeeping
// attributes: their meaning is carried by _ARRAY_DIMENSIONS and fill_value.
const std::set<std::string> &HiddenAttributes()
{
    static const std::set<std::string> oNames = {
        "CLASS", "DIMENSION_LIST", "NAME", "REFERENCE_LIST", "_Netcdf4Dimid",
        "_Netcdf4Coordinates", "_nc3_strict", "_NCProperties", "_FillValue",
        "_ARRAY_DIMENSIONS"};
    return oNames;
}

// NetCDF-C marks datasets that only carry a dimension (no variable) with this
// NAME attribute (libsrc4/nc4internal.h, DIM_WITHOUT_VARIABLE).
constexpr const char *NETCDF_DIM_ONLY_PREFIX =
    "This is a netCDF dimension but not a netCDF variable";

struct GroupEntry
{
    std::string osPath;  // "/" or "/a/b"
    nlohmann::json oAttributes;
};

struct DatasetEntry
{
    std::string osPath;
    std::string osGroup;
    std::vector<uint64_t> anShape{};  // the dataset's extent
    // The netCDF shape: along unlimited dimensions, the dimension's length
    // (see netcdf_dimensions.h); chunks past anShape read as the fill value.
    std::vector<uint64_t> anZarrShape{};
    std::vector<bool> abUnlimited{};
    std::vector<std::string> aosDimensions{};
    // Per axis, the object address of its first attached dimension scale
    // (HADDR_UNDEF: none), resolved to a name once the whole tree is known.
    std::vector<haddr_t> anScaleAddresses{};
    nlohmann::json oAttributes;
    bool bDimensionOnly = false;
};

std::string BaseName(const std::string &osPath)
{
    const size_t nPos = osPath.rfind('/');
    return nPos == std::string::npos ? osPath : osPath.substr(nPos + 1);
}

std::string ZarrPath(const std::string &osHDF5Path)
{
    return osHDF5Path.size() > 1 ? osHDF5Path.substr(1) : std::string();
}

nlohmann::json VisibleAttributes(const nlohmann::json &oAttributes)
{
    nlohmann::json oOut = nlohmann::json::object();
    for (const auto &oItem : oAttributes.items())
    {
        if (!HiddenAttributes().count(oItem.key()))
            oOut[oItem.key()] = oItem.value();
    }
    return oOut;
}

// A chunk found in a dataset's chunk index: its place in the chunk grid
// (linear, C order), address and stored size. 24 bytes per chunk.
struct LocatedChunk
{
    uint64_t nLinear, nAddress, nSize;
};

// The chunks of a dataset; the filter masks of chunks stored with some
// filters skipped are rare and kept apart (index in asChunks -> mask).
struct LocatedChunks
{
    std::vector<LocatedChunk> asChunks{};
    std::map<size_t, unsigned> oMasks{};
};

// The number of chunks along each dimension; nGridCount: their product.
std::vector<uint64_t> ChunkGridOf(const std::vector<uint64_t> &anShape,
                                  const std::vector<uint64_t> &anChunks,
                                  uint64_t &nGridCount)
{
    std::vector<uint64_t> anGrid(anShape.size());
    nGridCount = 1;
    for (size_t i = 0; i < anShape.size(); ++i)
    {
        anGrid[i] = (anShape[i] + anChunks[i] - 1) / anChunks[i];
        nGridCount = anGrid[i] == 0 ? 0 : nGridCount * anGrid[i];
    }
    return anGrid;
}

class HDF5Generator
{
  public:
    HDF5Generator(const std::string &osSource, const GenerateOptions &oOptions,
                  ReferenceWriter &oWriter)
        : m_osSource(osSource), m_oOptions(oOptions), m_oWriter(oWriter)
    {
    }

    GenerateStats Run();

  private:
    void CollectGroup(hid_t hGroup, const std::string &osPath);
    void CollectDataset(hid_t hDataset, const std::string &osPath,
                        const std::string &osGroup);
    std::vector<std::string> ResolveDimensions(const DatasetEntry &oEntry);
    std::string ScaleName(haddr_t nAddress) const;
    std::string PhonyDimension(const std::string &osGroup, uint64_t nSize, int nOccurrence);
    std::vector<bool> SelectDatasets() const;
    void ApplyNetCDFShapes();

    void WriteDataset(const DatasetEntry &oEntry);
    void WriteChunked(const DatasetEntry &oEntry, hid_t hDataset, hid_t hDcpl,
                      const hdf5::ZarrType &sType, ZarrArrayMetadata &oMeta,
                      bool &bAllPresent);
    LocatedChunks LocateChunks(const DatasetEntry &oEntry, hid_t hDataset,
                               const hdf5::CodecPipeline &sPipeline,
                               const hdf5::ZarrType &sType,
                               const std::vector<uint64_t> &anChunks,
                               const std::vector<uint64_t> &anGrid);
    void WriteLocatedChunks(const std::string &osArray, const LocatedChunks &oLocated,
                            const std::vector<uint64_t> &anGrid,
                            const hdf5::CodecPipeline &sPipeline);
    void WriteContiguous(const DatasetEntry &oEntry, hid_t hDataset,
                         const hdf5::ZarrType &sType, ZarrArrayMetadata &oMeta,
                         bool &bAllPresent);
    void WriteInlineWhole(const DatasetEntry &oEntry, const std::string &osBytes,
                          ZarrArrayMetadata &oMeta);
    std::string ReadRaw(uint64_t nOffset, uint64_t nSize);

    const std::string &m_osSource;
    const GenerateOptions &m_oOptions;
    ReferenceWriter &m_oWriter;
    Handle m_hFile{};
    VSIFilePtr m_poRawFile{};
    // Object address -> first path seen by the traversal: dimension-scale
    // references resolve through it (H5Iget_name searches the whole file on
    // every call, quadratic in the number of datasets).
    std::map<haddr_t, std::string> m_oPathByAddress{};
    std::vector<GroupEntry> m_aoGroups{};
    std::vector<DatasetEntry> m_aoDatasets{};
    // Phony dimension names (as netCDF-C names anonymous dimensions) per
    // group and size, so that equal sizes share a name and arrays agree.
    std::map<std::pair<std::string, uint64_t>, std::vector<std::string>> m_oPhony{};
    int m_nPhonyCount = 0;
    GenerateStats m_oStats{};
};

struct IterData
{
    HDF5Generator *poGenerator;
    std::string osPath;
    std::vector<std::string> aosChildren{};
};

herr_t LinkCallback(hid_t, const char *pszName, const H5L_info_t *psInfo, void *pData)
{
    auto *psData = static_cast<IterData *>(pData);
    // Soft and external links would duplicate or leave the file.
    if (psInfo->type == H5L_TYPE_HARD)
        psData->aosChildren.emplace_back(pszName);
    else
        CPLDebug("KERCHUNK", "link %s/%s skipped (not a hard link)",
                 psData->osPath.c_str(), pszName);
    return 0;
}

void HDF5Generator::CollectGroup(hid_t hGroup, const std::string &osPath)
{
    {
        const hdf5::CallWatch oWatch("the attributes of group " + osPath);
        m_aoGroups.push_back({osPath, hdf5::ReadAttributes(hGroup)});
    }
    IterData sData{this, osPath};
    hsize_t nIdx = 0;
    CheckRet(H5Literate(hGroup, H5_INDEX_NAME, H5_ITER_INC, &nIdx, LinkCallback, &sData),
             "group " + osPath + ": cannot list members");
    for (const std::string &osName : sData.aosChildren)
    {
        const std::string osChild = (osPath == "/" ? "" : osPath) + "/" + osName;
        H5O_info_t sInfo;
        CheckRet(H5Oget_info_by_name2(hGroup, osName.c_str(), &sInfo, H5O_INFO_BASIC,
                                      H5P_DEFAULT),
                 osChild);
        if (!m_oPathByAddress.emplace(sInfo.addr, osChild).second)
            continue;  // hard link to an object already seen
        if (sInfo.type == H5O_TYPE_GROUP)
        {
            Handle hChild(CheckId(H5Gopen2(hGroup, osName.c_str(), H5P_DEFAULT),
                                  "group " + osChild));
            CollectGroup(hChild.get(), osChild);
        }
        else if (sInfo.type == H5O_TYPE_DATASET)
        {
            Handle hChild(CheckId(H5Dopen2(hGroup, osName.c_str(), H5P_DEFAULT),
                                  "dataset " + osChild));
            CollectDataset(hChild.get(), osChild, osPath);
        }
    }
}

std::string HDF5Generator::PhonyDimension(const std::string &osGroup, uint64_t nSize,
                                          int nOccurrence)
{
    auto &aosNames = m_oPhony[{osGroup, nSize}];
    while (static_cast<int>(aosNames.size()) <= nOccurrence)
        aosNames.push_back("phony_dim_" + std::to_string(m_nPhonyCount++));
    return aosNames[nOccurrence];
}

// HDF5 dimension scales (H5DS spec): DIMENSION_LIST holds, per axis, a
// variable-length list of object references to the attached scales. An
// object reference (H5R_OBJECT, hobj_ref_t) is the object's header address.
std::vector<haddr_t> ReadScaleAddresses(hid_t hDataset, size_t nRank)
{
    std::vector<haddr_t> anAddresses(nRank, HADDR_UNDEF);
    if (nRank == 0 || H5Aexists(hDataset, "DIMENSION_LIST") <= 0)
        return anAddresses;
    Handle hAttr(H5Aopen(hDataset, "DIMENSION_LIST", H5P_DEFAULT));
    Handle hSpace(hAttr ? H5Aget_space(hAttr.get()) : -1);
    Handle hMem(H5Tvlen_create(H5T_STD_REF_OBJ));
    if (hSpace && H5Sget_simple_extent_npoints(hSpace.get()) == static_cast<hssize_t>(nRank))
    {
        std::vector<hvl_t> asLists(nRank);
        if (H5Aread(hAttr.get(), hMem.get(), asLists.data()) >= 0)
        {
            for (size_t i = 0; i < nRank; ++i)
            {
                if (asLists[i].len != 0 && asLists[i].p != nullptr)
                    anAddresses[i] = *static_cast<const hobj_ref_t *>(asLists[i].p);
            }
            H5Dvlen_reclaim(hMem.get(), hSpace.get(), H5P_DEFAULT, asLists.data());
        }
    }
    H5Eclear2(H5E_DEFAULT);
    return anAddresses;
}

// The base name of the scale at `nAddress`, "" when there is none.
std::string HDF5Generator::ScaleName(haddr_t nAddress) const
{
    if (nAddress == HADDR_UNDEF)
        return std::string();
    const auto oIt = m_oPathByAddress.find(nAddress);
    if (oIt != m_oPathByAddress.end())
        return BaseName(oIt->second);
    // Not reached by hard links from the root: ask libhdf5 (slow path).
    hobj_ref_t nRef = nAddress;
    Handle hScale(H5Rdereference2(m_hFile.get(), H5P_DEFAULT, H5R_OBJECT, &nRef));
    char szName[1024] = {};
    std::string osName;
    if (hScale && H5Iget_name(hScale.get(), szName, sizeof(szName)) > 0)
        osName = BaseName(szName);
    H5Eclear2(H5E_DEFAULT);
    return osName;
}

std::vector<std::string> HDF5Generator::ResolveDimensions(const DatasetEntry &oEntry)
{
    const size_t nRank = oEntry.anShape.size();
    std::vector<std::string> aosDims(nRank);
    for (size_t i = 0; i < nRank && i < oEntry.anScaleAddresses.size(); ++i)
        aosDims[i] = ScaleName(oEntry.anScaleAddresses[i]);
    const auto oClass = oEntry.oAttributes.find("CLASS");
    const bool bIsScale = oClass != oEntry.oAttributes.end() && oClass->is_string() &&
                          oClass->get<std::string>() == "DIMENSION_SCALE";
    std::map<uint64_t, int> oOccurrences;
    for (size_t i = 0; i < nRank; ++i)
    {
        if (!aosDims[i].empty())
            continue;
        if (bIsScale && i == 0)
            aosDims[i] = BaseName(oEntry.osPath);
        else
            aosDims[i] = PhonyDimension(oEntry.osGroup, oEntry.anShape[i],
                                        oOccurrences[oEntry.anShape[i]]++);
    }
    return aosDims;
}

void HDF5Generator::CollectDataset(hid_t hDataset, const std::string &osPath,
                                   const std::string &osGroup)
{
    // Attributes and DIMENSION_LIST are variable-length data.
    const hdf5::CallWatch oWatch("the attributes of dataset " + osPath);
    DatasetEntry oEntry;
    oEntry.osPath = osPath;
    oEntry.osGroup = osGroup;
    oEntry.oAttributes = hdf5::ReadAttributes(hDataset);
    Handle hSpace(CheckId(H5Dget_space(hDataset), "dataset " + osPath));
    const int nRank = H5Sget_simple_extent_ndims(hSpace.get());
    if (nRank > 0)
    {
        std::vector<hsize_t> anDims(nRank), anMaxDims(nRank);
        H5Sget_simple_extent_dims(hSpace.get(), anDims.data(), anMaxDims.data());
        oEntry.anShape.assign(anDims.begin(), anDims.end());
        for (hsize_t nMax : anMaxDims)
            oEntry.abUnlimited.push_back(nMax == H5S_UNLIMITED);
    }
    const auto oName = oEntry.oAttributes.find("NAME");
    oEntry.bDimensionOnly = oName != oEntry.oAttributes.end() && oName->is_string() &&
                            oName->get<std::string>().rfind(NETCDF_DIM_ONLY_PREFIX, 0) == 0;
    oEntry.anScaleAddresses = ReadScaleAddresses(hDataset, oEntry.anShape.size());
    oEntry.anZarrShape = oEntry.anShape;
    m_aoDatasets.push_back(std::move(oEntry));
}

void HDF5Generator::ApplyNetCDFShapes()
{
    std::vector<hdf5::NetCDFVariableShape> aoShapes;
    aoShapes.reserve(m_aoDatasets.size());
    for (const auto &oEntry : m_aoDatasets)
    {
        const auto oClass = oEntry.oAttributes.find("CLASS");
        aoShapes.push_back({oEntry.osGroup, BaseName(oEntry.osPath),
                            oClass != oEntry.oAttributes.end() && oClass->is_string() &&
                                oClass->get<std::string>() == "DIMENSION_SCALE",
                            oEntry.aosDimensions, oEntry.anShape, oEntry.abUnlimited});
    }
    auto aanShapes = hdf5::NetCDFShapes(aoShapes);
    for (size_t i = 0; i < m_aoDatasets.size(); ++i)
        m_aoDatasets[i].anZarrShape = std::move(aanShapes[i]);
}

// --var NAME: the named variables (by path or base name) and the coordinate
// variables of their dimensions (same group or an ancestor).
std::vector<bool> HDF5Generator::SelectDatasets() const
{
    std::vector<bool> abSelected(m_aoDatasets.size(), m_oOptions.aosVariables.empty());
    if (m_oOptions.aosVariables.empty())
        return abSelected;
    std::set<std::string> oWanted(m_oOptions.aosVariables.begin(),
                                  m_oOptions.aosVariables.end());
    std::vector<std::pair<std::string, std::string>> aoDims;  // (group, dim)
    std::set<std::string> oFound;
    for (size_t i = 0; i < m_aoDatasets.size(); ++i)
    {
        const auto &oEntry = m_aoDatasets[i];
        const std::string osZarr = ZarrPath(oEntry.osPath);
        const std::string osBase = BaseName(oEntry.osPath);
        if (oWanted.count(osZarr) || oWanted.count(oEntry.osPath) || oWanted.count(osBase))
        {
            abSelected[i] = true;
            oFound.insert(oWanted.count(osZarr) ? osZarr
                          : oWanted.count(osBase) ? osBase
                                                  : oEntry.osPath);
            for (const auto &osDim : oEntry.aosDimensions)
                aoDims.emplace_back(oEntry.osGroup, osDim);
        }
    }
    for (const auto &osName : oWanted)
    {
        if (!oFound.count(osName))
            throw Error(m_osSource + ": no variable named '" + osName + "'");
    }
    for (size_t i = 0; i < m_aoDatasets.size(); ++i)
    {
        const auto &oEntry = m_aoDatasets[i];
        for (const auto &oDim : aoDims)
        {
            const bool bAncestor =
                oEntry.osGroup == "/" || oDim.first == oEntry.osGroup ||
                oDim.first.rfind(oEntry.osGroup + "/", 0) == 0;
            if (bAncestor && BaseName(oEntry.osPath) == oDim.second)
                abSelected[i] = true;
        }
    }
    return abSelected;
}

std::string HDF5Generator::ReadRaw(uint64_t nOffset, uint64_t nSize)
{
    if (!m_poRawFile)
    {
        m_poRawFile = ::kerchunk::OpenVSIFile(m_osSource, "rb");
        if (!m_poRawFile)
            throw Error("cannot open " + m_osSource);
    }
    std::string osBytes(static_cast<size_t>(nSize), '\0');
    if (VSIFSeekL(m_poRawFile.get(), nOffset, SEEK_SET) != 0 ||
        VSIFReadL(osBytes.data(), 1, osBytes.size(), m_poRawFile.get()) != osBytes.size())
        throw Error("cannot read " + std::to_string(nSize) + " bytes at offset " +
                    std::to_string(nOffset) + " (truncated file?)");
    CountSourceBytesRead(nSize);
    return osBytes;
}

void HDF5Generator::WriteInlineWhole(const DatasetEntry &oEntry, const std::string &osBytes,
                                     ZarrArrayMetadata &oMeta)
{
    oMeta.anChunks.clear();
    for (uint64_t nSize : oMeta.anShape)
        oMeta.anChunks.push_back(std::max<uint64_t>(nSize, 1));
    m_oWriter.AddInline(ChunkKey(ZarrPath(oEntry.osPath),
                                 std::vector<uint64_t>(oMeta.anShape.size(), 0)),
                        osBytes);
    ++m_oStats.nChunks;
}

// Past the extent of a variable written partly along an unlimited dimension,
// netCDF reads the fill value: missing chunks are the Zarr fill value, and the
// chunk straddling the extent holds it too since HDF5 fills new chunks. In
// no-fill mode neither holds (HDF5 zeroes new chunks, and the dataset's fill
// value property is not netCDF's fill value).
void CheckShapePastExtent(const DatasetEntry &oEntry, hid_t hDcpl)
{
    // libhdf5 hands over the file's fill-time byte unchecked, and a value
    // outside the enumeration must not be loaded as one: compared as an int.
    H5D_fill_time_t aeFillTime[1] = {H5D_FILL_TIME_IFSET};
    if (H5Pget_fill_time(hDcpl, aeFillTime) < 0)
        return;
    int nFillTime = 0;
    static_assert(sizeof(nFillTime) == sizeof(aeFillTime[0]), "an int-sized enumeration");
    memcpy(&nFillTime, aeFillTime, sizeof(nFillTime));
    if (nFillTime != H5D_FILL_TIME_NEVER)
        return;
    for (size_t i = 0; i < oEntry.anShape.size(); ++i)
    {
        if (oEntry.anZarrShape[i] > oEntry.anShape[i])
            throw hdf5::Unsupported(
                "written for " + std::to_string(oEntry.anShape[i]) + " of the " +
                std::to_string(oEntry.anZarrShape[i]) + " values of unlimited dimension '" +
                oEntry.aosDimensions[i] + "' in no-fill mode (the rest has no fill value)");
    }
}

void HDF5Generator::WriteChunked(const DatasetEntry &oEntry, hid_t hDataset, hid_t hDcpl,
                                 const hdf5::ZarrType &sType, ZarrArrayMetadata &oMeta,
                                 bool &bAllPresent)
{
    const size_t nRank = oMeta.anShape.size();
    std::vector<hsize_t> anChunk(nRank);
    if (H5Pget_chunk(hDcpl, static_cast<int>(nRank), anChunk.data()) != static_cast<int>(nRank))
        throw Error("cannot read the chunk shape");
    oMeta.anChunks.assign(anChunk.begin(), anChunk.end());
    CheckShapePastExtent(oEntry, hDcpl);
    oMeta.anShape = oEntry.anZarrShape;
    const hdf5::CodecPipeline sPipeline = hdf5::MapFilters(hDcpl, sType.nSize);
    oMeta.oFilters = sPipeline.oFilters;
    oMeta.oCompressor = sPipeline.oCompressor;

    uint64_t nGridCount = 1;
    const std::vector<uint64_t> anGrid =
        ChunkGridOf(oMeta.anShape, oMeta.anChunks, nGridCount);
    const LocatedChunks oLocated =
        LocateChunks(oEntry, hDataset, sPipeline, sType, oMeta.anChunks, anGrid);
    bAllPresent = oLocated.asChunks.size() == nGridCount;
    WriteLocatedChunks(ZarrPath(oEntry.osPath), oLocated, anGrid, sPipeline);
    m_oStats.nChunks += oLocated.asChunks.size();
}

// Located first, written after: a chunk that cannot be expressed must not
// leave half an array in the output.
LocatedChunks HDF5Generator::LocateChunks(const DatasetEntry &oEntry, hid_t hDataset,
                                          const hdf5::CodecPipeline &sPipeline,
                                          const hdf5::ZarrType &sType,
                                          const std::vector<uint64_t> &anChunks,
                                          const std::vector<uint64_t> &anGrid)
{
    const size_t nRank = anGrid.size();
    const unsigned nAllFilters =
        sPipeline.nFilters >= 32 ? ~0U : ((1U << sPipeline.nFilters) - 1);
    std::set<unsigned> oCheckedMasks;
    LocatedChunks oLocated;
    {
        // Reserved exactly (H5Dget_num_chunks walks the index once) so that
        // the vector never doubles.
        hsize_t nAllocated = 0;
        Handle hSpace(H5Dget_space(hDataset));
        if (hSpace && H5Dget_num_chunks(hDataset, hSpace.get(), &nAllocated) >= 0)
            oLocated.asChunks.reserve(static_cast<size_t>(nAllocated));
        H5Eclear2(H5E_DEFAULT);
    }
    hdf5::ForEachChunk(
        m_hFile.get(), hDataset, oEntry.anShape, anChunks,
        [&](const hdf5::ChunkLocation &sChunk)
        {
            const unsigned nMask = sChunk.nFilterMask & nAllFilters;
            uint64_t nSize = sChunk.nSize;
            if (sPipeline.bDropChecksum && !(nMask & (1U << (sPipeline.nFilters - 1))))
            {
                if (nSize < 4)
                    throw Error("chunk shorter than its fletcher32 checksum");
                nSize -= 4;
            }
            if (nMask != 0)
            {
                // Inlined after re-encoding: check now that it can be done.
                if (nSize > MAX_REENCODED_CHUNK_BYTES)
                    throw hdf5::Unsupported(
                        "chunk " + ChunkKey("", sChunk.anIndex) +
                        " is stored with some filters skipped and is too large to inline");
                if (oCheckedMasks.insert(nMask).second)
                    hdf5::EncodeSkippedFilters(sPipeline, nMask,
                                               std::string(sType.nSize, '\0'));
            }
            uint64_t nLinear = 0;
            for (size_t i = 0; i < nRank; ++i)
                nLinear = nLinear * anGrid[i] + sChunk.anIndex[i];
            if (nMask != 0)
                oLocated.oMasks[oLocated.asChunks.size()] = nMask;
            oLocated.asChunks.push_back({nLinear, sChunk.nAddress, nSize});
        });
    return oLocated;
}

void HDF5Generator::WriteLocatedChunks(const std::string &osArray,
                                       const LocatedChunks &oLocated,
                                       const std::vector<uint64_t> &anGrid,
                                       const hdf5::CodecPipeline &sPipeline)
{
    const size_t nRank = anGrid.size();
    std::vector<uint64_t> anIndex(nRank);
    for (size_t iChunk = 0; iChunk < oLocated.asChunks.size(); ++iChunk)
    {
        const LocatedChunk &sChunk = oLocated.asChunks[iChunk];
        const auto oMask = oLocated.oMasks.find(iChunk);
        uint64_t nRest = sChunk.nLinear;
        for (size_t i = nRank; i-- > 0;)
        {
            anIndex[i] = nRest % anGrid[i];
            nRest /= anGrid[i];
        }
        const std::string osKey = ChunkKey(osArray, anIndex);
        if (oMask != oLocated.oMasks.end())
            m_oWriter.AddInline(osKey, hdf5::EncodeSkippedFilters(
                                           sPipeline, oMask->second,
                                           ReadRaw(sChunk.nAddress, sChunk.nSize)));
        else if (sChunk.nSize <= m_oOptions.nInlineThreshold)
            m_oWriter.AddInline(osKey, ReadRaw(sChunk.nAddress, sChunk.nSize));
        else
            m_oWriter.AddRange(osKey, sChunk.nAddress, sChunk.nSize);
    }
}

void HDF5Generator::WriteContiguous(const DatasetEntry &oEntry, hid_t hDataset,
                                    const hdf5::ZarrType &sType, ZarrArrayMetadata &oMeta,
                                    bool &bAllPresent)
{
    uint64_t nBytes = sType.nSize;
    bool bOverflow = false;
    for (uint64_t nSize : oMeta.anShape)
        bOverflow |= __builtin_mul_overflow(nBytes, nSize, &nBytes);
    oMeta.anChunks.clear();
    for (uint64_t nSize : oMeta.anShape)
        oMeta.anChunks.push_back(std::max<uint64_t>(nSize, 1));
    const haddr_t nAddress = H5Dget_offset(hDataset);
    bAllPresent = nAddress != HADDR_UNDEF;
    H5Eclear2(H5E_DEFAULT);
    if (nAddress == HADDR_UNDEF || (nBytes == 0 && !bOverflow))
        return;  // never written: all fill value
    // A corrupt header can declare data far past the end of the file:
    // referenced block by block, it would make millions of references
    // (fuzz_hdf5's contiguous_data_past_end_of_file).
    VSIStatBufL sStat;
    if (bOverflow || nAddress + nBytes < nAddress ||
        (VSIStatL(m_osSource.c_str(), &sStat) == 0 &&
         nAddress + nBytes > static_cast<uint64_t>(sStat.st_size)))
        throw hdf5::Unsupported("contiguous data of " +
                                (bOverflow ? std::string("more than 2^64")
                                           : std::to_string(nBytes)) +
                                " bytes at offset " + std::to_string(nAddress) +
                                ", past the end of the file");
    const std::string osArray = ZarrPath(oEntry.osPath);
    const std::vector<uint64_t> anZero(oMeta.anShape.size(), 0);
    if (nBytes <= m_oOptions.nInlineThreshold)
    {
        m_oWriter.AddInline(ChunkKey(osArray, anZero), ReadRaw(nAddress, nBytes));
        ++m_oStats.nChunks;
        return;
    }
    // Split along the first dimension into blocks of whole rows. Zarr wants
    // every chunk full-sized, so the row count must divide the first
    // dimension; without a divisor of reasonable size, one reference.
    uint64_t nRows = oMeta.anShape.empty() ? 1 : oMeta.anShape[0];
    const uint64_t nSplitBytes = GetIntegerOption("KERCHUNK_CONTIGUOUS_SPLIT_BYTES");
    if (nSplitBytes > 0 && nBytes > nSplitBytes && nRows > 1)
    {
        const uint64_t nRowBytes = nBytes / nRows;
        const uint64_t nTarget = std::max<uint64_t>(1, nSplitBytes / nRowBytes);
        for (uint64_t n = nTarget; n >= std::max<uint64_t>(1, nTarget / 8); --n)
        {
            if (oMeta.anShape[0] % n == 0)
            {
                nRows = n;
                break;
            }
        }
    }
    if (oMeta.anShape.empty() || nRows == oMeta.anShape[0])
    {
        m_oWriter.AddRange(ChunkKey(osArray, anZero), nAddress, nBytes);
        ++m_oStats.nChunks;
        return;
    }
    oMeta.anChunks[0] = nRows;
    const uint64_t nBlockBytes = nBytes / oMeta.anShape[0] * nRows;
    std::vector<uint64_t> anIndex(anZero);
    for (uint64_t i = 0; i < oMeta.anShape[0] / nRows; ++i)
    {
        anIndex[0] = i;
        m_oWriter.AddRange(ChunkKey(osArray, anIndex), nAddress + i * nBlockBytes,
                           nBlockBytes);
        ++m_oStats.nChunks;
    }
}

// The nCount variable-length strings of a dataset as fixed-length byte
// strings of the longest length (nMax, at least 1): Zarr has no
// variable-length strings GDAL reads, so they are inlined that way.
std::string ReadVlenStringsAsFixed(hid_t hDataset, hid_t hType, hid_t hSpace,
                                   uint64_t nCount, size_t &nMax)
{
    // Each value takes at least one byte once inlined: a count beyond the
    // limit fails anyway, and is refused before its pointers are allocated.
    if (nCount > MAX_INLINED_STRING_BYTES / sizeof(char *))
        throw hdf5::Unsupported("inlining " + std::to_string(nCount) +
                                " variable-length strings (more than " +
                                std::to_string(MAX_INLINED_STRING_BYTES / sizeof(char *)) + ")");
    Handle hMem(H5Tcopy(H5T_C_S1));
    H5Tset_size(hMem.get(), H5T_VARIABLE);
    H5Tset_cset(hMem.get(), H5Tget_cset(hType));
    std::vector<char *> apszValues(static_cast<size_t>(nCount), nullptr);
    CheckRet(H5Dread(hDataset, hMem.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT,
                     apszValues.data()),
             "cannot read strings");
    nMax = 1;
    for (const char *psz : apszValues)
        nMax = std::max(nMax, psz ? strlen(psz) : 0);
    std::string osBytes;
    if (nMax * nCount <= MAX_INLINED_STRING_BYTES)
    {
        osBytes.assign(nMax * nCount, '\0');
        for (size_t i = 0; i < apszValues.size(); ++i)
        {
            if (apszValues[i])
                memcpy(&osBytes[i * nMax], apszValues[i], strlen(apszValues[i]));
        }
    }
    H5Dvlen_reclaim(hMem.get(), hSpace, H5P_DEFAULT, apszValues.data());
    if (nMax * nCount > MAX_INLINED_STRING_BYTES)
        throw hdf5::Unsupported("variable-length strings too large to inline");
    return osBytes;
}

// Compact data lives in the object header: inlined as stored (reading with
// the file type as memory type converts nothing).
std::string ReadCompactData(hid_t hDataset, hid_t hType, uint64_t nCount, size_t nElementSize)
{
    // The layout message gives compact data a 16-bit size: a larger shape
    // times type is a corrupt header, refused before allocating it.
    constexpr uint64_t MAX_COMPACT_BYTES = 65535;
    if (nCount > MAX_COMPACT_BYTES / nElementSize)
        throw Error("compact data of " + std::to_string(nCount) + " elements of " +
                    std::to_string(nElementSize) + " bytes (the format stores at most " +
                    std::to_string(MAX_COMPACT_BYTES) + " bytes)");
    const uint64_t nBytes = nCount * nElementSize;
    std::string osBytes(static_cast<size_t>(nBytes), '\0');
    if (nBytes > 0)
        CheckRet(H5Dread(hDataset, hType, H5S_ALL, H5S_ALL, H5P_DEFAULT, osBytes.data()),
                 "cannot read compact data");
    return osBytes;
}

void HDF5Generator::WriteDataset(const DatasetEntry &oEntry)
{
    // Zarr keys and JSON are UTF-8; HDF5 names are arbitrary bytes.
    if (hdf5::SanitizeUtf8(oEntry.osPath) != oEntry.osPath)
        throw hdf5::Unsupported("name that is not valid UTF-8");
    Handle hDataset(CheckId(H5Dopen2(m_hFile.get(), oEntry.osPath.c_str(), H5P_DEFAULT),
                            "cannot open"));
    Handle hType(CheckId(H5Dget_type(hDataset.get()), "cannot read the datatype"));
    Handle hSpace(CheckId(H5Dget_space(hDataset.get()), "cannot read the dataspace"));
    Handle hDcpl(CheckId(H5Dget_create_plist(hDataset.get()), "cannot read properties"));
    const hdf5::ZarrType sType = hdf5::MapDatatype(hType.get());
    if (H5Sget_simple_extent_type(hSpace.get()) == H5S_NULL)
        throw hdf5::Unsupported("empty (null) dataspace");
    const H5D_layout_t eLayout = H5Pget_layout(hDcpl.get());
    if (eLayout == H5D_VIRTUAL)
        throw hdf5::Unsupported("virtual dataset layout");
    if (H5Pget_external_count(hDcpl.get()) > 0)
        throw hdf5::Unsupported("external raw data files");

    ZarrArrayMetadata oMeta;
    oMeta.anShape = oEntry.anShape;
    oMeta.osDtype = sType.osDtype;
    oMeta.oStructuredDtype = sType.oStructured;
    bool bAllPresent = true;
    uint64_t nCount = 1;
    for (uint64_t nSize : oEntry.anShape)
    {
        if (__builtin_mul_overflow(nCount, nSize, &nCount))
            throw hdf5::Unsupported("shape of more than 2^64 elements");
    }

    if (sType.bVlenString)
    {
        size_t nMax = 1;
        const hdf5::CallWatch oWatch("the strings of dataset " + oEntry.osPath);
        const std::string osBytes = ReadVlenStringsAsFixed(
            hDataset.get(), hType.get(), hSpace.get(), nCount, nMax);
        oMeta.osDtype = ZarrDtype(ZarrKind::Bytes, nMax, false);
        WriteInlineWhole(oEntry, osBytes, oMeta);
    }
    else if (eLayout == H5D_COMPACT)
    {
        WriteInlineWhole(oEntry,
                         ReadCompactData(hDataset.get(), hType.get(), nCount, sType.nSize),
                         oMeta);
    }
    else if (eLayout == H5D_CHUNKED)
    {
        WriteChunked(oEntry, hDataset.get(), hDcpl.get(), sType, oMeta, bAllPresent);
    }
    else if (eLayout == H5D_CONTIGUOUS)
    {
        WriteContiguous(oEntry, hDataset.get(), sType, oMeta, bAllPresent);
    }
    else
    {
        throw hdf5::Unsupported("unknown storage layout");
    }
    // HDF5's implicit default fill (zero) only matters where chunks are
    // missing; elsewhere a fill_value would make xarray mask real zeros.
    oMeta.oFillValue = hdf5::GetFillValue(hDcpl.get(), hType.get(), sType, bAllPresent);
    WriteArrayMetadata(m_oWriter, ZarrPath(oEntry.osPath), oMeta, oEntry.aosDimensions,
                       VisibleAttributes(oEntry.oAttributes));
    ++m_oStats.nArrays;
}

GenerateStats HDF5Generator::Run()
{
    hdf5::ErrorSilencer oSilence;
    m_hFile = hdf5::OpenVSIFile(m_osSource);
    {
        Handle hRoot(CheckId(H5Gopen2(m_hFile.get(), "/", H5P_DEFAULT),
                             m_osSource + ": cannot open the root group"));
        try
        {
            CollectGroup(hRoot.get(), "/");
            // In traversal order: phony dimension names are numbered as met.
            for (auto &oEntry : m_aoDatasets)
                oEntry.aosDimensions = ResolveDimensions(oEntry);
        }
        catch (const std::exception &e)
        {
            throw Error(m_osSource + ": " + hdf5::SanitizeUtf8(e.what()));
        }
    }
    ApplyNetCDFShapes();
    const std::vector<bool> abSelected = SelectDatasets();

    for (const auto &oGroup : m_aoGroups)
    {
        bool bWanted = oGroup.osPath == "/" || m_oOptions.aosVariables.empty();
        for (size_t i = 0; !bWanted && i < m_aoDatasets.size(); ++i)
            bWanted = abSelected[i] &&
                      m_aoDatasets[i].osPath.rfind(oGroup.osPath + "/", 0) == 0;
        if (bWanted && hdf5::SanitizeUtf8(oGroup.osPath) != oGroup.osPath)
        {
            CPLError(CE_Warning, CPLE_NotSupported, "%s: group %s skipped: %s",
                     m_osSource.c_str(), hdf5::SanitizeUtf8(oGroup.osPath).c_str(),
                     "name that is not valid UTF-8");
            bWanted = false;
        }
        if (bWanted)
            WriteGroup(m_oWriter, ZarrPath(oGroup.osPath),
                       VisibleAttributes(oGroup.oAttributes));
    }

    GenerationReporter oReporter(m_osSource, m_oOptions, m_oStats);
    for (size_t i = 0; i < m_aoDatasets.size(); ++i)
    {
        const auto &oEntry = m_aoDatasets[i];
        if (!abSelected[i] || oEntry.bDimensionOnly)
            continue;
        try
        {
            WriteDataset(oEntry);
        }
        catch (const hdf5::Unsupported &e)
        {
            oReporter.Skip(hdf5::SanitizeUtf8(oEntry.osPath),
                           std::string(e.what()) + " is not supported");
        }
        catch (const std::exception &e)
        {
            throw Error(m_osSource + ": dataset " + hdf5::SanitizeUtf8(oEntry.osPath) +
                        ": " + hdf5::SanitizeUtf8(e.what()));
        }
        oReporter.Progress(static_cast<double>(i + 1) / m_aoDatasets.size());
    }
    return m_oStats;
}

}  // namespace

GenerateStats GenerateHDF5References(const std::string &osSource,
                                     const GenerateOptions &oOptions,
                                     ReferenceWriter &oWriter)
{
    HDF5Generator oGenerator(osSource, oOptions, oWriter);
    return oGenerator.Run();
}

}  // namespace kerchunk
