// eccodes aborts the process on an internal assertion unless the application
// installs a handler (codes_set_codes_assertion_failed_proc), and when the
// handler returns, eccodes carries on past the failed assertion -- into the
// out-of-bounds read the assertion was guarding (a segmentation fault with
// ../shared/hostile/grib2_eccodes_assert.grib2). So the handler leaves the
// eccodes call altogether: RunEccodesGuarded() marks a point to return to
// (setjmp) and the handler jumps back there (longjmp), on that thread only.
// Elsewhere in the process eccodes keeps its default: print and abort.
#pragma once

#include <string>
#include <type_traits>

namespace kerchunk
{

// Runs pfnCall(pUserData), which must only call eccodes' C API and hold no
// C++ object with a destructor (a jump skips destructors). Returns false,
// with osFailure set to eccodes' text ("ecCodes assertion failed: `...' in
// file.c:207"), when an eccodes assertion fired inside: the call was
// abandoned half-way, so the handle it used must not be used again, and the
// memory eccodes held at that point is lost (a corrupt message costs a
// leak, never the process).
bool RunEccodesGuarded(void (*pfnCall)(void *pUserData), void *pUserData,
                       std::string &osFailure);

// The same for a callable, typically a lambda capturing by reference whose
// body is one eccodes call:
//   RunEccodesGuarded([&] { nErr = codes_get_long(h, "Ni", &nNi); }, osFailure)
// The same rules apply: only eccodes' C API inside, no C++ object alive.
template <class Call> bool RunEccodesGuarded(Call &&oCall, std::string &osFailure)
{
    using CallType = std::remove_reference_t<Call>;
    return RunEccodesGuarded([](void *pUserData)
                             { (*static_cast<CallType *>(pUserData))(); },
                             const_cast<void *>(static_cast<const void *>(&oCall)),
                             osFailure);
}

}  // namespace kerchunk
