// The file handles /vsikerchunk/ returns besides a target's own handle:
// inline bytes, a byte range of another file, and a key that cannot be read.
#pragma once

#include "chunk_bytes.h"

#include "cpl_vsi_virtual.h"

#include <functional>
#include <memory>
#include <string>

namespace kerchunk
{

// Read-only handle over a window of known size: keeps the position; the
// subclasses only read.
class WindowHandle : public VSIVirtualHandle
{
  public:
    explicit WindowHandle(vsi_l_offset nSize) : m_nSize(nSize)
    {
    }

    // Seeking past the end is allowed, as for regular files; reads there
    // return 0 bytes.
    int Seek(vsi_l_offset nOffset, int nWhence) override;
    vsi_l_offset Tell() override
    {
        return m_nPos;
    }
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

  protected:
    // Bytes left before the end of the window, at most nWanted.
    size_t Available(size_t nWanted) const;
    // Moves the position after a read of nRead bytes out of nWanted.
    void Advance(size_t nRead, size_t nWanted);

    const vsi_l_offset m_nSize;
    vsi_l_offset m_nPos = 0;

  private:
    bool m_bEOF = false;
};

// Bytes held in memory (inline references, the synthesized .zmetadata, a
// chunk from the chunk cache, shared with it).
class InlineHandle final : public WindowHandle
{
  public:
    explicit InlineHandle(std::string osBytes)
        : InlineHandle(std::make_shared<const std::string>(std::move(osBytes)))
    {
    }
    explicit InlineHandle(std::shared_ptr<const std::string> poBytes)
        : WindowHandle(poBytes->size()), m_pData(poBytes->data()),
          m_poOwner(std::move(poBytes))
    {
    }
    explicit InlineHandle(SharedChunkBytes poBytes)
        : WindowHandle(poBytes->size()), m_pData(poBytes->data()),
          m_poOwner(std::move(poBytes))
    {
    }
    size_t Read(void *pBuffer, size_t nSize, size_t nCount) override;

  private:
    const char *const m_pData;
    const std::shared_ptr<const void> m_poOwner;  // keeps m_pData alive
};

// The window [nOffset, nOffset + nSize) of an open target file. Reads never
// return bytes outside the window; a target shorter than the window is
// reported (once) as an error naming the key.
class RangeHandle final : public WindowHandle
{
  public:
    // Given the whole window's bytes when one read got all of them (a
    // whole-chunk read), e.g. to keep them in the chunk cache.
    using WholeWindowSink = std::function<void(const void *pData, size_t nSize)>;

    RangeHandle(std::unique_ptr<VSIVirtualHandle> poTarget, std::string osTarget,
                vsi_l_offset nOffset, vsi_l_offset nSize, std::string osDescription,
                WholeWindowSink oOnWholeWindow = nullptr);
    ~RangeHandle() override;

    size_t Read(void *pBuffer, size_t nSize, size_t nCount) override;
    int Close() override;

  private:
    std::unique_ptr<VSIVirtualHandle> m_poTarget;  // closed by Close()
    const std::string m_osTarget;                  // its GDAL path
    const vsi_l_offset m_nOffset;
    const std::string m_osDescription;  // "<refs>: key '<key>' (<target>)"
    const WholeWindowSink m_oOnWholeWindow;
    bool m_bReportedShortRead = false;
};

// Stands for a key whose target cannot be read (refused, unreachable, absurd
// size). Returning no handle would make GDAL's Zarr driver take the chunk
// for a missing one and silently use the fill value; this handle instead
// fails every read with the reason, so the array read fails.
class FailingHandle final : public WindowHandle
{
  public:
    FailingHandle(std::string osError, vsi_l_offset nSize)
        : WindowHandle(nSize), m_osError(std::move(osError))
    {
    }
    size_t Read(void *pBuffer, size_t nSize, size_t nCount) override;

  private:
    const std::string m_osError;
};

}  // namespace kerchunk
