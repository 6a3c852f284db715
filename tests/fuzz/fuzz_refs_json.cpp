// libFuzzer harness: loading kerchunk JSON references (versions 0 and 1,
// with "templates" and "gen"), as /vsikerchunk/ does: the input is written
// to /vsimem/, loaded by LoadReferences (parse, render, synthesize the
// consolidated metadata), then every key's target is resolved and the
// handler is asked to stat and list through the VSI API. Nothing is read
// from a target (ranges may name any local file): only inline keys are read.
#include "vsikerchunk.h"

#include "cpl_conv.h"
#include "cpl_error.h"
#include "cpl_string.h"
#include "cpl_vsi.h"

#include <cstdint>
#include <cstdlib>
#include <string>

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
    CPLSetErrorHandler(CPLQuietErrorHandler);
    kerchunk::InstallVSIKerchunkHandler();
    return 0;
}

namespace
{

// Reads at most this many keys of one input, so that a small "gen" with a
// large range stays quick (the generator's own limits are what is fuzzed).
constexpr size_t MAX_KEYS_VISITED = 256;

void VisitKeys(const kerchunk::LoadedReferences &oRefs)
{
    size_t nVisited = 0;
    using kerchunk::ReferenceSet;
    oRefs.oSet.ForEach(
        ReferenceSet::Keys::All,
        [&](const std::string &osKey, const kerchunk::Reference &oRef)
        {
            if (++nVisited > MAX_KEYS_VISITED)
                return false;
            std::string osTarget, osError, osBytes;
            if (oRef.IsInline())
            {
                if (kerchunk::ReadKey(oRefs, osKey, osBytes, osError) &&
                    osBytes != oRef.osInline)
                    abort();  // an inline key must read back as stored
            }
            else if (!kerchunk::ResolveTarget(oRefs, osKey, oRef, osTarget, osError) &&
                     osError.empty())
            {
                abort();  // a refusal always says why
            }
            (void)oRefs.oSet.IsDirectory(osKey);
            return true;
        });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *pabyData, size_t nSize)
{
    // A new name per input: the references cache is keyed by path, size
    // and modification time, which two inputs may share.
    static unsigned nCounter = 0;
    const std::string osPath =
        "/vsimem/fuzz_refs_" + std::to_string(++nCounter) + ".json";
    VSIFCloseL(VSIFileFromMemBuffer(osPath.c_str(), const_cast<GByte *>(pabyData),
                                    nSize, FALSE));

    std::string osError;
    const auto poRefs = kerchunk::LoadReferences(osPath, osError);
    if (!poRefs)
    {
        if (osError.empty())
            abort();  // a failure always says why
    }
    else
    {
        VisitKeys(*poRefs);
        (void)poRefs->oSet.ListDirectory("", 64);
        const std::string osRoot = kerchunk::MakeVSIKerchunkPath(osPath);
        VSIStatBufL sStat;
        (void)VSIStatL((osRoot + "/.zmetadata").c_str(), &sStat);
        CSLDestroy(VSIReadDirEx(osRoot.c_str(), 64));
    }
    VSIUnlink(osPath.c_str());
    return 0;
}
