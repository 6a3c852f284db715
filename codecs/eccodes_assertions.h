// eccodes aborts the process on an internal assertion unless the application
// installs a handler (codes_set_codes_assertion_failed_proc). A corrupt GRIB
// message handed over in a chunk must not end the host application: while an
// EccodesAssertionScope lives on a thread, an assertion on that thread is
// recorded and the decoder turns it into an error. Elsewhere (other users of
// eccodes in the process) the default behaviour, abort, is kept.
#pragma once

#include <string>

namespace kerchunk
{

class EccodesAssertionScope
{
  public:
    EccodesAssertionScope();
    ~EccodesAssertionScope();
    EccodesAssertionScope(const EccodesAssertionScope &) = delete;
    EccodesAssertionScope &operator=(const EccodesAssertionScope &) = delete;

    bool Failed() const
    {
        return !m_osFailure.empty();
    }
    // eccodes' text: "ecCodes assertion failed: `...' in file.c:207".
    const std::string &GetFailure() const
    {
        return m_osFailure;
    }

  private:
    static void OnAssertion(const char *pszMessage);

    EccodesAssertionScope *m_poOuter = nullptr;
    std::string m_osFailure{};
};

}  // namespace kerchunk
