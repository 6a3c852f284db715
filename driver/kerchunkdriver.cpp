// The KERCHUNK driver: registration, Identify and Open.
//
// Open delegates the reading to GDAL's own Zarr driver on /vsikerchunk/, in
// multidimensional mode, and builds the classic view itself (bands along
// extra dimensions, CF georeferencing) where GDAL 3.6's Zarr driver falls short.
#include "array_catalog.h"
#include "array_checks.h"
#include "codecs.h"
#include "config_options.h"
#include "kerchunk_dataset.h"
#include "kerchunk_dataset_name.h"
#include "kerchunk_group.h"
#include "multi_source_open.h"
#include "file_handles.h"
#include "parquet_references.h"
#include "gdal_paths.h"
#include "generator.h"
#include "reference_cache.h"
#include "source_open.h"
#include "vsikerchunk.h"

#include "cpl_string.h"
#include "gdal_priv.h"

#include <chrono>
#include <cmath>
#include <exception>
#include <memory>
#include <vector>

namespace kerchunk
{

namespace
{

constexpr const char *DRIVER_NAME = "KERCHUNK";

int KerchunkIdentify(GDALOpenInfo *poOpenInfo)
{
    return STARTS_WITH_CI(poOpenInfo->pszFilename, KERCHUNK_DATASET_PREFIX);
}

// With KERCHUNK_GENERATION_TIMEOUT, no single request made in this process
// to open a remote source may outlast it: a server that accepts and never
// answers would otherwise hang the probes (GDAL sets no HTTP timeout by
// default). One second more than the limit, so that a generator child stuck
// in a read is ended by the timeout itself, whose error says so; and no
// listing of the source's folder, one request less to wait for. Options the
// user set are kept. Empty when there is nothing to bound.
std::vector<std::unique_ptr<CPLConfigOptionSetter>>
BoundRequestsByGenerationTimeout(const std::string &osPath, double &dfTimeout)
{
    std::vector<std::unique_ptr<CPLConfigOptionSetter>> apoSetters;
    dfTimeout = 0;
    if (!IsNetworkGDALPath(osPath))
        return apoSetters;
    dfTimeout = CacheConfig::FromConfigOptions().dfGenerationTimeout;
    if (!(dfTimeout > 0))
        return apoSetters;
    apoSetters.push_back(std::make_unique<CPLConfigOptionSetter>(
        "GDAL_HTTP_TIMEOUT", CPLSPrintf("%.0f", std::ceil(dfTimeout) + 1), true));
    apoSetters.push_back(std::make_unique<CPLConfigOptionSetter>(
        "GDAL_DISABLE_READDIR_ON_OPEN", "EMPTY_DIR", true));
    return apoSetters;
}

// Kerchunk JSON starts with '{', Parquet references are a folder with a
// .zmetadata; anything else is treated as a source file. The requests are
// bounded like generation's: a stalled server must not hang the open.
bool LooksLikeReferences(const std::string &osPath)
{
    double dfTimeout = 0;
    const auto apoRequestBounds = BoundRequestsByGenerationTimeout(osPath, dfTimeout);
    const auto tStart = std::chrono::steady_clock::now();
    if (IsJsonReferencesFile(osPath))
        return true;
    // A server that took the whole bound to answer the first probe is
    // stalled: a second probe would only double the wait.
    if (dfTimeout > 0 && std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                                       tStart).count() >= dfTimeout)
        return false;
    return IsParquetReferences(osPath);
}

std::string DescribeArray(const GDALMDArray &oArray)
{
    std::string osShape;
    for (const auto &poDim : oArray.GetDimensions())
    {
        if (!osShape.empty())
            osShape += "x";
        osShape += std::to_string(poDim->GetSize());
    }
    const auto &oType = oArray.GetDataType();
    const char *pszType = oType.GetClass() == GEDTC_NUMERIC
                              ? GDALGetDataTypeName(oType.GetNumericDataType())
                              : (oType.GetClass() == GEDTC_STRING ? "String" : "Compound");
    return "[" + osShape + "] " + oArray.GetFullName() + " (" + pszType + ")";
}

// Reports the arrays GDAL 3.6 cannot read: the requested one (osArray, when
// given) is an error, making this false; others only a warning, so the rest
// of the references stay usable.
bool ReportArrayProblems(const LoadedReferences &oRefs, const std::string &osRefsPath,
                         const std::string &osArray)
{
    for (const auto &oProblem : FindArrayProblems(oRefs))
    {
        const bool bRequested = !osArray.empty() &&
                                (oProblem.osArray == osArray ||
                                 oProblem.osArray == "/" + osArray);
        CPLError(bRequested ? CE_Failure : CE_Warning, CPLE_NotSupported,
                 "%s: array %s cannot be read: %s", osRefsPath.c_str(),
                 oProblem.osArray.c_str(), oProblem.osReason.c_str());
        if (bRequested)
            return false;
    }
    return true;
}

// The SUBDATASETS metadata listing apoCandidates.
CPLStringList SubdatasetsOf(const std::string &osDatasetPath,
                            const std::vector<std::shared_ptr<GDALMDArray>> &apoCandidates)
{
    CPLStringList aosSubdatasets;
    int iSubdataset = 1;
    for (const auto &poCandidate : apoCandidates)
    {
        aosSubdatasets.SetNameValue(
            CPLSPrintf("SUBDATASET_%d_NAME", iSubdataset),
            MakeSubdatasetName(osDatasetPath, poCandidate->GetFullName()).c_str());
        aosSubdatasets.SetNameValue(CPLSPrintf("SUBDATASET_%d_DESC", iSubdataset),
                                    DescribeArray(*poCandidate).c_str());
        ++iSubdataset;
    }
    return aosSubdatasets;
}

// osDatasetPath is what subdataset names repeat: the references, or the
// source file they were generated for.
GDALDataset *OpenReferences(GDALOpenInfo *poOpenInfo, const std::string &osRefsPath,
                            const std::string &osDatasetPath, const std::string &osArray)
{
    std::string osError;
    const auto poRefs = LoadReferences(osRefsPath, osError);
    if (!poRefs)
    {
        CPLError(CE_Failure, CPLE_OpenFailed, "%s", osError.c_str());
        return nullptr;
    }
    if (!ReportArrayProblems(*poRefs, osRefsPath, osArray))
        return nullptr;

    const char *const apszAllowedDrivers[] = {"Zarr", nullptr};
    GDALDatasetUniquePtr poZarrDS(GDALDataset::Open(
        MakeVSIKerchunkPath(osRefsPath).c_str(),
        GDAL_OF_MULTIDIM_RASTER | GDAL_OF_VERBOSE_ERROR, apszAllowedDrivers,
        nullptr, nullptr));
    if (!poZarrDS)
        return nullptr;
    auto poRootGroup = poZarrDS->GetRootGroup();
    if (!poRootGroup)
    {
        CPLError(CE_Failure, CPLE_OpenFailed, "%s: no root group", osRefsPath.c_str());
        return nullptr;
    }

    if (poOpenInfo->nOpenFlags & GDAL_OF_MULTIDIM_RASTER)
    {
        // Arrays reached from this root plan their reads (kerchunk_md_array.h).
        return new KerchunkMultiDimDataset(std::move(poZarrDS),
                                           KerchunkGroup::Wrap(poRootGroup, poRefs));
    }

    std::shared_ptr<GDALMDArray> poArray;
    std::vector<std::shared_ptr<GDALMDArray>> apoCandidates;
    if (!osArray.empty())
    {
        poArray = OpenArrayByPath(poRootGroup, osArray);
        if (!poArray)
        {
            CPLError(CE_Failure, CPLE_OpenFailed, "%s: no array %s",
                     osRefsPath.c_str(), osArray.c_str());
            return nullptr;
        }
    }
    else
    {
        apoCandidates = ListRasterCandidates(poRootGroup);
        if (apoCandidates.size() == 1)
            poArray = apoCandidates[0];
    }

    auto poDS = std::make_unique<KerchunkRasterDataset>(std::move(poZarrDS), poRefs);
    if (poArray)
    {
        const bool bFlip = CPLFetchBool(poOpenInfo->papszOpenOptions, "FLIP_NORTH_UP", true);
        if (!poDS->SetArray(poArray, poRootGroup, bFlip))
            return nullptr;
    }
    else
    {
        poDS->SetMetadata(SubdatasetsOf(osDatasetPath, apoCandidates).List(),
                          "SUBDATASETS");
    }
    poDS->SetDescription(poOpenInfo->pszFilename);
    return poDS.release();
}

// KERCHUNK:<source>: references from the cache (generated on a miss). When
// they cannot be made, the source opens with GDAL's own driver and a warning
// (KERCHUNK_FALLBACK / FALLBACK=YES, the default), or it is an error.
GDALDataset *OpenSource(GDALOpenInfo *poOpenInfo, const KerchunkDatasetName &oName)
{
    double dfTimeout = 0;
    const auto apoRequestBounds = BoundRequestsByGenerationTimeout(oName.osPath, dfTimeout);
    VSIStatBufL sStat;
    if (VSIStatL(oName.osPath.c_str(), &sStat) != 0)
    {
        if (!apoRequestBounds.empty())
            CPLError(CE_Failure, CPLE_OpenFailed,
                     "%s: no such file, or no answer within "
                     "KERCHUNK_GENERATION_TIMEOUT=%g s",
                     oName.osPath.c_str(), dfTimeout);
        else
            CPLError(CE_Failure, CPLE_OpenFailed, "%s: no such file",
                     oName.osPath.c_str());
        return nullptr;
    }
    const SourceFormat eFormat = DetectSourceFormat(oName.osPath);
    if (eFormat == SourceFormat::Unknown)
    {
        CPLError(CE_Failure, CPLE_OpenFailed,
                 "%s is neither kerchunk JSON references nor a NetCDF-4/HDF5, "
                 "NetCDF-3 or GRIB file",
                 oName.osPath.c_str());
        return nullptr;
    }
    // The open option wins over the configuration option.
    bool bFallback = true;
    try
    {
        const char *pszFallback =
            CSLFetchNameValue(poOpenInfo->papszOpenOptions, "FALLBACK");
        bFallback = pszFallback ? CPLTestBool(pszFallback)
                                : GetBooleanOption("KERCHUNK_FALLBACK");
    }
    catch (const std::exception &e)
    {
        CPLError(CE_Failure, CPLE_IllegalArg, "%s", e.what());
        return nullptr;
    }
    std::string osRefsPath;
    try
    {
        osRefsPath = GetReferencesForSource(oName.osPath);
    }
    catch (const std::exception &e)
    {
        if (!bFallback)
        {
            CPLError(CE_Failure, CPLE_OpenFailed,
                     "%s: cannot make kerchunk references: %s (KERCHUNK_FALLBACK=NO)",
                     oName.osPath.c_str(), e.what());
            return nullptr;
        }
        CPLError(CE_Warning, CPLE_AppDefined,
                 "%s: cannot make kerchunk references (%s); opening it with "
                 "GDAL's own driver instead",
                 oName.osPath.c_str(), e.what());
        std::string osNativeName = oName.osPath;
        if (!oName.osArray.empty() && eFormat != SourceFormat::GRIB &&
            !(poOpenInfo->nOpenFlags & GDAL_OF_MULTIDIM_RASTER))
        {
            std::string osVar = oName.osArray;
            if (!osVar.empty() && osVar[0] == '/')
                osVar = osVar.substr(1);
            osNativeName = "NETCDF:\"" + oName.osPath + "\":" + osVar;
        }
        // Our open options mean nothing to the native driver.
        return GDALDataset::Open(osNativeName.c_str(),
                                 poOpenInfo->nOpenFlags & ~GDAL_OF_SHARED, nullptr,
                                 nullptr, nullptr);
    }
    return OpenReferences(poOpenInfo, osRefsPath, oName.osPath, oName.osArray);
}

// KERCHUNK:<list or glob> (multi_source_open.h): the sources combined along
// CONCAT_DIM (default "time"; "time,step" for a grid) or a NEW_DIM.
GDALDataset *OpenMultiSource(GDALOpenInfo *poOpenInfo, const KerchunkDatasetName &oName)
{
    CSLConstList papszOptions = poOpenInfo->papszOpenOptions;
    CombineOptions oOptions;
    oOptions.osNewDim = CSLFetchNameValueDef(papszOptions, "NEW_DIM", "");
    const CPLStringList aosConcat(CSLTokenizeString2(
        CSLFetchNameValueDef(papszOptions, "CONCAT_DIM", oOptions.osNewDim.empty() ? "time" : ""),
        ",", 0));
    for (int i = 0; i < aosConcat.size(); ++i)
        oOptions.aosConcatDims.push_back(aosConcat[i]);
    oOptions.osDimValues = CSLFetchNameValueDef(papszOptions, "DIM_VALUES", "index");
    const CPLStringList aosIdentical(CSLTokenizeString2(
        CSLFetchNameValueDef(papszOptions, "IDENTICAL_DIMS", ""), ",", 0));
    for (int i = 0; i < aosIdentical.size(); ++i)
        oOptions.oIdenticalArrays.insert(aosIdentical[i]);
    const std::string osRefsPath = GetCombinedReferences(oName.osPath, oOptions);
    return OpenReferences(poOpenInfo, osRefsPath, oName.osPath, oName.osArray);
}

GDALDataset *KerchunkOpen(GDALOpenInfo *poOpenInfo)
{
    if (!KerchunkIdentify(poOpenInfo))
        return nullptr;
    if (poOpenInfo->eAccess == GA_Update)
    {
        CPLError(CE_Failure, CPLE_NotSupported, "The KERCHUNK driver is read-only");
        return nullptr;
    }
    KerchunkDatasetName oName;
    if (!ParseKerchunkDatasetName(poOpenInfo->pszFilename, oName))
    {
        CPLError(CE_Failure, CPLE_OpenFailed,
                 "Invalid dataset name '%s': expected KERCHUNK:<references or "
                 "source> or KERCHUNK:\"<references or source>\":<array>",
                 poOpenInfo->pszFilename);
        return nullptr;
    }
    if (const char *pszArray = CSLFetchNameValue(poOpenInfo->papszOpenOptions, "ARRAY"))
        oName.osArray = pszArray;

    // No exception crosses into GDAL.
    try
    {
        if (LooksLikeReferences(oName.osPath))
            return OpenReferences(poOpenInfo, oName.osPath, oName.osPath, oName.osArray);
        if (IsMultiSourceName(oName.osPath))
            return OpenMultiSource(poOpenInfo, oName);
        return OpenSource(poOpenInfo, oName);
    }
    catch (const std::exception &e)
    {
        CPLError(CE_Failure, CPLE_AppDefined, "KERCHUNK: %s", e.what());
        return nullptr;
    }
}

}  // namespace

}  // namespace kerchunk

