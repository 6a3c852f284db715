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
//
// With --batch the child serves many sources, one after the other: each
// request is one line on its stdin (the source, escaped the same way); it
// answers with the events of that source, the references on stdout only once
// they are complete (nothing on failure), and last its `result` -- which then
// also holds "references_size", the byte count of that source on stdout --
// or its `failed` event. The child ends at the end of its stdin.
#pragma once

#include "generator.h"

#include <cstdint>
#include <optional>
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
    // Result of a --batch child: bytes of this source's references on stdout.
    std::optional<uint64_t> onReferencesSize{};
};

std::string FormatProgressEvent(double dfComplete, const char *pszMessage);
std::string FormatCPLErrorEvent(int nErrClass, int nErrNum, const char *pszMessage);
std::string FormatFailedEvent(const std::string &osMessage);
std::string FormatResultEvent(const GenerateStats &oStats,
                              std::optional<uint64_t> onReferencesSize = std::nullopt);

// A --batch request: the source as one line, and back.
std::string FormatSourceRequest(const std::string &osSource);
std::string ParseSourceRequest(const std::string &osLine);

// One line of the child's stderr, without its newline. A malformed event is
// reported as Kind::Other (quoted in errors, never trusted).
GeneratorEvent ParseGeneratorEvent(const std::string &osLine);

}  // namespace kerchunk
