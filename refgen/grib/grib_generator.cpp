// GRIB (editions 1 and 2) -> kerchunk references.
//
// Layout, as kerchunk's grib_tree builds it from scan_grib output:
//   /<var>/<stepType>/<typeOfLevel>/<var>   data, dims [number] [time] [step]
//                                           [<typeOfLevel>] + grid dims
//   .../time, step, <typeOfLevel>, number, valid_time   coordinates (1-D
//        when they vary inside the group, else 0-d)
//   .../latitude + longitude, or x + y + crs (CF grid mapping)
// <var> is eccodes' cfVarName (shortName when unknown). Messages on another
// grid, or repeating an occupied (number, time, step, level) cell, go to a
// sibling group "<typeOfLevel>_2", "_3", ... so that no field is dropped.
//
// Each data chunk is one field: the message's byte range when the field is
// the first (or only) one of its message, since eccodes decodes the first
// field of a message; for later fields of a GRIB2 multi-field message, an
// inline single-field message rebuilt from its sections. The chunks are
// decoded by the "grib" codec (eccodes; missing values -> NaN).
#include "error.h"
#include "../generator.h"
#include "../zarr_metadata.h"
#include "grib_grid.h"
#include "grib_handle.h"
#include "grib_locator.h"

#include "cpl_error.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <deque>
#include <map>
#include <memory>
#include <set>
#include <tuple>

namespace kerchunk
{

namespace
{

constexpr const char *TIME_UNITS = "seconds since 1970-01-01T00:00:00";

// Days from 1970-01-01 in the proleptic Gregorian calendar (H. Hinnant's
// days_from_civil).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

// eccodes dates are YYYYMMDD and times HHMM.
std::optional<int64_t> EpochSeconds(std::optional<long> nDate,
                                    std::optional<long> nTime)
{
    if (!nDate || !nTime)
        return std::nullopt;
    const long y = *nDate / 10000, m = (*nDate / 100) % 100, d = *nDate % 100;
    if (m < 1 || m > 12 || d < 1 || d > 31)
        return std::nullopt;
    const long hh = *nTime / 100, mm = *nTime % 100;
    return DaysFromCivil(y, static_cast<unsigned>(m), static_cast<unsigned>(d)) *
               86400 +
           hh * 3600 + mm * 60;
}

// Zarr keys are paths: keep names to one safe component.
std::string SafeName(std::string osName)
{
    for (char &ch : osName)
    {
        if (ch == '/' || ch == '\\' || static_cast<unsigned char>(ch) < 32)
            ch = '_';
    }
    if (osName.empty() || osName == "." || osName == ".." || osName[0] == '.')
        osName = "_" + osName;
    return osName;
}

struct FieldRecord
{
    const GribMessage *poMessage = nullptr;
    const GribField *poField = nullptr;
    long nNumber = -1;  // -1: no ensemble number
    int64_t nTime = 0;
    double dfStep = 0;
    double dfLevel = 0;
};

using CellKey = std::tuple<long, int64_t, double, double>;

struct Group
{
    std::string osPath{};
    std::string osVarName{};
    std::string osTypeOfLevel{};
    std::string osGridKey{};
    std::shared_ptr<const GribGrid> poGrid{};
    nlohmann::json oDataAttributes = nlohmann::json::object();
    std::vector<FieldRecord> aoFields{};
    std::set<CellKey> oCells{};
};

// Coordinate attributes as cfgrib writes them.
nlohmann::json LevelAttributes(const std::string &osTypeOfLevel)
{
    if (osTypeOfLevel == "isobaricInhPa")
        return {{"long_name", "pressure"},
                {"units", "hPa"},
                {"positive", "down"},
                {"stored_direction", "decreasing"},
                {"standard_name", "air_pressure"}};
    if (osTypeOfLevel == "isobaricInPa")
        return {{"long_name", "pressure"},
                {"units", "Pa"},
                {"positive", "down"},
                {"stored_direction", "decreasing"},
                {"standard_name", "air_pressure"}};
    if (osTypeOfLevel == "hybrid")
        return {{"long_name", "hybrid level"},
                {"units", "1"},
                {"positive", "down"},
                {"standard_name", "atmosphere_hybrid_sigma_pressure_coordinate"}};
    if (osTypeOfLevel == "heightAboveGround")
        return {{"long_name", "height above the surface"},
                {"units", "m"},
                {"positive", "up"},
                {"standard_name", "height"}};
    if (osTypeOfLevel == "depthBelowLand" ||
        osTypeOfLevel == "depthBelowLandLayer")
        return {{"long_name", "soil depth"},
                {"units", "m"},
                {"positive", "down"},
                {"standard_name", "depth"}};
    return {{"long_name", "original GRIB coordinate for key: level(" +
                              osTypeOfLevel + ")"},
            {"units", "1"}};
}

// Attributes of a data array as cfgrib names them, from its first field.
nlohmann::json DataAttributes(const EccodesHandle &h)
{
    nlohmann::json oAttr = nlohmann::json::object();
    for (const char *pszKey :
         {"shortName", "cfVarName", "name", "units", "cfName", "typeOfLevel",
          "stepType", "stepUnits", "gridType", "dataType",
          "gridDefinitionDescription"})
    {
        if (auto osValue = h.GetString(pszKey))
            oAttr[std::string("GRIB_") + pszKey] = *osValue;
    }
    for (const char *pszKey :
         {"paramId", "numberOfPoints", "NV", "Nx", "Ny", "iScansNegatively",
          "jScansPositively", "jPointsAreConsecutive",
          "alternativeRowScanning", "totalNumber"})
    {
        if (h.IsMissing(pszKey))
            continue;
        if (auto nValue = h.GetLong(pszKey))
            oAttr[std::string("GRIB_") + pszKey] = *nValue;
    }
    if (auto dfMissing = h.GetDouble("missingValue"))
        oAttr["GRIB_missingValue"] = *dfMissing;
    if (oAttr.contains("GRIB_name"))
        oAttr["long_name"] = oAttr["GRIB_name"];
    if (oAttr.contains("GRIB_units"))
        oAttr["units"] = oAttr["GRIB_units"];
    if (oAttr.contains("GRIB_cfName") && oAttr["GRIB_cfName"] != "unknown")
        oAttr["standard_name"] = oAttr["GRIB_cfName"];
    return oAttr;
}

class GribReferenceBuilder
{
  public:
    GribReferenceBuilder(const std::string &osSource,
                         const GenerateOptions &oOptions,
                         ReferenceWriter &oWriter)
        : m_osSource(osSource), m_oOptions(oOptions), m_oWriter(oWriter),
          m_oReader(osSource)
    {
    }

