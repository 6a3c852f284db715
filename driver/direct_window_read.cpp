// Small windows of many bands, the time series of a pixel above all (one
// pixel of each of 240 bands), are read from the array straight into the
// caller's buffer instead of through GDAL's block cache. Through the cache,
// each band's chunk would be decoded into a block of its own, a whole field
// allocated and filled per pixel wanted: for a series, most of the read's
// time went into touching that fresh memory (page faults), and its blocks
// (62 MB for 240 ERA5 fields) were the bulk of its memory, outside the chunk
// cache's bound. Read directly, GDAL's Zarr array decodes each chunk into
// buffers it reuses and copies out the window only; the chunks' bytes stay
// in the chunk cache, so reading the series again costs no request.
//
// A read comes this way only when it cannot lose by it: one chunk per band,
// a window at most a quarter of a chunk, no resampling, blocks not already
// decoded in GDAL's cache, and not the chunks of the previous direct read.
// A loop over the rows or pixels of one area (which would decode each chunk
// again on every call) thus goes through the block cache from its second
// read on, and its later reads find the blocks there.
#include "kerchunk_dataset.h"

#include "cpl_error.h"

#include <new>

namespace kerchunk
{

namespace
{

// A window larger than a chunk's pixels divided by this is read through the
// block cache: the block then holds what later reads are likely to need.
constexpr GUInt64 CHUNK_SHARE_DIVISOR = 4;

}  // namespace

bool KerchunkRasterDataset::ChooseDirectRead(int nXOff, int nYOff, int nXSize, int nYSize,
                                             int nBufXSize, int nBufYSize, int nBandCount,
                                             const int *panBandMap,
                                             const std::vector<std::string> &aosKeys)
{
    // One key per band: each band's window lies in one chunk.
    if (nBandCount < 2 || nBufXSize != nXSize || nBufYSize != nYSize ||
        aosKeys.size() != static_cast<size_t>(nBandCount))
        return false;
    const auto anChunk = m_poArray->GetBlockSize();
    const GUInt64 nChunkPixels =
        anChunk.at(m_iXDim) * (anChunk.size() >= 2 ? anChunk.at(m_iYDim) : 1);
    if (static_cast<GUInt64>(nXSize) * static_cast<GUInt64>(nYSize) * CHUNK_SHARE_DIVISOR >
        nChunkPixels)
        return false;

    GDALRasterBand *poBand = GetRasterBand(panBandMap[0]);
    int nBlockXSize = 0;
    int nBlockYSize = 0;
    poBand->GetBlockSize(&nBlockXSize, &nBlockYSize);
    if (GDALRasterBlock *poBlock =
            poBand->TryGetLockedBlockRef(nXOff / nBlockXSize, nYOff / nBlockYSize))
    {
        poBlock->DropLock();
        return false;
    }
    for (const auto &osKey : aosKeys)
    {
        if (m_oDirectReadKeys.count(osKey))
        {
            m_oDirectReadKeys.clear();
            return false;
        }
    }
    m_oDirectReadKeys = std::unordered_set<std::string>(aosKeys.begin(), aosKeys.end());
    return true;
}

CPLErr KerchunkRasterDataset::ReadWindowDirect(int nXOff, int nYOff, int nXSize, int nYSize,
                                               void *pData, GDALDataType eBufType,
                                               int nBandCount, const int *panBandMap,
                                               GSpacing nPixelSpace, GSpacing nLineSpace,
                                               GSpacing nBandSpace)
{
    const int nReadTypeSize = GDALGetDataTypeSizeBytes(m_eReadType);
    std::vector<GByte> abyWindow;
    try
    {
        abyWindow.resize(static_cast<size_t>(nXSize) * nYSize * nReadTypeSize);
    }
    catch (const std::bad_alloc &)
    {
        CPLError(CE_Failure, CPLE_OutOfMemory, "%s: out of memory reading a %d x %d window",
                 m_poArray->GetFullName().c_str(), nXSize, nYSize);
        return CE_Failure;
    }
    for (int i = 0; i < nBandCount; ++i)
    {
        if (!ReadArrayWindow(ExtraIndexOf(panBandMap[i]), nXOff, nYOff, nXSize, nYSize,
                             nXSize, abyWindow.data()))
        {
            CPLError(CE_Failure, CPLE_AppDefined,
                     "%s: cannot read window (%d, %d, %d x %d) of band %d",
                     m_poArray->GetFullName().c_str(), nXOff, nYOff, nXSize, nYSize,
                     panBandMap[i]);
            return CE_Failure;
        }
        // The band's type: an _Unsigned band's values are the read bits.
        const GDALDataType eBandType = GetRasterBand(panBandMap[i])->GetRasterDataType();
        GByte *pabyBand = static_cast<GByte *>(pData) + i * nBandSpace;
        for (int iLine = 0; iLine < nYSize; ++iLine)
            GDALCopyWords64(abyWindow.data() + static_cast<size_t>(iLine) * nXSize *
                                                   nReadTypeSize,
                            eBandType, nReadTypeSize, pabyBand + iLine * nLineSpace,
                            eBufType, static_cast<int>(nPixelSpace), nXSize);
    }
    return CE_None;
}

}  // namespace kerchunk
