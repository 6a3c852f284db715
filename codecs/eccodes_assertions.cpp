#include "eccodes_assertions.h"

#include <eccodes.h>

#include <cstdio>
#include <cstdlib>
#include <mutex>

namespace kerchunk
{

namespace
{
// The scope active on this thread (scopes nest).
thread_local EccodesAssertionScope *tlpoScope = nullptr;
}  // namespace

void EccodesAssertionScope::OnAssertion(const char *pszMessage)
{
    if (tlpoScope == nullptr)
    {
        // Outside our decoders: what eccodes does without a handler.
        fprintf(stderr, "%s\n", pszMessage);
        const char *pszNoAbort = getenv("ECCODES_NO_ABORT");
        if (pszNoAbort == nullptr || atoi(pszNoAbort) == 0)
            abort();
        return;
    }
    if (tlpoScope->m_osFailure.empty())
        tlpoScope->m_osFailure = pszMessage ? pszMessage : "ecCodes assertion failed";
}

EccodesAssertionScope::EccodesAssertionScope() : m_poOuter(tlpoScope)
{
    static std::once_flag oOnce;
    std::call_once(oOnce,
                   [] { codes_set_codes_assertion_failed_proc(&OnAssertion); });
    tlpoScope = this;
}

EccodesAssertionScope::~EccodesAssertionScope()
{
    tlpoScope = m_poOuter;
}

}  // namespace kerchunk
