// The two kinds of file handles /vsikerchunk/ returns besides the target's
// own handle: inline bytes, and a byte range of another file.
#pragma once

#include "cpl_vsi_virtual.h"

#include <memory>
#include <string>

namespace kerchunk
{

// Read-only handle over bytes held in memory (inline references, the
// synthesized .zmetadata).
class InlineHandle final : public VSIVirtualHandle
{
  public:
    explicit InlineHandle(std::string osBytes) : m_osBytes(std::move(osBytes))
    {
    }

    int Seek(vsi_l_offset nOffset, int nWhence) override;
    vsi_l_offset Tell() override
    {
        return m_nPos;
    }
    size_t Read(void *pBuffer, size_t nSize, size_t nCount) override;
    size_t Write(const void *, size_t, size_t) override
    {
        return 0;
    }
    int Eof() override
    {
        return m_bEOF;
    }
    int Close() override
    {
        return 0;
    }

  private:
    std::string m_osBytes;
    vsi_l_offset m_nPos = 0;
    bool m_bEOF = false;
};

// Read-only window [nOffset, nOffset + nSize) of an open target file. Reads
// never return bytes outside the window; a target shorter than the window
// is reported (once) as an error naming the key.
class RangeHandle final : public VSIVirtualHandle
{
  public:
    RangeHandle(std::unique_ptr<VSIVirtualHandle> poTarget, vsi_l_offset nOffset,
                vsi_l_offset nSize, std::string osDescription);
    ~RangeHandle() override;

    int Seek(vsi_l_offset nOffset, int nWhence) override;
    vsi_l_offset Tell() override
    {
        return m_nPos;
    }
    size_t Read(void *pBuffer, size_t nSize, size_t nCount) override;
    size_t Write(const void *, size_t, size_t) override
    {
        return 0;
    }
    int Eof() override
    {
        return m_bEOF;
    }
    int Close() override;

  private:
    std::unique_ptr<VSIVirtualHandle> m_poTarget;  // closed by Close()
    vsi_l_offset m_nOffset;
    vsi_l_offset m_nSize;
    std::string m_osDescription;  // "<refs>: key '<key>' (<target>)"
    vsi_l_offset m_nPos = 0;
    bool m_bEOF = false;
    bool m_bReportedShortRead = false;
};

// Stands for a key whose target cannot be read (refused, unreachable, absurd
// size). Returning no handle would make GDAL's Zarr driver take the chunk
// for a missing one and silently use the fill value; this handle instead
// fails every read with the reason, so the array read fails.
class FailingHandle final : public VSIVirtualHandle
{
  public:
    FailingHandle(std::string osError, vsi_l_offset nSize)
        : m_osError(std::move(osError)), m_nSize(nSize)
    {
    }

    int Seek(vsi_l_offset nOffset, int nWhence) override;
    vsi_l_offset Tell() override
    {
        return m_nPos;
    }
    size_t Read(void *pBuffer, size_t nSize, size_t nCount) override;
    size_t Write(const void *, size_t, size_t) override
    {
        return 0;
    }
    int Eof() override
    {
        return m_bEOF;
    }
    int Close() override
    {
        return 0;
    }

  private:
    std::string m_osError;
    vsi_l_offset m_nSize;
    vsi_l_offset m_nPos = 0;
    bool m_bEOF = false;
};

}  // namespace kerchunk
