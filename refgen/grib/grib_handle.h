// RAII wrapper of an eccodes handle with typed, optional key getters.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

struct grib_handle;

namespace kerchunk
{

class EccodesHandle
{
  public:
    // Parses `osBytes` (kept alive by the handle). `bPartial` selects
    // eccodes' partial-message mode (headers without data sections).
    // Returns an empty handle if eccodes refuses the bytes, with Failure()
    // set when an eccodes assertion fired (corrupt message).
    static EccodesHandle FromBytes(std::string osBytes, bool bPartial);

    // eccodes' assertion text when FromBytes() gave up on one, else empty.
    const std::string &Failure() const
    {
        return m_osFailure;
    }

    explicit operator bool() const
    {
        return m_poHandle != nullptr;
    }

    std::optional<std::string> GetString(const char *pszKey) const;
    std::optional<long> GetLong(const char *pszKey) const;
    std::optional<double> GetDouble(const char *pszKey) const;
    std::optional<std::vector<double>> GetDoubleArray(const char *pszKey) const;
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
    std::shared_ptr<std::string> m_poBytes{};
    std::unique_ptr<grib_handle, Deleter> m_poHandle{};
    std::string m_osFailure{};
};

// Routes eccodes' log messages to CPLDebug("KERCHUNK") instead of stderr
// (a scan asks for keys that many messages do not have). Idempotent.
void RouteEccodesLogging();

}  // namespace kerchunk
