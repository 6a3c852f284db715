#include "kerchunk_dataset.h"
#include "cf_georeferencing.h"

#include "chunk_prefetch.h"

#include "cpl_string.h"

#include <algorithm>
#include <cmath>

namespace kerchunk
{

namespace
{

// Decoded blocks larger than this are split into fewer rows, so that a
// huge chunk does not make GDAL's block cache allocate gigabytes at once.
constexpr GIntBig MAX_BLOCK_BYTES = 64 * 1024 * 1024;

// netCDF's convention for unsigned integers in formats without them:
// _Unsigned = "true" on a signed integer variable (GDAL's netCDF driver then
// shows the unsigned type).
GDALDataType UnsignedVariant(GDALDataType eType, const GDALMDArray &oArray)
{
    const auto poAttr = oArray.GetAttribute("_Unsigned");
    const char *pszValue = poAttr && poAttr->GetDataType().GetClass() == GEDTC_STRING
                               ? poAttr->ReadAsString()
                               : nullptr;
    if (pszValue == nullptr || !EQUAL(pszValue, "true"))
        return eType;
    switch (eType)
    {
        case GDT_Int16:
            return GDT_UInt16;
        case GDT_Int32:
            return GDT_UInt32;
        default:
            return eType;
    }
}

std::string AttributeToString(const GDALAttribute &oAttr)
{
    if (oAttr.GetDataType().GetClass() == GEDTC_STRING)
    {
        const char *pszValue = oAttr.ReadAsString();
        return pszValue ? pszValue : "";
    }
    if (oAttr.GetDataType().GetClass() != GEDTC_NUMERIC)
        return std::string();
    const auto adfValues = oAttr.ReadAsDoubleArray();
    std::string osValue = adfValues.size() > 1 ? "{" : "";
    for (size_t i = 0; i < adfValues.size(); ++i)
    {
        if (i)
            osValue += ",";
        osValue += CPLSPrintf("%.17g", adfValues[i]);
    }
    if (adfValues.size() > 1)
        osValue += "}";
    return osValue;
}

// False (after a CPLError) when the array has no classic raster view:
// a scalar, or a non-numeric type.
bool HasClassicView(const GDALMDArray &oArray)
{
    const std::string &osName = oArray.GetFullName();
    if (oArray.GetDimensionCount() == 0)
    {
        CPLError(CE_Failure, CPLE_NotSupported,
                 "Array %s is a scalar: it has no classic raster view (open it "
                 "with the multidimensional API)",
                 osName.c_str());
        return false;
    }
    if (oArray.GetDataType().GetClass() != GEDTC_NUMERIC ||
        oArray.GetDataType().GetNumericDataType() == GDT_Unknown)
    {
        CPLError(CE_Failure, CPLE_NotSupported,
                 "Array %s has a non-numeric data type: it has no classic raster "
                 "view (open it with the multidimensional API)",
                 osName.c_str());
        return false;
    }
    return true;
}

// The product of the sizes of the dimensions before the last two (the
// bands), stopping once it passes INT_MAX.
GUInt64 ClassicBandCount(const std::vector<std::shared_ptr<GDALDimension>> &apoDims)
{
    GUInt64 nBands = 1;
    for (size_t i = 0; i + 2 < apoDims.size(); ++i)
    {
        nBands *= apoDims[i]->GetSize();
        if (nBands > static_cast<GUInt64>(INT_MAX))
            break;
    }
    return nBands;
}

}  // namespace

/************************************************************************/
/*                       KerchunkMultiDimDataset                        */
/************************************************************************/

KerchunkMultiDimDataset::KerchunkMultiDimDataset(GDALDatasetUniquePtr poZarrDS,
                                                 std::shared_ptr<GDALGroup> poRootGroup)
    : m_poZarrDS(std::move(poZarrDS)), m_poRootGroup(std::move(poRootGroup))
{
}

/************************************************************************/
/*                          KerchunkRasterBand                          */
/************************************************************************/

class KerchunkRasterBand final : public GDALRasterBand
{
  public:
    KerchunkRasterBand(KerchunkRasterDataset *poDS, int nBand,
                       std::vector<GUInt64> anExtraIndex);

