#include "config_options.h"
#include "error.h"

#include "cpl_conv.h"
#include "cpl_minixml.h"
#include "cpl_string.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <memory>

namespace kerchunk
{

const std::vector<ConfigOptionSpec> &GetConfigOptionSpecs()
{
    using T = ConfigOptionType;
    static const std::vector<ConfigOptionSpec> aoSpecs = {
        {"KERCHUNK_ALLOW_REMOTE_REFS_TO_LOCAL_FILES", T::Boolean, "NO", "`NO`",
         "References loaded from a remote location may read local files"},
        {"KERCHUNK_REFS_CACHE_SIZE", T::Integer, "16", "16",
         "Parsed reference files kept in memory", 1},
        {"KERCHUNK_PARQUET_RECORD_CACHE_SIZE", T::Integer, "16", "16",
         "Record files (`refs.N.parq`) of Parquet references kept in memory, per "
         "reference set", 1},
        {"KERCHUNK_REFS_REVALIDATE_SECONDS", T::Number, "5", "5",
         "Remote references in memory are reused this long without a request, "
         "then checked by one HEAD (reloaded when their ETag/Last-Modified changed)"},
        {"KERCHUNK_MAX_CHUNK_SIZE", T::Integer, "2147483648", "2147483648",
         "Largest referenced range, and largest GRIB field generated (as float64), "
         "in bytes"},
        {"KERCHUNK_MAX_REFS_FILE_SIZE", T::Integer, "2147483648", "2147483648",
         "Largest references file, in bytes"},
        {"KERCHUNK_MAX_GENERATED_REFS", T::Integer, "10000000", "10000000",
         "Most references a `gen` section may produce"},
        {"KERCHUNK_MAX_GENERATED_BYTES", T::Integer, "1073741824", "1073741824",
         "Most bytes of keys and URLs `gen` may produce"},
        {"KERCHUNK_ALLOW_SPECIAL_FILES", T::Boolean, "NO", "`NO`",
         "References may read local files other than regular ones (FIFOs, "
         "devices, `/proc`, `/sys`, `/dev`)"},
        {"KERCHUNK_CACHE_DIR", T::String, "",
         "`$XDG_CACHE_HOME/gdal-kerchunk`, else `~/.cache/gdal-kerchunk`",
         "Reference cache for `KERCHUNK:<source>`; any writable GDAL path, "
         "`/vsis3/bucket/prefix` included"},
        {"KERCHUNK_CACHE_TTL_DAYS", T::Number, "0", "0 (never)",
         "Entries older than this are regenerated before use"},
        {"KERCHUNK_GENERATION_TIMEOUT", T::Number, "0", "0 (no limit)",
         "Seconds an open may spend generating or waiting for another generator"},
        {"KERCHUNK_GENERATION_ISOLATION", T::String, "PROCESS", "`PROCESS`",
         "`PROCESS`: generate references in a child process (`gdal_kerchunk` "
         "beside the plugin), so a crash or hang ends the child, not the "
         "application; `IN_PROCESS`: in the opening process"},
        {"KERCHUNK_GENERATION_MAX_MEMORY", T::Integer, "4294967296", "4294967296 (4 GB)",
         "Memory limit of the generator child process (`PROCESS` isolation), "
         "in bytes: a source that makes libhdf5 or eccodes allocate more fails "
         "with an allocation error (0: no limit)"},
        {"KERCHUNK_HDF5_MAX_CALL_SECONDS", T::Number, "30", "30",
         "CPU seconds one libhdf5 read of attributes or strings may take in the "
         "generator child process before it is ended with an error (libhdf5 "
         "loops forever on some corrupt files; 0: no limit)"},
        {"KERCHUNK_GENERATOR_COMMAND", T::String, "", "`gdal_kerchunk` beside the plugin",
         "The command run for isolated generation"},
        {"KERCHUNK_FALLBACK", T::Boolean, "YES", "`YES`",
         "When references cannot be made, open the source with GDAL's own "
         "driver and warn; `NO`: error"},
        {"KERCHUNK_LOCK_STALE_SECONDS", T::Number, "60", "60",
         "A lease lock (object stores) whose heartbeat is older than this is "
         "taken over"},
        {"KERCHUNK_CACHE_VERIFY", T::Boolean, "YES", "`YES`",
         "Check the cached references' SHA-256 on every use (`NO`: size only)"},
        {"KERCHUNK_CONTIGUOUS_SPLIT_BYTES", T::Integer, "67108864", "67108864",
         "Contiguous HDF5 datasets / non-record NetCDF-3 variables above this "
         "are referenced as row blocks (0: never split)"},
        {"KERCHUNK_HDF5_BLOCK_SIZE", T::Integer, "", "1 MB (network)",
         "Bytes per HDF5 metadata read while generating (0: libhdf5's own "
         "small reads, the default for local files)"},
        {"KERCHUNK_NETCDF3_MAX_HEADER_SIZE", T::Integer, "268435456", "268435456",
         "Largest NetCDF-3 header read"},
        {"KERCHUNK_PREFETCH", T::Boolean, "YES", "`YES`",
         "Reads through the driver fetch the chunks they need as one batch "
         "(coalesced, parallel) before decoding; `NO`: one request per chunk "
         "as the Zarr driver opens it"},
        {"KERCHUNK_CHUNK_CACHE_SIZE", T::Integer, "67108864", "67108864",
         "Bytes of fetched chunks kept in memory, shared by everything reading "
         "in the process (least recently used first out); a batch larger than "
         "this is fetched in parts"},
        {"KERCHUNK_COALESCE_GAP", T::Integer, "65536", "65536",
         "Ranges of one target at most this many bytes apart are fetched by one "
         "request"},
        {"KERCHUNK_COALESCE_MAX_SIZE", T::Integer, "16777216", "16777216",
         "Largest request made by merging ranges, in bytes"},
        // 128: a run of ~100 chunk requests (16 MB of 150 KB chunks) in one
        // round trip; fsspec's aiohttp client keeps up to 100 connections.
        // Measured: one pixel of 240 steps at 80 ms, 2.3 s with 16, 1.8 s with
        // 64; at 20 ms with direct fetches, 0.225 s with 64, 0.196 s with 128
        // (medians of 8). Local files lose 6 ms to the extra threads.
        {"KERCHUNK_MAX_PARALLEL_REQUESTS", T::Integer, "128", "128",
         "Requests of one batch in flight at once", 1},
        {"KERCHUNK_DIRECT_HTTP", T::Boolean, "YES", "`YES`",
         "Fetch the chunks of `/vsicurl/` http(s) and `/vsis3/` targets with libcurl "
         "straight into memory, with GDAL's HTTP options (a request that fails is "
         "read again through GDAL's VSI, with its retries); `NO`: everything "
         "through VSI"},
    };
    return aoSpecs;
}

const ConfigOptionSpec &GetConfigOptionSpec(const char *pszName)
{
    for (const auto &oSpec : GetConfigOptionSpecs())
    {
        if (strcmp(oSpec.pszName, pszName) == 0)
            return oSpec;
    }
    throw Error(std::string(pszName) + " is not a gdal-kerchunk option");
}

namespace
{

// The value to parse: the option's setting, else the table's default.
std::string RawValue(const ConfigOptionSpec &oSpec)
{
    const char *pszValue = CPLGetConfigOption(oSpec.pszName, nullptr);
    if (pszValue != nullptr && pszValue[0] != '\0')
        return pszValue;
    return oSpec.pszDefault;
}

[[noreturn]] void ThrowBadValue(const ConfigOptionSpec &oSpec,
                                const std::string &osValue, const char *pszExpected)
{
    throw Error(std::string(oSpec.pszName) + "=" + osValue + ": expected " +
                pszExpected);
}

const ConfigOptionSpec &SpecOfType(const char *pszName, ConfigOptionType eType)
{
    const ConfigOptionSpec &oSpec = GetConfigOptionSpec(pszName);
    if (oSpec.eType != eType)
        throw Error(std::string(pszName) + " is read with the wrong type");
    return oSpec;
}

const char *TypeName(ConfigOptionType eType)
{
    switch (eType)
    {
        case ConfigOptionType::Boolean:
            return "boolean";
        case ConfigOptionType::Integer:
            return "int";
        case ConfigOptionType::Number:
            return "float";
        case ConfigOptionType::String:
            break;
    }
    return "string";
}

}  // namespace

bool IsConfigOptionSet(const char *pszName)
{
    const char *pszValue =
        CPLGetConfigOption(GetConfigOptionSpec(pszName).pszName, nullptr);
    return pszValue != nullptr && pszValue[0] != '\0';
}

bool GetBooleanOption(const char *pszName)
{
    const ConfigOptionSpec &oSpec = SpecOfType(pszName, ConfigOptionType::Boolean);
    const std::string osValue = RawValue(oSpec);
    for (const char *pszTrue : {"YES", "TRUE", "ON", "1"})
        if (EQUAL(osValue.c_str(), pszTrue))
            return true;
    for (const char *pszFalse : {"NO", "FALSE", "OFF", "0"})
        if (EQUAL(osValue.c_str(), pszFalse))
            return false;
    ThrowBadValue(oSpec, osValue, "YES or NO");
}

uint64_t GetIntegerOption(const char *pszName)
{
    const ConfigOptionSpec &oSpec = SpecOfType(pszName, ConfigOptionType::Integer);
    const std::string osValue = RawValue(oSpec);
    // strtoull accepts a sign and leading blanks: only plain digits here.
    if (osValue.empty() ||
        osValue.find_first_not_of("0123456789") != std::string::npos)
        ThrowBadValue(oSpec, osValue, "a non-negative integer");
    errno = 0;
    const unsigned long long nValue = std::strtoull(osValue.c_str(), nullptr, 10);
    if (errno == ERANGE)
        ThrowBadValue(oSpec, osValue, "an integer below 2^64");
    if (nValue < oSpec.nMin)
        ThrowBadValue(oSpec, osValue,
                      ("an integer of at least " + std::to_string(oSpec.nMin)).c_str());
    return nValue;
}

double GetNumberOption(const char *pszName)
{
    const ConfigOptionSpec &oSpec = SpecOfType(pszName, ConfigOptionType::Number);
    const std::string osValue = RawValue(oSpec);
    char *pszEnd = nullptr;
    const double dfValue = CPLStrtod(osValue.c_str(), &pszEnd);
    if (pszEnd == osValue.c_str() || *pszEnd != '\0' || !(dfValue >= 0) ||
        !std::isfinite(dfValue))
        ThrowBadValue(oSpec, osValue, "a non-negative number");
    return dfValue;
}

std::string GetStringOption(const char *pszName)
{
    return RawValue(SpecOfType(pszName, ConfigOptionType::String));
}

std::string GetConfigOptionsXml()
{
    // Built with CPL's XML tree so that quotes and '<' in descriptions are
    // escaped.
    std::unique_ptr<CPLXMLNode, decltype(&CPLDestroyXMLNode)> poRoot(
        CPLCreateXMLNode(nullptr, CXT_Element, "Options"), CPLDestroyXMLNode);
    for (const auto &oSpec : GetConfigOptionSpecs())
    {
        CPLXMLNode *psOption =
            CPLCreateXMLNode(poRoot.get(), CXT_Element, "Option");
        CPLAddXMLAttributeAndValue(psOption, "name", oSpec.pszName);
        CPLAddXMLAttributeAndValue(psOption, "type", TypeName(oSpec.eType));
        CPLAddXMLAttributeAndValue(psOption, "description", oSpec.pszDescription);
        if (oSpec.pszDefault[0] != '\0')
            CPLAddXMLAttributeAndValue(psOption, "default", oSpec.pszDefault);
    }
    char *pszXml = CPLSerializeXMLTree(poRoot.get());
    std::string osXml(pszXml ? pszXml : "");
    CPLFree(pszXml);
    return osXml;
}

}  // namespace kerchunk
