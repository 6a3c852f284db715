// The datasets the KERCHUNK driver returns. Both keep GDAL's Zarr dataset on
// /vsikerchunk/ alive and read through its multidimensional arrays.
#pragma once

#include "chunk_grid.h"
#include "vsikerchunk.h"

#include "gdal_priv.h"
#include "ogr_spatialref.h"

#include <array>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

namespace kerchunk
{

// GDAL 3.10 made the band map of IRasterIO const.
#ifdef BANDMAP_TYPE
using KerchunkBandMap = BANDMAP_TYPE;
#else
using KerchunkBandMap = int *;
#endif

// The multidimensional view: the root group (kerchunk_group.h wraps GDAL's
// Zarr one so that its arrays plan their reads), every array at its path.
class KerchunkMultiDimDataset final : public GDALDataset
{
  public:
    KerchunkMultiDimDataset(GDALDatasetUniquePtr poZarrDS,
                            std::shared_ptr<GDALGroup> poRootGroup);

    std::shared_ptr<GDALGroup> GetRootGroup() const override
    {
        return m_poRootGroup;
    }

  private:
    GDALDatasetUniquePtr m_poZarrDS;
    std::shared_ptr<GDALGroup> m_poRootGroup;
};

// The classic view of one array, as GDAL's netCDF driver shows a variable:
// the last two dimensions are x and y, every other dimension becomes bands
// (last one varying fastest), rows north-up, georeferencing from CF.
// Without an array, only the SUBDATASETS metadata domain.
class KerchunkRasterDataset final : public GDALDataset
{
    friend class KerchunkRasterBand;

  public:
    // poRefs: the references poZarrDS reads, for planning reads (chunks
    // are then fetched as batches); null reads chunk after chunk.
    explicit KerchunkRasterDataset(GDALDatasetUniquePtr poZarrDS,
                                   std::shared_ptr<const LoadedReferences> poRefs = nullptr);

    // Builds the raster view of `poArray`; false (after a CPLError) when the
    // array cannot be shown as a raster.
    bool SetArray(const std::shared_ptr<GDALMDArray> &poArray,
                  const std::shared_ptr<GDALGroup> &poRootGroup, bool bAllowFlip);

    CPLErr GetGeoTransform(double *padfGeoTransform) override;
    const OGRSpatialReference *GetSpatialRef() const override;

    CPLErr AdviseRead(int nXOff, int nYOff, int nXSize, int nYSize, int nBufXSize,
                      int nBufYSize, GDALDataType eDT, int nBandCount,
                      int *panBandList, char **papszOptions) override;

  protected:
    // A multi-band window is one read: its chunks are fetched as one batch
    // (in parts when they exceed the chunk cache) before decoding.
    CPLErr IRasterIO(GDALRWFlag eRWFlag, int nXOff, int nYOff, int nXSize,
                     int nYSize, void *pData, int nBufXSize, int nBufYSize,
                     GDALDataType eBufType, int nBandCount, KerchunkBandMap panBandMap,
                     GSpacing nPixelSpace, GSpacing nLineSpace, GSpacing nBandSpace,
                     GDALRasterIOExtraArg *psExtraArg) override;

  private:
    // The chunk keys a window of the given bands needs; false when reads
    // are not planned (no references, KERCHUNK_PREFETCH=NO, too many keys).
    bool ChunkKeysOf(int nXOff, int nYOff, int nXSize, int nYSize, int nBand,
                     std::vector<std::string> &aosKeys) const;
    // Fetches the chunks of the 1-D indexing variables of the array's
    // dimensions as one batch, before georeferencing reads them one by one.
    void PrefetchIndexingVariables(const GDALMDArray &oArray) const;
    // Index along each dimension other than y and x of band nBand.
    std::vector<GUInt64> ExtraIndexOf(int nBand) const;

    // Reads a north-up window of the band at anExtraIndex from the array,
    // in m_eReadType, rows nLineStride elements apart in pBuffer.
    bool ReadArrayWindow(const std::vector<GUInt64> &anExtraIndex, int nXOff, int nYOff,
                         int nXSize, int nYSize, GPtrDiff_t nLineStride,
                         void *pBuffer) const;

    // Whether a planned read of these bands (aosKeys: the chunks of all of
    // them) is read past GDAL's block cache (direct_window_read.cpp);
    // remembers the keys of a read that is.
    bool ChooseDirectRead(int nXOff, int nYOff, int nXSize, int nYSize, int nBufXSize,
                          int nBufYSize, int nBandCount, const int *panBandMap,
                          const std::vector<std::string> &aosKeys);

    // Reads a window of bands from the array straight into the caller's
    // buffer (no resampling: the buffer has the window's size).
    CPLErr ReadWindowDirect(int nXOff, int nYOff, int nXSize, int nYSize, void *pData,
                            GDALDataType eBufType, int nBandCount, const int *panBandMap,
                            GSpacing nPixelSpace, GSpacing nLineSpace,
                            GSpacing nBandSpace);

    // Fetches the chunks of a window of bands as one batch (best effort:
    // what cannot be fetched is read, and reported, key by key).
    void PrefetchWindow(int nXOff, int nYOff, int nXSize, int nYSize,
                        int nBandCount, const int *panBandMap) const;

    // The parts of SetArray, in order.
    void MakeChunkGrid(const GDALMDArray &oArray);
    void ApplyCFGeoreferencing(const std::shared_ptr<GDALMDArray> &poArray,
                               const std::shared_ptr<GDALGroup> &poRootGroup,
                               bool bAllowFlip);
    void CreateBands(int nBands);
    void SetAttributesAsMetadata(const GDALMDArray &oArray,
                                 const std::shared_ptr<GDALGroup> &poRootGroup);

    GDALDatasetUniquePtr m_poZarrDS;
    std::shared_ptr<const LoadedReferences> m_poRefs{};
    std::unique_ptr<ChunkGrid> m_poChunkGrid{};
    std::shared_ptr<GDALMDArray> m_poArray{};
    bool m_bHasGeoTransform = false;
    std::array<double, 6> m_adfGeoTransform{0, 1, 0, 0, 0, 1};
    OGRSpatialReference m_oSRS{};
    bool m_bBottomUp = false;  // stored rows go south to north: flip them
    // The array dimensions shown as rows and columns (see ClassicAxesOf).
    size_t m_iYDim = 0;
    size_t m_iXDim = 0;
    // The type read from the array; the bands may show the same bits as
    // unsigned (netCDF's _Unsigned="true" convention).
    GDALDataType m_eReadType = GDT_Unknown;
    // The chunk keys of the last read past the block cache.
    std::unordered_set<std::string> m_oDirectReadKeys{};
};

}  // namespace kerchunk
