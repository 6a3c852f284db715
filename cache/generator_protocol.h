// What the `gdal_kerchunk generate-for-driver` child process tells the driver
// that started it (generator_process.h). The references go to stdout as they
// are written; stderr carries one event per line, prefixed so that whatever
// else a library prints there (libhdf5 diagnostics, a glibc abort message)
// stays distinguishable and can be quoted in the error:
//   @KERCHUNK progress <fraction> <message>
//   @KERCHUNK cplerror <CPLErr> <CPLErrorNum> <message>   (forwarded CPLError)
//   @KERCHUNK failed <message>                           (the kerchunk::Error)
//   @KERCHUNK result <JSON: arrays, chunks, skipped>      (last line on success)
// Messages have backslash, CR and LF escaped, so an event is one line.
#pragma once

#include "generator.h"

#include <string>

namespace kerchunk
{

struct GeneratorEvent
{
    enum class Kind
    {
        Other,  // not an event: a line some library printed
        Progress,
        CPLErrorMessage,
        Failed,
        Result,
    };
    Kind eKind = Kind::Other;
    double dfProgress = 0;
    int nErrClass = 0;
    int nErrNum = 0;
    std::string osText{};  // message, or the raw line for Kind::Other
    GenerateStats oStats{};
};

std::string FormatProgressEvent(double dfComplete, const char *pszMessage);
std::string FormatCPLErrorEvent(int nErrClass, int nErrNum, const char *pszMessage);
std::string FormatFailedEvent(const std::string &osMessage);
std::string FormatResultEvent(const GenerateStats &oStats);

// One line of the child's stderr, without its newline. A malformed event is
// reported as Kind::Other (quoted in errors, never trusted).
GeneratorEvent ParseGeneratorEvent(const std::string &osLine);

}  // namespace kerchunk
