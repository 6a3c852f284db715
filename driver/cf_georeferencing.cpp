// CF georeferencing as GDAL 3.6's netCDF driver computes it in classic mode
// (frmts/netcdf/netcdfdataset.cpp, SetProjectionFromVar), re-expressed over
// GDAL's multidimensional API so that it works on any driver's arrays (the
// KERCHUNK driver hands it arrays of GDAL's Zarr driver).
//
// The reference is the behaviour of the netCDF driver of GDAL 3.6, checked by
// tests/test_cf_georeferencing.cpp on files opened both ways; where that
// behaviour is surprising (no CRS for plain lon/lat grids, kilometre units
// kept, no rotated pole) it is kept on purpose and commented.

#include "cf_georeferencing.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <utility>
#include <vector>

#include "cpl_conv.h"
#include "cpl_error.h"
#include "cpl_string.h"
#include "gdal_priv.h"
#include "ogr_spatialref.h"

namespace kerchunk
{
namespace
{

using ArrayPtr = std::shared_ptr<GDALMDArray>;
using GroupPtr = std::shared_ptr<GDALGroup>;

// ---------------------------------------------------------------------------
// Attribute access. The netCDF driver reads attributes as text; numeric ones
// are parsed back with CPLAtofM, so a numeric attribute given as text works.

// GDAL 3.6's Zarr driver consumes some CF attributes of an array instead of
// listing them: "units" becomes GetUnit(), "scale_factor"/"add_offset" become
// GetScale()/GetOffset(), and the standard_name of an indexing variable
// (longitude, latitude, projection_x/y_coordinate) becomes the type of its
// dimension, with direction EAST/NORTH when the units are degrees_east/north.
// Rebuild them so that Zarr arrays (the KERCHUNK case) read like netCDF ones.
std::optional<std::string> ConsumedAttrText(const ArrayPtr &poVar,
                                            const char *pszName)
{
    if (EQUAL(pszName, "units"))
    {
        const std::string &osUnit = poVar->GetUnit();
        if (!osUnit.empty())
            return osUnit;
        return std::nullopt;
    }
    if (EQUAL(pszName, "standard_name"))
    {
        const auto &apoDims = poVar->GetDimensions();
        if (apoDims.size() != 1 || apoDims[0]->GetName() != poVar->GetName())
            return std::nullopt;
        const std::string &osType = apoDims[0]->GetType();
        const std::string &osDir = apoDims[0]->GetDirection();
        // Without a direction, longitude and projection_x_coordinate cannot
        // be told apart: the projected reading is the common one.
        if (osType == GDAL_DIM_TYPE_HORIZONTAL_X)
            return std::string(osDir == "EAST" ? "longitude"
                                               : "projection_x_coordinate");
        if (osType == GDAL_DIM_TYPE_HORIZONTAL_Y)
            return std::string(osDir == "NORTH" ? "latitude"
                                                : "projection_y_coordinate");
    }
    return std::nullopt;
}

std::optional<std::string> AttrText(const ArrayPtr &poVar, const char *pszName)
{
    if (!poVar)
        return std::nullopt;
    auto poAttr = poVar->GetAttribute(pszName);
    if (!poAttr)
        return ConsumedAttrText(poVar, pszName);
    if (poAttr->GetDataType().GetClass() == GEDTC_STRING)
    {
        const char *psz = poAttr->ReadAsString();
        if (!psz)
            return std::nullopt;
        return std::string(psz);
    }
    if (poAttr->GetDataType().GetClass() != GEDTC_NUMERIC)
        return std::nullopt;
    std::string osOut;
    for (double dfVal : poAttr->ReadAsDoubleArray())
    {
        if (!osOut.empty())
            osOut += ' ';
        osOut += CPLSPrintf("%.18g", dfVal);
    }
    return osOut;
}

// All values of a numeric attribute, or the numbers of a text one ("1 2",
// "{1,2}"), as the netCDF driver's FetchStandardParallels accepts both; also
// "[20. 60.]", the numpy text kerchunk 0.2.2 writes for netCDF-3 attributes.
std::vector<double> AttrDoubles(const ArrayPtr &poVar, const char *pszName)
{
    std::vector<double> adfOut;
    if (!poVar)
        return adfOut;
    auto poAttr = poVar->GetAttribute(pszName);
    if (!poAttr)
        return adfOut;
    if (poAttr->GetDataType().GetClass() == GEDTC_NUMERIC)
        return poAttr->ReadAsDoubleArray();
    if (poAttr->GetDataType().GetClass() == GEDTC_STRING)
    {
        const char *psz = poAttr->ReadAsString();
        if (!psz)
            return adfOut;
        const CPLStringList aosTokens(
            CSLTokenizeString2(psz, " ,{}[]", CSLT_STRIPLEADSPACES));
        for (int i = 0; i < aosTokens.size(); ++i)
            adfOut.push_back(CPLAtofM(aosTokens[i]));
    }
    return adfOut;
}

std::optional<double> AttrDouble(const ArrayPtr &poVar, const char *pszName)
{
    const auto adf = AttrDoubles(poVar, pszName);
    if (!adf.empty())
        return adf[0];
    if (poVar && !poVar->GetAttribute(pszName))
    {
        // Consumed by GDAL's Zarr driver (see ConsumedAttrText).
        bool bHas = false;
        double dfVal = 0.0;
        if (EQUAL(pszName, "scale_factor"))
            dfVal = poVar->GetScale(&bHas);
        else if (EQUAL(pszName, "add_offset"))
            dfVal = poVar->GetOffset(&bHas);
        if (bHas)
            return dfVal;
    }
    return std::nullopt;
}

double FetchParam(const ArrayPtr &poVar, const char *pszName, double dfDefault)
{
    return AttrDouble(poVar, pszName).value_or(dfDefault);
}

bool AttrEquals(const ArrayPtr &poVar, const char *pszName,
                const char *pszValue)
{
    const auto os = AttrText(poVar, pszName);
    return os && EQUAL(os->c_str(), pszValue);
}

// ---------------------------------------------------------------------------
// Axis recognition (the netCDF driver's NCDFIsVarLongitude & co., as observed
// on GDAL 3.6: an attribute match wins, except that units "m" or "1" veto it;
// only without any matching attribute does the variable name count).

struct AxisRule
{
    const char *pszUnits[3];
    const char *pszStdName;
    const char *pszAxis;
    const char *pszNames[2];
};

// CF 1.x section 4.1 (latitude) and 4.2 (longitude) units and names.
constexpr AxisRule kLongitude{{"degrees_east", "degree_east", "degrees_E"},
                              "longitude",
                              "X",
                              {"lon", "longitude"}};
constexpr AxisRule kLatitude{{"degrees_north", "degree_north", "degrees_N"},
                             "latitude",
                             "Y",
                             {"lat", "latitude"}};

bool IsGeoAxis(const ArrayPtr &poVar, const std::string &osVarName,
               const AxisRule &oRule, bool bUseName)
{
    bool bMatch = false;
    const auto osUnits = AttrText(poVar, "units");
    if (osUnits)
    {
        for (const char *pszU : oRule.pszUnits)
            bMatch = bMatch || EQUAL(osUnits->c_str(), pszU);
    }
    bMatch = bMatch || AttrEquals(poVar, "standard_name", oRule.pszStdName) ||
             AttrEquals(poVar, "long_name", oRule.pszStdName) ||
             AttrEquals(poVar, "axis", oRule.pszAxis);
    if (bMatch)
    {
        // GDAL ticket #6759: metric or dimensionless units are not angles.
        return !(osUnits && (EQUAL(osUnits->c_str(), "m") ||
                             EQUAL(osUnits->c_str(), "1")));
    }
    if (!bUseName)
        return false;
    for (const char *pszN : oRule.pszNames)
    {
        if (EQUAL(osVarName.c_str(), pszN))
            return true;
    }
    return false;
}

bool IsLongitude(const ArrayPtr &poVar, const std::string &osName,
                 bool bUseName = true)
{
    return IsGeoAxis(poVar, osName, kLongitude, bUseName);
}

bool IsLatitude(const ArrayPtr &poVar, const std::string &osName,
                bool bUseName = true)
{
    return IsGeoAxis(poVar, osName, kLatitude, bUseName);
}

// CF 1.x section 5.6: projection_x_coordinate / projection_y_coordinate.
bool IsProjectionX(const ArrayPtr &poVar)
{
    return AttrEquals(poVar, "standard_name", "projection_x_coordinate") ||
           AttrEquals(poVar, "axis", "X");
}

bool IsProjectionY(const ArrayPtr &poVar)
{
    return AttrEquals(poVar, "standard_name", "projection_y_coordinate") ||
           AttrEquals(poVar, "axis", "Y");
}

// ---------------------------------------------------------------------------
// Groups and variables by name.

std::string ParentPath(const std::string &osFullName)
{
    const auto nPos = osFullName.rfind('/');
    if (nPos == std::string::npos || nPos == 0)
        return "/";
    return osFullName.substr(0, nPos);
}

GroupPtr OpenGroup(const GroupPtr &poRoot, const std::string &osPath)
{
    if (osPath == "/" || osPath.empty())
        return poRoot;
    return poRoot->OpenGroupFromFullname(osPath);
}

// A variable named by an attribute (grid_mapping): absolute path, or a name
// looked up in the variable's group, then its parents up to the root.
ArrayPtr ResolveVariable(const GroupPtr &poRoot, const std::string &osGroupPath,
                         const std::string &osName)
{
    if (osName.empty())
        return nullptr;
    if (osName[0] == '/')
        return poRoot->OpenMDArrayFromFullname(osName);
    std::string osPath = osGroupPath;
    while (true)
    {
        // OpenMDArray rather than GetMDArrayNames: the netCDF driver does
        // not list scalar variables, which grid mappings usually are.
        if (auto poGroup = OpenGroup(poRoot, osPath))
        {
            if (auto poVar = poGroup->OpenMDArray(osName))
                return poVar;
        }
        if (osPath == "/")
            return nullptr;
        osPath = ParentPath(osPath);
    }
}

// The coordinate variable of a dimension: the netCDF driver looks for a
// variable named like the dimension in the variable's own group only.
ArrayPtr CoordinateVariable(const GroupPtr &poGroup, const std::string &osDim,
                            GUInt64 nSize)
{
    if (!poGroup)
        return nullptr;
    auto poVar = poGroup->OpenMDArray(osDim);
    if (!poVar || poVar->GetDimensionCount() != 1 ||
        poVar->GetDimensions()[0]->GetSize() != nSize ||
        poVar->GetDataType().GetClass() != GEDTC_NUMERIC)
        return nullptr;
    return poVar;
}

bool ReadAsDoubles(const ArrayPtr &poVar, std::vector<double> &adfOut)
{
    const auto nSize = poVar->GetDimensions()[0]->GetSize();
    // Coordinate variables are small; refuse absurd sizes (declared by
    // hostile references) rather than allocate them: 16 M values, 128 MB.
    if (nSize == 0 || nSize > (1U << 24))
        return false;
    adfOut.resize(static_cast<size_t>(nSize));
    const GUInt64 anStart[1] = {0};
    const size_t anCount[1] = {static_cast<size_t>(nSize)};
    return poVar->Read(anStart, anCount, nullptr, nullptr,
                       GDALExtendedDataType::Create(GDT_Float64),
                       adfOut.data());
}

// ---------------------------------------------------------------------------
// CF grid_mapping parameters -> OGRSpatialReference (CF 1.x appendix F), with
// the same OGR calls, defaults and fallbacks as GDAL 3.6's netCDF driver so
// that the resulting CRS is the same.

struct CFSRS
{
    OGRSpatialReference oSRS;
    bool bGotGeogCS = false;
    bool bGotCfSRS = false;
    bool bRotatedPole = false;
};

std::vector<double> StandardParallels(const ArrayPtr &poGM)
{
    auto adf = AttrDoubles(poGM, "standard_parallel");
    if (!adf.empty() || poGM->GetAttribute("standard_parallel"))
        return adf;
    // Names GDAL wrote before CF 1.0's "standard_parallel" array.
    if (auto odf = AttrDouble(poGM, "standard_parallel_1"))
        adf.push_back(*odf);
    if (auto odf = AttrDouble(poGM, "standard_parallel_2"))
        adf.push_back(*odf);
    return adf;
}

void ReadEarthShape(const ArrayPtr &poGM, CFSRS &o)
{
    double dfEarthRadius = FetchParam(poGM, "earth_radius", -1.0);
    const double dfPMLon = FetchParam(poGM, "longitude_of_prime_meridian", 0);
    const char *pszPMName = CPLIsEqual(dfPMLon, 0.0) ? nullptr : "unknown";
    double dfInvFlat = FetchParam(poGM, "inverse_flattening", -1.0);
    double dfSemiMajor = FetchParam(poGM, "semi_major_axis", -1.0);
    const double dfSemiMinor = FetchParam(poGM, "semi_minor_axis", -1.0);

    if (dfEarthRadius < 0.0)
        dfEarthRadius = dfSemiMajor;
    if (dfEarthRadius < 0.0)  // pre-CF name used by old GDAL files
        dfEarthRadius = FetchParam(poGM, "spherical_earth_radius_meters", -1);
    if (dfEarthRadius <= 0.0)
        return;

    if (dfInvFlat < 0.0)
    {
        if (dfSemiMinor < 0.0)
        {
            o.oSRS.SetGeogCS("unknown", nullptr, "Sphere", dfEarthRadius, 0.0,
                             pszPMName, dfPMLon);
            o.bGotGeogCS = true;
            return;
        }
        if (dfSemiMajor < 0.0)
            dfSemiMajor = dfEarthRadius;
        dfInvFlat = OSRCalcInvFlattening(dfSemiMajor, dfSemiMinor);
    }
    o.oSRS.SetGeogCS("unknown", nullptr, "Spheroid", dfEarthRadius, dfInvFlat,
                     pszPMName, dfPMLon);
    o.bGotGeogCS = true;
}

void ParseGridMapping(const ArrayPtr &poGM, const std::string &osGMName,
                      const CFGeoreferencingOptions &oOptions, CFSRS &o)
{
    auto &oSRS = o.oSRS;
    const char *pszGM = osGMName.c_str();
    const auto P = [&poGM](const char *pszName, double dfDefault)
    { return FetchParam(poGM, pszName, dfDefault); };
    const double dfFE = P("false_easting", 0.0);
    const double dfFN = P("false_northing", 0.0);

    if (EQUAL(pszGM, "transverse_mercator"))
    {
        oSRS.SetTM(P("latitude_of_projection_origin", 0.0),
                   P("longitude_of_central_meridian", 0.0),
                   P("scale_factor_at_central_meridian", 1.0), dfFE, dfFN);
    }
    else if (EQUAL(pszGM, "albers_conical_equal_area"))
    {
        const auto adfSP = StandardParallels(poGM);
        double dfSP1 = 0.0;
        double dfSP2 = 0.0;
        if (adfSP.size() == 1)
            dfSP1 = dfSP2 = adfSP[0];
        else if (adfSP.size() == 2)
        {
            dfSP1 = adfSP[0];
            dfSP2 = adfSP[1];
        }
        oSRS.SetACEA(dfSP1, dfSP2, P("latitude_of_projection_origin", 0.0),
                     P("longitude_of_central_meridian", 0.0), dfFE, dfFN);
    }
    else if (EQUAL(pszGM, "cylindrical_equal_area") ||
             EQUAL(pszGM, "lambert_cylindrical_equal_area"))
    {
        const auto adfSP = StandardParallels(poGM);
        // GDAL 3.6 does not derive a parallel from
        // scale_factor_at_projection_origin either.
        oSRS.SetCEA(adfSP.empty() ? 0.0 : adfSP[0],
                    P("longitude_of_central_meridian", 0.0), dfFE, dfFN);
    }
    else if (EQUAL(pszGM, "lambert_azimuthal_equal_area"))
    {
        oSRS.SetProjCS("LAEA (WGS84)");
        oSRS.SetLAEA(P("latitude_of_projection_origin", 0.0),
                     P("longitude_of_projection_origin", 0.0), dfFE, dfFN);
    }
    else if (EQUAL(pszGM, "azimuthal_equidistant"))
    {
        oSRS.SetAE(P("latitude_of_projection_origin", 0.0),
                   P("longitude_of_projection_origin", 0.0), dfFE, dfFN);
    }
    else if (EQUAL(pszGM, "lambert_conformal_conic"))
    {
        const double dfCenterLon = P("longitude_of_central_meridian", 0.0);
        const double dfCenterLat = P("latitude_of_projection_origin", 0.0);
        const auto adfSP = StandardParallels(poGM);
        if (adfSP.size() == 2)
        {
            oSRS.SetLCC(adfSP[0], adfSP[1], dfCenterLat, dfCenterLon, dfFE,
                        dfFN);
        }
        else
        {
            double dfScale = P("scale_factor_at_projection_origin", -1.0);
            if (CPLIsEqual(dfScale, -1.0))
            {
                const double dfSP1 =
                    adfSP.size() == 1 ? adfSP[0] : dfCenterLat;
                dfScale = 1.0;
                if (!CPLIsEqual(dfSP1, dfCenterLat))
                {
                    // GDAL 3.6 derives k0 with Snyder eq. 15-4 fed with
                    // degrees (bug #3324); kept identical so that the CRS
                    // is the one the netCDF driver reports.
                    dfScale = (cos(dfSP1) *
                               pow(tan(M_PI / 4 + dfSP1 / 2), sin(dfSP1))) /
                              (cos(dfCenterLat) *
                               pow(tan(M_PI / 4 + dfCenterLat / 2),
                                   sin(dfCenterLat)));
                }
                oSRS.SetLCC1SP(dfCenterLat, dfCenterLon, dfScale, dfFE, dfFN);
                oSRS.SetNormProjParm(SRS_PP_STANDARD_PARALLEL_1, dfSP1);
            }
            else
            {
                oSRS.SetLCC1SP(dfCenterLat, dfCenterLon, dfScale, dfFE, dfFN);
            }
        }
    }
    else if (EQUAL(pszGM, "latitude_longitude"))
    {
        // Geographic: only the earth shape (or WGS 84) below.
    }
    else if (EQUAL(pszGM, "mercator"))
    {
        const auto adfSP = StandardParallels(poGM);
        const double dfCenterLon = P("longitude_of_projection_origin", 0.0);
        if (!adfSP.empty())
        {
            // CF's Mercator 2SP is always centred on the equator.
            oSRS.SetMercator2SP(adfSP[0], 0.0, dfCenterLon, dfFE, dfFN);
        }
        else
        {
            oSRS.SetMercator(P("latitude_of_projection_origin", 0.0),
                             dfCenterLon,
                             P("scale_factor_at_projection_origin", 1.0), dfFE,
                             dfFN);
        }
    }
    else if (EQUAL(pszGM, "orthographic"))
    {
        oSRS.SetOrthographic(P("latitude_of_projection_origin", 0.0),
                             P("longitude_of_projection_origin", 0.0), dfFE,
                             dfFN);
    }
    else if (EQUAL(pszGM, "polar_stereographic"))
    {
        const auto adfSP = StandardParallels(poGM);
        double dfScale = P("scale_factor_at_projection_origin", -1.0);
        const double dfCenterLon =
            P("straight_vertical_longitude_from_pole", 0.0);
        if (!adfSP.empty())
        {
            // Variant B: the latitude of true scale given, k0 = 1.
            oSRS.SetPS(adfSP[0], dfCenterLon, 1.0, dfFE, dfFN);
        }
        else
        {
            double dfLatOrigin = P("latitude_of_projection_origin", 0.0);
            if (!CPLIsEqual(dfLatOrigin, 90.0) &&
                !CPLIsEqual(dfLatOrigin, -90.0))
                dfLatOrigin = 90.0;
            if (CPLIsEqual(dfScale, -1.0))
                dfScale = 1.0;
            oSRS.SetPS(dfLatOrigin, dfCenterLon, dfScale, dfFE, dfFN);
        }
    }
    else if (EQUAL(pszGM, "stereographic"))
    {
        oSRS.SetStereographic(P("latitude_of_projection_origin", 0.0),
                              P("longitude_of_projection_origin", 0.0),
                              P("scale_factor_at_projection_origin", 1.0),
                              dfFE, dfFN);
    }
    else if (EQUAL(pszGM, "geostationary"))
    {
        oSRS.SetGEOS(P("longitude_of_projection_origin", 0.0),
                     P("perspective_point_height", 35785831.0), dfFE, dfFN);
    }
    else if (EQUAL(pszGM, "rotated_latitude_longitude") &&
             oOptions.bRotatedPole)
    {
        // CF 1.x appendix F "Rotated pole"; not in GDAL 3.6's netCDF driver.
        if (!o.bGotGeogCS)
            oSRS.SetWellKnownGeogCS("WGS84");
        oSRS.SetDerivedGeogCRSWithPoleRotationNetCDFCFConvention(
            "Rotated_pole", P("grid_north_pole_latitude", 90.0),
            P("grid_north_pole_longitude", 0.0),
            P("north_pole_grid_longitude", 0.0));
        o.bGotCfSRS = true;
        o.bRotatedPole = true;
        return;
    }
    else
    {
        // Includes rotated_latitude_longitude and sinusoidal: GDAL 3.6's
        // netCDF driver attaches no projection for them.
        return;
    }

    o.bGotCfSRS = true;
    if (!o.bGotGeogCS)
        oSRS.SetWellKnownGeogCS("WGS84");

    if (EQUAL(pszGM, "lambert_azimuthal_equal_area"))
    {
        const char *pszDatum = oSRS.GetAttrValue("DATUM");
        if (pszDatum && EQUAL(pszDatum, "WGS_1984"))
            oSRS.SetProjCS("LAEA (WGS84)");
    }
    if (EQUAL(pszGM, "geostationary") &&
        AttrEquals(poGM, "sweep_angle_axis", "x"))
    {
        // OGC WKT 1 has no sweep axis: GDAL keeps it in a PROJ4 extension.
        char *pszProj4 = nullptr;
        if (oSRS.exportToProj4(&pszProj4) == OGRERR_NONE && pszProj4)
        {
            std::string osProj4(pszProj4);
            osProj4 += " +sweep=x";
            if (const auto poRoot = oSRS.GetRoot())
                oSRS.SetExtension(poRoot->GetValue(), "PROJ4",
                                  osProj4.c_str());
        }
        CPLFree(pszProj4);
    }
}

// "GDAL x.y.z, released ..." at least 1.9: a CF file from GDAL's own writer.
bool IsGDALVersionAtLeast19(const std::string &osValue)
{
    if (!STARTS_WITH_CI(osValue.c_str(), "GDAL "))
        return false;
    const CPLStringList aosTokens(
        CSLTokenizeString2(osValue.c_str() + 5, ".,", 0));
    if (aosTokens.size() < 2)
        return false;
    const int nMajor = atoi(aosTokens[0]);
    const int nMinor = atoi(aosTokens[1]);
    return nMajor > 1 || (nMajor == 1 && nMinor >= 9);
}

// The grid_mapping attribute, short ("crs") or CF 1.7 expanded form
// ("crsOSGB: x y crsWGS84: lat lon"): the mapping whose two coordinates are
// dimensions of the variable.
std::string GridMappingName(const ArrayPtr &poArray)
{
    const auto os = AttrText(poArray, "grid_mapping");
    if (!os)
        return std::string();
    if (os->find(':') == std::string::npos ||
        os->find(' ') == std::string::npos)
        return *os;
    const CPLStringList aosTokens(CSLTokenizeString2(os->c_str(), " ", 0));
    if (aosTokens.size() % 3 != 0)
        return *os;
    std::vector<std::string> aosDims;
    for (const auto &poDim : poArray->GetDimensions())
        aosDims.push_back(poDim->GetName());
    const auto IsDim = [&aosDims](const char *psz)
    { return std::find(aosDims.begin(), aosDims.end(), psz) != aosDims.end(); };
    for (int i = 0; i + 2 < aosTokens.size(); i += 3)
    {
        if (IsDim(aosTokens[i + 1]) && IsDim(aosTokens[i + 2]))
        {
            std::string osName = aosTokens[i];
            if (!osName.empty() && osName.back() == ':')
                osName.pop_back();
            return osName;
        }
    }
    return *os;
}

bool IsDifferenceBelow(double dfA, double dfB, double dfEps)
{
    return std::fabs(dfA - dfB) <= dfEps;
}

// Regular spacing test of the netCDF driver: first, middle and last steps
// equal within 0.05% (0.2% for float32 coordinates, GDAL issue #3663).
bool IsRegular(const std::vector<double> &adf, bool bFloat32)
{
    const size_t n = adf.size();
    if (n == 2)
        return true;
    const double dfBegin = adf[1] - adf[0];
    const double dfMiddle = adf[n / 2 + 1] - adf[n / 2];
    const double dfLast = adf[n - 1] - adf[n - 2];
    const double dfEps =
        (bFloat32 ? 0.002 : 0.0005) *
        std::max(std::fabs(dfBegin),
                 std::max(std::fabs(dfMiddle), std::fabs(dfLast)));
    return IsDifferenceBelow(dfBegin, dfLast, dfEps) &&
           IsDifferenceBelow(dfBegin, dfMiddle, dfEps) &&
           IsDifferenceBelow(dfMiddle, dfLast, dfEps);
}

// Gaussian grids: latitudes regular within 0.1 degree are accepted.
bool IsRegularWithinTenthDegree(const std::vector<double> &adf)
{
    const size_t n = adf.size();
    const double dfBegin = adf[1] - adf[0];
    const double dfMiddle = adf[n / 2 + 1] - adf[n / 2];
    const double dfLast = adf[n - 1] - adf[n - 2];
    return std::fabs(dfBegin - dfLast) <= 0.1 &&
           std::fabs(dfBegin - dfMiddle) <= 0.1 &&
           std::fabs(dfMiddle - dfLast) <= 0.1;
}

std::string ExportWkt(const OGRSpatialReference &oSRS)
{
    char *pszWKT = nullptr;
    std::string osWKT;
    if (oSRS.exportToWkt(&pszWKT) == OGRERR_NONE && pszWKT)
        osWKT = pszWKT;
    CPLFree(pszWKT);
    return osWKT;
}

// Scan angles of a geostationary grid in (micro)radians -> metres.
double GeosScale(const ArrayPtr &poCoord, double dfHeight)
{
    const auto osUnits = AttrText(poCoord, "units");
    if (!osUnits)
        return 1.0;
    if (EQUAL(osUnits->c_str(), "microradian"))
        return dfHeight * 1e-6;
    if (EQUAL(osUnits->c_str(), "rad") || EQUAL(osUnits->c_str(), "radian"))
        return dfHeight;
    return 1.0;
}

CFGeoreferencing Compute(const ArrayPtr &poArray, const GroupPtr &poRoot,
                         size_t iYDim, size_t iXDim,
                         const CFGeoreferencingOptions &oOptions)
{
    CFGeoreferencing oRes;
    if (!poArray || !poRoot)
        return oRes;
    const auto &apoDims = poArray->GetDimensions();
    if (iYDim >= apoDims.size() || iXDim >= apoDims.size() || iXDim == iYDim)
        return oRes;
    const GUInt64 nXSize = apoDims[iXDim]->GetSize();
    const GUInt64 nYSize = apoDims[iYDim]->GetSize();
    const std::string osGroupPath = ParentPath(poArray->GetFullName());
    const GroupPtr poGroup = OpenGroup(poRoot, osGroupPath);

    // ---- CRS from the grid_mapping variable.
    CFSRS oCF;
    oCF.oSRS.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    std::string osGdalWKT;    // spatial_ref (GDAL's own attribute)
    std::string osCfWKT;      // crs_wkt (CF 1.7)
    std::optional<std::string> osGeoTransformAttr;
    ArrayPtr poGM;
    const std::string osGMVarName = GridMappingName(poArray);
    if (!osGMVarName.empty())
        poGM = ResolveVariable(poRoot, osGroupPath, osGMVarName);
    if (poGM)
    {
        if (auto os = AttrText(poGM, "spatial_ref"))
            osGdalWKT = *os;
        else if (auto os2 = AttrText(poGM, "crs_wkt"))
            osCfWKT = *os2;
        if (!osGdalWKT.empty() || !osCfWKT.empty())
            osGeoTransformAttr = AttrText(poGM, "GeoTransform");
        if (auto os = AttrText(poGM, "grid_mapping_name"))
        {
            oRes.osGridMappingName = *os;
            ReadEarthShape(poGM, oCF);
            ParseGridMapping(poGM, *os, oOptions, oCF);
        }
    }

    // Files of GDAL's pre-1.9 writer (spatial_ref + GeoTransform, no CF
    // "GDAL" version attribute) are top-down; everything else is bottom-up
    // until the Y coordinates say otherwise.
    bool bIsGdalCfFile = false;
    if (auto poAttr = poRoot->GetAttribute("GDAL"))
    {
        const char *psz = poAttr->ReadAsString();
        bIsGdalCfFile = psz && IsGDALVersionAtLeast19(psz);
    }
    const bool bOldGdalFile = !bIsGdalCfFile &&
                              !(osGdalWKT.empty() && osCfWKT.empty()) &&
                              osGeoTransformAttr.has_value();
    oRes.bBottomUp = !bOldGdalFile;

    // ---- Geotransform from the X and Y coordinate variables.
    const std::string osXName = apoDims[iXDim]->GetName();
    const std::string osYName = apoDims[iYDim]->GetName();
    const ArrayPtr poX = CoordinateVariable(poGroup, osXName, nXSize);
    const ArrayPtr poY = CoordinateVariable(poGroup, osYName, nYSize);
    bool bGotCfGT = false;
    std::array<double, 6> adfGT{0, 1, 0, 0, 0, 1};
    std::vector<double> adfX, adfY;
    const bool bIgnoreAxisNames = CPLTestBool(
        CPLGetConfigOption("GDAL_NETCDF_IGNORE_XY_AXIS_NAME_CHECKS", "NO"));
    // Rotated pole grids (extension): CF's grid_longitude/grid_latitude.
    const bool bRotatedAxes =
        oCF.bRotatedPole &&
        AttrEquals(poX, "standard_name", "grid_longitude") &&
        AttrEquals(poY, "standard_name", "grid_latitude");
    const bool bAxesOK =
        poX && poY &&
        (bIgnoreAxisNames || bRotatedAxes ||
         ((IsLongitude(poX, osXName) || IsProjectionX(poX) ||
           IsLatitude(poX, osXName, false) || IsProjectionY(poX)) &&
          (IsLatitude(poY, osYName) || IsProjectionY(poY) ||
           IsLongitude(poY, osYName, false) || IsProjectionX(poY))));
    if (poX && poY)
        oRes.bIsLonLat = IsLongitude(poX, osXName) && IsLatitude(poY, osYName);

    if (bAxesOK && nXSize >= 2 && nYSize >= 2 && ReadAsDoubles(poX, adfX) &&
        ReadAsDoubles(poY, adfY))
    {
        const bool bXIsLon = IsLongitude(poX, osXName);
        const size_t nX = adfX.size();
        const size_t nY = adfY.size();
        if (bXIsLon && CPLTestBool(CPLGetConfigOption(
                           "GDAL_NETCDF_CENTERLONG_180", "YES")))
        {
            // Longitudes in ]180,540] are shown in ]-180,180].
            if (std::min(adfX[0], adfX[nX - 1]) > 180.0 &&
                std::max(adfX[0], adfX[nX - 1]) <= 540.0)
            {
                for (auto &df : adfX)
                    df -= 360.0;
            }
        }
        if (bXIsLon && nX > 2 && adfX[0] >= adfX[nX - 1])
        {
            // Longitudes that increase with a single wrap (e.g. 200..350,
            // 0..150): unwrap the part before the jump.
            size_t nDecreases = 0;
            for (size_t i = 1; i < nX; ++i)
                nDecreases += adfX[i] < adfX[i - 1] ? 1 : 0;
            if (nDecreases == 1)
            {
                const double dfLast = adfX[nX - 1];
                for (auto &df : adfX)
                {
                    if (df > dfLast)
                        df -= 360.0;
                }
            }
        }
        const bool bXFloat =
            poX->GetDataType().GetNumericDataType() == GDT_Float32;
        const bool bYFloat =
            poY->GetDataType().GetNumericDataType() == GDT_Float32;
        const bool bXOK = IsRegular(adfX, bXFloat);
        const bool bYOK =
            IsRegular(adfY, bYFloat) ||
            (nY > 2 && !oCF.oSRS.IsProjected() &&
             IsRegularWithinTenthDegree(adfY));
        if (bXOK && bYOK)
        {
            bGotCfGT = true;
            // GMT files: node_offset (global) and actual_range.
            int nNodeOffset = 0;
            if (auto poAttr = poRoot->GetAttribute("node_offset"))
            {
                const auto adf = poAttr->ReadAsDoubleArray();
                if (!adf.empty())
                    nNodeOffset = static_cast<int>(adf[0]);
            }
            double adfXMinMax[2] = {adfX[0], adfX[nX - 1]};
            double adfYMinMax[2] = {adfY[0], adfY[nY - 1]};
            bool bXRange = false;
            bool bYRange = false;
            {
                const auto adf = AttrDoubles(poX, "actual_range");
                if (adf.size() >= 2)
                {
                    bXRange = true;
                    adfXMinMax[0] = adf[0];
                    adfXMinMax[1] = adf[1];
                    if ((adfXMinMax[0] - adfXMinMax[1]) *
                            (adfX[0] - adfX[nX - 1]) <
                        0)
                        std::swap(adfXMinMax[0], adfXMinMax[1]);
                }
            }
            {
                const auto adf = AttrDoubles(poY, "actual_range");
                if (adf.size() >= 2)
                {
                    bYRange = true;
                    adfYMinMax[0] = adf[0];
                    adfYMinMax[1] = adf[1];
                    if ((adfYMinMax[0] - adfYMinMax[1]) *
                            (adfY[0] - adfY[nY - 1]) <
                        0)
                        std::swap(adfYMinMax[0], adfYMinMax[1]);
                }
            }
            if (!bXRange || !bYRange)
                nNodeOffset = 0;

            // Packed coordinates: GDAL 3.6 unpacks the extremes only when
            // both add_offset and scale_factor are given.
            const auto Unpack = [](const ArrayPtr &poVar, double *padf)
            {
                const auto odfOffset = AttrDouble(poVar, "add_offset");
                const auto odfScale = AttrDouble(poVar, "scale_factor");
                if (odfOffset && odfScale)
                {
                    padf[0] = *odfOffset + padf[0] * *odfScale;
                    padf[1] = *odfOffset + padf[1] * *odfScale;
                }
            };
            Unpack(poX, adfXMinMax);
            Unpack(poY, adfYMinMax);

            // Rows run south to north when Y increases: flip them.
            oRes.bBottomUp = adfYMinMax[0] <= adfYMinMax[1];
            if (!oRes.bBottomUp)
                std::swap(adfYMinMax[0], adfYMinMax[1]);

            const char *pszProjName = oCF.oSRS.GetAttrValue("PROJECTION");
            if (pszProjName &&
                EQUAL(pszProjName, SRS_PT_GEOSTATIONARY_SATELLITE))
            {
                const double dfHeight =
                    oCF.oSRS.GetProjParm(SRS_PP_SATELLITE_HEIGHT, 1.0);
                const double dfXScale = GeosScale(poX, dfHeight);
                const double dfYScale = GeosScale(poY, dfHeight);
                adfXMinMax[0] *= dfXScale;
                adfXMinMax[1] *= dfXScale;
                adfYMinMax[0] *= dfYScale;
                adfYMinMax[1] *= dfYScale;
            }

            const double dfXDiv = static_cast<double>(nXSize) + nNodeOffset - 1;
            const double dfYDiv = static_cast<double>(nYSize) + nNodeOffset - 1;
            adfGT[0] = adfXMinMax[0];
            adfGT[1] = (adfXMinMax[1] - adfXMinMax[0]) / dfXDiv;
            adfGT[2] = 0.0;
            adfGT[3] = adfYMinMax[1];
            adfGT[4] = 0.0;
            adfGT[5] = (adfYMinMax[0] - adfYMinMax[1]) / dfYDiv;
            if (nNodeOffset == 0)
            {
                // Coordinates are pixel centres (CF); GDAL wants corners.
                adfGT[0] -= adfGT[1] / 2;
                adfGT[3] -= adfGT[5] / 2;
            }
        }
        else
        {
            CPLDebug("KERCHUNK",
                     "%s: X or Y coordinates not equally spaced, no "
                     "geotransform",
                     poArray->GetFullName().c_str());
        }
    }

    // ---- Linear units of a CF projection, from the coordinate variables
    // (kilometres are kept as the CRS unit, as GDAL 3.6 does).
    if ((oCF.bGotGeogCS || oCF.bGotCfSRS) && poX && poY)
    {
        if (oCF.oSRS.IsProjected())
        {
            const auto osUX = AttrText(poX, "units");
            const auto osUY = AttrText(poY, "units");
            if (osUX && osUY && EQUAL(osUX->c_str(), osUY->c_str()) &&
                !osUX->empty())
            {
                const char *pszU = osUX->c_str();
                if (EQUAL(pszU, "m") || EQUAL(pszU, "metre") ||
                    EQUAL(pszU, "meter"))
                {
                    oCF.oSRS.SetLinearUnits("metre", 1.0);
                    oCF.oSRS.SetAuthority("PROJCS|UNIT", "EPSG", 9001);
                }
                else if (EQUAL(pszU, "km"))
                {
                    oCF.oSRS.SetLinearUnits("kilometre", 1000.0);
                    oCF.oSRS.SetAuthority("PROJCS|UNIT", "EPSG", 9036);
                }
                else if (EQUAL(pszU, "US_survey_foot") ||
                         EQUAL(pszU, "US_survey_feet"))
                {
                    oCF.oSRS.SetLinearUnits("US survey foot",
                                            CPLAtof(SRS_UL_US_FOOT_CONV));
                    oCF.oSRS.SetAuthority("PROJCS|UNIT", "EPSG", 9003);
                }
            }
        }
        else if (oCF.oSRS.IsGeographic() && !oCF.bRotatedPole)
        {
            oCF.oSRS.SetAngularUnits(SRS_UA_DEGREE,
                                     CPLAtof(SRS_UA_DEGREE_CONV));
            oCF.oSRS.SetAuthority("GEOGCS|UNIT", "EPSG", 9122);
        }
    }

    // ---- Which CRS wins: GDAL's spatial_ref, then CF crs_wkt, then the CF
    // parameters, then an "srid" attribute.
    if (!osGdalWKT.empty() || !osCfWKT.empty())
    {
        OGRSpatialReference oSRS;
        if (oSRS.importFromWkt(
                (osGdalWKT.empty() ? osCfWKT : osGdalWKT).c_str()) ==
            OGRERR_NONE)
            oRes.osWKT = ExportWkt(oSRS);
    }
    else if (oCF.bGotGeogCS || oCF.bGotCfSRS)
    {
        oRes.osWKT = ExportWkt(oCF.oSRS);
    }
    else if (poGM)
    {
        if (auto os = AttrText(poGM, "srid"))
        {
            OGRSpatialReference oSRS;
            if (oSRS.SetFromUserInput(
                    os->c_str(),
                    OGRSpatialReference::
                        SET_FROM_USER_INPUT_LIMITATIONS_get()) == OGRERR_NONE)
                oRes.osWKT = ExportWkt(oSRS);
        }
    }
    if (oRes.osWKT.empty() && oRes.bIsLonLat && oOptions.bAssumeWGS84ForLonLat)
    {
        OGRSpatialReference oSRS;
        if (oSRS.importFromEPSG(4326) == OGRERR_NONE)
            oRes.osWKT = ExportWkt(oSRS);
    }

    // ---- GDAL's own GeoTransform attribute, or corner attributes, only
    // when the coordinates gave none.
    if (!bGotCfGT && poGM)
    {
        if (osGeoTransformAttr)
        {
            const CPLStringList aosTokens(CSLTokenizeString2(
                osGeoTransformAttr->c_str(), " ", CSLT_HONOURSTRINGS));
            if (aosTokens.size() == 6)
            {
                bGotCfGT = true;
                for (int i = 0; i < 6; ++i)
                    adfGT[i] = CPLAtof(aosTokens[i]);
            }
        }
        else
        {
            const auto oNN = AttrDouble(poGM, "Northernmost_Northing");
            const auto oSN = AttrDouble(poGM, "Southernmost_Northing");
            const auto oEE = AttrDouble(poGM, "Easternmost_Easting");
            const auto oWE = AttrDouble(poGM, "Westernmost_Easting");
            if (oNN && oSN && oEE && oWE && nXSize > 1 && nYSize > 1)
            {
                bGotCfGT = true;
                adfGT[1] = (*oEE - *oWE) / static_cast<double>(nXSize - 1);
                adfGT[2] = 0.0;
                adfGT[4] = 0.0;
                adfGT[5] = (*oSN - *oNN) / static_cast<double>(nYSize - 1);
                adfGT[0] = *oWE - adfGT[1] / 2;
                adfGT[3] = *oNN - adfGT[5] / 2;
            }
        }
    }

    if (bGotCfGT)
    {
        oRes.bHasGeoTransform = true;
        oRes.adfGeoTransform = adfGT;
    }
    return oRes;
}

bool IsXAxis(const ArrayPtr &poVar, const std::string &osName)
{
    return IsLongitude(poVar, osName) || IsProjectionX(poVar) ||
           AttrEquals(poVar, "standard_name", "grid_longitude");
}

bool IsYAxis(const ArrayPtr &poVar, const std::string &osName)
{
    return IsLatitude(poVar, osName) || IsProjectionY(poVar) ||
           AttrEquals(poVar, "standard_name", "grid_latitude");
}

bool IsStoredXY(const ArrayPtr &poArray, const GroupPtr &poRoot)
{
    const auto &apoDims = poArray->GetDimensions();
    const size_t n = apoDims.size();
    const std::string osFirst = apoDims[n - 2]->GetName();
    const std::string osSecond = apoDims[n - 1]->GetName();
    const GroupPtr poGroup = OpenGroup(poRoot, ParentPath(poArray->GetFullName()));
    const ArrayPtr poFirst = CoordinateVariable(poGroup, osFirst, apoDims[n - 2]->GetSize());
    const ArrayPtr poSecond = CoordinateVariable(poGroup, osSecond, apoDims[n - 1]->GetSize());
    if (poFirst && poSecond)
        return IsXAxis(poFirst, osFirst) && !IsYAxis(poFirst, osFirst) &&
               IsYAxis(poSecond, osSecond) && !IsXAxis(poSecond, osSecond);
    return !poFirst && !poSecond && osFirst == "x" && osSecond == "y";
}

}  // namespace

CFGeoreferencing
ComputeCFGeoreferencing(const std::shared_ptr<GDALMDArray> &poArray,
                        const std::shared_ptr<GDALGroup> &poRootGroup,
                        size_t iYDim, size_t iXDim,
                        const CFGeoreferencingOptions &oOptions)
{
    try
    {
        // The lookups below probe names that may not exist: keep GDAL quiet.
        CPLErrorHandlerPusher oQuiet(CPLQuietErrorHandler);
        CPLErrorStateBackuper oErrorState;
        return Compute(poArray, poRootGroup, iYDim, iXDim, oOptions);
    }
    catch (const std::exception &e)
    {
        CPLDebug("KERCHUNK", "CF georeferencing of %s failed: %s",
                 poArray ? poArray->GetFullName().c_str() : "(null)",
                 e.what());
    }
    catch (...)
    {
        CPLDebug("KERCHUNK", "CF georeferencing failed");
    }
    return CFGeoreferencing();
}

ClassicAxes ClassicAxesOf(const std::shared_ptr<GDALMDArray> &poArray,
                          const std::shared_ptr<GDALGroup> &poRootGroup)
{
    ClassicAxes oAxes;
    const size_t nDims = poArray ? poArray->GetDimensionCount() : 0;
    if (nDims < 2)
        return oAxes;
    oAxes.iYDim = nDims - 2;
    oAxes.iXDim = nDims - 1;
    try
    {
        CPLErrorHandlerPusher oQuiet(CPLQuietErrorHandler);
        CPLErrorStateBackuper oErrorState;
        if (poRootGroup && IsStoredXY(poArray, poRootGroup))
            std::swap(oAxes.iYDim, oAxes.iXDim);
    }
    catch (const std::exception &e)
    {
        CPLDebug("KERCHUNK", "axes of %s: %s", poArray->GetFullName().c_str(), e.what());
    }
    return oAxes;
}

}  // namespace kerchunk
