#include "direct_http_fetch.h"
#include "gdal_paths.h"

#include "cpl_conv.h"
#include "cpl_error.h"
#include "cpl_http.h"
#include "cpl_string.h"
#include "cpl_vsi.h"

#include <curl/curl.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <new>
#include <set>
#include <vector>

namespace kerchunk
{

namespace
{

constexpr const char *VSIS3_PREFIX = "/vsis3/";

bool IsHttpURL(const std::string &osURL)
{
    return STARTS_WITH_CI(osURL.c_str(), "http://") || STARTS_WITH_CI(osURL.c_str(), "https://");
}

// Targets whose server answered a direct range request with something else
// than its bytes: read through VSI for the rest of the process.
class RefusedTargets
{
  public:
    static RefusedTargets &Get()
    {
        static RefusedTargets oTargets;
        return oTargets;
    }
    bool Contains(const std::string &osTarget)
    {
        std::lock_guard<std::mutex> oLock(m_oMutex);
        return m_oTargets.count(osTarget) > 0;
    }
    void Add(const std::string &osTarget)
    {
        std::lock_guard<std::mutex> oLock(m_oMutex);
        try
        {
            m_oTargets.insert(osTarget);
        }
        catch (const std::bad_alloc &)
        {
            // Then its next batch tries directly again, and is read again.
        }
    }

  private:
    std::mutex m_oMutex{};
    std::set<std::string> m_oTargets{};
};

// An answer that says the server will not serve this target's ranges
// directly (it ignores Range, or wants what a signed URL lacks), as
// opposed to a failure of one request (5xx, 408, 429, a reset connection)
// or of one range (404, 416).
bool IsRefusal(long nHttpCode)
{
    return (nHttpCode >= 200 && nHttpCode < 300 && nHttpCode != 206) || nHttpCode == 400 ||
           nHttpCode == 401 || nHttpCode == 403 || nHttpCode == 405 || nHttpCode == 501;
}

// Multi handles keep their connections (and DNS cache) from one batch to
// the next; a batch takes one and gives it back.
class MultiHandlePool
{
  public:
    static MultiHandlePool &Get()
    {
        static MultiHandlePool oPool;
        return oPool;
    }
    ~MultiHandlePool()
    {
        for (CURLM *hMulti : m_ahIdle)
            curl_multi_cleanup(hMulti);
    }
    CURLM *Take()
    {
        {
            std::lock_guard<std::mutex> oLock(m_oMutex);
            if (!m_ahIdle.empty())
            {
                CURLM *hMulti = m_ahIdle.back();
                m_ahIdle.pop_back();
                return hMulti;
            }
        }
        return curl_multi_init();
    }
    void Give(CURLM *hMulti)
    {
        std::lock_guard<std::mutex> oLock(m_oMutex);
        try
        {
            m_ahIdle.push_back(hMulti);
        }
        catch (const std::bad_alloc &)
        {
            curl_multi_cleanup(hMulti);
        }
    }

  private:
    MultiHandlePool() = default;
    std::mutex m_oMutex{};
    std::vector<CURLM *> m_ahIdle{};
};

class MultiHandleLease
{
  public:
    MultiHandleLease() : m_hMulti(MultiHandlePool::Get().Take())
    {
    }
    ~MultiHandleLease()
    {
        if (m_hMulti)
            MultiHandlePool::Get().Give(m_hMulti);
    }
    MultiHandleLease(const MultiHandleLease &) = delete;
    MultiHandleLease &operator=(const MultiHandleLease &) = delete;
    CURLM *get() const
    {
        return m_hMulti;
    }

