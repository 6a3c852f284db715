// Read planning of the classic view (KerchunkRasterDataset): a read resolves
// every chunk key it needs from the array's chunk grid and the window, and
// fetches them as one batch (vsi/chunk_prefetch.h) before GDAL's Zarr driver
// opens the keys one by one, which then hit memory. A read larger than a
// quarter of the chunk cache goes in runs of bands, the next run fetched
// while the current one is decoded. Small windows of many bands (a pixel's
// time series) are then decoded past GDAL's block cache
// (direct_window_read.cpp).
#include "kerchunk_dataset.h"

#include "chunk_prefetch.h"
#include "error.h"

#include "cpl_error.h"
#include "cpl_string.h"

#include <algorithm>
#include <memory>
#include <new>
#include <system_error>
#include <thread>

namespace kerchunk
{

namespace
{

// A read naming more chunks than this per band is not planned (enumerating
// them would cost more than it saves); its chunks are read key by key.
constexpr size_t MAX_PLANNED_KEYS_PER_BAND = 100000;

// Indexing variables with more chunks than this are left to key-by-key reads.
constexpr size_t MAX_PLANNED_KEYS_PER_INDEXING_VARIABLE = 1000;

// Bands read by one batch: panBandMap[iFirst, iFirst + nCount).
struct BandBatch
{
    int iFirst = 0;
    int nCount = 0;
    std::vector<std::string> aosKeys{};
};

void PrefetchQuietly(const LoadedReferences &oRefs, const std::vector<std::string> &aosKeys)
{
    // Planning only saves time: a failure here leaves the reads to fetch
    // (and report) key by key.
    try
    {
        PrefetchKeys(oRefs, aosKeys);
    }
    catch (const std::exception &e)
    {
        CPLDebug("KERCHUNK", "prefetch %s skipped: %s", oRefs.osRefsPath.c_str(), e.what());
    }
}

// The next batch of a read, fetched on a thread of its own while the
// reading thread decodes the current one, so that decoding overlaps the
// network. The fetching thread sees the reader's thread-local configuration
// options; its report is logged by the reading thread (Wait), whose error
// handler the caller set.
class BackgroundPrefetch
{
  public:
    // Null when no thread can be started (the caller then fetches itself).
    static std::unique_ptr<BackgroundPrefetch> Start(const LoadedReferences &oRefs,
                                                     const std::vector<std::string> &aosKeys)
    {
        std::unique_ptr<BackgroundPrefetch> poPrefetch(new BackgroundPrefetch(oRefs));
        try
        {
            BackgroundPrefetch *poSelf = poPrefetch.get();
            poSelf->m_oThread = std::thread([poSelf, &aosKeys] { poSelf->Run(aosKeys); });
        }
        catch (const std::system_error &)
        {
            return nullptr;
        }
        return poPrefetch;
    }

    ~BackgroundPrefetch()
    {
        Wait();
    }

    void Wait()
    {
        if (!m_oThread.joinable())
            return;
        m_oThread.join();
        if (!m_osSkipped.empty())
            CPLDebug("KERCHUNK", "prefetch %s skipped: %s", m_oRefs.osRefsPath.c_str(),
                     m_osSkipped.c_str());
        else
            LogPrefetchReport(m_oRefs, m_oReport);
    }

  private:
    explicit BackgroundPrefetch(const LoadedReferences &oRefs)
        : m_oRefs(oRefs), m_aosThreadOptions(CPLGetThreadLocalConfigOptions(), TRUE)
    {
    }

    void Run(const std::vector<std::string> &aosKeys)
    {
        CPLSetThreadLocalConfigOptions(m_aosThreadOptions.List());
        try
        {
            m_oReport = PrefetchKeysUnlogged(m_oRefs, aosKeys);
        }
        catch (const std::exception &e)
        {
            m_osSkipped = e.what();
        }
        CPLSetThreadLocalConfigOptions(nullptr);
    }

