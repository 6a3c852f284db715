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
#include "../generation_reporter.h"
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
#include <optional>
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

CellKey CellOf(const FieldRecord &oField)
{
    return CellKey{oField.nNumber, oField.nTime, oField.dfStep, oField.dfLevel};
}

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

// eccodes' cfVarName, else shortName, else the parameter's code.
std::string VariableName(const EccodesHandle &h, int nEdition)
{
    auto IsUnknown = [](const std::string &os)
    { return os == "unknown" || os == "undef" || os.empty(); };
    std::string osVar = h.GetStringOr("cfVarName", "unknown");
    if (IsUnknown(osVar))
        osVar = h.GetStringOr("shortName", "unknown");
    if (!IsUnknown(osVar))
        return osVar;
    // Keep unknown parameters apart from each other, by their code.
    auto Code = [&h](const char *pszKey)
    { return std::to_string(h.GetLong(pszKey).value_or(255)); };
    if (nEdition == 2)
        return "unknown_" + Code("discipline") + "_" +
               Code("parameterCategory") + "_" + Code("parameterNumber");
    return "unknown_" + Code("table2Version") + "_" +
           Code("indicatorOfParameter");
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

struct FieldAxes;
struct FieldDims;
struct Coordinate;

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
    void AddParsedField(const EccodesHandle &h, const GribMessage &oMsg,
                        const GribField &oField);
    std::optional<FieldRecord> ReadFieldRecord(const EccodesHandle &h,
                                               const GribMessage &oMsg,
                                               const GribField &oField);
    std::shared_ptr<const GribGrid> GridOf(const EccodesHandle &h,
                                           const GribMessage &oMsg,
                                           const GribField &oField,
                                           std::string &osGridKey);
    Group &GroupFor(const EccodesHandle &h, Group &&oNew,
                    const CellKey &oCell);
    static nlohmann::json RootAttributes(const EccodesHandle &h, int nEdition);
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
    void WriteCoordinates(const std::string &osPrefix,
                          const std::vector<Coordinate> &aoCoords,
                          std::vector<std::string> &aosCoordinates);
    void WriteGridMapping(const std::string &osPrefix, const GribGrid &oGrid,
                          nlohmann::json &oDataAttributes);
    void WriteDataArray(const Group &oGroup, const std::string &osDataPath,
                        const FieldDims &oFieldDims, const FieldDims &oGridDims,
                        const nlohmann::json &oAttributes);
    void WriteDataChunks(const FieldAxes &oAxes, const std::string &osDataPath,
                         size_t nGridDims);
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
    GenerationReporter(m_osSource, m_oOptions, m_oStats)
        .Skip("GRIB " + FieldName(oMsg, oField) + " (offset " +
                  std::to_string(oMsg.nOffset) + ")",
              osReason);
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
    try
    {
        AddParsedField(h, oMsg, oField);
    }
    catch (const GribFieldError &oFailure)
    {
        // An eccodes assertion on one of the field's keys (a corrupt
        // message, skipped like one eccodes cannot parse at all), or a
        // field too large to be one chunk.
        Skip(oMsg, oField, oFailure.what());
    }
}

// Reads every key before changing any state: a GribFieldError thrown
// half-way leaves the builder as it was.
void GribReferenceBuilder::AddParsedField(const EccodesHandle &h,
                                          const GribMessage &oMsg,
                                          const GribField &oField)
{
    const std::string osVar = SafeName(VariableName(h, oMsg.nEdition));
    if (!m_oOptions.aosVariables.empty() &&
        std::find(m_oOptions.aosVariables.begin(),
                  m_oOptions.aosVariables.end(),
                  osVar) == m_oOptions.aosVariables.end())
        return;
    const std::string osTypeOfLevel =
        SafeName(h.GetStringOr("typeOfLevel", "unknown"));
    const std::string osBase =
        osVar + "/" + SafeName(h.GetStringOr("stepType", "instant")) + "/" +
        osTypeOfLevel;

    auto oRecord = ReadFieldRecord(h, oMsg, oField);
    if (!oRecord)
        return;
    std::string osGridKey;
    const auto poGrid = GridOf(h, oMsg, oField, osGridKey);
    if (!poGrid)
        return;
    nlohmann::json oRootAttributes;
    if (m_oRootAttributes.empty())
        oRootAttributes = RootAttributes(h, oMsg.nEdition);

    Group oNew;
    oNew.osPath = osBase;
    oNew.osVarName = osVar;
    oNew.osTypeOfLevel = osTypeOfLevel;
    oNew.osGridKey = std::move(osGridKey);
    oNew.poGrid = poGrid;
    Group &oGroup = GroupFor(h, std::move(oNew), CellOf(*oRecord));
    oGroup.oCells.insert(CellOf(*oRecord));
    oGroup.aoFields.push_back(*oRecord);
    if (m_oRootAttributes.empty())
        m_oRootAttributes = std::move(oRootAttributes);
}