  private:
    CURLM *m_hMulti = nullptr;
};

struct Transfer
{
    CURL *hCurl = nullptr;
    curl_slist *psHeaders = nullptr;
    char *pabyDest = nullptr;
    size_t nSize = 0;
    size_t nReceived = 0;
    bool bRangeAnswered = false;  // the answer is a 206
    long nHttpCode = 0;
};

// Body bytes go straight to the chunk's buffer; anything but a 206 of at
// most the range's length ends the transfer (a server ignoring Range would
// otherwise send the whole file).
size_t ReceiveBody(char *pData, size_t nItemSize, size_t nItems, void *pUserData)
{
    auto *poTransfer = static_cast<Transfer *>(pUserData);
    if (!poTransfer->bRangeAnswered)
    {
        curl_easy_getinfo(poTransfer->hCurl, CURLINFO_RESPONSE_CODE, &poTransfer->nHttpCode);
        if (poTransfer->nHttpCode != 206)
            return 0;
        poTransfer->bRangeAnswered = true;
    }
    const size_t nBytes = nItemSize * nItems;
    if (nBytes > poTransfer->nSize - poTransfer->nReceived)
        return 0;
    memcpy(poTransfer->pabyDest + poTransfer->nReceived, pData, nBytes);
    poTransfer->nReceived += nBytes;
    return nBytes;
}

bool StartTransfer(CURLM *hMulti, const DirectRange &oRange, Transfer &oTransfer)
{
    oTransfer.hCurl = curl_easy_init();
    if (oTransfer.hCurl == nullptr)
        return false;
    // GDAL's HTTP options, as /vsicurl/ applies them to its own transfers.
    oTransfer.psHeaders = static_cast<curl_slist *>(
        CPLHTTPSetOptions(oTransfer.hCurl, oRange.posURL->c_str(), nullptr));
    char szRange[64];
    snprintf(szRange, sizeof(szRange), "Range: bytes=%llu-%llu",
             static_cast<unsigned long long>(oRange.nOffset),
             static_cast<unsigned long long>(oRange.nOffset + oRange.nSize - 1));
    curl_slist *psHeaders = curl_slist_append(oTransfer.psHeaders, szRange);
    if (psHeaders == nullptr)
        return false;
    oTransfer.psHeaders = psHeaders;
    curl_easy_setopt(oTransfer.hCurl, CURLOPT_HTTPHEADER, oTransfer.psHeaders);
    curl_easy_setopt(oTransfer.hCurl, CURLOPT_HTTPGET, 1L);
    curl_easy_setopt(oTransfer.hCurl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(oTransfer.hCurl, CURLOPT_WRITEFUNCTION, ReceiveBody);
    curl_easy_setopt(oTransfer.hCurl, CURLOPT_WRITEDATA, &oTransfer);
    curl_easy_setopt(oTransfer.hCurl, CURLOPT_PRIVATE, &oTransfer);
    return curl_multi_add_handle(hMulti, oTransfer.hCurl) == CURLM_OK;
}

void EndTransfer(CURLM *hMulti, Transfer &oTransfer)
{
    if (oTransfer.hCurl)
    {
        curl_multi_remove_handle(hMulti, oTransfer.hCurl);
        curl_easy_cleanup(oTransfer.hCurl);
        oTransfer.hCurl = nullptr;
    }
    curl_slist_free_all(oTransfer.psHeaders);
    oTransfer.psHeaders = nullptr;
}

// Whether a finished transfer brought all its bytes; a refusal sends its
// target through VSI from then on.
bool TransferSucceeded(const DirectRange &oRange, Transfer &oTransfer, CURLcode eResult)
{
    if (!oTransfer.bRangeAnswered)
        curl_easy_getinfo(oTransfer.hCurl, CURLINFO_RESPONSE_CODE, &oTransfer.nHttpCode);
    const bool bOK = eResult == CURLE_OK && oTransfer.bRangeAnswered &&
                     oTransfer.nReceived == oTransfer.nSize;
    if (!bOK && IsRefusal(oTransfer.nHttpCode))
    {
        CPLDebug("KERCHUNK", "%s: HTTP %ld to a range request; read through VSI",
                 oRange.posTarget->c_str(), oTransfer.nHttpCode);
        RefusedTargets::Get().Add(*oRange.posTarget);
    }
    return bOK;
}

}  // namespace

std::string DirectHttpURL(const std::string &osTarget)
{
    // /vsicurl/http(s)://... is its URL; other paths that are not http(s)
    // URLs then (s3://, local files...) go through VSI.
    std::string osURL = GDALPathToUrl(osTarget);
    if (STARTS_WITH(osTarget.c_str(), VSIS3_PREFIX))
    {
        // Missing credentials are VSI's to report, when it reads.
        CPLErrorStateBackuper oKeepErrorState;
        CPLErrorHandlerPusher oQuiet(CPLQuietErrorHandler);
        char *pszSigned = VSIGetSignedURL(osTarget.c_str(), nullptr);
        osURL = pszSigned ? pszSigned : "";
        CPLFree(pszSigned);
        // A public bucket: GDAL 3.6 signs with an empty key, which S3
        // refuses; the plain URL is what /vsis3/ itself asks.
        if (CPLTestBool(CPLGetConfigOption("AWS_NO_SIGN_REQUEST", "NO")))
            osURL = osURL.substr(0, osURL.find('?'));
    }
    if (!IsHttpURL(osURL) || RefusedTargets::Get().Contains(osTarget))
        return std::string();
    return osURL;
}

void FetchDirectRanges(const std::vector<DirectRange> &aoRanges, size_t nMaxInFlight,
                       const DirectRangeStart &oOnStart, const DirectRangeEnd &oOnEnd)
{
    MultiHandleLease oMulti;
    std::vector<Transfer> aoTransfers;
    try
    {
        aoTransfers.resize(aoRanges.size());
    }
    catch (const std::bad_alloc &)
    {
    }
    if (oMulti.get() == nullptr || aoTransfers.size() != aoRanges.size())
    {
        for (size_t i = 0; i < aoRanges.size(); ++i)
            oOnEnd(i, false);
        return;
    }
    auto End = [&](size_t i, bool bOK)
    {
        EndTransfer(oMulti.get(), aoTransfers[i]);
        oOnEnd(i, bOK);
    };
    // As GDAL's transfers: a server closing a connection must not end the
    // process with SIGPIPE.
    void *pOldSigPipeHandler = CPLHTTPIgnoreSigPipe();
    size_t iNext = 0;
    size_t nActive = 0;
    while (true)
    {
        for (; nActive < std::max<size_t>(1, nMaxInFlight) && iNext < aoRanges.size(); ++iNext)
        {
            Transfer &oTransfer = aoTransfers[iNext];
            oTransfer.nSize = aoRanges[iNext].nSize;
            oTransfer.pabyDest = oOnStart(iNext);
            if (oTransfer.pabyDest && StartTransfer(oMulti.get(), aoRanges[iNext], oTransfer))
                ++nActive;
            else
                End(iNext, false);
        }
        if (nActive == 0)
            break;
        int nRunning = 0;
        curl_multi_perform(oMulti.get(), &nRunning);
        bool bEnded = false;
        int nQueued = 0;
        while (CURLMsg *psMessage = curl_multi_info_read(oMulti.get(), &nQueued))
        {
            if (psMessage->msg != CURLMSG_DONE)
                continue;
            Transfer *poTransfer = nullptr;
            curl_easy_getinfo(psMessage->easy_handle, CURLINFO_PRIVATE, &poTransfer);
            const size_t i = static_cast<size_t>(poTransfer - aoTransfers.data());
            const bool bOK = TransferSucceeded(aoRanges[i], *poTransfer, psMessage->data.result);
            --nActive;
            bEnded = true;
            End(i, bOK);
        }
        if (!bEnded && nActive > 0)
            curl_multi_poll(oMulti.get(), nullptr, 0, 1000, nullptr);
    }
    CPLHTTPRestoreSigPipeHandler(pOldSigPipeHandler);
}

}  // namespace kerchunk
