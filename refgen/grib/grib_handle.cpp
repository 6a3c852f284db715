#include "grib_handle.h"

#include "eccodes_assertions.h"

#include "cpl_error.h"

#include <eccodes.h>

#include <cstring>
#include <mutex>

namespace kerchunk
{

void EccodesHandle::Deleter::operator()(grib_handle *h) const
{
    codes_handle_delete(h);
}

namespace
{

struct NewHandleCall
{
    const std::string *posData;
    bool bPartial;
    codes_handle *hResult;
};

// Only eccodes' C API in here: RunEccodesGuarded() may jump out of it.
void NewHandle(void *pData)
{
    auto *psCall = static_cast<NewHandleCall *>(pData);
    const auto &osData = *psCall->posData;
    psCall->hResult =
        psCall->bPartial
            ? codes_handle_new_from_partial_message(nullptr, osData.data(),
                                                    osData.size())
            : codes_handle_new_from_message(nullptr, osData.data(), osData.size());
}

}  // namespace

EccodesHandle EccodesHandle::FromBytes(std::string osBytes, bool bPartial)
{
    EccodesHandle oHandle;
    oHandle.m_poBytes = std::make_shared<std::string>(std::move(osBytes));
    // eccodes does not copy the buffer: it must outlive the handle.
    // A corrupt message can fail an eccodes assertion while the handle is
    // built (fuzz_grib: `hand->loader != 0' in grib_accessor_class_bitmap.c),
    // which aborts the process unless guarded: then no handle, and the
    // assertion's text in Failure().
    NewHandleCall sCall{oHandle.m_poBytes.get(), bPartial, nullptr};
    if (!RunEccodesGuarded(NewHandle, &sCall, oHandle.m_osFailure))
        return oHandle;
    oHandle.m_poHandle.reset(sCall.hResult);
    return oHandle;
}

template <class Call>
void EccodesHandle::Guarded(const char *pszKey, Call &&oCall) const
{
    std::string osFailure;
    if (RunEccodesGuarded(oCall, osFailure))
        return;
    // eccodes left the handle half-way through: never touch it again.
    (void)m_poHandle.release();
    m_osFailure = osFailure;
    throw EccodesFailure(std::string("eccodes failed reading key '") + pszKey +
                         "' (" + osFailure + ")");
}

std::optional<std::string> EccodesHandle::GetString(const char *pszKey) const
{
    if (!m_poHandle)
        return std::nullopt;
    char szValue[1024];
    size_t nLen = sizeof(szValue);
    int nErr = 0;
    grib_handle *const h = m_poHandle.get();
    Guarded(pszKey, [&] { nErr = codes_get_string(h, pszKey, szValue, &nLen); });
    if (nErr != CODES_SUCCESS)
        return std::nullopt;
    // Keys are ASCII by design, but a few (descriptions, local strings)
    // carry raw bytes: keep the text JSON-safe.
    std::string osValue(szValue, strnlen(szValue, sizeof(szValue)));
    for (char &ch : osValue)
    {
        if (static_cast<unsigned char>(ch) >= 0x80)
            ch = '?';
    }
    return osValue;
}

std::optional<long> EccodesHandle::GetLong(const char *pszKey) const
{
    if (!m_poHandle)
        return std::nullopt;
    long nValue = 0;
    int nErr = 0;
    grib_handle *const h = m_poHandle.get();
    Guarded(pszKey, [&] { nErr = codes_get_long(h, pszKey, &nValue); });
    if (nErr != CODES_SUCCESS)
        return std::nullopt;
    return nValue;
}

std::optional<double> EccodesHandle::GetDouble(const char *pszKey) const
{
    if (!m_poHandle)
        return std::nullopt;
    double dfValue = 0;
    int nErr = 0;
    grib_handle *const h = m_poHandle.get();
    Guarded(pszKey, [&] { nErr = codes_get_double(h, pszKey, &dfValue); });
    if (nErr != CODES_SUCCESS)
        return std::nullopt;
    return dfValue;
}

std::optional<size_t> EccodesHandle::GetSize(const char *pszKey) const
{
    if (!m_poHandle)
        return std::nullopt;
    size_t nSize = 0;
    int nErr = 0;
    grib_handle *const h = m_poHandle.get();
    Guarded(pszKey, [&] { nErr = codes_get_size(h, pszKey, &nSize); });
    if (nErr != CODES_SUCCESS)
        return std::nullopt;
    return nSize;
}

bool EccodesHandle::IsMissing(const char *pszKey) const
{
    if (!m_poHandle)
        return false;
    int nErr = 0;
    int nMissing = 0;
    grib_handle *const h = m_poHandle.get();
    Guarded(pszKey, [&] { nMissing = codes_is_missing(h, pszKey, &nErr); });
    return nMissing == 1 && nErr == CODES_SUCCESS;
}

std::optional<std::vector<double>> GaussianLatitudes(long nN)
{
    if (nN <= 0 || nN > MAX_GAUSSIAN_N)
        return std::nullopt;
    std::vector<double> adfLatitudes(static_cast<size_t>(2 * nN));
    double *const padfLatitudes = adfLatitudes.data();
    int nErr = 0;
    std::string osFailure;
    if (!RunEccodesGuarded(
            [&] { nErr = codes_get_gaussian_latitudes(nN, padfLatitudes); },
            osFailure))
        throw EccodesFailure("eccodes failed computing the Gaussian latitudes "
                             "of N=" + std::to_string(nN) + " (" + osFailure + ")");
    if (nErr != CODES_SUCCESS)
        return std::nullopt;
    return adfLatitudes;
}

static void EccodesLog(const codes_context *, int nLevel, const char *pszMsg)
{
    CPLDebug("KERCHUNK", "eccodes (level %d): %s", nLevel, pszMsg);
}

void RouteEccodesLogging()
{
    static std::once_flag oOnce;
    std::call_once(oOnce, [] {
        codes_context_set_logging_proc(codes_context_get_default(), EccodesLog);
    });
}

}  // namespace kerchunk
