#include "cf_time.h"

#include "cpl_string.h"

#include <cmath>
#include <cstdio>
#include <cstring>

namespace kerchunk
{

namespace
{

// Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (the
// usual era-based civil-date formula).
long long DaysFromCivil(long long y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const long long era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<long long>(doe) - 719468;
}

double UnitSeconds(std::string osUnit)
{
    osUnit = CPLString(osUnit).tolower();
    for (const char *pszDay : {"days", "day", "d"})
        if (osUnit == pszDay)
            return 86400;
    for (const char *pszHour : {"hours", "hour", "hrs", "hr", "h"})
        if (osUnit == pszHour)
            return 3600;
    for (const char *pszMinute : {"minutes", "minute", "mins", "min"})
        if (osUnit == pszMinute)
            return 60;
    for (const char *pszSecond : {"seconds", "second", "secs", "sec", "s"})
        if (osUnit == pszSecond)
            return 1;
    return 0;
}

}  // namespace

std::string FormatInstant(double dfSeconds)
{
    // Inverse of DaysFromCivil (same era-based formula).
    const double dfDays = std::floor(dfSeconds / 86400);
    long long z = static_cast<long long>(dfDays) + 719468;
    const long long era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned d = doy - (153 * mp + 2) / 5 + 1;
    const unsigned m = mp < 10 ? mp + 3 : mp - 9;
    const long long y = static_cast<long long>(yoe) + era * 400 + (m <= 2);
    const double dfInDay = dfSeconds - dfDays * 86400;
    const int nHour = static_cast<int>(dfInDay / 3600);
    const int nMinute = static_cast<int>((dfInDay - nHour * 3600) / 60);
    const double dfSecond = dfInDay - nHour * 3600 - nMinute * 60;
    return CPLSPrintf("%04lld-%02u-%02uT%02d:%02d:%02g", y, m, d, nHour, nMinute, dfSecond);
}

std::optional<CfTimeUnits> ParseCfTimeUnits(const std::string &osUnits)
{
    const size_t nSince = osUnits.find(" since ");
    if (nSince == std::string::npos)
        return std::nullopt;
    CfTimeUnits oUnits;
    oUnits.dfUnitSeconds = UnitSeconds(CPLString(osUnits.substr(0, nSince)).Trim());
    if (oUnits.dfUnitSeconds == 0)
        return std::nullopt;
    std::string osDate = CPLString(osUnits.substr(nSince + 7)).Trim();
    for (char &ch : osDate)
        if (ch == 'T')
            ch = ' ';
    int nYear = 0, nMonth = 0, nDay = 0, nHour = 0, nMinute = 0;
    double dfSecond = 0;
    int nConsumed = 0;
    if (sscanf(osDate.c_str(), "%d-%d-%d%n", &nYear, &nMonth, &nDay, &nConsumed) != 3 ||
        nMonth < 1 || nMonth > 12 || nDay < 1 || nDay > 31)
        return std::nullopt;
    std::string osRest = CPLString(osDate.substr(nConsumed)).Trim();
    int nTimeConsumed = 0;
    if (sscanf(osRest.c_str(), "%d:%d:%lf%n", &nHour, &nMinute, &dfSecond, &nTimeConsumed) == 3 ||
        sscanf(osRest.c_str(), "%d:%d%n", &nHour, &nMinute, &nTimeConsumed) == 2)
        osRest = CPLString(osRest.substr(nTimeConsumed)).Trim();
    // A zone: "Z", "UTC", or "+hh:mm" / "-hh" (the reference time is local).
    double dfZoneSeconds = 0;
    if (!osRest.empty() && osRest != "Z" && !EQUAL(osRest.c_str(), "UTC"))
    {
        int nZoneHour = 0, nZoneMinute = 0;
        const int nRead = sscanf(osRest.c_str(), "%d:%d", &nZoneHour, &nZoneMinute);
        if (nRead < 1)
            return std::nullopt;
        const int nSign = osRest[0] == '-' ? -1 : 1;
        dfZoneSeconds = nZoneHour * 3600.0 + nSign * nZoneMinute * 60.0;
    }
    oUnits.dfReferenceSeconds = DaysFromCivil(nYear, nMonth, nDay) * 86400.0 +
                                nHour * 3600.0 + nMinute * 60.0 + dfSecond - dfZoneSeconds;
    return oUnits;
}

bool IsGregorianCalendar(const std::string &osCalendar)
{
    return osCalendar.empty() || EQUAL(osCalendar.c_str(), "standard") ||
           EQUAL(osCalendar.c_str(), "gregorian") ||
           EQUAL(osCalendar.c_str(), "proleptic_gregorian");
}

}  // namespace kerchunk
