// Shared by the CF georeferencing tests: compares
// kerchunk::ComputeCFGeoreferencing on a multidimensional array with GDAL's
// netCDF driver in classic mode (NETCDF:"file":var) on the same variable.
#pragma once

#include "cf_georeferencing.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "cpl_conv.h"
#include "gdal_priv.h"
#include "ogr_spatialref.h"

namespace cftest
{

inline std::string DataDir()
{
    const char *psz = std::getenv("KERCHUNK_TEST_DATA");
    return psz ? psz : "tests/data";
}

using DatasetPtr = GDALDatasetUniquePtr;  // GDAL's own

// The at least 2-D numeric arrays of the root group of osPath opened as a
// multidimensional dataset, quietly; pszDriver: only when that driver opens
// it. Empty when it cannot be opened.
inline std::vector<std::string> Numeric2DArrays(const std::string &osPath,
                                                const char *pszDriver = nullptr)
{
    std::vector<std::string> aosArrays;
    CPLErrorHandlerPusher oQuiet(CPLQuietErrorHandler);
    DatasetPtr poMD(GDALDataset::Open(osPath.c_str(), GDAL_OF_MULTIDIM_RASTER, nullptr,
                                      nullptr, nullptr));
    if (!poMD || (pszDriver && !EQUAL(poMD->GetDriver()->GetDescription(), pszDriver)))
        return aosArrays;
    auto poRoot = poMD->GetRootGroup();
    if (!poRoot)
        return aosArrays;
    for (const auto &osName : poRoot->GetMDArrayNames())
    {
        auto poArray = poRoot->OpenMDArray(osName);
        if (poArray && poArray->GetDimensionCount() >= 2 &&
            poArray->GetDataType().GetClass() == GEDTC_NUMERIC)
            aosArrays.push_back(osName);
    }
    return aosArrays;
}

// What the comparison saw, for extra assertions by the caller.
struct Outcome
{
    bool bComparable = false;
    kerchunk::CFGeoreferencing oRes;
    bool bClassicGT = false;
    bool bClassicSRS = false;
    bool bRowsFlipped = false;
};

inline bool NearlyEqual(double dfA, double dfB)
{
    return std::fabs(dfA - dfB) <=
           std::max(1e-9 * std::max(std::fabs(dfA), std::fabs(dfB)), 1e-12);
}

// The first 2-D slice (index 0 on every other dimension) as doubles.
inline bool ReadFirstSlice(const std::shared_ptr<GDALMDArray> &poArray, size_t iY,
                    size_t iX, std::vector<double> &adf)
{
    const auto &apoDims = poArray->GetDimensions();
    std::vector<GUInt64> anStart(apoDims.size(), 0);
    std::vector<size_t> anCount(apoDims.size(), 1);
    anCount[iY] = static_cast<size_t>(apoDims[iY]->GetSize());
    anCount[iX] = static_cast<size_t>(apoDims[iX]->GetSize());
    std::vector<GPtrDiff_t> anStride(apoDims.size(), 0);
    // Row-major Y, X in the output buffer whatever their order in the array.
    anStride[iY] = static_cast<GPtrDiff_t>(anCount[iX]);
    anStride[iX] = 1;
    adf.assign(anCount[iY] * anCount[iX], 0.0);
    return poArray->Read(anStart.data(), anCount.data(), nullptr,
                         anStride.data(),
                         GDALExtendedDataType::Create(GDT_Float64),
                         adf.data());
}

// The geotransform of ComputeCFGeoreferencing against the classic view's.
inline void CompareGeoTransform(GDALDataset *poClassic, Outcome &o)
{
    double adfGT[6] = {0, 1, 0, 0, 0, 1};
    o.bClassicGT = poClassic->GetGeoTransform(adfGT) == CE_None;
    EXPECT_EQ(o.oRes.bHasGeoTransform, o.bClassicGT);
    if (o.oRes.bHasGeoTransform && o.bClassicGT)
    {
        for (int i = 0; i < 6; ++i)
        {
            EXPECT_PRED2(NearlyEqual, o.oRes.adfGeoTransform[i], adfGT[i])
                << "geotransform[" << i << "]";
        }
    }
}

// The CRS of ComputeCFGeoreferencing against the classic view's.
inline void CompareCRS(GDALDataset *poClassic, Outcome &o)
{
    const OGRSpatialReference *poClassicSRS = poClassic->GetSpatialRef();
    o.bClassicSRS = poClassicSRS != nullptr && !poClassicSRS->IsEmpty();
    EXPECT_EQ(!o.oRes.osWKT.empty(), o.bClassicSRS) << o.oRes.osWKT;
    if (o.bClassicSRS && !o.oRes.osWKT.empty())
    {
        // As GDAL's raster API hands CRSs out: longitude/easting first.
        OGRSpatialReference oOurs;
        oOurs.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
        EXPECT_EQ(oOurs.importFromWkt(o.oRes.osWKT.c_str()), OGRERR_NONE);
        char *pszClassicWKT = nullptr;
        poClassicSRS->exportToWkt(&pszClassicWKT);
        EXPECT_TRUE(oOurs.IsSame(poClassicSRS))
            << "ours:    " << o.oRes.osWKT << "\nnetCDF:  "
            << (pszClassicWKT ? pszClassicWKT : "");
        CPLFree(pszClassicWKT);
    }
}

// Mismatching cells between the classic band (adfClassic) and the first
// multidimensional slice (adfMD): [0] with rows as stored, [1] flipped.
// The classic driver maps signed bytes to Byte, hence the comparison modulo
// 256 for Byte bands.
inline std::array<size_t, 2> CountRowOrderMismatches(
    const std::vector<double> &adfClassic, const std::vector<double> &adfMD,
    size_t nYSize, size_t nXSize, bool bByte)
{
    const auto Same = [bByte](double a, double b)
    {
        if (std::isnan(a) || std::isnan(b))
            return std::isnan(a) && std::isnan(b);
        if (bByte)
            return (static_cast<long long>(a) & 0xFF) ==
                   (static_cast<long long>(b) & 0xFF);
        return a == b;
    };
    std::array<size_t, 2> anMismatch = {0, 0};
    for (size_t r = 0; r < nYSize; ++r)
    {
        for (size_t c = 0; c < nXSize; ++c)
        {
            const double a = adfClassic[r * nXSize + c];
            anMismatch[0] += Same(a, adfMD[r * nXSize + c]) ? 0 : 1;
            anMismatch[1] +=
                Same(a, adfMD[(nYSize - 1 - r) * nXSize + c]) ? 0 : 1;
        }
    }
    return anMismatch;
}

// Row order: classic band 1 is the first slice, flipped when bottom-up.
// The classic driver masks values outside valid_range, hence the non-strict
// mode.
inline void CompareFirstSlice(const std::shared_ptr<GDALMDArray> &poArray,
                              size_t iY, size_t iX, GDALDataset *poClassic,
                              bool bStrictData, Outcome &o)
{
    const size_t nYSize =
        static_cast<size_t>(poArray->GetDimensions()[iY]->GetSize());
    const size_t nXSize =
        static_cast<size_t>(poArray->GetDimensions()[iX]->GetSize());
    std::vector<double> adfMD;
    EXPECT_TRUE(ReadFirstSlice(poArray, iY, iX, adfMD));
    std::vector<double> adfClassic(adfMD.size());
    GDALRasterBand *poBand = poClassic->GetRasterBand(1);
    const bool bReadOK =
        poBand->RasterIO(GF_Read, 0, 0, static_cast<int>(nXSize),
                         static_cast<int>(nYSize), adfClassic.data(),
                         static_cast<int>(nXSize), static_cast<int>(nYSize),
                         GDT_Float64, 0, 0, nullptr) == CE_None;
    if (bStrictData)
    {
        EXPECT_TRUE(bReadOK);
    }
    if (!bReadOK || adfMD.size() != adfClassic.size())
        return;
    const auto anMismatch = CountRowOrderMismatches(
        adfClassic, adfMD, nYSize, nXSize,
        poBand->GetRasterDataType() == GDT_Byte);
    const size_t nOurs = anMismatch[o.oRes.bBottomUp ? 1 : 0];
    const size_t nOther = anMismatch[o.oRes.bBottomUp ? 0 : 1];
    if (bStrictData)
        EXPECT_EQ(nOurs, 0U) << "row order: bBottomUp=" << o.oRes.bBottomUp;
    else
        EXPECT_LE(nOurs, nOther)
            << "row order: bBottomUp=" << o.oRes.bBottomUp;
    o.bRowsFlipped = nYSize > 1 && anMismatch[0] > anMismatch[1];
}

// The array osArray (full name) of the multidimensional view of osMD opened
// by driver pszMDDriver, with its root group; null after a failed
// expectation.
inline std::shared_ptr<GDALMDArray>
OpenMDArrayExpected(const std::string &osMD, const std::string &osArray,
                    const char *pszMDDriver, DatasetPtr &poMD,
                    std::shared_ptr<GDALGroup> &poRoot)
{
    poMD.reset(GDALDataset::Open(osMD.c_str(), GDAL_OF_MULTIDIM_RASTER,
                                 nullptr, nullptr, nullptr));
    EXPECT_NE(poMD, nullptr);
    if (!poMD)
        return nullptr;
    EXPECT_STREQ(poMD->GetDriver()->GetDescription(), pszMDDriver);
    poRoot = poMD->GetRootGroup();
    EXPECT_NE(poRoot, nullptr);
    if (!poRoot)
        return nullptr;
    auto poArray = poRoot->OpenMDArrayFromFullname(osArray);
    EXPECT_NE(poArray, nullptr);
    return poArray;
}

// Compares ComputeCFGeoreferencing on osArray (full name in the multidim
// view of osMDSource, opened by driver pszMDDriver) with the classic netCDF
// view osClassicVar of the netCDF file osFile.
inline Outcome CompareWithNetCDF(const std::string &osFile,
                          const std::string &osArray,
                          const std::string &osClassicVar,
                          bool bStrictData = true,
                          const std::string &osMDSource = std::string(),
                          const char *pszMDDriver = "netCDF")
{
    Outcome o;
    const std::string osMD = osMDSource.empty() ? osFile : osMDSource;
    SCOPED_TRACE(osMD + " " + osArray);
    const ::testing::TestResult *poResult =
        ::testing::UnitTest::GetInstance()->current_test_info()->result();
    const int nPartsBefore = poResult->total_part_count();
    DatasetPtr poMD;
    std::shared_ptr<GDALGroup> poRoot;
    auto poArray =
        OpenMDArrayExpected(osMD, osArray, pszMDDriver, poMD, poRoot);
    if (!poArray)
        return o;
    const size_t nDims = poArray->GetDimensionCount();
    EXPECT_GE(nDims, 2U);
    if (nDims < 2)
        return o;
    const size_t iY = nDims - 2;
    const size_t iX = nDims - 1;
    o.oRes = kerchunk::ComputeCFGeoreferencing(poArray, poRoot, iY, iX);

    const std::string osClassic =
        "NETCDF:\"" + osFile + "\":" + osClassicVar;
    DatasetPtr poClassic(GDALDataset::Open(osClassic.c_str(), GDAL_OF_RASTER,
                                           nullptr, nullptr, nullptr));
    EXPECT_NE(poClassic, nullptr) << osClassic;
    if (!poClassic)
        return o;
    const auto nYSize = poArray->GetDimensions()[iY]->GetSize();
    const auto nXSize = poArray->GetDimensions()[iX]->GetSize();
    EXPECT_EQ(static_cast<GUInt64>(poClassic->GetRasterXSize()), nXSize);
    EXPECT_EQ(static_cast<GUInt64>(poClassic->GetRasterYSize()), nYSize);

    CompareGeoTransform(poClassic.get(), o);
    CompareCRS(poClassic.get(), o);
    CompareFirstSlice(poArray, iY, iX, poClassic.get(), bStrictData, o);

    // Comparable when this call added no failure (earlier ones may exist).
    o.bComparable = true;
    for (int i = nPartsBefore; i < poResult->total_part_count(); ++i)
        o.bComparable = o.bComparable && !poResult->GetTestPartResult(i).failed();
    return o;
}

}  // namespace cftest
