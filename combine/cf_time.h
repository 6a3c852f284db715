// CF time units ("<unit> since <date>[ <time>][ <zone>]", CF 1.11 section
// 4.4), enough to bring time coordinates written against different reference
// dates to one unit. Only the standard (mixed Gregorian/Julian, identical to
// the proleptic Gregorian after 1582-10-15) and proleptic_gregorian calendars
// are converted.
#pragma once

#include <optional>
#include <string>

namespace kerchunk
{

struct CfTimeUnits
{
    double dfUnitSeconds = 0;       // seconds per unit
    double dfReferenceSeconds = 0;  // reference instant, seconds since 1970-01-01T00:00Z
};

// Empty when the text is not "<unit> since <date>" with a unit of seconds,
// minutes, hours or days (and their CF/UDUNITS spellings).
std::optional<CfTimeUnits> ParseCfTimeUnits(const std::string &osUnits);

// "YYYY-MM-DDTHH:MM:SS[.fff]" for seconds since 1970-01-01T00:00Z
// (proleptic Gregorian), for messages.
std::string FormatInstant(double dfSeconds);

// True for the calendars ParseCfTimeUnits' arithmetic is right for (an
// absent calendar attribute is "standard").
bool IsGregorianCalendar(const std::string &osCalendar);

}  // namespace kerchunk
