#include "vsi_handles.h"

#include "cpl_error.h"

#include <algorithm>
#include <cstring>

namespace kerchunk
{

// Shared by both handles: a position within [0, nSize] (seeking past the end
// is allowed, as for regular files; reads there return 0 bytes).
static int SeekWithin(vsi_l_offset nSize, vsi_l_offset &nPos, bool &bEOF,
                      vsi_l_offset nOffset, int nWhence)
{
    bEOF = false;
    if (nWhence == SEEK_SET)
        nPos = nOffset;
    else if (nWhence == SEEK_CUR)
        nPos += nOffset;
    else if (nWhence == SEEK_END)
        nPos = nSize + nOffset;
    else
    {
        errno = EINVAL;
        return -1;
    }
    return 0;
}

int InlineHandle::Seek(vsi_l_offset nOffset, int nWhence)
{
    return SeekWithin(m_osBytes.size(), m_nPos, m_bEOF, nOffset, nWhence);
}

size_t InlineHandle::Read(void *pBuffer, size_t nSize, size_t nCount)
{
    if (nSize == 0 || nCount == 0)
        return 0;
    const vsi_l_offset nAvailable =
        m_nPos >= m_osBytes.size() ? 0 : m_osBytes.size() - m_nPos;
    const size_t nWanted = nSize * nCount;
    const size_t nToCopy = static_cast<size_t>(std::min<vsi_l_offset>(nAvailable, nWanted));
    if (nToCopy)
        memcpy(pBuffer, m_osBytes.data() + m_nPos, nToCopy);
    m_nPos += nToCopy;
    if (nToCopy < nWanted)
        m_bEOF = true;
    return nToCopy / nSize;
}

RangeHandle::RangeHandle(std::unique_ptr<VSIVirtualHandle> poTarget, vsi_l_offset nOffset,
                         vsi_l_offset nSize, std::string osDescription)
    : m_poTarget(std::move(poTarget)), m_nOffset(nOffset), m_nSize(nSize),
      m_osDescription(std::move(osDescription))
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

int RangeHandle::Seek(vsi_l_offset nOffset, int nWhence)
{
    return SeekWithin(m_nSize, m_nPos, m_bEOF, nOffset, nWhence);
}

size_t RangeHandle::Read(void *pBuffer, size_t nSize, size_t nCount)
{
    if (nSize == 0 || nCount == 0 || m_poTarget == nullptr)
        return 0;
    const vsi_l_offset nAvailable = m_nPos >= m_nSize ? 0 : m_nSize - m_nPos;
    const size_t nWanted = nSize * nCount;
    const size_t nToRead = static_cast<size_t>(std::min<vsi_l_offset>(nAvailable, nWanted));
    size_t nRead = 0;
    if (nToRead)
    {
        if (m_poTarget->Seek(m_nOffset + m_nPos, SEEK_SET) == 0)
            nRead = m_poTarget->Read(pBuffer, 1, nToRead);
        if (nRead < nToRead && !m_bReportedShortRead)
        {
            // The declared range goes past the target's end (or the read
            // failed): say so rather than hand out a short chunk silently.
            m_bReportedShortRead = true;
            CPLError(CE_Failure, CPLE_FileIO,
                     "%s: range [%llu, %llu) goes past the end of the target "
                     "(read %llu of %llu bytes at offset %llu)",
                     m_osDescription.c_str(),
                     static_cast<unsigned long long>(m_nOffset),
                     static_cast<unsigned long long>(m_nOffset + m_nSize),
                     static_cast<unsigned long long>(nRead),
                     static_cast<unsigned long long>(nToRead),
                     static_cast<unsigned long long>(m_nOffset + m_nPos));
        }
    }
    m_nPos += nRead;
    if (nRead < nWanted)
        m_bEOF = true;
    return nRead / nSize;
}

int FailingHandle::Seek(vsi_l_offset nOffset, int nWhence)
{
    return SeekWithin(m_nSize, m_nPos, m_bEOF, nOffset, nWhence);
}

size_t FailingHandle::Read(void *, size_t nSize, size_t nCount)
{
    if (nSize != 0 && nCount != 0)
    {
        CPLError(CE_Failure, CPLE_FileIO, "%s", m_osError.c_str());
        m_bEOF = true;
    }
    return 0;
}

}  // namespace kerchunk
