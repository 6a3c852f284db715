#include "atomic_write.h"

#include "file_handles.h"
#include "gdal_paths.h"

#include "cpl_vsi.h"

#include <cerrno>

namespace kerchunk
{

bool WriteAtomically(const std::string &osPath, const void *pData,
                     size_t nSize, std::string &osWhy)
{
    const bool bDirect = IsNetworkGDALPath(osPath);
    const std::string osTarget = bDirect ? osPath : osPath + ".tmp";
    VSIFilePtr poFile = OpenVSIFile(osTarget, "wb");
    if (!poFile)
    {
        osWhy = "cannot create " + osTarget + ": " + VSIStrerror(errno);
        return false;
    }
    bool bOK = VSIFWriteL(pData, 1, nSize, poFile.get()) == nSize;
    bOK = CloseVSIFile(poFile) && bOK;
    if (!bOK)
    {
        osWhy = "cannot write " + osTarget + " (disk full?)";
        VSIUnlink(osTarget.c_str());
        return false;
    }
    if (!bDirect && VSIRename(osTarget.c_str(), osPath.c_str()) != 0)
    {
        osWhy = "cannot rename " + osTarget + " to " + osPath;
        VSIUnlink(osTarget.c_str());
        return false;
    }
    return true;
}

}  // namespace kerchunk
