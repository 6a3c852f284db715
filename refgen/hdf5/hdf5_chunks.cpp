// Chunk enumeration without the per-index H5Dget_chunk_info() loop.
//
// On HDF5 1.10.8, H5Dget_chunk_info(i) and H5Dget_chunk_info_by_coord() walk
// the whole chunk index on every call, so a full scan is O(n^2) (32k chunks
// take seconds, 1M chunks hours). H5Dchunk_iter() (HDF5 >= 1.10.10) visits
// the index once; it is used when available.
//
// Otherwise, for every position of the chunk grid we ask one O(log n) index
// lookup that the 1.10 API offers: H5Dread_chunk(), which fails for an
// unallocated chunk, else returns the chunk's filter mask and reads its raw
// bytes at the chunk's address. That raw read reaches our VSI
// file driver as an H5FD_MEM_DRAW request, which in "record" mode only notes
// its address and size: nothing is transferred. This uses public API only and
// whatever index type the file has (v1/v2 B-tree, fixed/extensible array,
// implicit, single chunk), where walking the on-disk indexes ourselves would
// mean re-implementing five formats.
#include "hdf5_chunks.h"

#include "hdf5_handle.h"
#include "hdf5_vfd.h"

#include "error.h"

#include <string>

namespace kerchunk::hdf5
{

#if H5_VERSION_GE(1, 10, 10)
namespace
{
struct IterData
{
    const std::vector<uint64_t> *panChunk;
    const std::function<void(const ChunkLocation &)> *pfnVisit;
    ChunkLocation sLocation;
    std::string osError;
};

int IterCallback(const hsize_t *panOffset, unsigned nFilterMask, haddr_t nAddr,
                 hsize_t nSize, void *pData)
{
    auto *psData = static_cast<IterData *>(pData);
    try
    {
        const auto &anChunk = *psData->panChunk;
        for (size_t i = 0; i < anChunk.size(); ++i)
            psData->sLocation.anIndex[i] = panOffset[i] / anChunk[i];
        psData->sLocation.nAddress = nAddr;
        psData->sLocation.nSize = nSize;
        psData->sLocation.nFilterMask = nFilterMask;
        (*psData->pfnVisit)(psData->sLocation);
        return H5_ITER_CONT;
    }
    catch (const std::exception &e)
    {
        psData->osError = e.what();
        return H5_ITER_ERROR;
    }
}
}  // namespace
#else
namespace
{

using ChunkVisitor = std::function<void(const ChunkLocation &)>;

// libhdf5's per-index loop: quadratic in the number of allocated chunks on
// 1.10.8, but cheaper than the grid scan for a very sparse grid.
void VisitByIndex(hid_t hDataset, hid_t hSpace, hsize_t nAllocated,
                  const std::vector<uint64_t> &anChunk, const ChunkVisitor &fnVisit)
{
    const size_t nDims = anChunk.size();
    ChunkLocation sLocation;
    sLocation.anIndex.assign(nDims, 0);
    std::vector<hsize_t> anOffset(nDims, 0);
    for (hsize_t i = 0; i < nAllocated; ++i)
    {
        haddr_t nAddr = 0;
        hsize_t nSize = 0;
        unsigned nMask = 0;
        if (H5Dget_chunk_info(hDataset, hSpace, i, anOffset.data(), &nMask, &nAddr, &nSize) <
            0)
            throw Error("cannot locate a chunk: " + LastHDF5Error());
        for (size_t k = 0; k < nDims; ++k)
            sLocation.anIndex[k] = anOffset[k] / anChunk[k];
        sLocation.nAddress = nAddr;
        sLocation.nSize = nSize;
        sLocation.nFilterMask = nMask;
        fnVisit(sLocation);
    }
}

// Next grid position, C order (last dimension fastest); false past the end.
bool NextGridPosition(const std::vector<uint64_t> &anGrid, const std::vector<uint64_t> &anChunk,
                      std::vector<uint64_t> &anIndex, std::vector<hsize_t> &anOffset)
{
    for (size_t iDim = anGrid.size(); iDim > 0;)
    {
        --iDim;
        if (++anIndex[iDim] < anGrid[iDim])
        {
            anOffset[iDim] = anIndex[iDim] * anChunk[iDim];
            return true;
        }
        anIndex[iDim] = 0;
        anOffset[iDim] = 0;
    }
    return false;
}

// One index lookup per grid position: H5Dread_chunk() fails for an
// unallocated chunk ("chunk address isn't defined"), else its raw read,
// recorded and not performed, gives address and size. nAllocated (0:
// unknown) ends the scan once every allocated chunk was seen.
void VisitByGridScan(hid_t hFile, hid_t hDataset, const std::vector<uint64_t> &anGrid,
                     const std::vector<uint64_t> &anChunk, hsize_t nAllocated,
                     const ChunkVisitor &fnVisit)
{
    uint64_t nFound = 0;
    ChunkLocation sLocation;
    sLocation.anIndex.assign(anGrid.size(), 0);
    std::vector<hsize_t> anOffset(anGrid.size(), 0);
    // While recording, H5Dread_chunk() writes nothing into its buffer.
    std::vector<unsigned char> abyScratch(1);
    do
    {
        RecordedRead sRead;
        uint32_t nMask = 0;
        herr_t nRet;
        {
            RecordScope oRecord(hFile, sRead);
            nRet = H5Dread_chunk(hDataset, H5P_DEFAULT, anOffset.data(), &nMask,
                                 abyScratch.data());
        }
        if (nRet < 0)
        {
            const std::string osMsg = LastHDF5Error();
            // A dataset never written has no chunk index at all.
            if (osMsg.find("storage is not initialized") != std::string::npos)
                return;
            if (osMsg.find("address isn't defined") == std::string::npos)
                throw Error("cannot locate a chunk: " + osMsg);
            continue;
        }
        if (sRead.nCount != 1)
            throw Error("internal error: unexpected raw read while locating a chunk");
        sLocation.nAddress = sRead.nAddress;
        sLocation.nSize = sRead.nSize;
        sLocation.nFilterMask = nMask;
        fnVisit(sLocation);
        // All allocated chunks seen: the rest of the grid is empty.
        if (nAllocated != 0 && ++nFound == nAllocated)
            return;
    } while (NextGridPosition(anGrid, anChunk, sLocation.anIndex, anOffset));
}

}  // namespace
#endif

void ForEachChunk(hid_t hFile, hid_t hDataset,
                  const std::vector<uint64_t> &anShape,
                  const std::vector<uint64_t> &anChunk,
                  const std::function<void(const ChunkLocation &)> &fnVisit)
{
    const size_t nDims = anShape.size();
    if (nDims == 0 || anChunk.size() != nDims)
        throw Error("internal error: chunked dataset without chunk shape");
    for (size_t i = 0; i < nDims; ++i)
    {
        if (anChunk[i] == 0)
            throw Error("chunk dimension of size 0");
        if (anShape[i] == 0)
            return;
    }

#if H5_VERSION_GE(1, 10, 10)
    (void)hFile;
    IterData sData{&anChunk, &fnVisit, {}, {}};
    sData.sLocation.anIndex.resize(nDims);
    if (H5Dchunk_iter(hDataset, H5P_DEFAULT, IterCallback, &sData) < 0)
    {
        if (!sData.osError.empty())
            throw Error(sData.osError);
        throw Error("cannot iterate over chunks: " + LastHDF5Error());
    }
#else
    std::vector<uint64_t> anGrid(nDims);
    double dfGridCount = 1;
    for (size_t i = 0; i < nDims; ++i)
    {
        anGrid[i] = (anShape[i] + anChunk[i] - 1) / anChunk[i];
        dfGridCount *= static_cast<double>(anGrid[i]);
    }

    // The grid scan costs one lookup per grid position, allocated or not.
    // For a very sparse grid (a huge extent with few chunks, e.g. a large
    // unlimited dimension, or a hostile file) libhdf5's per-index loop, whose
    // cost is quadratic in the number of *allocated* chunks, is cheaper.
    hsize_t nAllocated = 0;
    Handle hSpace(H5Dget_space(hDataset));
    const bool bKnownCount =
        hSpace && H5Dget_num_chunks(hDataset, hSpace.get(), &nAllocated) >= 0;
    H5Eclear2(H5E_DEFAULT);
    if (!bKnownCount)
        nAllocated = 0;  // unknown: scan the whole grid
    else if (nAllocated == 0)
        return;
    // ~1 us per grid lookup vs ~nAllocated * 20 ns per H5Dget_chunk_info
    if (bKnownCount && dfGridCount > 1e6 &&
        dfGridCount > static_cast<double>(nAllocated) * static_cast<double>(nAllocated) / 50)
        VisitByIndex(hDataset, hSpace.get(), nAllocated, anChunk, fnVisit);
    else
        VisitByGridScan(hFile, hDataset, anGrid, anChunk, nAllocated, fnVisit);
#endif
}

}  // namespace kerchunk::hdf5
