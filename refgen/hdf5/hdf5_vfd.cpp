#include "hdf5_vfd.h"
#include "config_options.h"
#include "gdal_paths.h"

#include "error.h"
#include "file_handles.h"
#include "../read_counter.h"

#include "cpl_conv.h"
#include "cpl_error.h"
#include "cpl_string.h"
#include "cpl_vsi.h"

#include <algorithm>
#include <cstring>
#include <list>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace kerchunk::hdf5
{
namespace
{

// Remote file systems pay a round trip per request: metadata is read in
// blocks of this size (a 1 MB block at ~50 ms latency and ~20 MB/s costs about
// as much as two tiny requests, and typically holds many B-tree nodes and
// object headers). Local files go straight to VSI (the OS caches them).
constexpr size_t DEFAULT_REMOTE_BLOCK_SIZE = 1024 * 1024;
constexpr size_t MAX_CACHED_BLOCKS = 32;

struct VSIH5File
{
    H5FD_t sPublic;  // must be first: HDF5 casts between the two
    VSIFilePtr poFp{};
    std::string osName{};
    haddr_t nEOA = 0;
    haddr_t nEOF = 0;
    size_t nBlockSize = 0;
    // LRU block cache: most recent at the front.
    std::list<std::pair<uint64_t, std::vector<GByte>>> oBlocks{};
    std::unordered_map<uint64_t, decltype(oBlocks)::iterator> oBlockIndex{};
    RecordedRead *psRecord = nullptr;
    uint64_t nVSIReads = 0;

    bool ReadDirect(uint64_t nOffset, size_t nSize, void *pBuffer)
    {
        ++nVSIReads;
        if (VSIFSeekL(poFp.get(), nOffset, SEEK_SET) != 0 ||
            VSIFReadL(pBuffer, 1, nSize, poFp.get()) != nSize)
            return false;
        CountSourceBytesRead(nSize);
        return true;
    }

    const std::vector<GByte> *GetBlock(uint64_t nBlock)
    {
        auto oIter = oBlockIndex.find(nBlock);
        if (oIter != oBlockIndex.end())
        {
            oBlocks.splice(oBlocks.begin(), oBlocks, oIter->second);
            return &oIter->second->second;
        }
        const uint64_t nStart = nBlock * nBlockSize;
        if (nStart >= nEOF)
            return nullptr;
        std::vector<GByte> abyBlock(
            static_cast<size_t>(std::min<uint64_t>(nBlockSize, nEOF - nStart)));
        if (!ReadDirect(nStart, abyBlock.size(), abyBlock.data()))
            return nullptr;
        if (oBlocks.size() >= MAX_CACHED_BLOCKS)
        {
            oBlockIndex.erase(oBlocks.back().first);
            oBlocks.pop_back();
        }
        oBlocks.emplace_front(nBlock, std::move(abyBlock));
        oBlockIndex[nBlock] = oBlocks.begin();
        return &oBlocks.front().second;
    }

    bool Read(H5FD_mem_t eType, uint64_t nOffset, size_t nSize, void *pBuffer)
    {
        if (eType == H5FD_MEM_DRAW && psRecord != nullptr)
        {
            psRecord->nAddress = nOffset;
            psRecord->nSize = nSize;
            ++psRecord->nCount;
            return true;
        }
        // Raw data and large reads bypass the cache: they are read once.
        if (nBlockSize == 0 || eType == H5FD_MEM_DRAW || nSize >= nBlockSize)
            return ReadDirect(nOffset, nSize, pBuffer);
        GByte *pabyOut = static_cast<GByte *>(pBuffer);
        while (nSize > 0)
        {
            const uint64_t nBlock = nOffset / nBlockSize;
            const size_t nInBlock = static_cast<size_t>(nOffset % nBlockSize);
            const std::vector<GByte> *pabyBlock = GetBlock(nBlock);
            if (pabyBlock == nullptr || nInBlock >= pabyBlock->size())
                return false;
            const size_t nChunk = std::min(nSize, pabyBlock->size() - nInBlock);
            memcpy(pabyOut, pabyBlock->data() + nInBlock, nChunk);
            pabyOut += nChunk;
            nOffset += nChunk;
            nSize -= nChunk;
        }
        return true;
    }
};

VSIH5File *Cast(H5FD_t *psFile)
{
    return reinterpret_cast<VSIH5File *>(psFile);
}
const VSIH5File *Cast(const H5FD_t *psFile)
{
    return reinterpret_cast<const VSIH5File *>(psFile);
}

// The callbacks below are called by HDF5 (C code): no exception may escape.
H5FD_t *VFDOpen(const char *pszName, unsigned nFlags, hid_t, haddr_t nMaxAddr)
{
    if ((nFlags & H5F_ACC_RDWR) || (nFlags & H5F_ACC_CREAT) ||
        (nFlags & H5F_ACC_TRUNC) || nMaxAddr == 0 || nMaxAddr == HADDR_UNDEF)
        return nullptr;
    try
    {
        // Read before opening: a bad value must not leak the file.
        const size_t nBlockSize =
            IsConfigOptionSet("KERCHUNK_HDF5_BLOCK_SIZE")
                ? static_cast<size_t>(GetIntegerOption("KERCHUNK_HDF5_BLOCK_SIZE"))
                : (IsNetworkGDALPath(pszName) ? DEFAULT_REMOTE_BLOCK_SIZE : 0);
        VSIFilePtr poFp = ::kerchunk::OpenVSIFile(pszName, "rb");
        if (!poFp || VSIFSeekL(poFp.get(), 0, SEEK_END) != 0)
            return nullptr;
        auto poFile = std::make_unique<VSIH5File>();
        memset(&poFile->sPublic, 0, sizeof(poFile->sPublic));
        poFile->nEOF = VSIFTellL(poFp.get());
        poFile->poFp = std::move(poFp);
        poFile->osName = pszName;
        poFile->nBlockSize = nBlockSize;
        return &poFile.release()->sPublic;
    }
    catch (const std::exception &e)
    {
        // libhdf5 only says "unable to open": name the reason first.
        CPLError(CE_Failure, CPLE_OpenFailed, "%s: %s", pszName, e.what());
        return nullptr;
    }
}

herr_t VFDClose(H5FD_t *psFile)
{
    std::unique_ptr<VSIH5File> poFile(Cast(psFile));
    return CloseVSIFile(poFile->poFp) ? 0 : -1;
}

int VFDCompare(const H5FD_t *psA, const H5FD_t *psB)
{
    return Cast(psA)->osName.compare(Cast(psB)->osName);
}

herr_t VFDQuery(const H5FD_t *, unsigned long *pnFlags)
{
    // Metadata accumulation merges adjacent small metadata reads; data
    // sieving does the same for contiguous raw data.
    *pnFlags = H5FD_FEAT_AGGREGATE_METADATA | H5FD_FEAT_ACCUMULATE_METADATA |
               H5FD_FEAT_DATA_SIEVE | H5FD_FEAT_AGGREGATE_SMALLDATA;
    return 0;
}

haddr_t VFDGetEOA(const H5FD_t *psFile, H5FD_mem_t)
{
    return Cast(psFile)->nEOA;
}

herr_t VFDSetEOA(H5FD_t *psFile, H5FD_mem_t, haddr_t nAddr)
{
    Cast(psFile)->nEOA = nAddr;
    return 0;
}

haddr_t VFDGetEOF(const H5FD_t *psFile, H5FD_mem_t)
{
    return Cast(psFile)->nEOF;
}

herr_t VFDGetHandle(H5FD_t *psFile, hid_t, void **ppHandle)
{
    *ppHandle = psFile;
    return 0;
}

herr_t VFDRead(H5FD_t *psFile, H5FD_mem_t eType, hid_t, haddr_t nAddr,
               size_t nSize, void *pBuffer)
{
    try
    {
        VSIH5File *poFile = Cast(psFile);
        if (nAddr == HADDR_UNDEF)
            return -1;
        if (eType == H5FD_MEM_DRAW && poFile->psRecord != nullptr)
            return poFile->Read(eType, nAddr, nSize, pBuffer) ? 0 : -1;
        // Like HDF5's sec2 driver: bytes past the end of file read as zeros
        // (HDF5 itself refuses files shorter than their end-of-allocation).
        const size_t nAvailable =
            nAddr >= poFile->nEOF
                ? 0
                : static_cast<size_t>(std::min<uint64_t>(nSize, poFile->nEOF - nAddr));
        if (nAvailable < nSize)
            memset(static_cast<GByte *>(pBuffer) + nAvailable, 0, nSize - nAvailable);
        if (nAvailable == 0)
            return 0;
        return poFile->Read(eType, nAddr, nAvailable, pBuffer) ? 0 : -1;
    }
    catch (const std::exception &)
    {
        return -1;
    }
}

herr_t VFDWrite(H5FD_t *, H5FD_mem_t, hid_t, haddr_t, size_t, const void *)
{
    return -1;  // read-only driver
}

herr_t VFDTruncate(H5FD_t *, hid_t, hbool_t)
{
    return 0;
}

const H5FD_class_t *GetDriverClass()
{
    static const H5FD_class_t sClass = [] {
        H5FD_class_t s;
        memset(&s, 0, sizeof(s));
        s.name = "kerchunk_vsi";
        s.maxaddr = static_cast<haddr_t>(INT64_MAX);
        s.fc_degree = H5F_CLOSE_WEAK;
        s.open = VFDOpen;
        s.close = VFDClose;
        s.cmp = VFDCompare;
        s.query = VFDQuery;
        s.get_eoa = VFDGetEOA;
        s.set_eoa = VFDSetEOA;
        s.get_eof = VFDGetEOF;
        s.get_handle = VFDGetHandle;
        s.read = VFDRead;
        s.write = VFDWrite;
        s.truncate = VFDTruncate;
        for (auto &eMap : s.fl_map)
            eMap = H5FD_MEM_DEFAULT;
        return s;
    }();
    return &sClass;
}

hid_t GetDriverId()
{
    static std::mutex oMutex;
    static hid_t nDriverId = -1;
    std::lock_guard<std::mutex> oLock(oMutex);
    if (nDriverId < 0 || H5Iis_valid(nDriverId) <= 0)
        nDriverId = H5FDregister(GetDriverClass());
    return nDriverId;
}

VSIH5File *GetFileStruct(hid_t hFile)
{
    void *pHandle = nullptr;
    if (H5Fget_vfd_handle(hFile, H5P_DEFAULT, &pHandle) < 0 || !pHandle)
        throw Error("internal error: no VFD handle");
    return static_cast<VSIH5File *>(pHandle);
}

}  // namespace

Handle OpenVSIFile(const std::string &osSource)
{
    ErrorSilencer oSilence;
    const hid_t nDriver = GetDriverId();
    if (nDriver < 0)
        throw Error("cannot register the HDF5 VSI file driver: " + LastHDF5Error());
    Handle hFapl(CheckId(H5Pcreate(H5P_FILE_ACCESS), "H5Pcreate"));
    CheckRet(H5Pset_driver(hFapl.get(), nDriver, nullptr), "H5Pset_driver");
    // The chunk cache would keep decoded chunks we never need.
    CheckRet(H5Pset_cache(hFapl.get(), 0, 0, 0, 0.0), "H5Pset_cache");
    const hid_t hFile = H5Fopen(osSource.c_str(), H5F_ACC_RDONLY, hFapl.get());
    if (hFile < 0)
    {
        const std::string osReason = LastHDF5Error();
        throw Error(osSource + ": cannot open as HDF5 (truncated or corrupt file?)" +
                    (osReason.empty() ? std::string() : ": " + osReason));
    }
    return Handle(hFile);
}

RecordScope::RecordScope(hid_t hFile, RecordedRead &sRead)
{
    VSIH5File *poFile = GetFileStruct(hFile);
    poFile->psRecord = &sRead;
    m_poFile = poFile;
}

RecordScope::~RecordScope()
{
    static_cast<VSIH5File *>(m_poFile)->psRecord = nullptr;
}

uint64_t GetVSIReadCount(hid_t hFile)
{
    return GetFileStruct(hFile)->nVSIReads;
}

}  // namespace kerchunk::hdf5
