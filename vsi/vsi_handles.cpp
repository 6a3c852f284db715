#include "vsi_handles.h"
#include "exact_range_read.h"
#include "target_state.h"

#include "cpl_error.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace kerchunk
{

int WindowHandle::Seek(vsi_l_offset nOffset, int nWhence)
{
    m_bEOF = false;
    if (nWhence == SEEK_SET)
        m_nPos = nOffset;
    else if (nWhence == SEEK_CUR)
        m_nPos += nOffset;
    else if (nWhence == SEEK_END)
        m_nPos = m_nSize + nOffset;
    else
    {
        errno = EINVAL;
        return -1;
    }
    return 0;
}

size_t WindowHandle::Available(size_t nWanted) const
{
    const vsi_l_offset nLeft = m_nPos >= m_nSize ? 0 : m_nSize - m_nPos;
    return static_cast<size_t>(std::min<vsi_l_offset>(nLeft, nWanted));
}

void WindowHandle::Advance(size_t nRead, size_t nWanted)
{
    m_nPos += nRead;
    if (nRead < nWanted)
        m_bEOF = true;
}

size_t InlineHandle::Read(void *pBuffer, size_t nSize, size_t nCount)
{
    if (nSize == 0 || nCount == 0)
        return 0;
    const size_t nWanted = nSize * nCount;
    const size_t nToCopy = Available(nWanted);
    if (nToCopy)
        memcpy(pBuffer, m_pData + m_nPos, nToCopy);
    Advance(nToCopy, nWanted);
    return nToCopy / nSize;
}

RangeHandle::RangeHandle(std::unique_ptr<VSIVirtualHandle> poTarget,
                         std::string osTarget, vsi_l_offset nOffset,
                         vsi_l_offset nSize, std::string osDescription,
                         WholeWindowSink oOnWholeWindow)
    : WindowHandle(nSize), m_poTarget(std::move(poTarget)),
      m_osTarget(std::move(osTarget)), m_nOffset(nOffset),
      m_osDescription(std::move(osDescription)), m_oOnWholeWindow(std::move(oOnWholeWindow))
{
}

RangeHandle::~RangeHandle()
{
    RangeHandle::Close();
}

int RangeHandle::Close()
{
    int nRet = 0;
    if (m_poTarget)
    {
        nRet = m_poTarget->Close();
        m_poTarget.reset();
    }
    return nRet;
}

size_t RangeHandle::Read(void *pBuffer, size_t nSize, size_t nCount)
{
    if (nSize == 0 || nCount == 0 || m_poTarget == nullptr)
        return 0;
    const size_t nWanted = nSize * nCount;
    const size_t nToRead = Available(nWanted);
    size_t nRead = 0;
    // A whole chunk read at once (how GDAL's Zarr driver reads) is asked for
    // byte for byte; smaller reads go through the target's own blocks.
    if (nToRead && m_nPos == 0 && nToRead == m_nSize &&
        ReadExactRange(reinterpret_cast<VSILFILE *>(m_poTarget.get()), m_nOffset, pBuffer,
                       nToRead))
        nRead = nToRead;
    else if (nToRead)
    {
        if (m_poTarget->Seek(m_nOffset + m_nPos, SEEK_SET) == 0)
            nRead = m_poTarget->Read(pBuffer, 1, nToRead);
        if (nRead < nToRead && !m_bReportedShortRead)
        {
            // The declared range goes past the target's end (or the read
            // failed): say so rather than hand out a short chunk silently.
            m_bReportedShortRead = true;
            ForgetTargetStateAfterFailure(m_osTarget);
            CPLError(CE_Failure, CPLE_FileIO,
                     "%s: range [%llu, %llu) goes past the end of the target, "
                     "or the read failed (read %llu of %llu bytes at offset %llu)",
                     m_osDescription.c_str(),
                     static_cast<unsigned long long>(m_nOffset),
                     static_cast<unsigned long long>(m_nOffset + m_nSize),
                     static_cast<unsigned long long>(nRead),
                     static_cast<unsigned long long>(nToRead),
                     static_cast<unsigned long long>(m_nOffset + m_nPos));
        }
    }
    if (m_oOnWholeWindow && m_nPos == 0 && nRead == m_nSize)
        m_oOnWholeWindow(pBuffer, nRead);
    Advance(nRead, nWanted);
    return nRead / nSize;
}

size_t FailingHandle::Read(void *, size_t nSize, size_t nCount)
{
    if (nSize != 0 && nCount != 0)
    {
        CPLError(CE_Failure, CPLE_FileIO, "%s", m_osError.c_str());
        Advance(0, nSize * nCount);
    }
    return 0;
}

}  // namespace kerchunk
