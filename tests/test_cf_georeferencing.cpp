// kerchunk::ComputeCFGeoreferencing against GDAL 3.6's netCDF driver: each
// variable is opened twice, multidimensional (the function's input) and
// classic (NETCDF:"file":var, the reference), and geotransform, CRS and row
// order must agree. The samples are written by tests/data/make_cf_samples.py;
// nothing expected is stored, the classic driver computes it at test time.

#include "cf_georef_compare.h"
#include "test_files.h"

#include <cmath>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "cpl_conv.h"
#include "cpl_vsi.h"
#include "gdal_priv.h"
#include "ogr_spatialref.h"

namespace
{

using namespace cftest;

// A sample of tests/data/cf opened as a multidimensional dataset.
DatasetPtr OpenCFSample(const std::string &osName)
{
    return DatasetPtr(GDALDataset::Open((DataDir() + "/cf/" + osName).c_str(),
                                        GDAL_OF_MULTIDIM_RASTER, nullptr, nullptr,
                                        nullptr));
}

class CFGeoreferencingTest : public ::testing::Test
{
  protected:
    static void SetUpTestSuite()
    {
        GDALAllRegister();
    }
};

struct Sample
{
    const char *pszFile;  // under tests/data/cf
    bool bGT;             // as GDAL 3.6's netCDF driver reports it
    bool bSRS;
};

// Expectations (GT/CRS present) come from GDAL's netCDF driver on these files;
// they only guard against a vacuous comparison (both sides empty).
const Sample kSamples[] = {
    {"ll_lat_increasing", true, false},
    {"ll_lat_decreasing", true, false},
    {"ll_lon_0_360", true, false},
    {"ll_lon_180_540", true, false},
    {"ll_lon_wrap", true, false},
    {"ll_names_only", true, false},
    {"ll_switched_axes", true, false},
    {"ll_float32_coords", true, false},
    {"ll_gaussian_like", true, false},
    {"ll_irregular", false, false},
    {"ll_irregular_decreasing", false, false},
    {"ll_spacing_within_tolerance", true, false},
    {"ll_spacing_beyond_tolerance", false, false},
    {"ll_float32_spacing_within_tolerance", true, false},
    {"ll_grid_mapping_sphere", true, true},
    {"ll_grid_mapping_ellipsoid", true, true},
    {"ll_4d", true, false},
    {"ll_packed_coords", true, false},
    {"ll_scale_only_coords", true, false},
    {"ll_gmt_node_offset", true, false},
    {"no_coordinate_variables", false, false},
    {"unnamed_axes_y_decreasing", false, true},
    {"rotated_pole", false, false},
    {"lcc_2sp_km", true, true},
    {"lcc_1sp", true, true},
    {"lcc_1sp_other_parallel", true, true},
    {"polar_stereographic_std_parallel", true, true},
    {"polar_stereographic_scale", true, true},
    {"mercator_1sp", true, true},
    {"mercator_2sp", true, true},
    {"transverse_mercator", true, true},
    {"transverse_mercator_paris", true, true},
    {"albers", true, true},
    {"albers_1sp", true, true},
    {"laea", true, true},
    {"stereographic", true, true},
    {"orthographic", true, true},
    {"azimuthal_equidistant", true, true},
    {"lambert_cylindrical_equal_area", true, true},
    {"sinusoidal", true, false},
    {"crs_wkt_only", true, true},
    {"crs_wkt_and_cf", true, true},
    {"spatial_ref_and_crs_wkt", true, true},
    {"spatial_ref_only", true, true},
    {"srid_only", true, true},
    {"tm_y_decreasing_3d", true, true},
    {"tm_us_survey_foot", true, true},
    {"tm_units_differ", true, true},
    {"tm_earth_radius_old_name", true, true},
    {"laea_irregular_x", false, true},
    {"grid_mapping_missing_variable", true, false},
    {"gdal_old_style", true, true},
    {"gdal_corners", true, true},
    {"geostationary_radian", true, true},
    {"expanded_grid_mapping", true, true},
    {"axis_x_km_shifted", true, true},
};

class CFSampleTest : public CFGeoreferencingTest,
                     public ::testing::WithParamInterface<Sample>
{
};

TEST_P(CFSampleTest, EqualsNetCDFDriver)
{
    const Sample &s = GetParam();
    const std::string osFile = DataDir() + "/cf/" + s.pszFile + ".nc";
    const Outcome o = CompareWithNetCDF(osFile, "/v", "v");
    EXPECT_TRUE(o.bComparable);
    EXPECT_EQ(o.bClassicGT, s.bGT);
    EXPECT_EQ(o.bClassicSRS, s.bSRS);
}

// The same samples as Zarr v2 stores laid out as kerchunk references present
// them (what the KERCHUNK driver hands the function), against the netCDF
// driver on the original files.
TEST_P(CFSampleTest, ZarrEqualsNetCDFDriver)
{
    const Sample &s = GetParam();
    const std::string osFile = DataDir() + "/cf/" + s.pszFile + ".nc";
    const std::string osZarr =
        "/vsizip/" + DataDir() + "/cf_zarr.zip/" + s.pszFile + ".zarr";
    const Outcome o =
        CompareWithNetCDF(osFile, "/v", "v", true, osZarr, "Zarr");
    EXPECT_TRUE(o.bComparable);
    EXPECT_EQ(o.bClassicGT, s.bGT);
    EXPECT_EQ(o.bClassicSRS, s.bSRS);
}

INSTANTIATE_TEST_SUITE_P(
    Samples, CFSampleTest, ::testing::ValuesIn(kSamples),
    [](const ::testing::TestParamInfo<Sample> &info)
    { return std::string(info.param.pszFile); });

TEST_F(CFGeoreferencingTest, GridMappingNamesReported)
{
    // osGridMappingName is informational, but must be the CF name.
    DatasetPtr poMD(OpenCFSample("lcc_2sp_km.nc"));
    ASSERT_NE(poMD, nullptr);
    auto poRoot = poMD->GetRootGroup();
    auto poArray = poRoot->OpenMDArray("v");
    ASSERT_NE(poArray, nullptr);
    const auto oRes = kerchunk::ComputeCFGeoreferencing(poArray, poRoot, 0, 1);
    EXPECT_EQ(oRes.osGridMappingName, "lambert_conformal_conic");
    // Kilometre coordinates stay kilometres, with a kilometre CRS unit.
    OGRSpatialReference oSRS;
    ASSERT_EQ(oSRS.importFromWkt(oRes.osWKT.c_str()), OGRERR_NONE);
    EXPECT_DOUBLE_EQ(oSRS.GetLinearUnits(nullptr), 1000.0);
}

TEST_F(CFGeoreferencingTest, RowsAreFlippedForIncreasingLatitude)
{
    // The comparison above checks bBottomUp against the data; this one
    // asserts that both orders are really exercised.
    const auto oUp = CompareWithNetCDF(
        DataDir() + "/cf/ll_lat_increasing.nc", "/v", "v");
    EXPECT_TRUE(oUp.oRes.bBottomUp);
    EXPECT_TRUE(oUp.bRowsFlipped);
    EXPECT_LT(oUp.oRes.adfGeoTransform[5], 0.0);
    const auto oDown = CompareWithNetCDF(
        DataDir() + "/cf/ll_lat_decreasing.nc", "/v", "v");
    EXPECT_FALSE(oDown.oRes.bBottomUp);
    EXPECT_FALSE(oDown.bRowsFlipped);
    EXPECT_LT(oDown.oRes.adfGeoTransform[5], 0.0);
}

TEST_F(CFGeoreferencingTest, VariableInSubGroup)
{
    // grid_mapping "/crs" and "crs" from /sub both reach the root variable;
    // coordinate variables are only looked for in the variable's group.
    const std::string osFile = DataDir() + "/cf/lcc_in_group.nc";
    const auto oAbs = CompareWithNetCDF(osFile, "/sub/v", "/sub/v");
    EXPECT_TRUE(oAbs.bComparable);
    EXPECT_TRUE(oAbs.bClassicSRS);
    EXPECT_FALSE(oAbs.bClassicGT);
    const auto oRel = CompareWithNetCDF(osFile, "/sub/w", "/sub/w");
    EXPECT_TRUE(oRel.bComparable);
    EXPECT_TRUE(oRel.bClassicSRS);
}

TEST_F(CFGeoreferencingTest, FileWrittenByGDAL)
{
    const auto o = CompareWithNetCDF(DataDir() + "/cf/gdal_written_utm.nc",
                                     "/Band1", "Band1");
    EXPECT_TRUE(o.bComparable);
    EXPECT_TRUE(o.bClassicGT);
    EXPECT_TRUE(o.bClassicSRS);
}

TEST_F(CFGeoreferencingTest, AssumeWGS84ForLonLatOption)
{
    DatasetPtr poMD(OpenCFSample("ll_lat_increasing.nc"));
    ASSERT_NE(poMD, nullptr);
    auto poRoot = poMD->GetRootGroup();
    auto poArray = poRoot->OpenMDArray("v");
    ASSERT_NE(poArray, nullptr);
    const auto oDefault =
        kerchunk::ComputeCFGeoreferencing(poArray, poRoot, 0, 1);
    EXPECT_TRUE(oDefault.bIsLonLat);
    EXPECT_TRUE(oDefault.osWKT.empty());
    kerchunk::CFGeoreferencingOptions oOptions;
    oOptions.bAssumeWGS84ForLonLat = true;
    const auto oWGS84 =
        kerchunk::ComputeCFGeoreferencing(poArray, poRoot, 0, 1, oOptions);
    OGRSpatialReference oSRS;
    ASSERT_EQ(oSRS.importFromWkt(oWGS84.osWKT.c_str()), OGRERR_NONE);
    OGRSpatialReference o4326;
    ASSERT_EQ(o4326.importFromEPSG(4326), OGRERR_NONE);
    EXPECT_TRUE(oSRS.IsSame(&o4326));
    // A projected grid is not a lon/lat grid.
    DatasetPtr poTM(OpenCFSample("transverse_mercator.nc"));
    ASSERT_NE(poTM, nullptr);
    auto poTMRoot = poTM->GetRootGroup();
    const auto oTM = kerchunk::ComputeCFGeoreferencing(
        poTMRoot->OpenMDArray("v"), poTMRoot, 0, 1, oOptions);
    EXPECT_FALSE(oTM.bIsLonLat);
}

TEST_F(CFGeoreferencingTest, RotatedPoleOption)
{
    // Beyond GDAL 3.6: rotated_latitude_longitude. The geotransform must be
    // the one the netCDF driver computes once its axis-name check is lifted;
    // the CRS must put the rotated origin (0, 0) where CF puts it: at
    // latitude 90 - grid_north_pole_latitude, longitude
    // grid_north_pole_longitude + 180 (EURO-CORDEX: 50.75 N, 18 E).
    const std::string osFile = DataDir() + "/cf/rotated_pole.nc";
    double adfGT[6] = {0, 0, 0, 0, 0, 0};
    {
        CPLSetConfigOption("GDAL_NETCDF_IGNORE_XY_AXIS_NAME_CHECKS", "YES");
        DatasetPtr poClassic(GDALDataset::Open(
            ("NETCDF:\"" + osFile + "\":v").c_str(), GDAL_OF_RASTER, nullptr,
            nullptr, nullptr));
        CPLSetConfigOption("GDAL_NETCDF_IGNORE_XY_AXIS_NAME_CHECKS", nullptr);
        ASSERT_NE(poClassic, nullptr);
        ASSERT_EQ(poClassic->GetGeoTransform(adfGT), CE_None);
    }
    kerchunk::CFGeoreferencingOptions oOptions;
    oOptions.bRotatedPole = true;
    for (const std::string &osSource :
         {osFile, "/vsizip/" + DataDir() + "/cf_zarr.zip/rotated_pole.zarr"})
    {
        SCOPED_TRACE(osSource);
        DatasetPtr poMD(GDALDataset::Open(osSource.c_str(),
                                          GDAL_OF_MULTIDIM_RASTER, nullptr,
                                          nullptr, nullptr));
        ASSERT_NE(poMD, nullptr);
        auto poRoot = poMD->GetRootGroup();
        auto poArray = poRoot->OpenMDArray("v");
        ASSERT_NE(poArray, nullptr);
        EXPECT_TRUE(
            kerchunk::ComputeCFGeoreferencing(poArray, poRoot, 0, 1).osWKT.empty());
        const auto oRes =
            kerchunk::ComputeCFGeoreferencing(poArray, poRoot, 0, 1, oOptions);
        ASSERT_TRUE(oRes.bHasGeoTransform);
        for (int i = 0; i < 6; ++i)
            EXPECT_PRED2(NearlyEqual, oRes.adfGeoTransform[i], adfGT[i]) << i;
        EXPECT_TRUE(oRes.bBottomUp);
        OGRSpatialReference oRotated;
        oRotated.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
        ASSERT_EQ(oRotated.importFromWkt(oRes.osWKT.c_str()), OGRERR_NONE);
        EXPECT_TRUE(oRotated.IsDerivedGeographic());
        OGRSpatialReference oWGS84;
        oWGS84.SetWellKnownGeogCS("WGS84");
        oWGS84.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
        std::unique_ptr<OGRCoordinateTransformation> poCT(
            OGRCreateCoordinateTransformation(&oRotated, &oWGS84));
        ASSERT_NE(poCT, nullptr);
        double dfX = 0.0;
        double dfY = 0.0;
        ASSERT_TRUE(poCT->Transform(1, &dfX, &dfY));
        EXPECT_NEAR(dfX, -162.0 + 180.0, 1e-9);
        EXPECT_NEAR(dfY, 90.0 - 39.25, 1e-9);
    }
}

TEST_F(CFGeoreferencingTest, OddInputGivesNoGeoreferencing)
{
    DatasetPtr poMD(OpenCFSample("ll_lat_increasing.nc"));
    ASSERT_NE(poMD, nullptr);
    auto poRoot = poMD->GetRootGroup();
    auto poArray = poRoot->OpenMDArray("v");
    auto poLat = poRoot->OpenMDArray("lat");
    ASSERT_NE(poArray, nullptr);
    ASSERT_NE(poLat, nullptr);
    for (const auto &oRes :
         {kerchunk::ComputeCFGeoreferencing(nullptr, poRoot, 0, 1),
          kerchunk::ComputeCFGeoreferencing(poArray, nullptr, 0, 1),
          kerchunk::ComputeCFGeoreferencing(poArray, poRoot, 0, 5),
          kerchunk::ComputeCFGeoreferencing(poArray, poRoot, 1, 1),
          kerchunk::ComputeCFGeoreferencing(poLat, poRoot, 0, 1)})
    {
        EXPECT_FALSE(oRes.bHasGeoTransform);
        EXPECT_TRUE(oRes.osWKT.empty());
    }
    // Swapping X and Y: lat as X, lon as Y is not a north-up grid.
    const auto oSwapped =
        kerchunk::ComputeCFGeoreferencing(poArray, poRoot, 1, 0);
    EXPECT_FALSE(oSwapped.bIsLonLat);
}

using kerchunk_test::WriteFile;

TEST_F(CFGeoreferencingTest, HostileZarrMetadata)
{
    // What references may declare: a 2^30-long coordinate (no chunks, so
    // nothing but fill values), attributes of the wrong types, a grid mapping
    // naming the variable itself. No crash, no huge allocation, no CRS.
    const std::string osStore = "/vsimem/cf_hostile.zarr";
    VSIMkdir(osStore.c_str(), 0755);
    WriteFile(osStore + "/.zgroup", R"({"zarr_format":2})");
    WriteFile(osStore + "/.zattrs", R"({"node_offset":"x"})");
    const auto Array = [&osStore](const std::string &osName,
                                  const std::string &osShape,
                                  const std::string &osAttrs)
    {
        VSIMkdir((osStore + "/" + osName).c_str(), 0755);
        WriteFile(osStore + "/" + osName + "/.zarray",
                    R"({"chunks":)" + osShape +
                        R"(,"compressor":null,"dtype":"<f8","fill_value":0,)"
                        R"("filters":null,"order":"C","shape":)" +
                        osShape + R"(,"zarr_format":2})");
        WriteFile(osStore + "/" + osName + "/.zattrs", osAttrs);
    };
    Array("y", "[1073741824]",
          R"({"_ARRAY_DIMENSIONS":["y"],"standard_name":"projection_y_coordinate"})");
    Array("x", "[3]",
          R"({"_ARRAY_DIMENSIONS":["x"],"standard_name":"projection_x_coordinate",)"
          R"("actual_range":"abc"})");
    Array("crs", "[]",
          R"({"_ARRAY_DIMENSIONS":[],"grid_mapping_name":42,)"
          R"("standard_parallel":"abc","grid_mapping":"crs"})");
    Array("v", "[1073741824,3]",
          R"({"_ARRAY_DIMENSIONS":["y","x"],"grid_mapping":"crs"})");
    Array("w", "[1073741824,3]",
          R"({"_ARRAY_DIMENSIONS":["y","x"],"grid_mapping":12})");
    Array("u", "[1073741824,3]",
          R"({"_ARRAY_DIMENSIONS":["y","x"],"grid_mapping":"u"})");

    DatasetPtr poMD(GDALDataset::Open(osStore.c_str(), GDAL_OF_MULTIDIM_RASTER,
                                      nullptr, nullptr, nullptr));
    ASSERT_NE(poMD, nullptr);
    auto poRoot = poMD->GetRootGroup();
    ASSERT_NE(poRoot, nullptr);
    for (const char *pszName : {"v", "w", "u"})
    {
        auto poArray = poRoot->OpenMDArray(pszName);
        ASSERT_NE(poArray, nullptr) << pszName;
        const auto oRes =
            kerchunk::ComputeCFGeoreferencing(poArray, poRoot, 0, 1);
        EXPECT_FALSE(oRes.bHasGeoTransform) << pszName;
        EXPECT_TRUE(oRes.osWKT.empty()) << pszName;
        // No Y coordinates read: the netCDF default (bottom-up) stands.
        EXPECT_TRUE(oRes.bBottomUp) << pszName;
    }
    VSIRmdirRecursive(osStore.c_str());
}

TEST_F(CFGeoreferencingTest, NumbersAsNumpyTextInZarr)
{
    // kerchunk 0.2.2 writes netCDF-3 numeric attributes as numpy text
    // ("[29.5 45.5]", "-96.0"). The same grid as cf/albers.nc, written that
    // way, must georeference as the netCDF driver does on albers.nc.
    const std::string osStore = "/vsimem/cf_numpy_text.zarr";
    VSIMkdir(osStore.c_str(), 0755);
    WriteFile(osStore + "/.zgroup", R"({"zarr_format":2})");
    const auto Array = [&osStore](const std::string &osName,
                                  const std::string &osShape,
                                  const char *pszDType,
                                  const std::string &osAttrs,
                                  const std::string &osChunk)
    {
        VSIMkdir((osStore + "/" + osName).c_str(), 0755);
        WriteFile(osStore + "/" + osName + "/.zarray",
                    R"({"chunks":)" + osShape + R"(,"compressor":null,"dtype":")" +
                        pszDType +
                        R"(","fill_value":null,"filters":null,"order":"C","shape":)" +
                        osShape + R"(,"zarr_format":2})");
        WriteFile(osStore + "/" + osName + "/.zattrs", osAttrs);
        WriteFile(osStore + "/" + osName + "/0" +
                        (osShape.find(',') != std::string::npos ? ".0" : ""),
                    osChunk);
    };
    const auto Bytes = [](const auto &aValues)
    {
        return std::string(reinterpret_cast<const char *>(aValues.data()),
                           aValues.size() * sizeof(aValues[0]));
    };
    std::vector<double> adfX, adfY;
    for (int i = 0; i < 9; ++i)
        adfX.push_back(-400000.0 + 100000.0 * i);
    for (int i = 0; i < 8; ++i)
        adfY.push_back(-300000.0 + 100000.0 * i);
    std::vector<float> afV(72);
    for (size_t i = 0; i < afV.size(); ++i)
        afV[i] = static_cast<float>(i);
    Array("x", "[9]", "<f8",
          R"({"_ARRAY_DIMENSIONS":["x"],"standard_name":"projection_x_coordinate","units":"m"})",
          Bytes(adfX));
    Array("y", "[8]", "<f8",
          R"({"_ARRAY_DIMENSIONS":["y"],"standard_name":"projection_y_coordinate","units":"m"})",
          Bytes(adfY));
    Array("crs", "[]", "<i4",
          R"({"_ARRAY_DIMENSIONS":[],"grid_mapping_name":"albers_conical_equal_area",)"
          R"("standard_parallel":"[29.5 45.5]","longitude_of_central_meridian":"-96.0",)"
          R"("latitude_of_projection_origin":"23.0","false_easting":"0.0",)"
          R"("false_northing":"0.0"})",
          std::string(4, '\0'));
    Array("v", "[8,9]", "<f4",
          R"({"_ARRAY_DIMENSIONS":["y","x"],"grid_mapping":"crs"})", Bytes(afV));
    const auto o = CompareWithNetCDF(DataDir() + "/cf/albers.nc", "/v", "v",
                                     true, osStore, "Zarr");
    EXPECT_TRUE(o.bComparable);
    EXPECT_TRUE(o.bClassicSRS);
    EXPECT_TRUE(o.bClassicGT);
    VSIRmdirRecursive(osStore.c_str());
}

