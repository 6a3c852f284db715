// RAII for HDF5 identifiers and a scoped, silenced HDF5 error stack whose
// innermost message can be turned into a kerchunk::Error.
#pragma once

#include "hdf5.h"

#include <string>
#include <utility>

namespace kerchunk::hdf5
{

// Owns one HDF5 identifier of any kind (file, group, dataset, type, space,
// attribute, property list) and closes it with H5Idec_ref.
class Handle
{
  public:
    Handle() = default;
    explicit Handle(hid_t nId) : m_nId(nId)
    {
    }
    ~Handle()
    {
        Reset();
    }
    Handle(Handle &&oOther) noexcept : m_nId(std::exchange(oOther.m_nId, -1))
    {
    }
    Handle &operator=(Handle &&oOther) noexcept
    {
        if (this != &oOther)
        {
            Reset();
            m_nId = std::exchange(oOther.m_nId, -1);
        }
        return *this;
    }
    Handle(const Handle &) = delete;
    Handle &operator=(const Handle &) = delete;

    hid_t get() const
    {
        return m_nId;
    }
    explicit operator bool() const
    {
        return m_nId >= 0;
    }
    void Reset()
    {
        if (m_nId >= 0)
            H5Idec_ref(m_nId);
        m_nId = -1;
    }

  private:
    hid_t m_nId = -1;
};

// Silences HDF5's automatic error printing for the current thread while
// alive (HDF5 would otherwise print whole stacks on stderr), and restores it.
class ErrorSilencer
{
  public:
    ErrorSilencer();
    ~ErrorSilencer();
    ErrorSilencer(const ErrorSilencer &) = delete;
    ErrorSilencer &operator=(const ErrorSilencer &) = delete;

  private:
    H5E_auto2_t m_pfnOld = nullptr;
    void *m_pOldData = nullptr;
};

// The most specific message of the current HDF5 error stack ("" if empty).
std::string LastHDF5Error();

// Throw kerchunk::Error(osContext + ": " + LastHDF5Error()) on failure.
hid_t CheckId(hid_t nId, const std::string &osContext);
void CheckRet(herr_t nRet, const std::string &osContext);

}  // namespace kerchunk::hdf5
