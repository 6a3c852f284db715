#include "kerchunk_md_array.h"

#include "chunk_prefetch.h"
#include "kerchunk_group.h"
#include "selection_plan.h"

#include "cpl_error.h"

#include <exception>


namespace kerchunk
{

namespace
{

// A read touching more chunks than this is not planned (enumerating them
// would cost more than it saves); its chunks are read key by key.
constexpr size_t MAX_PLANNED_KEYS = 100000;

// The chunk grid of a Zarr array at its key in the references; null when
// its chunks cannot be named (a scalar, no block size).
std::unique_ptr<ChunkGrid> ChunkGridOf(const GDALMDArray &oZarrArray,
                                       const LoadedReferences &oRefs)
{
    const auto anBlockSize = oZarrArray.GetBlockSize();
    if (anBlockSize.empty() || anBlockSize.size() != oZarrArray.GetDimensionCount())
        return nullptr;
    for (const auto nSize : anBlockSize)
    {
        if (nSize == 0)
            return nullptr;
    }
    // GDAL's Zarr driver names arrays "/path/in/store".
    const std::string &osName = oZarrArray.GetFullName();
    const size_t nFirst = osName.find_first_not_of('/');
    const std::string osArrayKey =
        nFirst == std::string::npos ? std::string() : osName.substr(nFirst);
    return std::make_unique<ChunkGrid>(
        osArrayKey, GetChunkKeySeparator(oRefs, osArrayKey),
        std::vector<uint64_t>(anBlockSize.begin(), anBlockSize.end()));
}

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

}  // namespace

std::shared_ptr<GDALMDArray>
KerchunkMDArray::Wrap(const std::shared_ptr<GDALMDArray> &poZarrArray,
                      const std::shared_ptr<const LoadedReferences> &poRefs)
{
    if (!poZarrArray)
        return nullptr;
    auto poArray = std::make_shared<KerchunkMDArray>(ConstructionKey(), poZarrArray, poRefs);
    // GetView, Transpose, GetMask, AsClassicDataset... build on the self
    // pointer, so that what they read goes through IRead here.
    poArray->SetSelf(poArray);
    return poArray;
}

KerchunkMDArray::KerchunkMDArray(ConstructionKey, std::shared_ptr<GDALMDArray> poZarrArray,
                                 std::shared_ptr<const LoadedReferences> poRefs)
    : GDALAbstractMDArray(std::string(), poZarrArray->GetName()),
      GDALMDArray(std::string(), poZarrArray->GetName()),
      m_poZarrArray(std::move(poZarrArray)), m_poRefs(std::move(poRefs))
{
    // The same names as the Zarr array: paths and caches resolve alike.
    m_osName = m_poZarrArray->GetName();
    m_osFullName = m_poZarrArray->GetFullName();
    if (m_poRefs)
    {
        try
        {
            m_poChunkGrid = ChunkGridOf(*m_poZarrArray, *m_poRefs);
        }
        catch (const std::exception &e)
        {
            CPLDebug("KERCHUNK", "%s: reads not planned: %s", m_osFullName.c_str(), e.what());
        }
    }
}

/************************************************************************/
/*                           Planned reads                              */
/************************************************************************/

bool KerchunkMDArray::IRead(const GUInt64 *arrayStartIdx, const size_t *count,
                            const GInt64 *arrayStep, const GPtrDiff_t *bufferStride,
                            const GDALExtendedDataType &bufferDataType,
                            void *pDstBuffer) const
{
    if (m_poChunkGrid && IsPrefetchEnabled())
    {
        try
        {
            return ReadInParts(arrayStartIdx, count, arrayStep, bufferStride, bufferDataType,
                               pDstBuffer);
        }
        catch (const std::exception &e)
        {
            // Planning only saves time: the read goes on key by key.
            CPLDebug("KERCHUNK", "%s: read not planned: %s", m_osFullName.c_str(), e.what());
        }
    }
    return m_poZarrArray->Read(arrayStartIdx, count, arrayStep, bufferStride, bufferDataType,
                               pDstBuffer);
}

bool KerchunkMDArray::ReadInParts(const GUInt64 *arrayStartIdx, const size_t *count,
                                  const GInt64 *arrayStep, const GPtrDiff_t *bufferStride,
                                  const GDALExtendedDataType &bufferDataType,
                                  void *pDstBuffer) const
{
    const size_t nDims = GetDimensionCount();
    Selection oSel;
    oSel.anStart.assign(arrayStartIdx, arrayStartIdx + nDims);
    oSel.anCount.assign(count, count + nDims);
    oSel.anStep.assign(arrayStep, arrayStep + nDims);
    const auto &oRefs = *m_poRefs;
    const auto aoParts =
        PlanSelection(*m_poChunkGrid, oSel, MAX_PLANNED_KEYS, GetChunkCacheCapacity() / 2,
                      [&oRefs](const std::vector<std::string> &aosKeys)
                      { return ReferencedBytes(oRefs, aosKeys); });
    if (aoParts.empty())
        return m_poZarrArray->Read(arrayStartIdx, count, arrayStep, bufferStride,
                                   bufferDataType, pDstBuffer);
    std::vector<GUInt64> anPartStart(oSel.anStart.begin(), oSel.anStart.end());
    std::vector<size_t> anPartCount(count, count + nDims);
    for (const auto &oPart : aoParts)
    {
        PrefetchQuietly(oRefs, oPart.aosKeys);
        // The part's first element along its dimension, in the array and
        // in the buffer (steps and strides may be negative).
        const size_t i = oPart.iDim;
        const GInt64 nFirst = static_cast<GInt64>(oPart.nFirst);
        anPartStart[i] = static_cast<GUInt64>(static_cast<GInt64>(arrayStartIdx[i]) +
                                              nFirst * arrayStep[i]);
        anPartCount[i] = static_cast<size_t>(oPart.nCount);
        GByte *pabyPart = static_cast<GByte *>(pDstBuffer) +
                          nFirst * bufferStride[i] *
                              static_cast<GPtrDiff_t>(bufferDataType.GetSize());
        if (!m_poZarrArray->Read(anPartStart.data(), anPartCount.data(), arrayStep,
                                 bufferStride, bufferDataType, pabyPart))
            return false;
    }
    return true;
}

bool KerchunkMDArray::IAdviseRead(const GUInt64 *arrayStartIdx, const size_t *count,
                                  CSLConstList) const
{
    // The advice is the planned fetch alone, never the Zarr array's own
    // AdviseRead (not even when reads are not planned): GDAL 3.6's decodes
    // the tiles on GDAL_NUM_THREADS workers, and when one tile fails to read
    // the other workers return without counting themselves done, so the call
    // never returns (ZarrArray::IAdviseRead's job function; issue 9); and it
    // keys decoded tiles by an index built with the previous dimension's size
    // instead of its tile count, so tiles can collide and be read for each
    // other, silently. A key that cannot be read must instead fail the read
    // with its name.
    if (!m_poChunkGrid || !IsPrefetchEnabled())
        return true;
    try
    {
        const size_t nDims = GetDimensionCount();
        Selection oSel;
        oSel.anStart.assign(arrayStartIdx, arrayStartIdx + nDims);
        oSel.anCount.assign(count, count + nDims);
        oSel.anStep.assign(nDims, 1);
        const auto &oRefs = *m_poRefs;
        const auto aoParts =
            PlanSelection(*m_poChunkGrid, oSel, MAX_PLANNED_KEYS, GetChunkCacheCapacity() / 2,
                          [&oRefs](const std::vector<std::string> &aosKeys)
                          { return ReferencedBytes(oRefs, aosKeys); });
        // Only what fits the cache: the rest would evict it before use.
        if (!aoParts.empty())
            PrefetchQuietly(oRefs, aoParts.front().aosKeys);
    }
    catch (const std::exception &e)
    {
        CPLDebug("KERCHUNK", "%s: advice not planned: %s", m_osFullName.c_str(), e.what());
    }
    return true;
}

/************************************************************************/
/*                       Delegated to the Zarr array                    */
/************************************************************************/

bool KerchunkMDArray::IWrite(const GUInt64 *arrayStartIdx, const size_t *count,
                             const GInt64 *arrayStep, const GPtrDiff_t *bufferStride,
                             const GDALExtendedDataType &bufferDataType,
                             const void *pSrcBuffer)
{
    return m_poZarrArray->Write(arrayStartIdx, count, arrayStep, bufferStride, bufferDataType,
                                pSrcBuffer);
}

const std::vector<std::shared_ptr<GDALDimension>> &KerchunkMDArray::GetDimensions() const
{
    return m_poZarrArray->GetDimensions();
}

const GDALExtendedDataType &KerchunkMDArray::GetDataType() const
{
    return m_poZarrArray->GetDataType();
}

std::vector<GUInt64> KerchunkMDArray::GetBlockSize() const
{
    return m_poZarrArray->GetBlockSize();
}

bool KerchunkMDArray::IsWritable() const
{
    return m_poZarrArray->IsWritable();
}

const std::string &KerchunkMDArray::GetFilename() const
{
    return m_poZarrArray->GetFilename();
}

CSLConstList KerchunkMDArray::GetStructuralInfo() const
{
    return m_poZarrArray->GetStructuralInfo();
}

const std::string &KerchunkMDArray::GetUnit() const
{
    return m_poZarrArray->GetUnit();
}

bool KerchunkMDArray::SetUnit(const std::string &osUnit)
{
    return m_poZarrArray->SetUnit(osUnit);
}

bool KerchunkMDArray::SetSpatialRef(const OGRSpatialReference *poSRS)
{
    return m_poZarrArray->SetSpatialRef(poSRS);
}

std::shared_ptr<OGRSpatialReference> KerchunkMDArray::GetSpatialRef() const
{
    return m_poZarrArray->GetSpatialRef();
}

const void *KerchunkMDArray::GetRawNoDataValue() const
{
    return m_poZarrArray->GetRawNoDataValue();
}

bool KerchunkMDArray::SetRawNoDataValue(const void *pRawNoData)
{
    return m_poZarrArray->SetRawNoDataValue(pRawNoData);
}

double KerchunkMDArray::GetOffset(bool *pbHasOffset, GDALDataType *peStorageType) const
{
    return m_poZarrArray->GetOffset(pbHasOffset, peStorageType);
}

double KerchunkMDArray::GetScale(bool *pbHasScale, GDALDataType *peStorageType) const
{
    return m_poZarrArray->GetScale(pbHasScale, peStorageType);
}

bool KerchunkMDArray::SetOffset(double dfOffset, GDALDataType eStorageType)
{
    return m_poZarrArray->SetOffset(dfOffset, eStorageType);
}

bool KerchunkMDArray::SetScale(double dfScale, GDALDataType eStorageType)
{
    return m_poZarrArray->SetScale(dfScale, eStorageType);
}

std::vector<std::shared_ptr<GDALMDArray>> KerchunkMDArray::GetCoordinateVariables() const
{
    auto apoVariables = m_poZarrArray->GetCoordinateVariables();
    for (auto &poVariable : apoVariables)
        poVariable = Wrap(poVariable, m_poRefs);
    return apoVariables;
}

void KerchunkMDArray::ClearStatistics()
{
    m_poZarrArray->ClearStatistics();
}

std::shared_ptr<GDALAttribute> KerchunkMDArray::GetAttribute(const std::string &osName) const
{
    return m_poZarrArray->GetAttribute(osName);
}

std::vector<std::shared_ptr<GDALAttribute>>
KerchunkMDArray::GetAttributes(CSLConstList papszOptions) const
{
    return m_poZarrArray->GetAttributes(papszOptions);
}

std::shared_ptr<GDALAttribute>
KerchunkMDArray::CreateAttribute(const std::string &osName,
                                 const std::vector<GUInt64> &anDimensions,
                                 const GDALExtendedDataType &oDataType,
                                 CSLConstList papszOptions)
{
    return m_poZarrArray->CreateAttribute(osName, anDimensions, oDataType, papszOptions);
}

#if GDAL_VERSION_NUM >= GDAL_COMPUTE_VERSION(3, 8, 0)
std::shared_ptr<GDALGroup> KerchunkMDArray::GetRootGroup() const
{
    return KerchunkGroup::Wrap(m_poZarrArray->GetRootGroup(), m_poRefs);
}
#endif

}  // namespace kerchunk
