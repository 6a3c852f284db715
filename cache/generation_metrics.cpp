#include "generation_metrics.h"

#include "atomic_write.h"
#include "gdal_paths.h"

#include "read_counter.h"

#include "cpl_conv.h"
#include "cpl_error.h"
#include "cpl_string.h"
#include "cpl_vsi.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <ctime>
#include <random>

#include <unistd.h>

namespace kerchunk
{

namespace
{

constexpr const char *kRecordFormat = "gdal-kerchunk-generation/1";

// Keyword -> cause, the first match wins: more specific phrases first (a
// truncated HDF5 file says "cannot open as HDF5 (truncated or corrupt
// file?)", which is a malformed source, not an unreadable one).
struct CauseRule
{
    const char *pszKeyword;
    const char *pszCause;
};
constexpr CauseRule kCauseRules[] = {
    {"timed out", "timeout"},
    {"interrupted", "timeout"},
    {"unknown magic bytes", "unknown_format"},
    {"not supported", "unsupported"},
    {"cannot be referenced", "unsupported"},
    {"could be referenced", "unsupported"},
    {"(--strict)", "unsupported"},
    {"truncated", "malformed_source"},
    {"corrupt", "malformed_source"},
    {"header", "malformed_source"},
    {"GRIB message", "malformed_source"},
    {"no such file", "source_not_found"},
    {"is a directory", "source_not_found"},
    {"cannot open", "unreadable_source"},
    {"cannot read", "unreadable_source"},
    {"cannot seek", "unreadable_source"},
    {"read error", "unreadable_source"},
    {"disk full", "write_failed"},
};

}  // namespace

double UnixTimeNow()
{
    return std::chrono::duration<double>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::string FormatUtc(double dfTime, const char *pszFormat)
{
    const time_t t = static_cast<time_t>(dfTime);
    struct tm sTm;
    char szTime[64] = {};
    strftime(szTime, sizeof(szTime), pszFormat, gmtime_r(&t, &sTm));
    return szTime;
}

namespace
{

std::string HostName()
{
    char szHost[256] = {};
    if (gethostname(szHost, sizeof(szHost) - 1) != 0)
        return "unknown";
    std::string osHost = szHost;
    // Only what is safe in a file or object name.
    for (char &c : osHost)
    {
        if (!(isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_'))
            c = '_';
    }
    return osHost;
}

// <time>-<host>-<pid>-<n>-<random>: unique across threads (n), processes
// (pid), machines (host) and pid reuse (random).
std::string UniqueRecordName(const GenerationRecord &oRecord)
{
    static std::atomic<unsigned> nCounter{0};
    thread_local std::mt19937_64 oRandom{std::random_device{}()};
    const double dfMs = std::floor(std::fmod(oRecord.dfStart, 1.0) * 1000);
    return FormatUtc(oRecord.dfStart, "%Y%m%dT%H%M%S") +
           CPLSPrintf(".%03dZ-", static_cast<int>(dfMs)) + oRecord.osHost +
           CPLSPrintf("-%lld-%u-%08llx.json", static_cast<long long>(oRecord.nPid),
                      ++nCounter,
                      static_cast<unsigned long long>(oRandom() & 0xffffffffULL));
}

nlohmann::json RecordToJson(const GenerationRecord &o)
{
    nlohmann::json oJson = {{"format", kRecordFormat},
                            {"source", o.osSource},
                            {"start", o.dfStart},
                            {"duration_s", o.dfDuration},
                            {"arrays", o.nArrays},
                            {"chunks", o.nChunks},
                            {"bytes_read", o.nBytesRead},
                            {"outcome", o.bOK ? "ok" : "failed"},
                            {"host", o.osHost},
                            {"pid", o.nPid}};
    if (!o.bOK)
    {
        oJson["cause"] = o.osCause;
        oJson["error"] = o.osError;
    }
    return oJson;
}

GenerationRecord RecordFromJson(const nlohmann::json &oJson)
{
    if (oJson.at("format").get<std::string>() != kRecordFormat)
        throw std::runtime_error("unknown format");
    GenerationRecord o;
    o.osSource = oJson.at("source").get<std::string>();
    o.dfStart = oJson.at("start").get<double>();
    o.dfDuration = oJson.at("duration_s").get<double>();
    o.nArrays = oJson.at("arrays").get<uint64_t>();
    o.nChunks = oJson.at("chunks").get<uint64_t>();
    o.nBytesRead = oJson.at("bytes_read").get<uint64_t>();
    o.bOK = oJson.at("outcome").get<std::string>() == "ok";
    o.osHost = oJson.value("host", std::string());
    o.nPid = oJson.value("pid", static_cast<int64_t>(0));
    if (!o.bOK)
    {
        o.osError = oJson.at("error").get<std::string>();
        o.osCause = oJson.at("cause").get<std::string>();
    }
    return o;
}

std::string MetricsDir(const std::string &osCacheDir)
{
    return osCacheDir + "/metrics";
}

bool ReadRecord(const std::string &osPath, GenerationRecord &oRecord)
{
    GByte *pabyText = nullptr;
    vsi_l_offset nSize = 0;
    {
        // A record removed meanwhile (expired) is not worth an error.
        CPLErrorStateBackuper oErrorState;
        CPLPushErrorHandler(CPLQuietErrorHandler);
        const bool bOK = VSIIngestFile(nullptr, osPath.c_str(), &pabyText, &nSize,
                                       1024 * 1024) != FALSE;
        CPLPopErrorHandler();
        if (!bOK)
            return false;
    }
    const std::string osText(reinterpret_cast<const char *>(pabyText),
                             static_cast<size_t>(nSize));
    VSIFree(pabyText);
    try
    {
        oRecord = RecordFromJson(nlohmann::json::parse(osText));
        return true;
    }
    catch (const std::exception &)
    {
        return false;
    }
}

GenerationRecord StartRecord(const std::string &osSource)
{
    GenerationRecord oRecord;
    oRecord.osSource = osSource;
    oRecord.dfStart = UnixTimeNow();
    oRecord.osHost = HostName();
    oRecord.nPid = static_cast<int64_t>(getpid());
    return oRecord;
}

// Metrics never fail what they measure: a CPLDebug line says why not.
void RecordQuietly(const std::string &osCacheDir, const GenerationRecord &oRecord)
{
    std::string osWhy;
    if (!osCacheDir.empty() && !WriteGenerationRecord(osCacheDir, oRecord, osWhy))
        CPLDebug("KERCHUNK", "generation of %s not recorded: %s",
                 oRecord.osSource.c_str(), osWhy.c_str());
}

double Percentile(const std::vector<double> &adfSorted, double dfQuantile)
{
    if (adfSorted.empty())
        return 0;
    // Nearest rank: the smallest value with at least q of the values at or
    // below it.
    const size_t nRank = static_cast<size_t>(
        std::ceil(dfQuantile * static_cast<double>(adfSorted.size())));
    return adfSorted[std::max<size_t>(nRank, 1) - 1];
}

}  // namespace

const std::vector<std::string> &FailureCauses()
{
    static const std::vector<std::string> aosCauses = {
        "timeout",          "unknown_format",   "unsupported",
        "malformed_source", "source_not_found", "unreadable_source",
        "write_failed",     "other"};
    return aosCauses;
}

std::string ClassifyFailure(const std::string &osError)
{
    for (const auto &sRule : kCauseRules)
    {
        if (osError.find(sRule.pszKeyword) != std::string::npos)
            return sRule.pszCause;
    }
    return "other";
}

bool WriteGenerationRecord(const std::string &osCacheDir,
                           const GenerationRecord &oRecord, std::string &osWhy)
{
    const std::string osDayDir =
        MetricsDir(osCacheDir) + "/" + FormatUtc(oRecord.dfStart, "%Y-%m-%d");
    // Object stores have no folders: the object's key makes them.
    if (!IsNetworkGDALPath(osCacheDir))
        VSIMkdirRecursive(osDayDir.c_str(), 0755);
    const std::string osText = RecordToJson(oRecord).dump() + "\n";
    CPLErrorStateBackuper oErrorState;
    CPLPushErrorHandler(CPLQuietErrorHandler);
    const bool bOK = WriteAtomically(osDayDir + "/" + UniqueRecordName(oRecord),
                                     osText.data(), osText.size(), osWhy);
    CPLPopErrorHandler();
    return bOK;
}

GenerateStats RecordedGeneration(const std::string &osCacheDir,
                                 const std::string &osSource,
                                 const std::function<GenerateStats()> &fnGenerate)
{
    GenerationRecord oRecord = StartRecord(osSource);
    const auto tStart = std::chrono::steady_clock::now();
    auto Elapsed = [&tStart]()
    {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                             tStart)
            .count();
    };
    // In this thread; a generation run elsewhere reports its own count.
    ScopedReadCounter oCounter;
    GenerateStats oStats;
    try
    {
        oStats = fnGenerate();
    }
    catch (const std::exception &e)
    {
        oRecord.dfDuration = Elapsed();
        oRecord.nBytesRead = oCounter.Get();
        oRecord.osError = e.what();
        oRecord.osCause = ClassifyFailure(oRecord.osError);
        RecordQuietly(osCacheDir, oRecord);
        throw;
    }
    oRecord.dfDuration = Elapsed();
    oRecord.bOK = true;
    oRecord.nArrays = oStats.nArrays;
    oRecord.nChunks = oStats.nChunks;
    oRecord.nBytesRead = std::max(oStats.nBytesRead, oCounter.Get());
    RecordQuietly(osCacheDir, oRecord);
    return oStats;
}

SourceFingerprint FingerprintOrRecordFailure(const std::string &osCacheDir,
                                             const std::string &osSource)
{
    GenerationRecord oRecord = StartRecord(osSource);
    try
    {
        return GetSourceFingerprint(osSource);
    }
    catch (const std::exception &e)
    {
        oRecord.osError = e.what();
        oRecord.osCause = ClassifyFailure(oRecord.osError);
        RecordQuietly(osCacheDir, oRecord);
        throw;
    }
}

namespace
{

// YYYY-MM-DD: the name of a day folder.
bool IsDayFolderName(const std::string &osName)
{
    if (osName.size() != 10)
        return false;
    for (size_t i = 0; i < osName.size(); ++i)
    {
        const bool bDash = i == 4 || i == 7;
        if (bDash ? osName[i] != '-' : (osName[i] < '0' || osName[i] > '9'))
            return false;
    }
    return true;
}

}  // namespace

size_t PurgeGenerationRecords(const std::string &osCacheDir, double dfOlderThanDays)
{
    const std::string osMetrics = MetricsDir(osCacheDir);
    if (IsNetworkGDALPath(osMetrics))
        VSICurlPartialClearCache(osMetrics.c_str());
    // A day before the day of the cutoff ended before the cutoff: all its
    // records are older. Day folders compare as text.
    const double dfNow = UnixTimeNow();
    const std::string osCutoffDay =
        dfOlderThanDays > 0 ? FormatUtc(dfNow - dfOlderThanDays * 86400, "%Y-%m-%d")
                            : std::string();
    size_t nRemoved = 0;
    const CPLStringList aosDays(VSIReadDir(osMetrics.c_str()));
    for (int i = 0; i < aosDays.size(); ++i)
    {
        const std::string osDay = aosDays[i];
        if (!IsDayFolderName(osDay) || (!osCutoffDay.empty() && osDay >= osCutoffDay))
            continue;
        if (VSIRmdirRecursive((osMetrics + "/" + osDay).c_str()) == 0)
            ++nRemoved;
    }
    if (dfOlderThanDays == 0)
        VSIRmdir(osMetrics.c_str());  // when empty; none on object stores
    return nRemoved;
}

GenerationRecords ReadGenerationRecords(const std::string &osCacheDir,
                                        double dfSince)
{
    GenerationRecords oResult;
    const std::string osMetrics = MetricsDir(osCacheDir);
    if (IsNetworkGDALPath(osMetrics))
        VSICurlPartialClearCache(osMetrics.c_str());
    // Day folders sort as text; the day of dfSince is read in full and
    // filtered by start time.
    const std::string osFirstDay =
        dfSince > 0 ? FormatUtc(dfSince, "%Y-%m-%d") : std::string();
    const CPLStringList aosDays(VSIReadDir(osMetrics.c_str()));
    for (int i = 0; i < aosDays.size(); ++i)
    {
        const std::string osDay = aosDays[i];
        if (osDay.size() != 10 || osDay < osFirstDay)
            continue;
        const std::string osDayDir = osMetrics + "/" + osDay;
        const CPLStringList aosNames(VSIReadDir(osDayDir.c_str()));
        for (int j = 0; j < aosNames.size(); ++j)
        {
            const std::string osName = aosNames[j];
            // Temporary files of writers in progress (or killed) are not
            // records yet.
            if (osName.size() < 5 ||
                osName.compare(osName.size() - 5, 5, ".json") != 0)
                continue;
            GenerationRecord oRecord;
            if (!ReadRecord(osDayDir + "/" + osName, oRecord))
                ++oResult.nUnreadable;
            else if (oRecord.dfStart >= dfSince)
                oResult.aoRecords.push_back(std::move(oRecord));
        }
    }
    std::sort(oResult.aoRecords.begin(), oResult.aoRecords.end(),
              [](const GenerationRecord &a, const GenerationRecord &b)
              { return a.dfStart < b.dfStart; });
    return oResult;
}

GenerationSummary Summarize(const std::vector<GenerationRecord> &aoRecords)
{
    GenerationSummary o;
    for (const auto &osCause : FailureCauses())
        o.oFailuresByCause[osCause] = 0;
    std::vector<double> adfDurations;
    for (const auto &oRecord : aoRecords)
    {
        o.nBytesRead += oRecord.nBytesRead;
        if (!oRecord.bOK)
        {
            ++o.nFailed;
            // A cause from a newer version: counted as "other".
            auto oIter = o.oFailuresByCause.find(oRecord.osCause);
            ++(oIter != o.oFailuresByCause.end() ? oIter->second
                                                 : o.oFailuresByCause["other"]);
            o.dfLastFailure = std::max(o.dfLastFailure, oRecord.dfStart);
            continue;
        }
        ++o.nOK;
        o.nChunks += oRecord.nChunks;
        o.dfSum += oRecord.dfDuration;
        adfDurations.push_back(oRecord.dfDuration);
        o.dfLastSuccess = std::max(o.dfLastSuccess, oRecord.dfStart);
    }
    std::sort(adfDurations.begin(), adfDurations.end());
    o.dfP50 = Percentile(adfDurations, 0.5);
    o.dfP90 = Percentile(adfDurations, 0.9);
    o.dfP99 = Percentile(adfDurations, 0.99);
    o.dfMax = adfDurations.empty() ? 0 : adfDurations.back();
    return o;
}

}  // namespace kerchunk
