// An array of the multidimensional view: GDAL's Zarr array over
// /vsikerchunk/, whose reads first fetch every chunk they touch as one batch
// (coalesced, parallel: vsi/chunk_prefetch.h) and then let the Zarr array
// decode them from the chunk cache. Everything else is the Zarr array's.
// Views, transposes, masks, unscaled and classic views made from it read
// through it (GDAL builds them on the array's self pointer), so they are
// planned too.
#pragma once

#include "chunk_grid.h"
#include "vsikerchunk.h"

#include "gdal_priv.h"

#include <memory>
#include <string>
#include <vector>

namespace kerchunk
{

class KerchunkMDArray final : public GDALMDArray
{
    struct ConstructionKey
    {
        explicit ConstructionKey() = default;
    };

  public:
    // Null for a null poZarrArray. poRefs: the references the Zarr array
    // reads (null: reads are not planned).
    static std::shared_ptr<GDALMDArray>
    Wrap(const std::shared_ptr<GDALMDArray> &poZarrArray,
         const std::shared_ptr<const LoadedReferences> &poRefs);

    KerchunkMDArray(ConstructionKey, std::shared_ptr<GDALMDArray> poZarrArray,
                    std::shared_ptr<const LoadedReferences> poRefs);

    const std::vector<std::shared_ptr<GDALDimension>> &GetDimensions() const override;
    const GDALExtendedDataType &GetDataType() const override;
    std::vector<GUInt64> GetBlockSize() const override;
    bool IsWritable() const override;
    const std::string &GetFilename() const override;
    CSLConstList GetStructuralInfo() const override;
    const std::string &GetUnit() const override;
    bool SetUnit(const std::string &osUnit) override;
    bool SetSpatialRef(const OGRSpatialReference *poSRS) override;
    std::shared_ptr<OGRSpatialReference> GetSpatialRef() const override;
    const void *GetRawNoDataValue() const override;
    bool SetRawNoDataValue(const void *pRawNoData) override;
    double GetOffset(bool *pbHasOffset = nullptr,
                     GDALDataType *peStorageType = nullptr) const override;
    double GetScale(bool *pbHasScale = nullptr,
                    GDALDataType *peStorageType = nullptr) const override;
    bool SetOffset(double dfOffset, GDALDataType eStorageType = GDT_Unknown) override;
    bool SetScale(double dfScale, GDALDataType eStorageType = GDT_Unknown) override;
    std::vector<std::shared_ptr<GDALMDArray>> GetCoordinateVariables() const override;
    void ClearStatistics() override;

    std::shared_ptr<GDALAttribute> GetAttribute(const std::string &osName) const override;
    std::vector<std::shared_ptr<GDALAttribute>>
    GetAttributes(CSLConstList papszOptions = nullptr) const override;
    std::shared_ptr<GDALAttribute> CreateAttribute(const std::string &osName,
                                                   const std::vector<GUInt64> &anDimensions,
                                                   const GDALExtendedDataType &oDataType,
                                                   CSLConstList papszOptions = nullptr) override;

#if GDAL_VERSION_NUM >= GDAL_COMPUTE_VERSION(3, 8, 0)
    std::shared_ptr<GDALGroup> GetRootGroup() const override;
#endif

  protected:
    // Fetches the selection's chunks as batches (each within half the chunk
    // cache), reading the selection part after part, then delegates.
    bool IRead(const GUInt64 *arrayStartIdx, const size_t *count, const GInt64 *arrayStep,
               const GPtrDiff_t *bufferStride, const GDALExtendedDataType &bufferDataType,
               void *pDstBuffer) const override;
    bool IWrite(const GUInt64 *arrayStartIdx, const size_t *count, const GInt64 *arrayStep,
                const GPtrDiff_t *bufferStride, const GDALExtendedDataType &bufferDataType,
                const void *pSrcBuffer) override;
    // Fetches what fits the chunk cache as one batch; decodes nothing ahead
    // (GDAL 3.6's Zarr AdviseRead can hang: see the definition).
    bool IAdviseRead(const GUInt64 *arrayStartIdx, const size_t *count,
                     CSLConstList papszOptions) const override;
    // The Zarr array itself looks for a .gmac cache of this same file.
    bool IsCacheable() const override
    {
        return false;
    }

  private:
    bool ReadInParts(const GUInt64 *arrayStartIdx, const size_t *count,
                     const GInt64 *arrayStep, const GPtrDiff_t *bufferStride,
                     const GDALExtendedDataType &bufferDataType, void *pDstBuffer) const;

    std::shared_ptr<GDALMDArray> m_poZarrArray;
    std::shared_ptr<const LoadedReferences> m_poRefs;
    // Null when reads cannot be planned (no references, no chunks).
    std::unique_ptr<ChunkGrid> m_poChunkGrid{};
};

}  // namespace kerchunk
