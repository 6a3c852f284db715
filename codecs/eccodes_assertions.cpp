#include "eccodes_assertions.h"

#include <eccodes.h>

#include <csetjmp>
#include <cstdio>
#include <cstdlib>
#include <mutex>

namespace kerchunk
{

namespace
{

// Where the innermost RunEccodesGuarded() of this thread waits, if any.
thread_local std::jmp_buf *tlpsJump = nullptr;
// The assertion text, copied before jumping (no allocation in the handler).
thread_local char tlszFailure[1024];

void OnEccodesAssertion(const char *pszMessage)
{
    if (tlpsJump == nullptr)
    {
        // Outside our decoder: what eccodes does without a handler.
        fprintf(stderr, "%s\n", pszMessage);
        const char *pszNoAbort = getenv("ECCODES_NO_ABORT");
        if (pszNoAbort == nullptr || atoi(pszNoAbort) == 0)
            abort();
        return;
    }
    snprintf(tlszFailure, sizeof(tlszFailure), "%s",
             pszMessage ? pszMessage : "ecCodes assertion failed");
    std::longjmp(*tlpsJump, 1);
}

}  // namespace

bool RunEccodesGuarded(void (*pfnCall)(void *), void *pUserData,
                       std::string &osFailure)
{
    static std::once_flag oOnce;
    std::call_once(oOnce,
                   [] { codes_set_codes_assertion_failed_proc(&OnEccodesAssertion); });
    std::jmp_buf sJump;
    std::jmp_buf *const psOuter = tlpsJump;
    tlpsJump = &sJump;
    if (setjmp(sJump) != 0)
    {
        tlpsJump = psOuter;
        osFailure = tlszFailure;
        return false;
    }
    pfnCall(pUserData);
    tlpsJump = psOuter;
    return true;
}

}  // namespace kerchunk