// Real files: the small corpus copies in tests/data/corpus.
struct RealSample
{
    const char *pszFile;
    const char *pszArray;
    const char *pszClassic;
    bool bGT;
};

const RealSample kRealSamples[] = {
    {"air.nc", "/air", "air", true},
    {"test_single.nc", "/t2m", "t2m", true},
    {"issue23_A_contiguous.nc", "/q", "q", false},
};

class CFRealSampleTest : public CFGeoreferencingTest,
                         public ::testing::WithParamInterface<RealSample>
{
};

TEST_P(CFRealSampleTest, EqualsNetCDFDriver)
{
    const RealSample &s = GetParam();
    const auto o = CompareWithNetCDF(DataDir() + "/corpus/" + s.pszFile,
                                     s.pszArray, s.pszClassic);
    EXPECT_TRUE(o.bComparable);
    EXPECT_EQ(o.bClassicGT, s.bGT);
}

// The same files through the kerchunk references that kerchunk 0.2.2 wrote
// for them (../shared/corpus/refs), materialized as Zarr stores.
TEST_P(CFRealSampleTest, KerchunkZarrEqualsNetCDFDriver)
{
    const RealSample &s = GetParam();
    std::string osStore = s.pszFile;
    osStore = "/vsizip/" + DataDir() + "/cf_zarr.zip/corpus_" +
              osStore.substr(0, osStore.size() - 3) + ".zarr";
    const auto o =
        CompareWithNetCDF(DataDir() + "/corpus/" + s.pszFile, s.pszArray,
                          s.pszClassic, true, osStore, "Zarr");
    EXPECT_TRUE(o.bComparable);
    EXPECT_EQ(o.bClassicGT, s.bGT);
}

