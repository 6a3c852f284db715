#include "file_handles.h"
#include "error.h"

#include "cpl_conv.h"
#include "cpl_error.h"
#include "cpl_multiproc.h"

#include <algorithm>
#include <limits>

namespace kerchunk
{

bool IngestSmallFile(const std::string &osPath, uint64_t nMaxSize, std::string &osContent,
                     IngestFailure *peFailure, std::string *posDetail)
{
    const auto Failed = [peFailure](IngestFailure eFailure)
    {
        if (peFailure)
            *peFailure = eFailure;
        return false;
    };
    Failed(IngestFailure::None);
    // Opened here: VSIIngestFile reports a file it cannot open as an error.
    VSIFilePtr poFile = OpenVSIFile(osPath, "rb");
    if (!poFile)
        return Failed(IngestFailure::CannotOpen);
    // VSIIngestFile refuses a file over the limit in words of its own;
    // knowing the size first lets the caller name the limit.
    if (VSIFSeekL(poFile.get(), 0, SEEK_END) == 0 && VSIFTellL(poFile.get()) > nMaxSize)
        return Failed(IngestFailure::TooLarge);
    GByte *pabyData = nullptr;
    vsi_l_offset nSize = 0;
    bool bOK;
    {
        // The failure is for the caller to report, in its own words.
        CPLErrorStateBackuper oState;
        CPLErrorHandlerPusher oQuiet(CPLQuietErrorHandler);
        CPLErrorReset();
        bOK = VSIIngestFile(poFile.get(), osPath.c_str(), &pabyData, &nSize,
                            static_cast<GIntBig>(std::min<uint64_t>(
                                nMaxSize, std::numeric_limits<GIntBig>::max()))) != 0;
        if (!bOK && posDetail)
            *posDetail = CPLGetLastErrorMsg();
    }
    if (bOK)
        osContent.assign(reinterpret_cast<const char *>(pabyData), static_cast<size_t>(nSize));
    CPLFree(pabyData);
    return bOK || Failed(IngestFailure::CannotRead);
}

void WriteWholeFile(const std::string &osPath, const std::string &osBytes)
{
    VSIFilePtr poFile = OpenVSIFile(osPath, "wb");
    if (!poFile)
        throw Error("cannot create " + osPath);
    const bool bWritten =
        VSIFWriteL(osBytes.data(), 1, osBytes.size(), poFile.get()) == osBytes.size();
    if (!CloseVSIFile(poFile) || !bWritten)
        throw Error("cannot write " + osPath);
}

void WriteFileAtomically(const std::string &osPath,
                         const std::function<void(VSILFILE *fp)> &fnWrite)
{
    // CPLGetPID() is the thread id: unique among concurrent writers.
    const std::string osTemp = osPath + ".tmp" + std::to_string(CPLGetPID());
    VSIFilePtr poFile = OpenVSIFile(osTemp, "wb");
    if (!poFile)
        throw Error("cannot create " + osTemp);
    try
    {
        fnWrite(poFile.get());
    }
    catch (...)
    {
        poFile.reset();
        VSIUnlink(osTemp.c_str());
        throw;
    }
    if (!CloseVSIFile(poFile) || VSIRename(osTemp.c_str(), osPath.c_str()) != 0)
    {
        VSIUnlink(osTemp.c_str());
        throw Error("cannot write " + osPath);
    }
}

}  // namespace kerchunk
