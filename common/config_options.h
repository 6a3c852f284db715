// The KERCHUNK_* configuration options: one table (name, type, default,
// description) that drives their parsing, the XML that GetOptions() returns
// and README's table (a unit test keeps README equal to the table).
//
// Every read goes through the typed getters below: an unset or empty option
// gives its default; a value that does not parse throws kerchunk::Error
// "KERCHUNK_X=abc: expected ...", never a silent 0.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace kerchunk
{

enum class ConfigOptionType
{
    Boolean,      // YES/NO, TRUE/FALSE, ON/OFF, 1/0
    Integer,      // a non-negative integer (sizes, counts)
    Number,       // a non-negative decimal number (seconds, days)
    String,       // free text (a path, a name)
};

struct ConfigOptionSpec
{
    const char *pszName;
    ConfigOptionType eType;
    // The default as parsed; empty when the code computes it (the default
    // cache folder, a block size that depends on the source).
    const char *pszDefault;
    // The default as README's table shows it.
    const char *pszDefaultText;
    const char *pszDescription;
    // Smallest accepted value for Integer options.
    uint64_t nMin = 0;
};

// Every option, in README's order.
const std::vector<ConfigOptionSpec> &GetConfigOptionSpecs();

// The option named pszName; throws kerchunk::Error for a name not in the table
// (a programming error, caught by the tests).
const ConfigOptionSpec &GetConfigOptionSpec(const char *pszName);

bool GetBooleanOption(const char *pszName);
uint64_t GetIntegerOption(const char *pszName);
double GetNumberOption(const char *pszName);
// Empty when unset and the table has no default.
std::string GetStringOption(const char *pszName);

// Whether the option is set to a non-empty value (for options whose default
// is computed by the caller).
bool IsConfigOptionSet(const char *pszName);

// <Options><Option name=... type=... default=... description=.../>...</Options>,
// the format of VSIFilesystemHandler::GetOptions() and GDAL_DMD_OPENOPTIONLIST.
std::string GetConfigOptionsXml();

}  // namespace kerchunk
