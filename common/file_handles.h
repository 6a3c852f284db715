// RAII owners of the file handles the project opens, so that no path closes
// a file by hand (early returns and exceptions included).
#pragma once

#include "cpl_vsi.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <unistd.h>

namespace kerchunk
{

struct VSIFileCloser
{
    void operator()(VSILFILE *fp) const
    {
        VSIFCloseL(fp);
    }
};
// A VSILFILE closed when it goes out of scope.
using VSIFilePtr = std::unique_ptr<VSILFILE, VSIFileCloser>;

inline VSIFilePtr OpenVSIFile(const std::string &osPath, const char *pszMode)
{
    return VSIFilePtr(VSIFOpenL(osPath.c_str(), pszMode));
}

// Closes a file written to now, since a write may only fail at close (the
// last buffered bytes, an upload). False when closing failed.
inline bool CloseVSIFile(VSIFilePtr &poFile)
{
    VSILFILE *fp = poFile.release();
    return fp == nullptr || VSIFCloseL(fp) == 0;
}

// A POSIX file descriptor closed when it goes out of scope (-1: none).
class UniqueFd
{
  public:
    explicit UniqueFd(int fd = -1) : m_fd(fd)
    {
    }
    UniqueFd(const UniqueFd &) = delete;
    UniqueFd &operator=(const UniqueFd &) = delete;
    UniqueFd(UniqueFd &&oOther) noexcept : m_fd(oOther.Release())
    {
    }
    UniqueFd &operator=(UniqueFd &&oOther) noexcept
    {
        Reset(oOther.Release());
        return *this;
    }
    ~UniqueFd()
    {
        Reset();
    }
    int Get() const
    {
        return m_fd;
    }
    bool IsOpen() const
    {
        return m_fd >= 0;
    }
    int Release()
    {
        const int fd = m_fd;
        m_fd = -1;
        return fd;
    }
    void Reset(int fd = -1)
    {
        if (m_fd >= 0)
            close(m_fd);
        m_fd = fd;
    }

  private:
    int m_fd;
};

// Why IngestSmallFile read nothing.
enum class IngestFailure
{
    None,
    CannotOpen,  // missing or not readable (a missing file may be an answer)
    TooLarge,    // larger than the limit given
    CannotRead,  // a read failed
};

// The whole content of a small file, read by GDAL's VSIIngestFile; false,
// without a CPLError, when it cannot be opened or read or is larger than
// nMaxSize bytes: the caller reports it in its own words, from *peFailure
// and, for CannotRead, GDAL's message in *posDetail (when given).
bool IngestSmallFile(const std::string &osPath, uint64_t nMaxSize, std::string &osContent,
                     IngestFailure *peFailure = nullptr, std::string *posDetail = nullptr);

// Writes osBytes to osPath (created or replaced), closed before returning:
// kerchunk::Error "cannot create|write <osPath>" when that fails.
void WriteWholeFile(const std::string &osPath, const std::string &osBytes);

// Writes osPath through fnWrite under a temporary name (osPath + ".tmp" +
// the thread id, unique among concurrent writers), renamed to osPath once
// complete and closed: readers never see a partial file. The temporary is
// removed when fnWrite throws (rethrown) or the write fails (kerchunk::Error
// "cannot write <osPath>").
void WriteFileAtomically(const std::string &osPath,
                         const std::function<void(VSILFILE *fp)> &fnWrite);

}  // namespace kerchunk
