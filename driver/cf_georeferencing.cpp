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

// One CF grid_mapping_name → the OGR projection, from the grid mapping
// variable's parameters (CF 1.x appendix F), as GDAL 3.6's netCDF driver
// reads them.
struct CFProjectionParams
{
    const ArrayPtr &poGM;
    double dfFE;  // false_easting
    double dfFN;  // false_northing
    double operator()(const char *pszName, double dfDefault) const
    {
        return FetchParam(poGM, pszName, dfDefault);
    }
};

void SetAlbers(const CFProjectionParams &P, OGRSpatialReference &oSRS)
{
    const auto adfSP = StandardParallels(P.poGM);
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
                 P("longitude_of_central_meridian", 0.0), P.dfFE, P.dfFN);
}

void SetLambertConformalConic(const CFProjectionParams &P, OGRSpatialReference &oSRS)
{
    const double dfCenterLon = P("longitude_of_central_meridian", 0.0);
    const double dfCenterLat = P("latitude_of_projection_origin", 0.0);
    const auto adfSP = StandardParallels(P.poGM);
    if (adfSP.size() == 2)
    {
        oSRS.SetLCC(adfSP[0], adfSP[1], dfCenterLat, dfCenterLon, P.dfFE, P.dfFN);
        return;
    }
    double dfScale = P("scale_factor_at_projection_origin", -1.0);
    if (!CPLIsEqual(dfScale, -1.0))
    {
        oSRS.SetLCC1SP(dfCenterLat, dfCenterLon, dfScale, P.dfFE, P.dfFN);
        return;
    }
    const double dfSP1 = adfSP.size() == 1 ? adfSP[0] : dfCenterLat;
    dfScale = 1.0;
    if (!CPLIsEqual(dfSP1, dfCenterLat))
    {
        // GDAL 3.6 derives k0 with Snyder eq. 15-4 fed with degrees (bug
        // #3324); kept identical so that the CRS is the one the netCDF
        // driver reports.
        dfScale = (cos(dfSP1) * pow(tan(M_PI / 4 + dfSP1 / 2), sin(dfSP1))) /
                  (cos(dfCenterLat) * pow(tan(M_PI / 4 + dfCenterLat / 2), sin(dfCenterLat)));
    }
    oSRS.SetLCC1SP(dfCenterLat, dfCenterLon, dfScale, P.dfFE, P.dfFN);
    oSRS.SetNormProjParm(SRS_PP_STANDARD_PARALLEL_1, dfSP1);
}

void SetMercator(const CFProjectionParams &P, OGRSpatialReference &oSRS)
{
    const auto adfSP = StandardParallels(P.poGM);
    const double dfCenterLon = P("longitude_of_projection_origin", 0.0);
    if (!adfSP.empty())
        // CF's Mercator 2SP is always centred on the equator.
        oSRS.SetMercator2SP(adfSP[0], 0.0, dfCenterLon, P.dfFE, P.dfFN);
    else
        oSRS.SetMercator(P("latitude_of_projection_origin", 0.0), dfCenterLon,
                         P("scale_factor_at_projection_origin", 1.0), P.dfFE, P.dfFN);
}

void SetPolarStereographic(const CFProjectionParams &P, OGRSpatialReference &oSRS)
{
    const auto adfSP = StandardParallels(P.poGM);
    double dfScale = P("scale_factor_at_projection_origin", -1.0);
    const double dfCenterLon = P("straight_vertical_longitude_from_pole", 0.0);
    if (!adfSP.empty())
    {
        // Variant B: the latitude of true scale given, k0 = 1.
        oSRS.SetPS(adfSP[0], dfCenterLon, 1.0, P.dfFE, P.dfFN);
        return;
    }
    double dfLatOrigin = P("latitude_of_projection_origin", 0.0);
    if (!CPLIsEqual(dfLatOrigin, 90.0) && !CPLIsEqual(dfLatOrigin, -90.0))
        dfLatOrigin = 90.0;
    if (CPLIsEqual(dfScale, -1.0))
        dfScale = 1.0;
    oSRS.SetPS(dfLatOrigin, dfCenterLon, dfScale, P.dfFE, P.dfFN);
}