INSTANTIATE_TEST_SUITE_P(
    Corpus, CFRealSampleTest, ::testing::ValuesIn(kRealSamples),
    [](const ::testing::TestParamInfo<RealSample> &info)
    {
        std::string os = info.param.pszFile;
        for (auto &c : os)
            if (!isalnum(static_cast<unsigned char>(c)))
                c = '_';
        return os;
    });

// Optional sweep over the shared corpus (KERCHUNK_SHARED_CORPUS=../shared/corpus,
// not in CI: it takes ~40 s): every numeric variable of two or more
// dimensions that the classic netCDF driver opens. Its data may differ where
// the classic driver masks valid_range, so the row order is only required to
// match at least as well as the opposite order.
TEST_F(CFGeoreferencingTest, SharedCorpusSweep)
{
    const char *pszCorpus = std::getenv("KERCHUNK_SHARED_CORPUS");
    if (!pszCorpus)
        GTEST_SKIP() << "set KERCHUNK_SHARED_CORPUS to run";
    const std::string osCorpus = pszCorpus;
    VSIStatBufL sStat;
    if (VSIStatL(osCorpus.c_str(), &sStat) != 0)
        GTEST_SKIP() << "no shared corpus at " << osCorpus;
    int nCompared = 0;
    int nWithGT = 0;
    int nWithSRS = 0;
    for (const char *pszSub : {"netcdf4", "netcdf3"})
    {
        const std::string osDir = osCorpus + "/" + pszSub;
        const CPLStringList aosFiles(VSIReadDir(osDir.c_str()));
        for (int i = 0; i < aosFiles.size(); ++i)
        {
            const std::string osFile = osDir + "/" + aosFiles[i];
            const std::vector<std::string> aosArrays = Numeric2DArrays(osFile, "netCDF");
            for (const auto &osName : aosArrays)
            {
                {
                    // Only what the classic driver opens is comparable.
                    CPLErrorHandlerPusher oQuiet(CPLQuietErrorHandler);
                    DatasetPtr poClassic(GDALDataset::Open(
                        ("NETCDF:\"" + osFile + "\":" + osName).c_str(),
                        GDAL_OF_RASTER, nullptr, nullptr, nullptr));
                    if (!poClassic || poClassic->GetRasterCount() == 0)
                        continue;
                }
                CPLErrorHandlerPusher oQuiet(CPLQuietErrorHandler);
                const auto o =
                    CompareWithNetCDF(osFile, "/" + osName, osName, false);
                EXPECT_TRUE(o.bComparable) << osFile << " " << osName;
                ++nCompared;
                nWithGT += o.bClassicGT ? 1 : 0;
                nWithSRS += o.bClassicSRS ? 1 : 0;
            }
        }
    }
    std::cout << "shared corpus: " << nCompared
              << " variables compared with the netCDF driver (" << nWithGT
              << " with geotransform, " << nWithSRS << " with CRS)"
              << std::endl;
    EXPECT_GT(nCompared, 0);
}

}  // namespace