    const LoadedReferences &m_oRefs;
    const CPLStringList m_aosThreadOptions;
    PrefetchReport m_oReport{};
    std::string m_osSkipped{};
    std::thread m_oThread{};
};

}  // namespace

bool KerchunkRasterDataset::ChunkKeysOf(int nXOff, int nYOff, int nXSize, int nYSize,
                                        int nBand, std::vector<std::string> &aosKeys) const
{
    if (!m_poRefs || !m_poChunkGrid || !m_poArray)
        return false;
    const size_t nDims = m_poArray->GetDimensionCount();
    std::vector<uint64_t> anStart(nDims, 0);
    std::vector<uint64_t> anCount(nDims, 1);
    const auto anExtraIndex = ExtraIndexOf(nBand);
    std::copy(anExtraIndex.begin(), anExtraIndex.end(), anStart.begin());
    if (nDims >= 2)
    {
        anStart[m_iYDim] = m_bBottomUp ? static_cast<uint64_t>(nRasterYSize - nYOff - nYSize)
                                       : static_cast<uint64_t>(nYOff);
        anCount[m_iYDim] = static_cast<uint64_t>(nYSize);
    }
    anStart[m_iXDim] = static_cast<uint64_t>(nXOff);
    anCount[m_iXDim] = static_cast<uint64_t>(nXSize);
    return m_poChunkGrid->AppendKeys(anStart, anCount, MAX_PLANNED_KEYS_PER_BAND, aosKeys);
}

void KerchunkRasterDataset::PrefetchIndexingVariables(const GDALMDArray &oArray) const
{
    if (!m_poRefs || !IsPrefetchEnabled())
        return;
    try
    {
        // One round trip for latitude, longitude, time... instead of one each.
        std::vector<std::string> aosKeys;
        for (const auto &poDim : oArray.GetDimensions())
        {
            const auto poVar = poDim->GetIndexingVariable();
            if (!poVar || poVar->GetDimensionCount() != 1)
                continue;
            const std::string osKey = ArrayKeyOf(poVar->GetFullName());
            const auto anBlockSize = poVar->GetBlockSize();
            const ChunkGrid oGrid(osKey, GetChunkKeySeparator(*m_poRefs, osKey),
                                  {anBlockSize.at(0)});
            oGrid.AppendKeys({0}, {poDim->GetSize()}, MAX_PLANNED_KEYS_PER_INDEXING_VARIABLE,
                             aosKeys);
        }
        if (aosKeys.size() > 1)
            PrefetchQuietly(*m_poRefs, aosKeys);
    }
    catch (const std::exception &e)
    {
        CPLDebug("KERCHUNK", "prefetch of indexing variables skipped: %s", e.what());
    }
}

void KerchunkRasterDataset::PrefetchWindow(int nXOff, int nYOff, int nXSize, int nYSize,
                                           int nBandCount, const int *panBandMap) const
{
    if (!m_poRefs || !IsPrefetchEnabled())
        return;
    try
    {
        std::vector<std::string> aosKeys;
        for (int i = 0; i < nBandCount; ++i)
        {
            if (!ChunkKeysOf(nXOff, nYOff, nXSize, nYSize, panBandMap[i], aosKeys))
                return;
        }
        PrefetchQuietly(*m_poRefs, aosKeys);
    }
    catch (const std::bad_alloc &)
    {
        CPLDebug("KERCHUNK", "prefetch skipped: out of memory");
    }
}

namespace
{

// Runs of bands whose chunks together stay within nBudget bytes of the
// chunk cache, so a batch's first chunks are not evicted by its last ones
// (or by the next batch) before they are decoded.
template <class KeysOfBand>
std::vector<BandBatch> PlanBandBatches(const LoadedReferences &oRefs, int nBandCount,
                                       uint64_t nBudget, KeysOfBand &&oKeysOfBand)
{
    std::vector<BandBatch> aoBatches;
    uint64_t nBatchBytes = 0;
    for (int i = 0; i < nBandCount; ++i)
    {
        std::vector<std::string> aosKeys;
        if (!oKeysOfBand(i, aosKeys))
            return {};
        const uint64_t nBytes = ReferencedBytes(oRefs, aosKeys);
        if (aoBatches.empty() || nBatchBytes + nBytes > nBudget)
        {
            aoBatches.push_back(BandBatch{i, 0, {}});
            nBatchBytes = 0;
        }
        BandBatch &oBatch = aoBatches.back();
        ++oBatch.nCount;
        nBatchBytes += nBytes;
        oBatch.aosKeys.insert(oBatch.aosKeys.end(), aosKeys.begin(), aosKeys.end());
    }
    return aoBatches;
}

std::vector<std::string> AllKeysOf(const std::vector<BandBatch> &aoBatches)
{
    std::vector<std::string> aosKeys;
    for (const auto &oBatch : aoBatches)
        aosKeys.insert(aosKeys.end(), oBatch.aosKeys.begin(), oBatch.aosKeys.end());
    return aosKeys;
}

}  // namespace

CPLErr KerchunkRasterDataset::IRasterIO(GDALRWFlag eRWFlag, int nXOff, int nYOff,
                                        int nXSize, int nYSize, void *pData,
                                        int nBufXSize, int nBufYSize,
                                        GDALDataType eBufType, int nBandCount,
                                        KerchunkBandMap panBandMap, GSpacing nPixelSpace,
                                        GSpacing nLineSpace, GSpacing nBandSpace,
                                        GDALRasterIOExtraArg *psExtraArg)
{
    std::vector<BandBatch> aoBatches;
    if (eRWFlag == GF_Read && m_poRefs && IsPrefetchEnabled())
    {
        try
        {
            // Two batches live at once (one decoded, the next fetched), in
            // half the cache: the other half serves concurrent readers.
            aoBatches = PlanBandBatches(
                *m_poRefs, nBandCount, GetChunkCacheCapacity() / 4,
                [&](int i, std::vector<std::string> &aosKeys)
                { return ChunkKeysOf(nXOff, nYOff, nXSize, nYSize, panBandMap[i], aosKeys); });
        }
        catch (const std::bad_alloc &)
        {
            aoBatches.clear();
        }
    }
    if (aoBatches.empty())
        return GDALDataset::IRasterIO(eRWFlag, nXOff, nYOff, nXSize, nYSize, pData,
                                      nBufXSize, nBufYSize, eBufType, nBandCount,
                                      panBandMap, nPixelSpace, nLineSpace, nBandSpace,
                                      psExtraArg);
    bool bDirect = false;
    try
    {
        bDirect = ChooseDirectRead(nXOff, nYOff, nXSize, nYSize, nBufXSize, nBufYSize,
                                   nBandCount, panBandMap, AllKeysOf(aoBatches));
    }
    catch (const std::bad_alloc &)
    {
    }
    PrefetchQuietly(*m_poRefs, aoBatches.front().aosKeys);
    for (size_t k = 0; k < aoBatches.size(); ++k)
    {
        const bool bHasNext = k + 1 < aoBatches.size();
        auto poNext = bHasNext ? BackgroundPrefetch::Start(*m_poRefs, aoBatches[k + 1].aosKeys)
                               : nullptr;
        const BandBatch &oBatch = aoBatches[k];
        GByte *pabyBatchData = static_cast<GByte *>(pData) + oBatch.iFirst * nBandSpace;
        const CPLErr eErr =
            bDirect ? ReadWindowDirect(nXOff, nYOff, nXSize, nYSize, pabyBatchData, eBufType,
                                       oBatch.nCount, panBandMap + oBatch.iFirst, nPixelSpace,
                                       nLineSpace, nBandSpace)
                    : GDALDataset::IRasterIO(eRWFlag, nXOff, nYOff, nXSize, nYSize,
                                             pabyBatchData, nBufXSize, nBufYSize, eBufType,
                                             oBatch.nCount, panBandMap + oBatch.iFirst,
                                             nPixelSpace, nLineSpace, nBandSpace, psExtraArg);
        if (poNext)
            poNext->Wait();
        if (eErr != CE_None)
            return eErr;
        if (bHasNext && !poNext)
            PrefetchQuietly(*m_poRefs, aoBatches[k + 1].aosKeys);
    }
    return CE_None;
}

CPLErr KerchunkRasterDataset::AdviseRead(int nXOff, int nYOff, int nXSize, int nYSize,
                                         int, int, GDALDataType, int nBandCount,
                                         int *panBandList, char **)
{
    std::vector<int> anAllBands;
    if (panBandList == nullptr)
    {
        for (int i = 1; i <= nBandCount; ++i)
            anAllBands.push_back(i);
        panBandList = anAllBands.data();
    }
    // Only what fits the cache: the rest would evict it before it is read.
    if (m_poRefs && IsPrefetchEnabled())
    {
        try
        {
            const auto aoBatches = PlanBandBatches(
                *m_poRefs, nBandCount, GetChunkCacheCapacity() / 2,
                [&](int i, std::vector<std::string> &aosKeys)
                { return ChunkKeysOf(nXOff, nYOff, nXSize, nYSize, panBandList[i], aosKeys); });
            if (!aoBatches.empty())
                PrefetchQuietly(*m_poRefs, aoBatches.front().aosKeys);
        }
        catch (const std::bad_alloc &)
        {
        }
    }
    return CE_None;
}

}  // namespace kerchunk