using CFProjectionSetter = void (*)(const CFProjectionParams &, OGRSpatialReference &);

// The grid mappings GDAL 3.6's netCDF driver attaches a projection for (not
// rotated_latitude_longitude nor sinusoidal); latitude_longitude is only the
// earth shape (or WGS 84).
CFProjectionSetter FindCFProjection(const char *pszGM)
{
    static const std::pair<const char *, CFProjectionSetter> aoTable[] = {
        {"transverse_mercator",
         [](const CFProjectionParams &P, OGRSpatialReference &oSRS)
         {
             oSRS.SetTM(P("latitude_of_projection_origin", 0.0),
                        P("longitude_of_central_meridian", 0.0),
                        P("scale_factor_at_central_meridian", 1.0), P.dfFE, P.dfFN);
         }},
        {"albers_conical_equal_area", SetAlbers},
        {"cylindrical_equal_area",
         [](const CFProjectionParams &P, OGRSpatialReference &oSRS)
         {
             const auto adfSP = StandardParallels(P.poGM);
             // GDAL 3.6 does not derive a parallel from
             // scale_factor_at_projection_origin either.
             oSRS.SetCEA(adfSP.empty() ? 0.0 : adfSP[0],
                         P("longitude_of_central_meridian", 0.0), P.dfFE, P.dfFN);
         }},
        {"lambert_azimuthal_equal_area",
         [](const CFProjectionParams &P, OGRSpatialReference &oSRS)
         {
             oSRS.SetProjCS("LAEA (WGS84)");
             oSRS.SetLAEA(P("latitude_of_projection_origin", 0.0),
                          P("longitude_of_projection_origin", 0.0), P.dfFE, P.dfFN);
         }},
        {"azimuthal_equidistant",
         [](const CFProjectionParams &P, OGRSpatialReference &oSRS)
         {
             oSRS.SetAE(P("latitude_of_projection_origin", 0.0),
                        P("longitude_of_projection_origin", 0.0), P.dfFE, P.dfFN);
         }},
        {"lambert_conformal_conic", SetLambertConformalConic},
        {"latitude_longitude", [](const CFProjectionParams &, OGRSpatialReference &) {}},
        {"mercator", SetMercator},
        {"orthographic",
         [](const CFProjectionParams &P, OGRSpatialReference &oSRS)
         {
             oSRS.SetOrthographic(P("latitude_of_projection_origin", 0.0),
                                  P("longitude_of_projection_origin", 0.0), P.dfFE, P.dfFN);
         }},
        {"polar_stereographic", SetPolarStereographic},
        {"stereographic",
         [](const CFProjectionParams &P, OGRSpatialReference &oSRS)
         {
             oSRS.SetStereographic(P("latitude_of_projection_origin", 0.0),
                                   P("longitude_of_projection_origin", 0.0),
                                   P("scale_factor_at_projection_origin", 1.0), P.dfFE,
                                   P.dfFN);
         }},
        {"geostationary",
         [](const CFProjectionParams &P, OGRSpatialReference &oSRS)
         {
             oSRS.SetGEOS(P("longitude_of_projection_origin", 0.0),
                          P("perspective_point_height", 35785831.0), P.dfFE, P.dfFN);
         }},
    };
    if (EQUAL(pszGM, "lambert_cylindrical_equal_area"))
        pszGM = "cylindrical_equal_area";
    for (const auto &oEntry : aoTable)
    {
        if (EQUAL(pszGM, oEntry.first))
            return oEntry.second;
    }
    return nullptr;
}

