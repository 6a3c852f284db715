// RAII wrapper of an eccodes handle with typed, optional key getters.
// Every eccodes call on the handle runs under RunEccodesGuarded
// (codecs/eccodes_assertions.h): a corrupt message that fails an eccodes
// assertion gives an EccodesFailure, never an abort.
#pragma once

#include "error.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

struct grib_handle;

namespace kerchunk
{

// A field that cannot be referenced: the generator skips it with this text
// (and the reason it gives), where other errors end the generation.
class GribFieldError : public Error
{
  public:
    using Error::Error;
};

// An eccodes assertion fired while a key was read: the message is corrupt
// and its handle unusable. The text names the key and eccodes' assertion.
class EccodesFailure : public GribFieldError
{
  public:
    using GribFieldError::GribFieldError;
};

class EccodesHandle
{
  public:
    // Parses `osBytes` (kept alive by the handle). `bPartial` selects
    // eccodes' partial-message mode (headers without data sections).
    // Returns an empty handle if eccodes refuses the bytes, with Failure()
    // set when an eccodes assertion fired (corrupt message).
    static EccodesHandle FromBytes(std::string osBytes, bool bPartial);

    // eccodes' assertion text when FromBytes() or a getter gave up on one,
    // else empty.
    const std::string &Failure() const
    {
        return m_osFailure;
    }

    explicit operator bool() const
    {
        return m_poHandle != nullptr;
    }

    // A key that the message lacks (or eccodes cannot evaluate) gives
    // nullopt; an eccodes assertion throws EccodesFailure naming the key,
    // after which the handle is empty.
    std::optional<std::string> GetString(const char *pszKey) const;
    std::optional<long> GetLong(const char *pszKey) const;
    std::optional<double> GetDouble(const char *pszKey) const;
    std::optional<size_t> GetSize(const char *pszKey) const;
    bool IsMissing(const char *pszKey) const;

    std::string GetStringOr(const char *pszKey, const std::string &osDefault) const
    {
        return GetString(pszKey).value_or(osDefault);
    }

  private:
    struct Deleter
    {
        void operator()(grib_handle *h) const;
    };

    // Runs oCall (eccodes calls on the handle only) guarded; on an eccodes
    // assertion, drops the handle and throws EccodesFailure naming pszKey.
    template <class Call> void Guarded(const char *pszKey, Call &&oCall) const;

    std::shared_ptr<std::string> m_poBytes{};
    // Mutable: a getter that meets an eccodes assertion abandons the handle
    // (eccodes stopped half-way inside it, so not even deleted: leaked).
    mutable std::unique_ptr<grib_handle, Deleter> m_poHandle{};
    mutable std::string m_osFailure{};
};

// Largest Gaussian grid number N accepted: eccodes computes the 2N
// latitudes in time that grows as N squared (N=8000, ECMWF's finest grid,
// takes 1.7 s; the 100,000 a hostile header may declare, minutes).
constexpr long MAX_GAUSSIAN_N = 8000;

// The 2N latitudes of the Gaussian grid N, north to south; nullopt for N
// outside 1..MAX_GAUSSIAN_N or when eccodes cannot compute them.
std::optional<std::vector<double>> GaussianLatitudes(long nN);

// Routes eccodes' log messages to CPLDebug("KERCHUNK") instead of stderr
// (a scan asks for keys that many messages do not have). Idempotent.
void RouteEccodesLogging();

}  // namespace kerchunk
