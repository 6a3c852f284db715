#include "grib_handle.h"

#include "eccodes_assertions.h"

#include "cpl_error.h"

#include <eccodes.h>

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

std::optional<std::string> EccodesHandle::GetString(const char *pszKey) const
{
    char szValue[1024];
    size_t nLen = sizeof(szValue);
    if (!m_poHandle || codes_get_string(m_poHandle.get(), pszKey, szValue,
                                        &nLen) != CODES_SUCCESS)
        return std::nullopt;
    // Keys are ASCII by design, but a few (descriptions, local strings)
    // carry raw bytes: keep the text JSON-safe.
    std::string osValue(szValue);
    for (char &ch : osValue)
    {
        if (static_cast<unsigned char>(ch) >= 0x80)
            ch = '?';
    }
    return osValue;
}

std::optional<long> EccodesHandle::GetLong(const char *pszKey) const
{
    long nValue = 0;
    if (!m_poHandle ||
        codes_get_long(m_poHandle.get(), pszKey, &nValue) != CODES_SUCCESS)
        return std::nullopt;
    return nValue;
}

std::optional<double> EccodesHandle::GetDouble(const char *pszKey) const
{
    double dfValue = 0;
    if (!m_poHandle ||
        codes_get_double(m_poHandle.get(), pszKey, &dfValue) != CODES_SUCCESS)
        return std::nullopt;
    return dfValue;
}

std::optional<size_t> EccodesHandle::GetSize(const char *pszKey) const
{
    size_t nSize = 0;
    if (!m_poHandle ||
        codes_get_size(m_poHandle.get(), pszKey, &nSize) != CODES_SUCCESS)
        return std::nullopt;
    return nSize;
}

std::optional<std::vector<double>>
EccodesHandle::GetDoubleArray(const char *pszKey) const
{
    const auto nSize = GetSize(pszKey);
    if (!nSize)
        return std::nullopt;
    std::vector<double> adfValues(*nSize);
    size_t nLen = adfValues.size();
    if (codes_get_double_array(m_poHandle.get(), pszKey, adfValues.data(),
                               &nLen) != CODES_SUCCESS)
        return std::nullopt;
    adfValues.resize(nLen);
    return adfValues;
}

bool EccodesHandle::IsMissing(const char *pszKey) const
{
    int nErr = 0;
    return m_poHandle &&
           codes_is_missing(m_poHandle.get(), pszKey, &nErr) == 1 &&
           nErr == CODES_SUCCESS;
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
