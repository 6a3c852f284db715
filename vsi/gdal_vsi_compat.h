// Differences of GDAL's VSI handler API across versions, in one place:
// from GDAL 3.12 VSIFilesystemHandler::Open returns a VSIVirtualHandleUniquePtr
// and VSIFileManager::InstallHandler takes a shared_ptr.
#pragma once

#include "cpl_vsi_virtual.h"
#include "gdal_version.h"

#include <memory>
#include <utility>

namespace kerchunk
{

#if GDAL_VERSION_NUM >= GDAL_COMPUTE_VERSION(3, 12, 0)
using VSIOpenResult = VSIVirtualHandleUniquePtr;
#else
// GDAL takes ownership of the returned handle.
using VSIOpenResult = VSIVirtualHandle *;
#endif

// A new handle, owned the way this GDAL's Open() hands it over.
template <class T, class... Args> VSIOpenResult MakeVSIHandle(Args &&...args)
{
    return VSIOpenResult(new T(std::forward<Args>(args)...));
}

// An open handle released to GDAL.
inline VSIOpenResult ReleaseVSIHandle(std::unique_ptr<VSIVirtualHandle> poHandle)
{
    return VSIOpenResult(poHandle.release());
}

// Gives the handler to GDAL's file manager, which keeps it for the life of
// the process.
template <class T> void InstallVSIHandler(const char *pszPrefix)
{
#if GDAL_VERSION_NUM >= GDAL_COMPUTE_VERSION(3, 12, 0)
    VSIFileManager::InstallHandler(pszPrefix, std::make_shared<T>());
#else
    VSIFileManager::InstallHandler(pszPrefix, new T());
#endif
}

}  // namespace kerchunk
