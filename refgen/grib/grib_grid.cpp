#include "grib_grid.h"
#include "config_options.h"
#include "error.h"

#include "cpl_conv.h"
#include "cpl_error.h"
#include "ogr_spatialref.h"

#include <cmath>
#include <memory>

namespace kerchunk
{

namespace
{

// The figure of the Earth as eccodes derives it (GRIB2 code table 3.2;
// GRIB1: a sphere of radius 6367470 m unless the GDS says IAU 1965).
struct Earth
{
    double dfA = 6367470.0;
    double dfB = 6367470.0;
    bool IsSphere() const
    {
        return dfA == dfB;
    }
    double InverseFlattening() const
    {
        return IsSphere() ? 0.0 : dfA / (dfA - dfB);
    }
};

Earth GetEarth(const EccodesHandle &h)
{
    Earth oEarth;
    if (h.GetLong("earthIsOblate").value_or(0) == 1)
    {
        const auto dfA = h.GetDouble("earthMajorAxis");
        const auto dfB = h.GetDouble("earthMinorAxis");
        if (dfA && dfB && *dfA > 0 && *dfB > 0)
        {
            // eccodes gives these in metres except for shapes 3 (km).
            const double dfScale = *dfA < 1e5 ? 1000.0 : 1.0;
            oEarth.dfA = *dfA * dfScale;
            oEarth.dfB = *dfB * dfScale;
        }
        return oEarth;
    }
    const auto dfRadius = h.GetDouble("radius");
    if (dfRadius && *dfRadius > 1e5 && *dfRadius < 1e8)
        oEarth.dfA = oEarth.dfB = *dfRadius;
    return oEarth;
}

void SetGeographic(OGRSpatialReference &oSRS, const Earth &oEarth)
{
    // Same names as GDAL's GRIB driver, so both descriptions read alike.
    oSRS.SetGeogCS("Coordinate System imported from GRIB file", "unnamed",
                   oEarth.IsSphere() ? "Sphere" : "Spheroid", oEarth.dfA,
                   oEarth.InverseFlattening());
}

nlohmann::json EarthAttributes(const Earth &oEarth)
{
    nlohmann::json o = nlohmann::json::object();
    if (oEarth.IsSphere())
        o["earth_radius"] = oEarth.dfA;
    else
    {
        o["semi_major_axis"] = oEarth.dfA;
        o["semi_minor_axis"] = oEarth.dfB;
        o["inverse_flattening"] = oEarth.InverseFlattening();
    }
    return o;
}

std::string ExportWkt(const OGRSpatialReference &oSRS)
{
    char *pszWkt = nullptr;
    const char *const apszOptions[] = {"FORMAT=WKT2_2019", nullptr};
    std::string osWkt;
    if (oSRS.exportToWkt(&pszWkt, apszOptions) == OGRERR_NONE && pszWkt)
        osWkt = pszWkt;
    CPLFree(pszWkt);
    return osWkt;
}

double NormalizeLongitude180(double dfLon)
{
    while (dfLon > 180.0)
        dfLon -= 360.0;
    while (dfLon < -180.0)
        dfLon += 360.0;
    return dfLon;
}

std::vector<double> Linear(double dfFirst, double dfLast, uint64_t nCount)
{
    std::vector<double> adf(static_cast<size_t>(nCount));
    for (uint64_t i = 0; i < nCount; ++i)
        adf[i] = nCount == 1 ? dfFirst
                             : dfFirst + (dfLast - dfFirst) *
                                             static_cast<double>(i) /
                                             static_cast<double>(nCount - 1);
    return adf;
}

std::vector<double> Stepped(double dfFirst, double dfStep, uint64_t nCount)
{
    std::vector<double> adf(static_cast<size_t>(nCount));
    for (uint64_t i = 0; i < nCount; ++i)
        adf[i] = dfFirst + dfStep * static_cast<double>(i);
    return adf;
}

void SetLatLonAxes(GribGrid &oGrid)
{
    oGrid.osXName = "longitude";
    oGrid.osYName = "latitude";
    oGrid.oXAttributes = {{"units", "degrees_east"},
                          {"standard_name", "longitude"},
                          {"long_name", "longitude"}};
    oGrid.oYAttributes = {{"units", "degrees_north"},
                          {"standard_name", "latitude"},
                          {"long_name", "latitude"}};
}

// Longitudes from first to last point in scanning direction (i scans
// negatively: decreasing), unwrapping across the 0/360 seam.
std::vector<double> Longitudes(const EccodesHandle &h, uint64_t nX)
{
    const auto dfFirst = h.GetDouble("longitudeOfFirstGridPointInDegrees");
    auto dfLast = h.GetDouble("longitudeOfLastGridPointInDegrees");
    if (!dfFirst || !dfLast)
        return {};
    const bool bNegative = h.GetLong("iScansNegatively").value_or(0) == 1;
    double dfL = *dfLast;
    if (!bNegative && dfL < *dfFirst)
        dfL += 360.0;
    if (bNegative && dfL > *dfFirst)
        dfL -= 360.0;
    return Linear(*dfFirst, dfL, nX);
}

bool BuildRegularLatLon(const EccodesHandle &h, GribGrid &oGrid,
                        const Earth &oEarth)
{
    oGrid.adfX = Longitudes(h, oGrid.nX);
    const auto dfLat1 = h.GetDouble("latitudeOfFirstGridPointInDegrees");
    const auto dfLat2 = h.GetDouble("latitudeOfLastGridPointInDegrees");
    if (oGrid.adfX.empty() || !dfLat1 || !dfLat2)
        return false;
    if (oGrid.osGridType == "regular_gg")
    {
        // Gaussian latitudes (not evenly spaced): take the Nj consecutive
        // ones of the global set of 2N that start at the first grid point.
        const long nN = h.GetLong("N").value_or(0);
        if (nN <= 0 || static_cast<uint64_t>(nN) * 2 < oGrid.nY)
            return false;
        const auto oAll = GaussianLatitudes(nN);
        if (!oAll)
            return false;
        const std::vector<double> &adfAll = *oAll;
        size_t nBest = 0;
        for (size_t i = 1; i < adfAll.size(); ++i)
            if (std::fabs(adfAll[i] - *dfLat1) <
                std::fabs(adfAll[nBest] - *dfLat1))
                nBest = i;
        if (std::fabs(adfAll[nBest] - *dfLat1) > 0.01)
            return false;
        const bool bNorthward = *dfLat2 > *dfLat1;
        for (uint64_t j = 0; j < oGrid.nY; ++j)
        {
            const int64_t k = bNorthward
                                  ? static_cast<int64_t>(nBest) -
                                        static_cast<int64_t>(j)
                                  : static_cast<int64_t>(nBest + j);
            if (k < 0 || k >= static_cast<int64_t>(adfAll.size()))
                return false;
            oGrid.adfY.push_back(adfAll[static_cast<size_t>(k)]);
        }
    }
    else
    {
        oGrid.adfY = Linear(*dfLat1, *dfLat2, oGrid.nY);
    }
    SetLatLonAxes(oGrid);
    OGRSpatialReference oSRS;
    SetGeographic(oSRS, oEarth);
    oGrid.osWkt = ExportWkt(oSRS);
    oGrid.oGridMapping = EarthAttributes(oEarth);
    oGrid.oGridMapping["grid_mapping_name"] = "latitude_longitude";
    oGrid.eKind = GribGridKind::LatLon;
    return true;
}

std::string Num(double dfValue)
{
    return CPLSPrintf("%.17g", dfValue);
}

bool BuildRotated(const EccodesHandle &h, GribGrid &oGrid, const Earth &oEarth)
{
    oGrid.adfX = Longitudes(h, oGrid.nX);
    const auto dfLat1 = h.GetDouble("latitudeOfFirstGridPointInDegrees");
    const auto dfLat2 = h.GetDouble("latitudeOfLastGridPointInDegrees");
    const auto dfPoleLat = h.GetDouble("latitudeOfSouthernPoleInDegrees");
    const auto dfPoleLon = h.GetDouble("longitudeOfSouthernPoleInDegrees");
    const double dfAngle = h.GetDouble("angleOfRotationInDegrees").value_or(0);
    if (oGrid.adfX.empty() || !dfLat1 || !dfLat2 || !dfPoleLat || !dfPoleLon)
        return false;
    oGrid.adfY = Linear(*dfLat1, *dfLat2, oGrid.nY);
    // The "Pole rotation (GRIB convention)" method of PROJ, as GDAL's GRIB
    // driver writes it (pole longitude in [-180, 180]): WKT1 cannot express it.
    const std::string osEllipsoid =
        std::string("ELLIPSOID[\"") +
        (oEarth.IsSphere() ? "Sphere" : "Spheroid") + "\"," + Num(oEarth.dfA) +
        "," + Num(oEarth.InverseFlattening()) + ",LENGTHUNIT[\"metre\",1]]";
    const std::string osDegree =
        "ANGLEUNIT[\"degree\",0.0174532925199433]";
    const std::string osWkt =
        "GEOGCRS[\"Coordinate System imported from GRIB file\","
        "BASEGEOGCRS[\"Coordinate System imported from GRIB file\","
        "DATUM[\"unnamed\"," +
        osEllipsoid + "],PRIMEM[\"Greenwich\",0," + osDegree +
        "]],"
        "DERIVINGCONVERSION[\"Pole rotation (GRIB convention)\","
        "METHOD[\"Pole rotation (GRIB convention)\"],"
        "PARAMETER[\"Latitude of the southern pole (GRIB convention)\"," +
        Num(*dfPoleLat) + "," + osDegree +
        "],"
        "PARAMETER[\"Longitude of the southern pole (GRIB convention)\"," +
        Num(NormalizeLongitude180(*dfPoleLon)) + "," + osDegree +
        "],"
        "PARAMETER[\"Axis rotation (GRIB convention)\"," +
        Num(dfAngle) + "," + osDegree +
        "]],"
        "CS[ellipsoidal,2],AXIS[\"latitude\",north,ORDER[1]," +
        osDegree + "],AXIS[\"longitude\",east,ORDER[2]," + osDegree + "]]";
    OGRSpatialReference oSRS;
    if (oSRS.importFromWkt(osWkt.c_str()) == OGRERR_NONE)
        oGrid.osWkt = ExportWkt(oSRS);
    oGrid.osXName = "x";
    oGrid.osYName = "y";
    // "axis" lets CF readers that do not know rotated poles (GDAL 3.6's
    // netCDF logic) still take these as the X/Y axes.
    oGrid.oXAttributes = {{"units", "degrees"},
                          {"standard_name", "grid_longitude"},
                          {"long_name", "longitude in rotated pole grid"},
                          {"axis", "X"}};
    oGrid.oYAttributes = {{"units", "degrees"},
                          {"standard_name", "grid_latitude"},
                          {"long_name", "latitude in rotated pole grid"},
                          {"axis", "Y"}};
    oGrid.oGridMapping = EarthAttributes(oEarth);
    oGrid.oGridMapping["grid_mapping_name"] = "rotated_latitude_longitude";
    oGrid.oGridMapping["grid_north_pole_latitude"] = -*dfPoleLat;
    oGrid.oGridMapping["grid_north_pole_longitude"] =
        NormalizeLongitude180(*dfPoleLon + 180.0);
    if (dfAngle != 0)
        oGrid.oGridMapping["GRIB_angleOfRotationInDegrees"] = dfAngle;
    oGrid.eKind = GribGridKind::Projected;
    return true;
}

std::optional<double> FirstOf(const EccodesHandle &h,
                              std::initializer_list<const char *> apszKeys)
{
    for (const char *pszKey : apszKeys)
    {
        if (h.IsMissing(pszKey))
            continue;
        if (auto dfValue = h.GetDouble(pszKey))
            return dfValue;
    }
    return std::nullopt;
}

// A projection's CRS, CF grid mapping and grid spacing in metres, as the
// projection-specific keys of a message give them.
struct ProjectionParts
{
    OGRSpatialReference oSRS{};
    nlohmann::json oMapping{};
    std::optional<double> dfDx{};
    std::optional<double> dfDy{};
};

bool SetLambertConformal(const EccodesHandle &h, ProjectionParts &oParts)
{
    const auto dfLatin1 = FirstOf(h, {"Latin1InDegrees"});
    const auto dfLatin2 = FirstOf(h, {"Latin2InDegrees"});
    const auto dfLoV = FirstOf(h, {"LoVInDegrees"});
    if (!dfLatin1 || !dfLatin2 || !dfLoV)
        return false;
    const double dfLaD = FirstOf(h, {"LaDInDegrees"}).value_or(*dfLatin1);
    const double dfLon0 = NormalizeLongitude180(*dfLoV);
    oParts.oSRS.SetLCC(*dfLatin1, *dfLatin2, dfLaD, dfLon0, 0.0, 0.0);
    oParts.oMapping["grid_mapping_name"] = "lambert_conformal_conic";
    oParts.oMapping["standard_parallel"] = {*dfLatin1, *dfLatin2};
    oParts.oMapping["longitude_of_central_meridian"] = dfLon0;
    oParts.oMapping["latitude_of_projection_origin"] = dfLaD;
    oParts.dfDx = FirstOf(h, {"DxInMetres", "Dx"});
    oParts.dfDy = FirstOf(h, {"DyInMetres", "Dy"});
    return true;
}

bool SetPolarStereographic(const EccodesHandle &h, ProjectionParts &oParts)
{
    const auto dfLoV =
        FirstOf(h, {"orientationOfTheGridInDegrees", "LoVInDegrees"});
    if (!dfLoV)
        return false;
    // GRIB1 has no LaD: its polar stereographic grids are true at 60°.
    double dfLaD = FirstOf(h, {"LaDInDegrees"}).value_or(60.0);
    // Projection centre flag bit 1 (code table 3.5 / GRIB1 table 8):
    // south pole on the projection plane.
    const bool bSouth =
        (h.GetLong("projectionCentreFlag").value_or(0) & 128) != 0;
    if (bSouth && dfLaD > 0)
        dfLaD = -dfLaD;
    oParts.oSRS.SetPS(dfLaD, *dfLoV, 1.0, 0.0, 0.0);
    oParts.oMapping["grid_mapping_name"] = "polar_stereographic";
    oParts.oMapping["straight_vertical_longitude_from_pole"] = *dfLoV;
    oParts.oMapping["latitude_of_projection_origin"] = bSouth ? -90.0 : 90.0;
    oParts.oMapping["standard_parallel"] = dfLaD;
    oParts.dfDx = FirstOf(h, {"DxInMetres", "Dx"});
    oParts.dfDy = FirstOf(h, {"DyInMetres", "Dy"});
    return true;
}

bool SetMercator(const EccodesHandle &h, ProjectionParts &oParts)
{
    const auto dfLaD = FirstOf(h, {"LaDInDegrees"});
    if (!dfLaD)
        return false;
    oParts.oSRS.SetMercator2SP(*dfLaD, 0.0, 0.0, 0.0, 0.0);
    oParts.oMapping["grid_mapping_name"] = "mercator";
    oParts.oMapping["standard_parallel"] = *dfLaD;
    oParts.oMapping["longitude_of_projection_origin"] = 0.0;
    oParts.dfDx = FirstOf(h, {"DiInMetres", "Di"});
    oParts.dfDy = FirstOf(h, {"DjInMetres", "Dj"});
    return true;
}

// The projected coordinates of the first grid point (longitude dfLon1,
// latitude dfLat1 on oEarth) in oSRS; false when PROJ cannot transform it.
bool ProjectFirstPoint(OGRSpatialReference &oSRS, const Earth &oEarth,
                       double dfLon1, double dfLat1, double &dfX, double &dfY)
{
    OGRSpatialReference oGeog;
    SetGeographic(oGeog, oEarth);
    oGeog.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    oSRS.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    std::unique_ptr<OGRCoordinateTransformation> poCT(
        OGRCreateCoordinateTransformation(&oGeog, &oSRS));
    if (!poCT)
        return false;
    dfX = NormalizeLongitude180(dfLon1);
    dfY = dfLat1;
    return poCT->Transform(1, &dfX, &dfY) != FALSE;
}

bool BuildProjected(const EccodesHandle &h, GribGrid &oGrid,
                    const Earth &oEarth)
{
    const auto dfLat1 = h.GetDouble("latitudeOfFirstGridPointInDegrees");
    const auto dfLon1 = h.GetDouble("longitudeOfFirstGridPointInDegrees");
    if (!dfLat1 || !dfLon1)
        return false;
    ProjectionParts oParts;
    oParts.oSRS.SetProjCS("unnamed");
    SetGeographic(oParts.oSRS, oEarth);
    oParts.oMapping = EarthAttributes(oEarth);
    const std::string &osType = oGrid.osGridType;
    bool bKnown = false;
    if (osType == "lambert")
        bKnown = SetLambertConformal(h, oParts);
    else if (osType == "polar_stereographic")
        bKnown = SetPolarStereographic(h, oParts);
    else if (osType == "mercator")
        bKnown = SetMercator(h, oParts);
    if (!bKnown)
        return false;
    const auto &dfDx = oParts.dfDx;
    const auto &dfDy = oParts.dfDy;
    if (!dfDx || !dfDy || *dfDx <= 0 || *dfDy <= 0)
        return false;
    oParts.oMapping["false_easting"] = 0.0;
    oParts.oMapping["false_northing"] = 0.0;

    double dfX = 0;
    double dfY = 0;
    if (!ProjectFirstPoint(oParts.oSRS, oEarth, *dfLon1, *dfLat1, dfX, dfY))
        return false;
    const bool bINegative = h.GetLong("iScansNegatively").value_or(0) == 1;
    // eccodes 2.28's polar stereographic iterator and GDAL's GRIB driver
    // both step +Dy whatever jScansPositively says; follow them so that
    // coordinates agree with the decoded values' own.
    const bool bJPositive = osType == "polar_stereographic" ||
                            h.GetLong("jScansPositively").value_or(0) == 1;
    oGrid.adfX = Stepped(dfX, bINegative ? -*dfDx : *dfDx, oGrid.nX);
    oGrid.adfY = Stepped(dfY, bJPositive ? *dfDy : -*dfDy, oGrid.nY);
    oGrid.osXName = "x";
    oGrid.osYName = "y";
    oGrid.oXAttributes = {{"units", "m"},
                          {"standard_name", "projection_x_coordinate"},
                          {"long_name", "x coordinate of projection"},
                          {"axis", "X"}};
    oGrid.oYAttributes = {{"units", "m"},
                          {"standard_name", "projection_y_coordinate"},
                          {"long_name", "y coordinate of projection"},
                          {"axis", "Y"}};
    oGrid.osWkt = ExportWkt(oParts.oSRS);
    oGrid.oGridMapping = oParts.oMapping;
    oGrid.eKind = GribGridKind::Projected;
    return true;
}

// Checked before any coordinate is computed: Ni x Nj (or the value count)
// come from the message and size the coordinate arrays and the chunk.
void CheckFieldSize(uint64_t nX, uint64_t nY)
{
    const uint64_t nMax = GetIntegerOption("KERCHUNK_MAX_CHUNK_SIZE");
    if (nY != 0 && nX > nMax / sizeof(double) / nY)
        throw GribFieldError(
            "grid of " + std::to_string(nX) + " x " + std::to_string(nY) +
            " points: its float64 values exceed KERCHUNK_MAX_CHUNK_SIZE (" +
            std::to_string(nMax) + " bytes)");
}

}  // namespace

GribGrid DescribeGribGrid(const EccodesHandle &h,
                          const std::function<uint64_t()> &fnFullCount)
{
    GribGrid oGrid;
    oGrid.osGridType = h.GetStringOr("gridType", "unknown");
    const std::string &osType = oGrid.osGridType;
    const bool bMissingNi = h.IsMissing("Ni") || h.IsMissing("Nx");
    const long nNi = bMissingNi ? 0 : h.GetLong("Ni").value_or(
                                          h.GetLong("Nx").value_or(0));
    const long nNj = h.IsMissing("Nj") || h.IsMissing("Ny")
                         ? 0
                         : h.GetLong("Nj").value_or(h.GetLong("Ny").value_or(0));
    static const char *const apszRectangular[] = {
        "regular_ll", "regular_gg", "rotated_ll", "lambert",
        "polar_stereographic", "mercator"};
    bool bKnown = false;
    for (const char *pszType : apszRectangular)
        bKnown = bKnown || osType == pszType;
    const long nPoints = h.GetLong("numberOfDataPoints").value_or(-1);
    // GRIB1 numberOfDataPoints counts the coded values only: trust Ni x Nj.
    const bool bRectangle =
        nNi > 0 && nNj > 0 && nNi < (1L << 30) && nNj < (1L << 30) &&
        (h.GetLong("edition").value_or(2) == 1 ||
         static_cast<int64_t>(nNi) * nNj == nPoints);
    // Boustrophedon rows (flag bit 5 of the scanning mode, GRIB2 table
    // 3.4): eccodes returns them as stored, so no coordinates fit them.
    const bool bAlternate =
        h.GetLong("alternativeRowScanning").value_or(0) == 1;
    if (bRectangle)
    {
        oGrid.nX = static_cast<uint64_t>(nNi);
        oGrid.nY = static_cast<uint64_t>(nNj);
        CheckFieldSize(oGrid.nX, oGrid.nY);
        oGrid.bColumnMajor = h.GetLong("jPointsAreConsecutive").value_or(0) == 1;
        if (bKnown && !bAlternate)
        {
            const Earth oEarth = GetEarth(h);
            bool bOk = false;
            if (osType == "regular_ll" || osType == "regular_gg")
                bOk = BuildRegularLatLon(h, oGrid, oEarth);
            else if (osType == "rotated_ll")
                bOk = BuildRotated(h, oGrid, oEarth);
            else
                bOk = BuildProjected(h, oGrid, oEarth);
            if (bOk)
                return oGrid;
            CPLDebug("KERCHUNK", "GRIB grid %s: coordinates not derived",
                     osType.c_str());
            oGrid.adfX.clear();
            oGrid.adfY.clear();
        }
        oGrid.eKind = GribGridKind::Plain2D;
        oGrid.osXName = "x";
        oGrid.osYName = "y";
        return oGrid;
    }
    oGrid.eKind = GribGridKind::OneD;
    oGrid.nX = fnFullCount();
    CheckFieldSize(oGrid.nX, 1);
    return oGrid;
}

}  // namespace kerchunk
