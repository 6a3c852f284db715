// The datasets the KERCHUNK driver returns. Both keep GDAL's Zarr dataset on
// /vsikerchunk/ alive and read through its multidimensional arrays.
#pragma once

#include "gdal_priv.h"
#include "ogr_spatialref.h"

#include <array>
#include <memory>
#include <string>
#include <vector>

namespace kerchunk
{

// The multidimensional view: GDAL's Zarr root group, every array at its path.
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
    explicit KerchunkRasterDataset(GDALDatasetUniquePtr poZarrDS);

    // Builds the raster view of `poArray`; false (after a CPLError) when the
    // array cannot be shown as a raster.
    bool SetArray(const std::shared_ptr<GDALMDArray> &poArray,
                  const std::shared_ptr<GDALGroup> &poRootGroup, bool bAllowFlip);

    CPLErr GetGeoTransform(double *padfGeoTransform) override;
    const OGRSpatialReference *GetSpatialRef() const override;

  private:
    GDALDatasetUniquePtr m_poZarrDS;
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
};

}  // namespace kerchunk