    CPLErr IReadBlock(int nBlockXOff, int nBlockYOff, void *pImage) override;
    CPLErr AdviseRead(int nXOff, int nYOff, int nXSize, int nYSize, int nBufXSize,
                      int nBufYSize, GDALDataType eBufType, char **papszOptions) override;

  protected:
    // A window of several blocks fetches their chunks as one batch first.
    CPLErr IRasterIO(GDALRWFlag eRWFlag, int nXOff, int nYOff, int nXSize, int nYSize,
                     void *pData, int nBufXSize, int nBufYSize, GDALDataType eBufType,
                     GSpacing nPixelSpace, GSpacing nLineSpace,
                     GDALRasterIOExtraArg *psExtraArg) override;
    double GetNoDataValue(int *pbSuccess) override;
    double GetOffset(int *pbSuccess) override;
    double GetScale(int *pbSuccess) override;
    const char *GetUnitType() override;

  private:
    // Index along each dimension other than y and x.
    std::vector<GUInt64> m_anExtraIndex;
};

KerchunkRasterBand::KerchunkRasterBand(KerchunkRasterDataset *poDSIn, int nBandIn,
                                       std::vector<GUInt64> anExtraIndex)
    : m_anExtraIndex(std::move(anExtraIndex))
{
    poDS = poDSIn;
    nBand = nBandIn;
    const GDALMDArray &oArray = *poDSIn->m_poArray;
    eDataType = UnsignedVariant(poDSIn->m_eReadType, oArray);
    nRasterXSize = poDSIn->GetRasterXSize();
    nRasterYSize = poDSIn->GetRasterYSize();

    const auto anBlockSize = oArray.GetBlockSize();
    const size_t nDims = anBlockSize.size();
    const GUInt64 nChunkX = anBlockSize[poDSIn->m_iXDim];
    const GUInt64 nChunkY = nDims >= 2 ? anBlockSize[poDSIn->m_iYDim] : 1;
    nBlockXSize = nChunkX == 0 ? nRasterXSize
                               : static_cast<int>(std::min<GUInt64>(nChunkX, nRasterXSize));
    nBlockYSize = nChunkY == 0 ? nRasterYSize
                               : static_cast<int>(std::min<GUInt64>(nChunkY, nRasterYSize));
    const GIntBig nRowBytes =
        static_cast<GIntBig>(nBlockXSize) * GDALGetDataTypeSizeBytes(eDataType);
    if (nRowBytes > 0 && nRowBytes * nBlockYSize > MAX_BLOCK_BYTES)
        nBlockYSize = static_cast<int>(std::max<GIntBig>(1, MAX_BLOCK_BYTES / nRowBytes));

    // Position along the extra dimensions, as GDAL's netCDF driver names it.
    const auto &apoDims = oArray.GetDimensions();
    for (size_t i = 0; i < m_anExtraIndex.size(); ++i)
    {
        const auto &poDim = apoDims[i];
        std::string osValue = std::to_string(m_anExtraIndex[i]);
        if (const auto poIndexVar = poDim->GetIndexingVariable())
        {
            double dfValue = 0;
            const GUInt64 anStart[1] = {m_anExtraIndex[i]};
            const size_t anCount[1] = {1};
            if (poIndexVar->GetDimensionCount() == 1 &&
                poIndexVar->GetDataType().GetClass() == GEDTC_NUMERIC &&
                poIndexVar->Read(anStart, anCount, nullptr, nullptr,
                                 GDALExtendedDataType::Create(GDT_Float64), &dfValue))
                osValue = CPLSPrintf("%.17g", dfValue);
        }
        SetMetadataItem(("NETCDF_DIM_" + poDim->GetName()).c_str(), osValue.c_str());
    }
}

CPLErr KerchunkRasterBand::IReadBlock(int nBlockXOff, int nBlockYOff, void *pImage)
{
    auto *poGDS = static_cast<KerchunkRasterDataset *>(poDS);
    const int nX0 = nBlockXOff * nBlockXSize;
    const int nY0 = nBlockYOff * nBlockYSize;
    const int nXCount = std::min(nBlockXSize, nRasterXSize - nX0);
    const int nYCount = std::min(nBlockYSize, nRasterYSize - nY0);
    if (nXCount < nBlockXSize || nYCount < nBlockYSize)
        memset(pImage, 0,
               static_cast<size_t>(nBlockXSize) * nBlockYSize *
                   GDALGetDataTypeSizeBytes(eDataType));
    if (!poGDS->ReadArrayWindow(m_anExtraIndex, nX0, nY0, nXCount, nYCount, nBlockXSize,
                                pImage))
    {
        CPLError(CE_Failure, CPLE_AppDefined, "%s: cannot read block (%d, %d)",
                 poGDS->m_poArray->GetFullName().c_str(), nBlockXOff, nBlockYOff);
        return CE_Failure;
    }
    return CE_None;
}

CPLErr KerchunkRasterBand::IRasterIO(GDALRWFlag eRWFlag, int nXOff, int nYOff,
                                     int nXSize, int nYSize, void *pData, int nBufXSize,
                                     int nBufYSize, GDALDataType eBufType,
                                     GSpacing nPixelSpace, GSpacing nLineSpace,
                                     GDALRasterIOExtraArg *psExtraArg)
{
    // Chunks already fetched by the dataset's batch are found in the cache.
    if (eRWFlag == GF_Read)
        static_cast<KerchunkRasterDataset *>(poDS)->PrefetchWindow(
            nXOff, nYOff, nXSize, nYSize, 1, &nBand);
    return GDALRasterBand::IRasterIO(eRWFlag, nXOff, nYOff, nXSize, nYSize, pData,
                                     nBufXSize, nBufYSize, eBufType, nPixelSpace,
                                     nLineSpace, psExtraArg);
}

CPLErr KerchunkRasterBand::AdviseRead(int nXOff, int nYOff, int nXSize, int nYSize,
                                      int nBufXSize, int nBufYSize, GDALDataType eBufType,
                                      char **papszOptions)
{
    return poDS->AdviseRead(nXOff, nYOff, nXSize, nYSize, nBufXSize, nBufYSize, eBufType,
                            1, &nBand, papszOptions);
}

double KerchunkRasterBand::GetNoDataValue(int *pbSuccess)
{
    const auto *poGDS = static_cast<KerchunkRasterDataset *>(poDS);
    bool bHasNoData = false;
    double dfNoData = poGDS->m_poArray->GetNoDataValueAsDouble(&bHasNoData);
    // An _Unsigned band shows the fill value's bits as unsigned too.
    if (bHasNoData && dfNoData < 0 && eDataType != poGDS->m_eReadType)
        dfNoData += std::ldexp(1.0, 8 * GDALGetDataTypeSizeBytes(eDataType));
    if (pbSuccess)
        *pbSuccess = bHasNoData;
    return dfNoData;
}

// GDAL's Zarr driver turns the CF attributes scale_factor, add_offset and
// units into the array's scale, offset and unit.
double KerchunkRasterBand::GetOffset(int *pbSuccess)
{
    bool bHasOffset = false;
    const double dfOffset =
        static_cast<KerchunkRasterDataset *>(poDS)->m_poArray->GetOffset(&bHasOffset);
    if (pbSuccess)
        *pbSuccess = bHasOffset;
    return bHasOffset ? dfOffset : 0.0;
}

double KerchunkRasterBand::GetScale(int *pbSuccess)
{
    bool bHasScale = false;
    const double dfScale =
        static_cast<KerchunkRasterDataset *>(poDS)->m_poArray->GetScale(&bHasScale);
    if (pbSuccess)
        *pbSuccess = bHasScale;
    return bHasScale ? dfScale : 1.0;
}

const char *KerchunkRasterBand::GetUnitType()
{
    return static_cast<KerchunkRasterDataset *>(poDS)->m_poArray->GetUnit().c_str();
}

/************************************************************************/
/*                        KerchunkRasterDataset                         */
/************************************************************************/

KerchunkRasterDataset::KerchunkRasterDataset(GDALDatasetUniquePtr poZarrDS,
                                             std::shared_ptr<const LoadedReferences> poRefs)
    : m_poZarrDS(std::move(poZarrDS)), m_poRefs(std::move(poRefs))
{
    m_oSRS.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
}

bool KerchunkRasterDataset::SetArray(const std::shared_ptr<GDALMDArray> &poArray,
                                     const std::shared_ptr<GDALGroup> &poRootGroup,
                                     bool bAllowFlip)
{
    if (!HasClassicView(*poArray))
        return false;
    const std::string &osName = poArray->GetFullName();
    const size_t nDims = poArray->GetDimensionCount();
    const auto &apoDims = poArray->GetDimensions();
    const ClassicAxes oAxes = ClassicAxesOf(poArray, poRootGroup);
    m_iYDim = oAxes.iYDim;
    m_iXDim = oAxes.iXDim;
    const GUInt64 nXSize = apoDims[m_iXDim]->GetSize();
    const GUInt64 nYSize = nDims >= 2 ? apoDims[m_iYDim]->GetSize() : 1;
    const GUInt64 nBands = ClassicBandCount(apoDims);
    if (nXSize > INT_MAX || nYSize > INT_MAX || nBands > 65536 * 4)
    {
        CPLError(CE_Failure, CPLE_NotSupported,
                 "Array %s is too large for the classic raster view (%llu x %llu, "
                 "%llu bands): use the multidimensional API",
                 osName.c_str(), static_cast<unsigned long long>(nXSize),
                 static_cast<unsigned long long>(nYSize),
                 static_cast<unsigned long long>(nBands));
        return false;
    }
    m_poArray = poArray;
    m_eReadType = poArray->GetDataType().GetNumericDataType();
    if (m_poRefs)
        MakeChunkGrid(*poArray);
    nRasterXSize = static_cast<int>(nXSize);
    nRasterYSize = static_cast<int>(nYSize);
    if (nDims >= 2)
    {
        PrefetchIndexingVariables(*poArray);
        ApplyCFGeoreferencing(poArray, poRootGroup, bAllowFlip);
    }
    CreateBands(static_cast<int>(nBands));
    SetAttributesAsMetadata(*poArray, poRootGroup);
    return true;
}

void KerchunkRasterDataset::MakeChunkGrid(const GDALMDArray &oArray)
{
    const std::string osArrayKey = ArrayKeyOf(oArray.GetFullName());
    const auto anBlockSize = oArray.GetBlockSize();
    m_poChunkGrid = std::make_unique<ChunkGrid>(
        osArrayKey, GetChunkKeySeparator(*m_poRefs, osArrayKey),
        std::vector<uint64_t>(anBlockSize.begin(), anBlockSize.end()));
}

void KerchunkRasterDataset::ApplyCFGeoreferencing(
    const std::shared_ptr<GDALMDArray> &poArray,
    const std::shared_ptr<GDALGroup> &poRootGroup, bool bAllowFlip)
{
    // Unlike GDAL 3.6's netCDF driver, a plain longitude/latitude grid
    // gets WGS 84: a georeferenced raster is what users expect.
    CFGeoreferencingOptions oOptions;
    oOptions.bAssumeWGS84ForLonLat = true;
    const CFGeoreferencing oGeoref =
        ComputeCFGeoreferencing(poArray, poRootGroup, m_iYDim, m_iXDim, oOptions);
    m_bHasGeoTransform = oGeoref.bHasGeoTransform;
    m_adfGeoTransform = oGeoref.adfGeoTransform;
    // As the netCDF driver, rows are flipped when y increases, and also
    // when y has no coordinate variable; except for the dimensions
    // kerchunk invents for plain HDF5 datasets (phony_dim_N), which keep
    // their stored order, as GDAL's HDF5 driver shows them.
    const bool bPlainHDF5 =
        !oGeoref.bHasGeoTransform &&
        STARTS_WITH(poArray->GetDimensions()[m_iYDim]->GetName().c_str(),
                    "phony_dim_");
    m_bBottomUp = bAllowFlip && oGeoref.bBottomUp && !bPlainHDF5;
    if (!bAllowFlip && oGeoref.bBottomUp && m_bHasGeoTransform)
    {
        // Keep the stored order: the geotransform starts at the first row.
        m_adfGeoTransform[3] += m_adfGeoTransform[5] * nRasterYSize;
        m_adfGeoTransform[5] = -m_adfGeoTransform[5];
    }
    if (!oGeoref.osWKT.empty())
        m_oSRS.importFromWkt(oGeoref.osWKT.c_str());
}

void KerchunkRasterDataset::CreateBands(int nBands)
{
    for (int iBand = 1; iBand <= nBands; ++iBand)
        SetBand(iBand, new KerchunkRasterBand(this, iBand, ExtraIndexOf(iBand)));
}

std::vector<GUInt64> KerchunkRasterDataset::ExtraIndexOf(int nBand) const
{
    // Bands go in C order over the dimensions before y and x (the last
    // varies fastest).
    const auto &apoDims = m_poArray->GetDimensions();
    const size_t nDims = apoDims.size();
    std::vector<GUInt64> anIndex(nDims >= 2 ? nDims - 2 : 0, 0);
    GUInt64 nRest = static_cast<GUInt64>(nBand - 1);
    for (size_t i = anIndex.size(); i > 0; --i)
    {
        const GUInt64 nSize = apoDims[i - 1]->GetSize();
        anIndex[i - 1] = nSize ? nRest % nSize : 0;
        nRest = nSize ? nRest / nSize : 0;
    }
    return anIndex;
}

bool KerchunkRasterDataset::ReadArrayWindow(const std::vector<GUInt64> &anExtraIndex,
                                            int nXOff, int nYOff, int nXSize, int nYSize,
                                            GPtrDiff_t nLineStride, void *pBuffer) const
{
    const size_t nDims = m_poArray->GetDimensionCount();
    std::vector<GUInt64> anStart(anExtraIndex);
    std::vector<size_t> anCount(anExtraIndex.size(), 1);
    std::vector<GInt64> anStep(anExtraIndex.size(), 1);
    std::vector<GPtrDiff_t> anStride(anExtraIndex.size(), 0);
    anStart.resize(nDims);
    anCount.resize(nDims);
    anStep.resize(nDims);
    anStride.resize(nDims);
    if (nDims >= 2)
    {
        // North-up: row 0 of the raster is the last stored row.
        anStart[m_iYDim] = m_bBottomUp ? static_cast<GUInt64>(nRasterYSize - 1 - nYOff)
                                       : static_cast<GUInt64>(nYOff);
        anCount[m_iYDim] = static_cast<size_t>(nYSize);
        anStep[m_iYDim] = m_bBottomUp ? -1 : 1;
        anStride[m_iYDim] = nLineStride;
    }
    // The buffer strides transpose arrays stored (X, Y).
    anStart[m_iXDim] = static_cast<GUInt64>(nXOff);
    anCount[m_iXDim] = static_cast<size_t>(nXSize);
    anStep[m_iXDim] = 1;
    anStride[m_iXDim] = 1;
    // Read in the array's own type: for _Unsigned bands the bits are then
    // the unsigned values.
    return m_poArray->Read(anStart.data(), anCount.data(), anStep.data(), anStride.data(),
                           GDALExtendedDataType::Create(m_eReadType), pBuffer);
}

void KerchunkRasterDataset::SetAttributesAsMetadata(
    const GDALMDArray &oArray, const std::shared_ptr<GDALGroup> &poRootGroup)
{
    // Named as GDAL's netCDF driver names them.
    const std::string osShortName = oArray.GetName();
    for (const auto &poAttr : oArray.GetAttributes())
        SetMetadataItem((osShortName + "#" + poAttr->GetName()).c_str(),
                        AttributeToString(*poAttr).c_str());
    if (poRootGroup)
    {
        for (const auto &poAttr : poRootGroup->GetAttributes())
            SetMetadataItem(("NC_GLOBAL#" + poAttr->GetName()).c_str(),
                            AttributeToString(*poAttr).c_str());
    }
}

CPLErr KerchunkRasterDataset::GetGeoTransform(double *padfGeoTransform)
{
    std::copy(m_adfGeoTransform.begin(), m_adfGeoTransform.end(), padfGeoTransform);
    return m_bHasGeoTransform ? CE_None : CE_Failure;
}

const OGRSpatialReference *KerchunkRasterDataset::GetSpatialRef() const
{
    return m_oSRS.IsEmpty() ? nullptr : &m_oSRS;
}

}  // namespace kerchunk