    GenerateStats Run();

  private:
    void AddField(const GribMessage &oMsg, const GribField &oField);
    std::string FieldName(const GribMessage &oMsg,
                          const GribField &oField) const
    {
        std::string os = "message " + std::to_string(oMsg.nNumber);
        if (oMsg.aoFields.size() > 1)
            os += " field " + std::to_string(oField.nIndex + 1);
        return os;
    }
    void Skip(const GribMessage &oMsg, const GribField &oField,
              const std::string &osReason);
    void EnsureGroups(const std::string &osPath);
    void WriteGroup(const Group &oGroup);
    void WriteCoordinate(const std::string &osPath,
                         const std::vector<std::string> &aosDims,
                         const std::vector<uint64_t> &anShape,
                         const std::string &osDtype, const std::string &osBytes,
                         const nlohmann::json &oAttributes);

    std::string m_osSource;
    const GenerateOptions &m_oOptions;
    ReferenceWriter &m_oWriter;
    GribFileReader m_oReader;
    GenerateStats m_oStats{};
    nlohmann::json m_oRootAttributes = nlohmann::json::object();
    std::map<std::string, std::shared_ptr<const GribGrid>> m_oGrids{};
    std::vector<Group> m_aoGroups{};
    std::map<std::string, std::vector<size_t>> m_oGroupsByBase{};
    std::set<std::string> m_oWrittenGroups{};
    std::map<std::string, nlohmann::json> m_oAttributeCache{};
};

void GribReferenceBuilder::Skip(const GribMessage &oMsg,
                                const GribField &oField,
                                const std::string &osReason)
{
    const std::string osWhat = FieldName(oMsg, oField) + " (offset " +
                               std::to_string(oMsg.nOffset) + "): " + osReason;
    if (m_oOptions.bStrict)
        throw Error(m_osSource + ": GRIB " + osWhat);
    CPLDebug("KERCHUNK", "%s: skipping GRIB %s", m_osSource.c_str(),
             osWhat.c_str());
    m_oStats.aosSkipped.push_back(osWhat);
}

void GribReferenceBuilder::AddField(const GribMessage &oMsg,
                                    const GribField &oField)
{
    const EccodesHandle h = EccodesHandle::FromBytes(
        BuildHeaderMessage(m_oReader, oMsg, oField), oMsg.nEdition == 2);
    if (!h)
    {
        Skip(oMsg, oField,
             h.Failure().empty() ? std::string("eccodes cannot parse its headers")
                                 : "eccodes cannot parse its headers (" + h.Failure() + ")");
        return;
    }

    std::string osVar = h.GetStringOr("cfVarName", "unknown");
    if (osVar == "unknown" || osVar == "undef" || osVar.empty())
        osVar = h.GetStringOr("shortName", "unknown");
    if (osVar == "unknown" || osVar == "undef" || osVar.empty())
    {
        // Keep unknown parameters apart from each other, by their code.
        if (oMsg.nEdition == 2)
            osVar = "unknown_" +
                    std::to_string(h.GetLong("discipline").value_or(255)) + "_" +
                    std::to_string(h.GetLong("parameterCategory").value_or(255)) +
                    "_" +
                    std::to_string(h.GetLong("parameterNumber").value_or(255));
        else
            osVar = "unknown_" +
                    std::to_string(h.GetLong("table2Version").value_or(255)) +
                    "_" +
                    std::to_string(
                        h.GetLong("indicatorOfParameter").value_or(255));
    }
    osVar = SafeName(osVar);
    if (!m_oOptions.aosVariables.empty() &&
        std::find(m_oOptions.aosVariables.begin(),
                  m_oOptions.aosVariables.end(),
                  osVar) == m_oOptions.aosVariables.end())
        return;

    const std::string osStepType = SafeName(h.GetStringOr("stepType", "instant"));
    const std::string osTypeOfLevel =
        SafeName(h.GetStringOr("typeOfLevel", "unknown"));

    FieldRecord oRecord;
    oRecord.poMessage = &oMsg;
    oRecord.poField = &oField;
    const auto nTime =
        EpochSeconds(h.GetLong("dataDate"), h.GetLong("dataTime"));
    const auto nValid =
        EpochSeconds(h.GetLong("validityDate"), h.GetLong("validityTime"));
    if (!nTime)
    {
        Skip(oMsg, oField, "no valid reference date/time");
        return;
    }
    oRecord.nTime = *nTime;
    oRecord.dfStep =
        nValid ? static_cast<double>(*nValid - *nTime) / 3600.0 : 0.0;
    oRecord.dfLevel = h.GetDouble("level").value_or(0.0);
    if (!h.IsMissing("number"))
        oRecord.nNumber = h.GetLong("number").value_or(-1);

    // The grid: identical grid definition bytes share one description.
    // Edition 2: [1, (2), 3, ...]; edition 1: [PDS, (GDS), ...].
    const size_t nGridIdx =
        oMsg.nEdition == 2 && oField.aoSections[1].nNumber == 2 ? 2 : 1;
    const GribSection &oGridSection = oField.aoSections[nGridIdx];
    std::string osGridKey;
    if (oGridSection.nNumber == (oMsg.nEdition == 2 ? 3 : 2))
    {
        if (oGridSection.nLength > 16 * 1024 * 1024)
        {
            Skip(oMsg, oField, "grid section larger than 16 MB");
            return;
        }
        osGridKey = std::to_string(oMsg.nEdition) + ":" +
                    m_oReader.ReadString(
                        oGridSection.nOffset + (oMsg.nEdition == 2 ? 5 : 3),
                        static_cast<size_t>(oGridSection.nLength) -
                            (oMsg.nEdition == 2 ? 5 : 3));
    }
    else
    {
        // GRIB1 without GDS: a predefined grid, known by its number.
        osGridKey = "1:predefined:" +
                    std::to_string(h.GetLong("gridDefinition").value_or(-1));
    }
    auto oGridIt = m_oGrids.find(osGridKey);
    if (oGridIt == m_oGrids.end())
    {
        std::string osFullFailure;
        auto fnFullCount = [&]() -> uint64_t {
            const EccodesHandle oFull = EccodesHandle::FromBytes(
                oField.nIndex == 0
                    ? m_oReader.ReadString(oMsg.nOffset,
                                           static_cast<size_t>(oMsg.nLength))
                    : BuildSingleFieldMessage(m_oReader, oMsg, oField),
                false);
            osFullFailure = oFull.Failure();
            return oFull.GetSize("values").value_or(0);
        };
        auto poGrid = std::make_shared<const GribGrid>(
            DescribeGribGrid(h, fnFullCount));
        if (!osFullFailure.empty())
        {
            // Not cached: the grid of a corrupt message says nothing.
            Skip(oMsg, oField, "eccodes cannot parse the message (" + osFullFailure + ")");
            return;
        }
        oGridIt = m_oGrids.emplace(osGridKey, poGrid).first;
    }
    const auto &poGrid = oGridIt->second;
    if (poGrid->eKind == GribGridKind::OneD && poGrid->nX == 0)
    {
        Skip(oMsg, oField,
             "eccodes cannot decode its grid (gridType '" + poGrid->osGridType +
                 "', grid definition template " +
                 std::to_string(
                     h.GetLong("gridDefinitionTemplateNumber").value_or(-1)) +
                 ")");
        return;
    }

    // Pick the group: same grid, cell not yet taken.
    const std::string osBase = osVar + "/" + osStepType + "/" + osTypeOfLevel;
    const CellKey oCell{oRecord.nNumber, oRecord.nTime, oRecord.dfStep,
                        oRecord.dfLevel};
    auto &anCandidates = m_oGroupsByBase[osBase];
    Group *poGroup = nullptr;
    for (size_t nIdx : anCandidates)
    {
        Group &oGroup = m_aoGroups[nIdx];
        if (oGroup.osGridKey == osGridKey && !oGroup.oCells.count(oCell))
        {
            poGroup = &oGroup;
            break;
        }
    }
    if (poGroup == nullptr)
    {
        Group oGroup;
        oGroup.osPath = anCandidates.empty()
                            ? osBase
                            : osBase + "_" +
                                  std::to_string(anCandidates.size() + 1);
        oGroup.osVarName = osVar;
        oGroup.osTypeOfLevel = osTypeOfLevel;
        oGroup.osGridKey = osGridKey;
        oGroup.poGrid = poGrid;
        // Several attributes are eccodes concepts, costly to evaluate: a
        // sibling group of the same variable and grid reuses them.
        const std::string osCacheKey = osBase + '\n' + osGridKey;
        auto oCached = m_oAttributeCache.find(osCacheKey);
        if (oCached == m_oAttributeCache.end())
            oCached =
                m_oAttributeCache.emplace(osCacheKey, DataAttributes(h)).first;
        oGroup.oDataAttributes = oCached->second;
        anCandidates.push_back(m_aoGroups.size());
        m_aoGroups.push_back(std::move(oGroup));
        poGroup = &m_aoGroups.back();
    }
    poGroup->oCells.insert(oCell);
    poGroup->aoFields.push_back(oRecord);

    if (m_oRootAttributes.empty())
    {
        m_oRootAttributes["GRIB_edition"] = oMsg.nEdition;
        if (auto os = h.GetString("centre"))
            m_oRootAttributes["GRIB_centre"] = *os;
        if (auto os = h.GetString("centreDescription"))
        {
            m_oRootAttributes["GRIB_centreDescription"] = *os;
            m_oRootAttributes["institution"] = *os;
        }
        if (auto n = h.GetLong("subCentre"))
            m_oRootAttributes["GRIB_subCentre"] = *n;
        m_oRootAttributes["Conventions"] = "CF-1.7";
    }
}

void GribReferenceBuilder::EnsureGroups(const std::string &osPath)
{
    size_t nPos = 0;
    while ((nPos = osPath.find('/', nPos)) != std::string::npos)
    {
        const std::string osParent = osPath.substr(0, nPos);
        if (m_oWrittenGroups.insert(osParent).second)
            kerchunk::WriteGroup(m_oWriter, osParent);
        ++nPos;
    }
    if (m_oWrittenGroups.insert(osPath).second)
        kerchunk::WriteGroup(m_oWriter, osPath);
}

template <class T> std::string RawBytes(const std::vector<T> &aValues)
{
    // Zarr dtypes below are little-endian ("<"); so is every platform GDAL
    // 3.6 supports on Debian, checked at compile time.
    static_assert(sizeof(T) == 8, "8-byte coordinates only");
    std::string os(aValues.size() * sizeof(T), '\0');
    if (!aValues.empty())
        memcpy(&os[0], aValues.data(), os.size());
    return os;
}

void GribReferenceBuilder::WriteCoordinate(
    const std::string &osPath, const std::vector<std::string> &aosDims,
    const std::vector<uint64_t> &anShape, const std::string &osDtype,
    const std::string &osBytes, const nlohmann::json &oAttributes)
{
    ZarrArrayMetadata oMeta;
    oMeta.anShape = anShape;
    oMeta.anChunks = anShape;
    oMeta.osDtype = osDtype;
    WriteArrayMetadata(m_oWriter, osPath, oMeta, aosDims, oAttributes);
    m_oWriter.AddInlineBase64(ChunkKey(osPath, std::vector<uint64_t>(
                                             anShape.size(), 0)),
                        osBytes);
    ++m_oStats.nArrays;
    ++m_oStats.nChunks;
}

template <class T> std::vector<T> Sorted(std::set<T> oSet)
{
    return std::vector<T>(oSet.begin(), oSet.end());
}

template <class T> uint64_t IndexOf(const std::vector<T> &aValues, T value)
{
    return static_cast<uint64_t>(
        std::lower_bound(aValues.begin(), aValues.end(), value) -
        aValues.begin());
}

void GribReferenceBuilder::WriteGroup(const Group &oGroup)
{
    EnsureGroups(oGroup.osPath);
    const GribGrid &oGrid = *oGroup.poGrid;
    const std::string osPrefix = oGroup.osPath + "/";

    std::set<long> oNumbers;
    std::set<int64_t> oTimes;
    std::set<double> oSteps, oLevels;
    for (const auto &oField : oGroup.aoFields)
    {
        oNumbers.insert(oField.nNumber);
        oTimes.insert(oField.nTime);
        oSteps.insert(oField.dfStep);
        oLevels.insert(oField.dfLevel);
    }
    const auto anNumbers = Sorted(oNumbers);
    const auto anTimes = Sorted(oTimes);
    const auto adfSteps = Sorted(oSteps);
    const auto adfLevels = Sorted(oLevels);
    const bool bHasNumber = !(anNumbers.size() == 1 && anNumbers[0] == -1);

    std::vector<std::string> aosDims;
    std::vector<uint64_t> anShape;
    std::vector<std::string> aosCoordinates;
    const std::string osLevelName = oGroup.osTypeOfLevel;
    const nlohmann::json oTimeAttributes = {
        {"long_name", "initial time of forecast"},
        {"standard_name", "forecast_reference_time"},
        {"units", TIME_UNITS},
        {"calendar", "proleptic_gregorian"}};
    nlohmann::json oValidAttributes = oTimeAttributes;
    oValidAttributes["long_name"] = "time";
    oValidAttributes["standard_name"] = "time";
    const nlohmann::json oNumberAttributes = {
        {"long_name", "ensemble member numerical id"},
        {"units", "1"},
        {"standard_name", "realization"}};
    const nlohmann::json oStepAttributes = {
        {"long_name", "time since forecast_reference_time"},
        {"standard_name", "forecast_period"},
        {"units", "hours"}};

    // A hypercube over (number, time, step, level) that the fields fill
    // only sparsely (e.g. time and step both varying along a diagonal)
    // would declare far more cells than fields: stack the fields along one
    // "field" dimension instead, with per-field coordinates.
    long double dfCells = 1;
    for (size_t n : {anNumbers.size(), anTimes.size(), adfSteps.size(),
                     adfLevels.size()})
        dfCells *= static_cast<long double>(n);
    const size_t nFields = oGroup.aoFields.size();
    const bool bSparse =
        dfCells > 4096 && dfCells > 8.0L * static_cast<long double>(nFields);
    std::vector<const FieldRecord *> apoOrdered;
    for (const auto &oField : oGroup.aoFields)
        apoOrdered.push_back(&oField);
    auto CellOf = [](const FieldRecord *p)
    { return CellKey{p->nNumber, p->nTime, p->dfStep, p->dfLevel}; };
    std::sort(apoOrdered.begin(), apoOrdered.end(),
              [&](const FieldRecord *a, const FieldRecord *b)
              { return CellOf(a) < CellOf(b); });

    if (bSparse)
    {
        aosDims = {"field"};
        anShape = {nFields};
        std::vector<int64_t> anNum, anTime, anValid;
        std::vector<double> adfStep, adfLevel;
        for (const FieldRecord *p : apoOrdered)
        {
            anNum.push_back(p->nNumber);
            anTime.push_back(p->nTime);
            adfStep.push_back(p->dfStep);
            adfLevel.push_back(p->dfLevel);
            anValid.push_back(p->nTime +
                              static_cast<int64_t>(std::llround(p->dfStep * 3600)));
        }
        const std::vector<std::string> aosF{"field"};
        const std::vector<uint64_t> anF{nFields};
        if (bHasNumber)
        {
            WriteCoordinate(osPrefix + "number", aosF, anF, "<i8",
                            RawBytes(anNum), oNumberAttributes);
            aosCoordinates.push_back("number");
        }
        WriteCoordinate(osPrefix + "time", aosF, anF, "<i8", RawBytes(anTime),
                        oTimeAttributes);
        WriteCoordinate(osPrefix + "step", aosF, anF, "<f8", RawBytes(adfStep),
                        oStepAttributes);
        WriteCoordinate(osPrefix + osLevelName, aosF, anF, "<f8",
                        RawBytes(adfLevel), LevelAttributes(osLevelName));
        WriteCoordinate(osPrefix + "valid_time", aosF, anF, "<i8",
                        RawBytes(anValid), oValidAttributes);
        for (const char *psz : {"time", "step"})
            aosCoordinates.push_back(psz);
        aosCoordinates.push_back(osLevelName);
        aosCoordinates.push_back("valid_time");
    }
    else
    {
        auto AddDim = [&](const std::string &osName, size_t nCount)
        {
            if (nCount > 1)
            {
                aosDims.push_back(osName);
                anShape.push_back(nCount);
            }
        };
        if (bHasNumber)
            AddDim("number", anNumbers.size());
        AddDim("time", anTimes.size());
        AddDim("step", adfSteps.size());
        AddDim(osLevelName, adfLevels.size());

        auto DimsOf = [](bool bVarying, const std::string &osName)
        {
            return bVarying ? std::vector<std::string>{osName}
                            : std::vector<std::string>{};
        };
        auto ShapeOf = [](size_t nCount)
        {
            return nCount > 1 ? std::vector<uint64_t>{nCount}
                              : std::vector<uint64_t>{};
        };
        if (bHasNumber)
        {
            std::vector<int64_t> an(anNumbers.begin(), anNumbers.end());
            WriteCoordinate(osPrefix + "number", DimsOf(an.size() > 1, "number"),
                            ShapeOf(an.size()), "<i8", RawBytes(an),
                            oNumberAttributes);
            aosCoordinates.push_back("number");
        }
        WriteCoordinate(osPrefix + "time", DimsOf(anTimes.size() > 1, "time"),
                        ShapeOf(anTimes.size()), "<i8", RawBytes(anTimes),
                        oTimeAttributes);
        aosCoordinates.push_back("time");
        WriteCoordinate(osPrefix + "step", DimsOf(adfSteps.size() > 1, "step"),
                        ShapeOf(adfSteps.size()), "<f8", RawBytes(adfSteps),
                        oStepAttributes);
        aosCoordinates.push_back("step");
        WriteCoordinate(osPrefix + osLevelName,
                        DimsOf(adfLevels.size() > 1, osLevelName),
                        ShapeOf(adfLevels.size()), "<f8", RawBytes(adfLevels),
                        LevelAttributes(osLevelName));
        aosCoordinates.push_back(osLevelName);
        // valid_time = time + step over the (time, step) dims in use.
        std::vector<std::string> aosVDims;
        std::vector<uint64_t> anVShape;
        if (anTimes.size() > 1)
        {
            aosVDims.push_back("time");
            anVShape.push_back(anTimes.size());
        }
        if (adfSteps.size() > 1)
        {
            aosVDims.push_back("step");
            anVShape.push_back(adfSteps.size());
        }
        std::vector<int64_t> anValid;
        for (int64_t nTime : anTimes)
            for (double dfStep : adfSteps)
                anValid.push_back(
                    nTime + static_cast<int64_t>(std::llround(dfStep * 3600)));
        WriteCoordinate(osPrefix + "valid_time", aosVDims, anVShape, "<i8",
                        RawBytes(anValid), oValidAttributes);
        aosCoordinates.push_back("valid_time");
    }

    // Grid dims and coordinates.
    std::vector<std::string> aosGridDims;
    std::vector<uint64_t> anGridShape;
    if (oGrid.eKind == GribGridKind::OneD)
    {
        aosGridDims = {"values"};
        anGridShape = {oGrid.nX};
    }
    else if (oGrid.bColumnMajor)
    {
        aosGridDims = {oGrid.osXName, oGrid.osYName};
        anGridShape = {oGrid.nX, oGrid.nY};
    }
    else
    {
        aosGridDims = {oGrid.osYName, oGrid.osXName};
        anGridShape = {oGrid.nY, oGrid.nX};
    }
    const bool bHasCoords = oGrid.eKind == GribGridKind::LatLon ||
                            oGrid.eKind == GribGridKind::Projected;
    if (bHasCoords)
    {
        WriteCoordinate(osPrefix + oGrid.osYName, {oGrid.osYName},
                        {oGrid.nY}, "<f8", RawBytes(oGrid.adfY),
                        oGrid.oYAttributes);
        WriteCoordinate(osPrefix + oGrid.osXName, {oGrid.osXName},
                        {oGrid.nX}, "<f8", RawBytes(oGrid.adfX),
                        oGrid.oXAttributes);
        aosCoordinates.push_back(oGrid.osYName);
        aosCoordinates.push_back(oGrid.osXName);
    }
    nlohmann::json oDataAttributes = oGroup.oDataAttributes;
    if (bHasCoords && !oGrid.osWkt.empty())
    {
        // CF grid mapping variable (0-d, no chunk: its value is irrelevant).
        nlohmann::json oMapping = oGrid.oGridMapping;
        oMapping["crs_wkt"] = oGrid.osWkt;
        oMapping["spatial_ref"] = oGrid.osWkt;
        ZarrArrayMetadata oMeta;
        oMeta.osDtype = "<i4";
        oMeta.oFillValue = 0;
        WriteArrayMetadata(m_oWriter, osPrefix + "crs", oMeta, {}, oMapping);
        ++m_oStats.nArrays;
        oDataAttributes["grid_mapping"] = "crs";
        // GDAL's Zarr driver reads the CRS from this attribute only.
        oDataAttributes["_CRS"] = {{"wkt", oGrid.osWkt}};
    }
    std::string osCoordinates;
    for (const auto &os : aosCoordinates)
        osCoordinates += (osCoordinates.empty() ? "" : " ") + os;
    oDataAttributes["coordinates"] = osCoordinates;

    // The data array. Its name must not collide with a coordinate.
    std::string osDataName = oGroup.osVarName;
    if (std::find(aosCoordinates.begin(), aosCoordinates.end(), osDataName) !=
            aosCoordinates.end() ||
        osDataName == "crs")
        osDataName += "_data";
    const std::string osDataPath = osPrefix + osDataName;
    ZarrArrayMetadata oMeta;
    oMeta.anShape = anShape;
    oMeta.anChunks = std::vector<uint64_t>(anShape.size(), 1);
    for (size_t i = 0; i < anGridShape.size(); ++i)
    {
        oMeta.anShape.push_back(anGridShape[i]);
        oMeta.anChunks.push_back(anGridShape[i]);
    }
    oMeta.osDtype = "<f8";
    oMeta.oFillValue = "NaN";
    // kerchunk's GRIBCodec options: var = the variable name (selects the
    // values; "latitude"/"longitude" would select coordinates), dtype.
    const bool bCoordName = oGroup.osVarName == "latitude" ||
                            oGroup.osVarName == "longitude";
    oMeta.oCompressor = {{"id", "grib"},
                         {"var", bCoordName ? "values" : oGroup.osVarName},
                         {"dtype", "float64"}};
    std::vector<std::string> aosAllDims = aosDims;
    aosAllDims.insert(aosAllDims.end(), aosGridDims.begin(), aosGridDims.end());
    WriteArrayMetadata(m_oWriter, osDataPath, oMeta, aosAllDims,
                       oDataAttributes);
    ++m_oStats.nArrays;

    for (size_t iField = 0; iField < apoOrdered.size(); ++iField)
    {
        const FieldRecord &oField = *apoOrdered[iField];
        std::vector<uint64_t> anIndex;
        if (bSparse)
            anIndex.push_back(iField);
        if (!bSparse && bHasNumber && anNumbers.size() > 1)
            anIndex.push_back(IndexOf(anNumbers, oField.nNumber));
        if (!bSparse && anTimes.size() > 1)
            anIndex.push_back(IndexOf(anTimes, oField.nTime));
        if (!bSparse && adfSteps.size() > 1)
            anIndex.push_back(IndexOf(adfSteps, oField.dfStep));
        if (!bSparse && adfLevels.size() > 1)
            anIndex.push_back(IndexOf(adfLevels, oField.dfLevel));
        for (size_t i = 0; i < anGridShape.size(); ++i)
            anIndex.push_back(0);
        const std::string osKey = ChunkKey(osDataPath, anIndex);
        const GribMessage &oMsg = *oField.poMessage;
        if (oField.poField->nIndex == 0)
            m_oWriter.AddRange(osKey, oMsg.nOffset, oMsg.nLength);
        else
            m_oWriter.AddInlineBase64(osKey, BuildSingleFieldMessage(
                                           m_oReader, oMsg, *oField.poField));
        ++m_oStats.nChunks;
    }
}

GenerateStats GribReferenceBuilder::Run()
{
    RouteEccodesLogging();
    // Fields keep pointers to their message: a deque does not move them.
    std::deque<GribMessage> aoMessages;
    const double dfSize = static_cast<double>(std::max<uint64_t>(1, m_oReader.GetSize()));
    ScanGribMessages(
        m_oReader,
        [&](GribMessage &&oNew)
        {
            aoMessages.push_back(std::move(oNew));
            const GribMessage &oMsg = aoMessages.back();
            for (const auto &oField : oMsg.aoFields)
                AddField(oMsg, oField);
            if (m_oOptions.pfnProgress &&
                !m_oOptions.pfnProgress(
                    0.9 * static_cast<double>(oMsg.nOffset + oMsg.nLength) / dfSize,
                    "", m_oOptions.pProgressData))
                throw Error(m_osSource + ": interrupted");
        });
    if (aoMessages.empty())
        throw Error(m_osSource + ": no GRIB message found");
    if (m_aoGroups.empty())
    {
        if (!m_oOptions.aosVariables.empty() && m_oStats.aosSkipped.empty())
            throw Error(m_osSource + ": none of the requested variables is "
                                     "in the GRIB file");
        throw Error(m_osSource + ": no GRIB field could be referenced" +
                    (m_oStats.aosSkipped.empty()
                         ? std::string()
                         : " (" + m_oStats.aosSkipped.front() + ")"));
    }
    kerchunk::WriteGroup(m_oWriter, "", m_oRootAttributes);
    m_oWrittenGroups.insert("");
    for (const auto &oGroup : m_aoGroups)
        WriteGroup(oGroup);
    CPLDebug("KERCHUNK", "%s: %u GRIB messages, %u groups, " CPL_FRMT_GUIB
                         " bytes read",
             m_osSource.c_str(), static_cast<unsigned>(aoMessages.size()),
             static_cast<unsigned>(m_aoGroups.size()),
             static_cast<GUIntBig>(m_oReader.GetBytesRead()));
    if (m_oOptions.pfnProgress)
        m_oOptions.pfnProgress(1.0, "", m_oOptions.pProgressData);
    return m_oStats;
}

}  // namespace

GenerateStats GenerateGRIBReferences(const std::string &osSource,
                                     const GenerateOptions &oOptions,
                                     ReferenceWriter &oWriter)
{
    GribReferenceBuilder oBuilder(osSource, oOptions, oWriter);
    return oBuilder.Run();
}

}  // namespace kerchunk