// CF 1.x appendix F "Rotated pole"; not in GDAL 3.6's netCDF driver.
void SetRotatedPole(const CFProjectionParams &P, CFSRS &o)
{
    if (!o.bGotGeogCS)
        o.oSRS.SetWellKnownGeogCS("WGS84");
    o.oSRS.SetDerivedGeogCRSWithPoleRotationNetCDFCFConvention(
        "Rotated_pole", P("grid_north_pole_latitude", 90.0),
        P("grid_north_pole_longitude", 0.0), P("north_pole_grid_longitude", 0.0));
    o.bGotCfSRS = true;
    o.bRotatedPole = true;
}

// OGC WKT 1 has no sweep axis: GDAL keeps it in a PROJ4 extension.
void AddGeostationarySweepX(OGRSpatialReference &oSRS)
{
    char *pszProj4 = nullptr;
    if (oSRS.exportToProj4(&pszProj4) == OGRERR_NONE && pszProj4)
    {
        std::string osProj4(pszProj4);
        osProj4 += " +sweep=x";
        if (const auto poRoot = oSRS.GetRoot())
            oSRS.SetExtension(poRoot->GetValue(), "PROJ4", osProj4.c_str());
    }
    CPLFree(pszProj4);
}

void ParseGridMapping(const ArrayPtr &poGM, const std::string &osGMName,
                      const CFGeoreferencingOptions &oOptions, CFSRS &o)
{
    auto &oSRS = o.oSRS;
    const char *pszGM = osGMName.c_str();
    const CFProjectionParams oParams{poGM, FetchParam(poGM, "false_easting", 0.0),
                                     FetchParam(poGM, "false_northing", 0.0)};
    if (EQUAL(pszGM, "rotated_latitude_longitude") && oOptions.bRotatedPole)
    {
        SetRotatedPole(oParams, o);
        return;
    }
    const CFProjectionSetter pfnSet = FindCFProjection(pszGM);
    if (pfnSet == nullptr)
        return;  // GDAL 3.6's netCDF driver attaches no projection either
    pfnSet(oParams, oSRS);

    o.bGotCfSRS = true;
    if (!o.bGotGeogCS)
        oSRS.SetWellKnownGeogCS("WGS84");
    if (EQUAL(pszGM, "lambert_azimuthal_equal_area"))
    {
        const char *pszDatum = oSRS.GetAttrValue("DATUM");
        if (pszDatum && EQUAL(pszDatum, "WGS_1984"))
            oSRS.SetProjCS("LAEA (WGS84)");
    }
    if (EQUAL(pszGM, "geostationary") && AttrEquals(poGM, "sweep_angle_axis", "x"))
        AddGeostationarySweepX(oSRS);
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

// What a grid_mapping variable says about the CRS.
struct GridMappingCRS
{
    ArrayPtr poGM{};
    CFSRS oCF;
    std::string osGdalWKT{};  // spatial_ref (GDAL's own attribute)
    std::string osCfWKT{};    // crs_wkt (CF 1.7)
    std::optional<std::string> osGeoTransformAttr{};
};

void ReadGridMappingCRS(const ArrayPtr &poArray, const GroupPtr &poRoot,
                        const std::string &osGroupPath,
                        const CFGeoreferencingOptions &oOptions, GridMappingCRS &oGM,
                        CFGeoreferencing &oRes)
{
    oGM.oCF.oSRS.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    const std::string osGMVarName = GridMappingName(poArray);
    if (!osGMVarName.empty())
        oGM.poGM = ResolveVariable(poRoot, osGroupPath, osGMVarName);
    if (!oGM.poGM)
        return;
    if (auto os = AttrText(oGM.poGM, "spatial_ref"))
        oGM.osGdalWKT = *os;
    else if (auto os2 = AttrText(oGM.poGM, "crs_wkt"))
        oGM.osCfWKT = *os2;
    if (!oGM.osGdalWKT.empty() || !oGM.osCfWKT.empty())
        oGM.osGeoTransformAttr = AttrText(oGM.poGM, "GeoTransform");
    if (auto os = AttrText(oGM.poGM, "grid_mapping_name"))
    {
        oRes.osGridMappingName = *os;
        ReadEarthShape(oGM.poGM, oGM.oCF);
        ParseGridMapping(oGM.poGM, *os, oOptions, oGM.oCF);
    }
}

// Files of GDAL's pre-1.9 writer (spatial_ref + GeoTransform, no CF "GDAL"
// version attribute) are top-down; everything else is bottom-up until the Y
// coordinates say otherwise.
bool IsOldGDALFile(const GroupPtr &poRoot, const GridMappingCRS &oGM)
{
    bool bIsGdalCfFile = false;
    if (auto poAttr = poRoot->GetAttribute("GDAL"))
    {
        const char *psz = poAttr->ReadAsString();
        bIsGdalCfFile = psz && IsGDALVersionAtLeast19(psz);
    }
    return !bIsGdalCfFile && !(oGM.osGdalWKT.empty() && oGM.osCfWKT.empty()) &&
           oGM.osGeoTransformAttr.has_value();
}

// The X and Y coordinate variables of the two raster dimensions.
struct XYCoordinates
{
    std::string osXName{};
    std::string osYName{};
    GUInt64 nXSize = 0;
    GUInt64 nYSize = 0;
    ArrayPtr poX{};
    ArrayPtr poY{};
};

// Whether the coordinate variables look like X/Y axes (names, units,
// standard names), as GDAL's netCDF driver decides.
bool AxesLookGeographicOrProjected(const XYCoordinates &oXY, const CFSRS &oCF)
{
    const ArrayPtr &poX = oXY.poX;
    const ArrayPtr &poY = oXY.poY;
    if (!poX || !poY)
        return false;
    if (CPLTestBool(CPLGetConfigOption("GDAL_NETCDF_IGNORE_XY_AXIS_NAME_CHECKS", "NO")))
        return true;
    // Rotated pole grids (extension): CF's grid_longitude/grid_latitude.
    if (oCF.bRotatedPole && AttrEquals(poX, "standard_name", "grid_longitude") &&
        AttrEquals(poY, "standard_name", "grid_latitude"))
        return true;
    return (IsLongitude(poX, oXY.osXName) || IsProjectionX(poX) ||
            IsLatitude(poX, oXY.osXName, false) || IsProjectionY(poX)) &&
           (IsLatitude(poY, oXY.osYName) || IsProjectionY(poY) ||
            IsLongitude(poY, oXY.osYName, false) || IsProjectionX(poY));
}

// Longitudes in ]180,540] are shown in ]-180,180]; longitudes that increase
// with a single wrap (e.g. 200..350, 0..150) are unwrapped before the jump.
void NormalizeLongitudes(std::vector<double> &adfX)
{
    const size_t nX = adfX.size();
    if (CPLTestBool(CPLGetConfigOption("GDAL_NETCDF_CENTERLONG_180", "YES")) &&
        std::min(adfX[0], adfX[nX - 1]) > 180.0 && std::max(adfX[0], adfX[nX - 1]) <= 540.0)
    {
        for (auto &df : adfX)
            df -= 360.0;
    }
    if (nX <= 2 || adfX[0] < adfX[nX - 1])
        return;
    size_t nDecreases = 0;
    for (size_t i = 1; i < nX; ++i)
        nDecreases += adfX[i] < adfX[i - 1] ? 1 : 0;
    if (nDecreases != 1)
        return;
    const double dfLast = adfX[nX - 1];
    for (auto &df : adfX)
    {
        if (df > dfLast)
            df -= 360.0;
    }
}

// The extremes of one axis: its first and last values, or its actual_range
// (GMT files) oriented like the values. True when actual_range was used.
bool AxisExtremes(const ArrayPtr &poVar, const std::vector<double> &adf, double adfMinMax[2])
{
    adfMinMax[0] = adf.front();
    adfMinMax[1] = adf.back();
    const auto adfRange = AttrDoubles(poVar, "actual_range");
    if (adfRange.size() < 2)
        return false;
    adfMinMax[0] = adfRange[0];
    adfMinMax[1] = adfRange[1];
    if ((adfMinMax[0] - adfMinMax[1]) * (adf.front() - adf.back()) < 0)
        std::swap(adfMinMax[0], adfMinMax[1]);
    return true;
}

// Packed coordinates: GDAL 3.6 unpacks the extremes only when both
// add_offset and scale_factor are given.
void UnpackExtremes(const ArrayPtr &poVar, double adfMinMax[2])
{
    const auto odfOffset = AttrDouble(poVar, "add_offset");
    const auto odfScale = AttrDouble(poVar, "scale_factor");
    if (odfOffset && odfScale)
    {
        adfMinMax[0] = *odfOffset + adfMinMax[0] * *odfScale;
        adfMinMax[1] = *odfOffset + adfMinMax[1] * *odfScale;
    }
}

// The geotransform of regularly spaced coordinates; sets oRes.bBottomUp
// from the direction of Y.
void GeoTransformFromExtremes(const XYCoordinates &oXY, const std::vector<double> &adfX,
                              const std::vector<double> &adfY, const GroupPtr &poRoot,
                              const CFSRS &oCF, std::array<double, 6> &adfGT,
                              CFGeoreferencing &oRes)
{
    // GMT files: node_offset (global) and actual_range.
    int nNodeOffset = 0;
    if (auto poAttr = poRoot->GetAttribute("node_offset"))
    {
        const auto adf = poAttr->ReadAsDoubleArray();
        if (!adf.empty())
            nNodeOffset = static_cast<int>(adf[0]);
    }
    double adfXMinMax[2];
    double adfYMinMax[2];
    const bool bXRange = AxisExtremes(oXY.poX, adfX, adfXMinMax);
    const bool bYRange = AxisExtremes(oXY.poY, adfY, adfYMinMax);
    if (!bXRange || !bYRange)
        nNodeOffset = 0;
    UnpackExtremes(oXY.poX, adfXMinMax);
    UnpackExtremes(oXY.poY, adfYMinMax);

    // Rows run south to north when Y increases: flip them.
    oRes.bBottomUp = adfYMinMax[0] <= adfYMinMax[1];
    if (!oRes.bBottomUp)
        std::swap(adfYMinMax[0], adfYMinMax[1]);

    const char *pszProjName = oCF.oSRS.GetAttrValue("PROJECTION");
    if (pszProjName && EQUAL(pszProjName, SRS_PT_GEOSTATIONARY_SATELLITE))
    {
        const double dfHeight = oCF.oSRS.GetProjParm(SRS_PP_SATELLITE_HEIGHT, 1.0);
        const double dfXScale = GeosScale(oXY.poX, dfHeight);
        const double dfYScale = GeosScale(oXY.poY, dfHeight);
        adfXMinMax[0] *= dfXScale;
        adfXMinMax[1] *= dfXScale;
        adfYMinMax[0] *= dfYScale;
        adfYMinMax[1] *= dfYScale;
    }

    const double dfXDiv = static_cast<double>(oXY.nXSize) + nNodeOffset - 1;
    const double dfYDiv = static_cast<double>(oXY.nYSize) + nNodeOffset - 1;
    adfGT = {adfXMinMax[0], (adfXMinMax[1] - adfXMinMax[0]) / dfXDiv, 0.0,
             adfYMinMax[1], 0.0, (adfYMinMax[0] - adfYMinMax[1]) / dfYDiv};
    if (nNodeOffset == 0)
    {
        // Coordinates are pixel centres (CF); GDAL wants corners.
        adfGT[0] -= adfGT[1] / 2;
        adfGT[3] -= adfGT[5] / 2;
    }
}

// The geotransform from the X and Y coordinate variables, when they are
// regularly spaced.
bool GeoTransformFromCoordinates(const ArrayPtr &poArray, const GroupPtr &poRoot,
                                 const XYCoordinates &oXY, const CFSRS &oCF,
                                 std::array<double, 6> &adfGT, CFGeoreferencing &oRes)
{
    std::vector<double> adfX, adfY;
    if (!AxesLookGeographicOrProjected(oXY, oCF) || oXY.nXSize < 2 || oXY.nYSize < 2 ||
        !ReadAsDoubles(oXY.poX, adfX) || !ReadAsDoubles(oXY.poY, adfY))
        return false;
    if (IsLongitude(oXY.poX, oXY.osXName))
        NormalizeLongitudes(adfX);
    const bool bXFloat = oXY.poX->GetDataType().GetNumericDataType() == GDT_Float32;
    const bool bYFloat = oXY.poY->GetDataType().GetNumericDataType() == GDT_Float32;
    const bool bXOK = IsRegular(adfX, bXFloat);
    const bool bYOK = IsRegular(adfY, bYFloat) ||
                      (adfY.size() > 2 && !oCF.oSRS.IsProjected() &&
                       IsRegularWithinTenthDegree(adfY));
    if (!bXOK || !bYOK)
    {
        CPLDebug("KERCHUNK", "%s: X or Y coordinates not equally spaced, no geotransform",
                 poArray->GetFullName().c_str());
        return false;
    }
    GeoTransformFromExtremes(oXY, adfX, adfY, poRoot, oCF, adfGT, oRes);
    return true;
}

// Linear units of a CF projection, from the coordinate variables
// (kilometres are kept as the CRS unit, as GDAL 3.6 does).
void SetUnitsFromCoordinates(const XYCoordinates &oXY, CFSRS &oCF)
{
    if (!(oCF.bGotGeogCS || oCF.bGotCfSRS) || !oXY.poX || !oXY.poY)
        return;
    if (oCF.oSRS.IsGeographic() && !oCF.bRotatedPole)
    {
        oCF.oSRS.SetAngularUnits(SRS_UA_DEGREE, CPLAtof(SRS_UA_DEGREE_CONV));
        oCF.oSRS.SetAuthority("GEOGCS|UNIT", "EPSG", 9122);
        return;
    }
    if (!oCF.oSRS.IsProjected())
        return;
    const auto osUX = AttrText(oXY.poX, "units");
    const auto osUY = AttrText(oXY.poY, "units");
    if (!osUX || !osUY || !EQUAL(osUX->c_str(), osUY->c_str()) || osUX->empty())
        return;
    const char *pszU = osUX->c_str();
    if (EQUAL(pszU, "m") || EQUAL(pszU, "metre") || EQUAL(pszU, "meter"))
    {
        oCF.oSRS.SetLinearUnits("metre", 1.0);
        oCF.oSRS.SetAuthority("PROJCS|UNIT", "EPSG", 9001);
    }
    else if (EQUAL(pszU, "km"))
    {
        oCF.oSRS.SetLinearUnits("kilometre", 1000.0);
        oCF.oSRS.SetAuthority("PROJCS|UNIT", "EPSG", 9036);
    }
    else if (EQUAL(pszU, "US_survey_foot") || EQUAL(pszU, "US_survey_feet"))
    {
        oCF.oSRS.SetLinearUnits("US survey foot", CPLAtof(SRS_UL_US_FOOT_CONV));
        oCF.oSRS.SetAuthority("PROJCS|UNIT", "EPSG", 9003);
    }
}

// Which CRS wins: GDAL's spatial_ref, then CF crs_wkt, then the CF
// parameters, then an "srid" attribute; WGS 84 for lon/lat when asked.
std::string ChooseWkt(const GridMappingCRS &oGM, bool bIsLonLat,
                      const CFGeoreferencingOptions &oOptions)
{
    OGRSpatialReference oSRS;
    if (!oGM.osGdalWKT.empty() || !oGM.osCfWKT.empty())
    {
        if (oSRS.importFromWkt(
                (oGM.osGdalWKT.empty() ? oGM.osCfWKT : oGM.osGdalWKT).c_str()) ==
            OGRERR_NONE)
            return ExportWkt(oSRS);
    }
    else if (oGM.oCF.bGotGeogCS || oGM.oCF.bGotCfSRS)
        return ExportWkt(oGM.oCF.oSRS);
    else if (oGM.poGM)
    {
        if (auto os = AttrText(oGM.poGM, "srid"))
        {
            if (oSRS.SetFromUserInput(
                    os->c_str(),
                    OGRSpatialReference::SET_FROM_USER_INPUT_LIMITATIONS_get()) ==
                OGRERR_NONE)
                return ExportWkt(oSRS);
        }
    }
    if (bIsLonLat && oOptions.bAssumeWGS84ForLonLat && oSRS.importFromEPSG(4326) == OGRERR_NONE)
        return ExportWkt(oSRS);
    return std::string();
}

// GDAL's own GeoTransform attribute, or corner attributes, used only when
// the coordinates gave none.
bool GeoTransformFromAttributes(const GridMappingCRS &oGM, const XYCoordinates &oXY,
                                std::array<double, 6> &adfGT)
{
    if (oGM.osGeoTransformAttr)
    {
        const CPLStringList aosTokens(
            CSLTokenizeString2(oGM.osGeoTransformAttr->c_str(), " ", CSLT_HONOURSTRINGS));
        if (aosTokens.size() != 6)
            return false;
        for (int i = 0; i < 6; ++i)
            adfGT[i] = CPLAtof(aosTokens[i]);
        return true;
    }
    const auto oNN = AttrDouble(oGM.poGM, "Northernmost_Northing");
    const auto oSN = AttrDouble(oGM.poGM, "Southernmost_Northing");
    const auto oEE = AttrDouble(oGM.poGM, "Easternmost_Easting");
    const auto oWE = AttrDouble(oGM.poGM, "Westernmost_Easting");
    if (!oNN || !oSN || !oEE || !oWE || oXY.nXSize <= 1 || oXY.nYSize <= 1)
        return false;
    adfGT[1] = (*oEE - *oWE) / static_cast<double>(oXY.nXSize - 1);
    adfGT[2] = 0.0;
    adfGT[4] = 0.0;
    adfGT[5] = (*oSN - *oNN) / static_cast<double>(oXY.nYSize - 1);
    adfGT[0] = *oWE - adfGT[1] / 2;
    adfGT[3] = *oNN - adfGT[5] / 2;
    return true;
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
    const std::string osGroupPath = ParentPath(poArray->GetFullName());
    const GroupPtr poGroup = OpenGroup(poRoot, osGroupPath);

    GridMappingCRS oGM;
    ReadGridMappingCRS(poArray, poRoot, osGroupPath, oOptions, oGM, oRes);
    oRes.bBottomUp = !IsOldGDALFile(poRoot, oGM);

    XYCoordinates oXY;
    oXY.osXName = apoDims[iXDim]->GetName();
    oXY.osYName = apoDims[iYDim]->GetName();
    oXY.nXSize = apoDims[iXDim]->GetSize();
    oXY.nYSize = apoDims[iYDim]->GetSize();
    oXY.poX = CoordinateVariable(poGroup, oXY.osXName, oXY.nXSize);
    oXY.poY = CoordinateVariable(poGroup, oXY.osYName, oXY.nYSize);
    if (oXY.poX && oXY.poY)
        oRes.bIsLonLat =
            IsLongitude(oXY.poX, oXY.osXName) && IsLatitude(oXY.poY, oXY.osYName);

    std::array<double, 6> adfGT{0, 1, 0, 0, 0, 1};
    bool bGotGT = GeoTransformFromCoordinates(poArray, poRoot, oXY, oGM.oCF, adfGT, oRes);
    SetUnitsFromCoordinates(oXY, oGM.oCF);
    oRes.osWKT = ChooseWkt(oGM, oRes.bIsLonLat, oOptions);
    if (!bGotGT && oGM.poGM)
        bGotGT = GeoTransformFromAttributes(oGM, oXY, adfGT);
    if (bGotGT)
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
