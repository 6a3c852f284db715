#include "command_cache_stats.h"

#include "generation_metrics.h"
#include "reference_cache.h"

#include "error.h"

#include "cpl_string.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <map>
#include <cstdio>
#include <ctime>

namespace kerchunk::cli
{

namespace
{

std::string IsoTime(double dfUnixTime)
{
    return FormatUtc(dfUnixTime);
}

// -of FORMAT among the allowed ones; --since DAYS when pdfDays is given.
std::string ParseOptions(const std::vector<std::string> &aosArgs,
                         const std::vector<std::string> &aosFormats,
                         double *pdfDays)
{
    std::string osFormat = "text";
    for (size_t i = 0; i < aosArgs.size(); ++i)
    {
        const std::string &osArg = aosArgs[i];
        if (i + 1 >= aosArgs.size() ||
            !(osArg == "-of" || (osArg == "--since" && pdfDays)))
            throw Error("unexpected argument '" + osArg + "'");
        const std::string &osValue = aosArgs[++i];
        if (osArg == "-of")
        {
            if (std::find(aosFormats.begin(), aosFormats.end(), osValue) ==
                aosFormats.end())
            {
                std::string osExpected;
                for (const auto &osFormat : aosFormats)
                    osExpected += (osExpected.empty() ? "" : ", ") + osFormat;
                throw Error("-of " + osValue + ": expected one of " + osExpected);
            }
            osFormat = osValue;
            continue;
        }
        char *pszEnd = nullptr;
        *pdfDays = CPLStrtod(osValue.c_str(), &pszEnd);
        if (pszEnd == osValue.c_str() || *pszEnd != '\0' || !(*pdfDays > 0))
            throw Error("--since " + osValue + ": expected a positive number of days");
    }
    return osFormat;
}

struct CacheSize
{
    size_t nEntries = 0;
    size_t nUnreadable = 0;
    uint64_t nBytes = 0;  // references files of the readable entries
};

CacheSize MeasureCache(ReferenceCache &oCache)
{
    CacheSize o;
    for (const auto &oEntry : oCache.List())
    {
        if (oEntry.osSource.empty())
        {
            ++o.nUnreadable;
            continue;
        }
        ++o.nEntries;
        o.nBytes += oEntry.nReferencesSize;
    }
    return o;
}

void PrintText(const std::string &osDir, double dfSince, const GenerationRecords &oRecords,
               const GenerationSummary &o, const CacheSize &oSize)
{
    printf("Cache directory:  %s\n", osDir.c_str());
    printf("Entries:          %zu (%llu bytes of references)", oSize.nEntries,
           static_cast<unsigned long long>(oSize.nBytes));
    if (oSize.nUnreadable)
        printf(", %zu unreadable", oSize.nUnreadable);
    printf("\nGenerations:      %zu (%zu ok, %zu failed)%s%s\n", o.nOK + o.nFailed,
           o.nOK, o.nFailed, dfSince > 0 ? " since " : "",
           dfSince > 0 ? IsoTime(dfSince).c_str() : "");
    printf("Generation time:  p50 %.3f s, p90 %.3f s, p99 %.3f s, max %.3f s\n",
           o.dfP50, o.dfP90, o.dfP99, o.dfMax);
    printf("Chunks:           %llu\n", static_cast<unsigned long long>(o.nChunks));
    printf("Bytes read:       %llu\n", static_cast<unsigned long long>(o.nBytesRead));
    if (oRecords.nUnreadable)
        printf("Unreadable records: %zu\n", oRecords.nUnreadable);
    if (o.nFailed == 0)
        return;
    printf("Failures by cause:\n");
    for (const auto &oCause : o.oFailuresByCause)
        if (oCause.second)
            printf("  %-18s %zu\n", oCause.first.c_str(), oCause.second);
    printf("Last failures:\n");
    size_t nShown = 0;
    for (auto it = oRecords.aoRecords.rbegin();
         it != oRecords.aoRecords.rend() && nShown < 10; ++it)
    {
        if (it->bOK)
            continue;
        ++nShown;
        printf("  %s  %s  %s\n", IsoTime(it->dfStart).c_str(), it->osCause.c_str(),
               it->osError.c_str());
    }
}

nlohmann::json StatsToJson(const std::string &osDir, double dfSince,
                           const GenerationRecords &oRecords,
                           const GenerationSummary &o, const CacheSize &oSize)
{
    nlohmann::json aoFailures = nlohmann::json::array();
    for (const auto &oRecord : oRecords.aoRecords)
    {
        if (!oRecord.bOK)
            aoFailures.push_back({{"source", oRecord.osSource},
                                  {"start", IsoTime(oRecord.dfStart)},
                                  {"cause", oRecord.osCause},
                                  {"error", oRecord.osError}});
    }
    return {{"cache_dir", osDir},
            {"since", dfSince > 0 ? nlohmann::json(IsoTime(dfSince)) : nlohmann::json()},
            {"entries", oSize.nEntries},
            {"unreadable_entries", oSize.nUnreadable},
            {"size_bytes", oSize.nBytes},
            {"generations", {{"total", o.nOK + o.nFailed}, {"ok", o.nOK}, {"failed", o.nFailed}}},
            {"failures_by_cause", o.oFailuresByCause},
            {"duration_s",
             {{"p50", o.dfP50}, {"p90", o.dfP90}, {"p99", o.dfP99}, {"max", o.dfMax},
              {"sum", o.dfSum}}},
            {"chunks", o.nChunks},
            {"bytes_read", o.nBytesRead},
            {"unreadable_records", oRecords.nUnreadable},
            {"failures", aoFailures}};
}

// Prometheus text exposition format 0.0.4, for node-exporter's textfile
// collector: HELP and TYPE before each family, one sample per line.
void PrintPrometheus(const GenerationSummary &o, const CacheSize &oSize)
{
    auto Family = [](const char *pszName, const char *pszType, const char *pszHelp)
    {
        printf("# HELP gdal_kerchunk_%s %s\n# TYPE gdal_kerchunk_%s %s\n", pszName,
               pszHelp, pszName, pszType);
    };
    auto Sample = [](const std::string &osName, double dfValue)
    { printf("gdal_kerchunk_%s %.17g\n", osName.c_str(), dfValue); };

    Family("generations_total", "counter",
           "Reference generations recorded in the cache, by outcome.");
    Sample("generations_total{outcome=\"ok\"}", static_cast<double>(o.nOK));
    Sample("generations_total{outcome=\"failed\"}", static_cast<double>(o.nFailed));
    Family("generation_failures_total", "counter", "Failed generations, by cause.");
    // Causes are a fixed list of identifiers: no label escaping needed.
    for (const auto &oCause : o.oFailuresByCause)
        Sample("generation_failures_total{cause=\"" + oCause.first + "\"}",
               static_cast<double>(oCause.second));
    Family("generation_duration_seconds", "summary",
           "Duration of successful generations.");
    Sample("generation_duration_seconds{quantile=\"0.5\"}", o.dfP50);
    Sample("generation_duration_seconds{quantile=\"0.9\"}", o.dfP90);
    Sample("generation_duration_seconds{quantile=\"0.99\"}", o.dfP99);
    Sample("generation_duration_seconds{quantile=\"1\"}", o.dfMax);
    Sample("generation_duration_seconds_sum", o.dfSum);
    Sample("generation_duration_seconds_count", static_cast<double>(o.nOK));
    Family("generated_chunks_total", "counter",
           "Chunks referenced by successful generations.");
    Sample("generated_chunks_total", static_cast<double>(o.nChunks));
    Family("source_read_bytes_total", "counter",
           "Bytes read from sources while generating.");
    Sample("source_read_bytes_total", static_cast<double>(o.nBytesRead));
    Family("last_success_timestamp_seconds", "gauge",
           "Start of the last successful generation (Unix time, 0: none).");
    Sample("last_success_timestamp_seconds", o.dfLastSuccess);
    Family("last_failure_timestamp_seconds", "gauge",
           "Start of the last failed generation (Unix time, 0: none).");
    Sample("last_failure_timestamp_seconds", o.dfLastFailure);
    Family("cache_entries", "gauge", "Entries in the reference cache.");
    Sample("cache_entries", static_cast<double>(oSize.nEntries));
    Family("cache_unreadable_entries", "gauge",
           "Entries whose metadata cannot be read (removed by purge).");
    Sample("cache_unreadable_entries", static_cast<double>(oSize.nUnreadable));
    Family("cache_size_bytes", "gauge", "Size of the cached references.");
    Sample("cache_size_bytes", static_cast<double>(oSize.nBytes));
}

}  // namespace

int RunCacheStats(ReferenceCache &oCache, const std::vector<std::string> &aosArgs)
{
    double dfDays = 0;
    const std::string osFormat =
        ParseOptions(aosArgs, {"text", "json", "prometheus"}, &dfDays);
    const double dfNow = std::chrono::duration<double>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
    const double dfSince = dfDays > 0 ? dfNow - dfDays * 86400 : 0;
    const std::string &osDir = oCache.GetConfig().osDir;
    const GenerationRecords oRecords = ReadGenerationRecords(osDir, dfSince);
    const GenerationSummary oSummary = Summarize(oRecords.aoRecords);
    const CacheSize oSize = MeasureCache(oCache);
    if (osFormat == "json")
        printf("%s\n", StatsToJson(osDir, dfSince, oRecords, oSummary, oSize).dump(2).c_str());
    else if (osFormat == "prometheus")
        PrintPrometheus(oSummary, oSize);
    else
        PrintText(osDir, dfSince, oRecords, oSummary, oSize);
    return 0;
}

int RunCacheVerify(ReferenceCache &oCache, const std::vector<std::string> &aosArgs)
{
    const std::string osFormat = ParseOptions(aosArgs, {"text", "json"}, nullptr);
    std::map<std::string, size_t> oCounts{
        {"ok", 0}, {"stale", 0}, {"source gone", 0}, {"corrupt", 0}};
    nlohmann::json aoEntries = nlohmann::json::array();
    const auto aoList = oCache.List();
    if (osFormat == "text")
        printf("%-11s  %-12s  %s\n", "STATE", "KEY", "SOURCE / DETAIL");
    for (const auto &oEntry : aoList)
    {
        std::string osDetail;
        const std::string osState = oCache.Verify(oEntry, osDetail);
        ++oCounts[osState];
        if (osFormat == "json")
            aoEntries.push_back({{"key", oEntry.osKey},
                                 {"source", oEntry.osSource},
                                 {"state", osState},
                                 {"detail", osDetail}});
        else
            printf("%-11s  %.12s  %s%s%s\n", osState.c_str(), oEntry.osKey.c_str(),
                   oEntry.osSource.empty() ? "?" : oEntry.osSource.c_str(),
                   osDetail.empty() ? "" : ": ", osDetail.c_str());
    }
    const size_t nOK = oCounts["ok"];
    if (osFormat == "json")
        printf("%s\n", nlohmann::json({{"cache_dir", oCache.GetConfig().osDir},
                                       {"entries", aoEntries},
                                       {"counts", oCounts}})
                           .dump(2)
                           .c_str());
    else
        printf("%zu entries: %zu ok, %zu stale, %zu source gone, %zu corrupt\n",
               aoList.size(), nOK, oCounts["stale"], oCounts["source gone"],
               oCounts["corrupt"]);
    return nOK == aoList.size() ? 0 : 1;
}

}  // namespace kerchunk::cli