extern "C" CPL_DLL void GDALRegister_KERCHUNK();
extern "C" CPL_DLL void GDALRegisterMe();

void GDALRegister_KERCHUNK()
{
    using namespace kerchunk;
    if (!GDAL_CHECK_VERSION(DRIVER_NAME))
        return;
    if (GDALGetDriverByName(DRIVER_NAME) != nullptr)
        return;

    RegisterCodecs();
    InstallVSIKerchunkHandler();

    auto poDriver = std::make_unique<GDALDriver>();
    poDriver->SetDescription(DRIVER_NAME);
    poDriver->SetMetadataItem(GDAL_DCAP_RASTER, "YES");
    poDriver->SetMetadataItem(GDAL_DCAP_MULTIDIM_RASTER, "YES");
    poDriver->SetMetadataItem(GDAL_DMD_LONGNAME,
                              "Kerchunk references (NetCDF/HDF5/GRIB as virtual Zarr)");
    poDriver->SetMetadataItem(GDAL_DMD_HELPTOPIC, "docs/kerchunk.rst");
    poDriver->SetMetadataItem(GDAL_DMD_CONNECTION_PREFIX, KERCHUNK_DATASET_PREFIX);
    poDriver->SetMetadataItem(GDAL_DMD_SUBDATASETS, "YES");
    poDriver->SetMetadataItem(GDAL_DCAP_VIRTUALIO, "YES");
    poDriver->SetMetadataItem(
        GDAL_DMD_OPENOPTIONLIST,
        "<OpenOptionList>"
        "  <Option name='ARRAY' type='string' description='Full path of the "
        "array shown by the classic raster view (same as KERCHUNK:\"refs\":array)'/>"
        "  <Option name='FLIP_NORTH_UP' type='boolean' default='YES' "
        "description='Flip rows when the y coordinate increases, so that the "
        "classic view is north-up'/>"
        "  <Option name='FALLBACK' type='boolean' default='YES' description="
        "'When references cannot be made for a source file, open it with "
        "GDAL&apos;s own driver (overrides KERCHUNK_FALLBACK)'/>"
        "  <Option name='CONCAT_DIM' type='string' default='time' description="
        "'Several sources (list file or glob): the dimension they are "
        "concatenated along, ordered by its coordinate values; several "
        "comma-separated dimensions place the sources on a grid'/>"
        "  <Option name='NEW_DIM' type='string' description='Several sources: "
        "stack them along this new outermost dimension instead'/>"
        "  <Option name='DIM_VALUES' type='string' default='index' description="
        "'Values of NEW_DIM: index, regex:PATTERN (on the file name) or "
        "attr:NAME (a global attribute)'/>"
        "  <Option name='IDENTICAL_DIMS' type='string' description='Several "
        "sources: comma-separated arrays taken once from the first source'/>"
        "</OpenOptionList>");
    poDriver->pfnIdentify = KerchunkIdentify;
    poDriver->pfnOpen = KerchunkOpen;
    GetGDALDriverManager()->RegisterDriver(poDriver.release());
}

void GDALRegisterMe()
{
    GDALRegister_KERCHUNK();
}