// The field's place along (number, time, step, level); nullopt (skipped)
// without a valid reference time.
std::optional<FieldRecord>
GribReferenceBuilder::ReadFieldRecord(const EccodesHandle &h,
                                      const GribMessage &oMsg,
                                      const GribField &oField)
{
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
        return std::nullopt;
    }
    oRecord.nTime = *nTime;
    oRecord.dfStep =
        nValid ? static_cast<double>(*nValid - *nTime) / 3600.0 : 0.0;
    oRecord.dfLevel = h.GetDouble("level").value_or(0.0);
    if (!h.IsMissing("number"))
        oRecord.nNumber = h.GetLong("number").value_or(-1);
    return oRecord;
}

// The field's grid, described once per distinct grid definition (its
// bytes are the key); nullptr (skipped) when it cannot be referenced.
std::shared_ptr<const GribGrid>
GribReferenceBuilder::GridOf(const EccodesHandle &h, const GribMessage &oMsg,
                             const GribField &oField, std::string &osGridKey)
{
    // Edition 2: [1, (2), 3, ...]; edition 1: [PDS, (GDS), ...].
    const size_t nGridIdx =
        oMsg.nEdition == 2 && oField.aoSections[1].nNumber == 2 ? 2 : 1;
    const GribSection &oGridSection = oField.aoSections[nGridIdx];
    if (oGridSection.nNumber == (oMsg.nEdition == 2 ? 3 : 2))
    {
        if (oGridSection.nLength > 16 * 1024 * 1024)
        {
            Skip(oMsg, oField, "grid section larger than 16 MB");
            return nullptr;
        }
        const size_t nHeader = oMsg.nEdition == 2 ? 5 : 3;
        osGridKey = std::to_string(oMsg.nEdition) + ":" +
                    m_oReader.ReadString(
                        oGridSection.nOffset + nHeader,
                        static_cast<size_t>(oGridSection.nLength) - nHeader);
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
        auto fnFullCount = [&]() -> uint64_t
        {
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
            return nullptr;
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
        return nullptr;
    }
    return poGrid;
}

// The group of `oNew`'s path and grid whose cell `oCell` is free, else
// `oNew` (no fields yet) added as a sibling: "<path>_2", "_3", ...
Group &GribReferenceBuilder::GroupFor(const EccodesHandle &h, Group &&oNew,
                                      const CellKey &oCell)
{
    const std::string osBase = oNew.osPath;
    auto &anCandidates = m_oGroupsByBase[osBase];
    for (size_t nIdx : anCandidates)
    {
        Group &oGroup = m_aoGroups[nIdx];
        if (oGroup.osGridKey == oNew.osGridKey && !oGroup.oCells.count(oCell))
            return oGroup;
    }
    if (!anCandidates.empty())
        oNew.osPath += "_" + std::to_string(anCandidates.size() + 1);
    // Several attributes are eccodes concepts, costly to evaluate: a
    // sibling group of the same variable and grid reuses them.
    const std::string osCacheKey = osBase + '\n' + oNew.osGridKey;
    auto oCached = m_oAttributeCache.find(osCacheKey);
    if (oCached == m_oAttributeCache.end())
        oCached = m_oAttributeCache.emplace(osCacheKey, DataAttributes(h)).first;
    oNew.oDataAttributes = oCached->second;
    anCandidates.push_back(m_aoGroups.size());
    m_aoGroups.push_back(std::move(oNew));
    return m_aoGroups.back();
}

nlohmann::json GribReferenceBuilder::RootAttributes(const EccodesHandle &h,
                                                    int nEdition)
{
    nlohmann::json oAttributes = nlohmann::json::object();
    oAttributes["GRIB_edition"] = nEdition;
    if (auto os = h.GetString("centre"))
        oAttributes["GRIB_centre"] = *os;
    if (auto os = h.GetString("centreDescription"))
    {
        oAttributes["GRIB_centreDescription"] = *os;
        oAttributes["institution"] = *os;
    }
    if (auto n = h.GetLong("subCentre"))
        oAttributes["GRIB_subCentre"] = *n;
    oAttributes["Conventions"] = "CF-1.7";
    return oAttributes;
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

template <class T> std::vector<T> Sorted(const std::set<T> &oSet)
{
    return std::vector<T>(oSet.begin(), oSet.end());
}

template <class T> uint64_t IndexOf(const std::vector<T> &aValues, T value)
{
    return static_cast<uint64_t>(
        std::lower_bound(aValues.begin(), aValues.end(), value) -
        aValues.begin());
}

// Coordinate attributes as cfgrib writes them.
nlohmann::json TimeAttributes()
{
    return {{"long_name", "initial time of forecast"},
            {"standard_name", "forecast_reference_time"},
            {"units", TIME_UNITS},
            {"calendar", "proleptic_gregorian"}};
}

nlohmann::json ValidTimeAttributes()
{
    nlohmann::json oAttr = TimeAttributes();
    oAttr["long_name"] = "time";
    oAttr["standard_name"] = "time";
    return oAttr;
}

nlohmann::json NumberAttributes()
{
    return {{"long_name", "ensemble member numerical id"},
            {"units", "1"},
            {"standard_name", "realization"}};
}

nlohmann::json StepAttributes()
{
    return {{"long_name", "time since forecast_reference_time"},
            {"standard_name", "forecast_period"},
            {"units", "hours"}};
}

int64_t ValidTime(int64_t nTime, double dfStep)
{
    return nTime + static_cast<int64_t>(std::llround(dfStep * 3600));
}

// The (number, time, step, level) values of a group's fields, and the
// fields in cell order.
struct FieldAxes
{
    std::vector<long> anNumbers{};
    std::vector<int64_t> anTimes{};
    std::vector<double> adfSteps{}, adfLevels{};
    bool bHasNumber = false;
    // A hypercube over (number, time, step, level) that the fields fill
    // only sparsely (e.g. time and step both varying along a diagonal)
    // would declare far more cells than fields: the fields are stacked
    // along one "field" dimension instead, with per-field coordinates.
    bool bSparse = false;
    std::vector<const FieldRecord *> apoOrdered{};
};

FieldAxes CollectAxes(const Group &oGroup)
{
    std::set<long> oNumbers;
    std::set<int64_t> oTimes;
    std::set<double> oSteps, oLevels;
    FieldAxes oAxes;
    for (const auto &oField : oGroup.aoFields)
    {
        oNumbers.insert(oField.nNumber);
        oTimes.insert(oField.nTime);
        oSteps.insert(oField.dfStep);
        oLevels.insert(oField.dfLevel);
        oAxes.apoOrdered.push_back(&oField);
    }
    oAxes.anNumbers = Sorted(oNumbers);
    oAxes.anTimes = Sorted(oTimes);
    oAxes.adfSteps = Sorted(oSteps);
    oAxes.adfLevels = Sorted(oLevels);
    oAxes.bHasNumber =
        !(oAxes.anNumbers.size() == 1 && oAxes.anNumbers[0] == -1);

    long double dfCells = 1;
    for (size_t n : {oAxes.anNumbers.size(), oAxes.anTimes.size(),
                     oAxes.adfSteps.size(), oAxes.adfLevels.size()})
        dfCells *= static_cast<long double>(n);
    const auto dfFields = static_cast<long double>(oGroup.aoFields.size());
    oAxes.bSparse = dfCells > 4096 && dfCells > 8.0L * dfFields;
    std::sort(oAxes.apoOrdered.begin(), oAxes.apoOrdered.end(),
              [](const FieldRecord *a, const FieldRecord *b)
              { return CellOf(*a) < CellOf(*b); });
    return oAxes;
}

// One coordinate variable of a group, before it is written.
struct Coordinate
{
    std::string osName{};
    std::vector<std::string> aosDims{};
    std::vector<uint64_t> anShape{};
    std::string osDtype{};
    std::string osBytes{};
    nlohmann::json oAttributes = nlohmann::json::object();
};

// The data array's leading dimensions (before the grid's).
struct FieldDims
{
    std::vector<std::string> aosDims{};
    std::vector<uint64_t> anShape{};
};

// Sparse groups: every coordinate runs along "field", one value per field.
std::vector<Coordinate> SparseCoordinates(const FieldAxes &oAxes,
                                          const std::string &osLevelName,
                                          FieldDims &oDims)
{
    const uint64_t nFields = oAxes.apoOrdered.size();
    oDims.aosDims = {"field"};
    oDims.anShape = {nFields};
    std::vector<int64_t> anNum, anTime, anValid;
    std::vector<double> adfStep, adfLevel;
    for (const FieldRecord *p : oAxes.apoOrdered)
    {
        anNum.push_back(p->nNumber);
        anTime.push_back(p->nTime);
        adfStep.push_back(p->dfStep);
        adfLevel.push_back(p->dfLevel);
        anValid.push_back(ValidTime(p->nTime, p->dfStep));
    }
    const std::vector<std::string> aosF{"field"};
    const std::vector<uint64_t> anF{nFields};
    std::vector<Coordinate> aoCoords;
    if (oAxes.bHasNumber)
        aoCoords.push_back(
            {"number", aosF, anF, "<i8", RawBytes(anNum), NumberAttributes()});
    aoCoords.push_back(
        {"time", aosF, anF, "<i8", RawBytes(anTime), TimeAttributes()});
    aoCoords.push_back(
        {"step", aosF, anF, "<f8", RawBytes(adfStep), StepAttributes()});
    aoCoords.push_back({osLevelName, aosF, anF, "<f8", RawBytes(adfLevel),
                        LevelAttributes(osLevelName)});
    aoCoords.push_back({"valid_time", aosF, anF, "<i8", RawBytes(anValid),
                        ValidTimeAttributes()});
    return aoCoords;
}

// Hypercube groups: a coordinate is 1-D along its own dimension when it
// varies in the group, else 0-d; valid_time spans the (time, step) dims.
std::vector<Coordinate> HypercubeCoordinates(const FieldAxes &oAxes,
                                             const std::string &osLevelName,
                                             FieldDims &oDims)
{
    std::vector<Coordinate> aoCoords;
    auto Add = [&](const std::string &osName, size_t nCount,
                   const std::string &osDtype, std::string osBytes,
                   nlohmann::json oAttributes)
    {
        Coordinate oCoord{osName, {}, {}, osDtype, std::move(osBytes),
                          std::move(oAttributes)};
        if (nCount > 1)
        {
            oCoord.aosDims = {osName};
            oCoord.anShape = {nCount};
            oDims.aosDims.push_back(osName);
            oDims.anShape.push_back(nCount);
        }
        aoCoords.push_back(std::move(oCoord));
    };
    if (oAxes.bHasNumber)
        Add("number", oAxes.anNumbers.size(), "<i8",
            RawBytes(std::vector<int64_t>(oAxes.anNumbers.begin(),
                                          oAxes.anNumbers.end())),
            NumberAttributes());
    Add("time", oAxes.anTimes.size(), "<i8", RawBytes(oAxes.anTimes),
        TimeAttributes());
    Add("step", oAxes.adfSteps.size(), "<f8", RawBytes(oAxes.adfSteps),
        StepAttributes());
    Add(osLevelName, oAxes.adfLevels.size(), "<f8", RawBytes(oAxes.adfLevels),
        LevelAttributes(osLevelName));

    Coordinate oValid{"valid_time", {}, {}, "<i8", {}, ValidTimeAttributes()};
    for (const auto &oCoord : aoCoords)
    {
        if (oCoord.osName == "time" || oCoord.osName == "step")
        {
            oValid.aosDims.insert(oValid.aosDims.end(), oCoord.aosDims.begin(),
                                  oCoord.aosDims.end());
            oValid.anShape.insert(oValid.anShape.end(), oCoord.anShape.begin(),
                                  oCoord.anShape.end());
        }
    }
    std::vector<int64_t> anValid;
    for (int64_t nTime : oAxes.anTimes)
        for (double dfStep : oAxes.adfSteps)
            anValid.push_back(ValidTime(nTime, dfStep));
    oValid.osBytes = RawBytes(anValid);
    aoCoords.push_back(std::move(oValid));
    return aoCoords;
}

// The grid's dimensions, in the order of the values in a message.
FieldDims GridDims(const GribGrid &oGrid)
{
    if (oGrid.eKind == GribGridKind::OneD)
        return {{"values"}, {oGrid.nX}};
    if (oGrid.bColumnMajor)
        return {{oGrid.osXName, oGrid.osYName}, {oGrid.nX, oGrid.nY}};
    return {{oGrid.osYName, oGrid.osXName}, {oGrid.nY, oGrid.nX}};
}

bool HasGridCoordinates(const GribGrid &oGrid)
{
    return oGrid.eKind == GribGridKind::LatLon ||
           oGrid.eKind == GribGridKind::Projected;
}

// The grid's 1-D coordinates, Y then X (no coordinates for other grids).
std::vector<Coordinate> GridCoordinates(const GribGrid &oGrid)
{
    if (!HasGridCoordinates(oGrid))
        return {};
    return {{oGrid.osYName, {oGrid.osYName}, {oGrid.nY}, "<f8",
             RawBytes(oGrid.adfY), oGrid.oYAttributes},
            {oGrid.osXName, {oGrid.osXName}, {oGrid.nX}, "<f8",
             RawBytes(oGrid.adfX), oGrid.oXAttributes}};
}

// The data array's name: never a coordinate's.
std::string DataArrayName(const Group &oGroup,
                          const std::vector<std::string> &aosCoordinates)
{
    std::string osDataName = oGroup.osVarName;
    if (std::find(aosCoordinates.begin(), aosCoordinates.end(), osDataName) !=
            aosCoordinates.end() ||
        osDataName == "crs")
        osDataName += "_data";
    return osDataName;
}

void GribReferenceBuilder::WriteCoordinates(
    const std::string &osPrefix, const std::vector<Coordinate> &aoCoords,
    std::vector<std::string> &aosCoordinates)
{
    for (const auto &oCoord : aoCoords)
    {
        WriteCoordinate(osPrefix + oCoord.osName, oCoord.aosDims,
                        oCoord.anShape, oCoord.osDtype, oCoord.osBytes,
                        oCoord.oAttributes);
        aosCoordinates.push_back(oCoord.osName);
    }
}

// CF grid mapping variable (0-d, no chunk: its value is irrelevant), and
// the data attributes pointing at it.
void GribReferenceBuilder::WriteGridMapping(const std::string &osPrefix,
                                            const GribGrid &oGrid,
                                            nlohmann::json &oDataAttributes)
{
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

void GribReferenceBuilder::WriteDataArray(const Group &oGroup,
                                          const std::string &osDataPath,
                                          const FieldDims &oFieldDims,
                                          const FieldDims &oGridDims,
                                          const nlohmann::json &oAttributes)
{
    ZarrArrayMetadata oMeta;
    oMeta.anShape = oFieldDims.anShape;
    oMeta.anChunks = std::vector<uint64_t>(oFieldDims.anShape.size(), 1);
    oMeta.anShape.insert(oMeta.anShape.end(), oGridDims.anShape.begin(),
                         oGridDims.anShape.end());
    oMeta.anChunks.insert(oMeta.anChunks.end(), oGridDims.anShape.begin(),
                          oGridDims.anShape.end());
    oMeta.osDtype = "<f8";
    oMeta.oFillValue = "NaN";
    // kerchunk's GRIBCodec options: var = the variable name (selects the
    // values; "latitude"/"longitude" would select coordinates), dtype.
    const bool bCoordName = oGroup.osVarName == "latitude" ||
                            oGroup.osVarName == "longitude";
    oMeta.oCompressor = {{"id", "grib"},
                         {"var", bCoordName ? "values" : oGroup.osVarName},
                         {"dtype", "float64"}};
    std::vector<std::string> aosAllDims = oFieldDims.aosDims;
    aosAllDims.insert(aosAllDims.end(), oGridDims.aosDims.begin(),
                      oGridDims.aosDims.end());
    WriteArrayMetadata(m_oWriter, osDataPath, oMeta, aosAllDims, oAttributes);
    ++m_oStats.nArrays;
}

// One chunk per field: the message's range, or an inline single-field
// message for a later field of a multi-field message.
void GribReferenceBuilder::WriteDataChunks(const FieldAxes &oAxes,
                                           const std::string &osDataPath,
                                           size_t nGridDims)
{
    for (size_t iField = 0; iField < oAxes.apoOrdered.size(); ++iField)
    {
        const FieldRecord &oField = *oAxes.apoOrdered[iField];
        std::vector<uint64_t> anIndex;
        if (oAxes.bSparse)
            anIndex.push_back(iField);
        else
        {
            if (oAxes.bHasNumber && oAxes.anNumbers.size() > 1)
                anIndex.push_back(IndexOf(oAxes.anNumbers, oField.nNumber));
            if (oAxes.anTimes.size() > 1)
                anIndex.push_back(IndexOf(oAxes.anTimes, oField.nTime));
            if (oAxes.adfSteps.size() > 1)
                anIndex.push_back(IndexOf(oAxes.adfSteps, oField.dfStep));
            if (oAxes.adfLevels.size() > 1)
                anIndex.push_back(IndexOf(oAxes.adfLevels, oField.dfLevel));
        }
        anIndex.resize(anIndex.size() + nGridDims, 0);
        const std::string osKey = ChunkKey(osDataPath, anIndex);
        const GribMessage &oMsg = *oField.poMessage;
        if (oField.poField->nIndex == 0)
            m_oWriter.AddRange(osKey, oMsg.nOffset, oMsg.nLength);
        else
            m_oWriter.AddInlineBase64(osKey, BuildSingleFieldMessage(
                                                 m_oReader, oMsg,
                                                 *oField.poField));
        ++m_oStats.nChunks;
    }
}

void GribReferenceBuilder::WriteGroup(const Group &oGroup)
{
    EnsureGroups(oGroup.osPath);
    const GribGrid &oGrid = *oGroup.poGrid;
    const std::string osPrefix = oGroup.osPath + "/";
    const FieldAxes oAxes = CollectAxes(oGroup);

    FieldDims oFieldDims;
    std::vector<std::string> aosCoordinates;
    WriteCoordinates(osPrefix,
                     oAxes.bSparse
                         ? SparseCoordinates(oAxes, oGroup.osTypeOfLevel,
                                             oFieldDims)
                         : HypercubeCoordinates(oAxes, oGroup.osTypeOfLevel,
                                                oFieldDims),
                     aosCoordinates);
    WriteCoordinates(osPrefix, GridCoordinates(oGrid), aosCoordinates);

    nlohmann::json oDataAttributes = oGroup.oDataAttributes;
    if (HasGridCoordinates(oGrid) && !oGrid.osWkt.empty())
        WriteGridMapping(osPrefix, oGrid, oDataAttributes);
    std::string osCoordinates;
    for (const auto &os : aosCoordinates)
        osCoordinates += (osCoordinates.empty() ? "" : " ") + os;
    oDataAttributes["coordinates"] = osCoordinates;

    const std::string osDataPath =
        osPrefix + DataArrayName(oGroup, aosCoordinates);
    const FieldDims oGridDims = GridDims(oGrid);
    WriteDataArray(oGroup, osDataPath, oFieldDims, oGridDims, oDataAttributes);
    WriteDataChunks(oAxes, osDataPath, oGridDims.anShape.size());
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
            GenerationReporter(m_osSource, m_oOptions, m_oStats)
                .Progress(0.9 * static_cast<double>(oMsg.nOffset + oMsg.nLength) / dfSize);
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
