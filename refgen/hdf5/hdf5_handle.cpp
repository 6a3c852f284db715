#include "hdf5_handle.h"

#include "error.h"

namespace kerchunk::hdf5
{

ErrorSilencer::ErrorSilencer()
{
    H5Eget_auto2(H5E_DEFAULT, &m_pfnOld, &m_pOldData);
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
}

ErrorSilencer::~ErrorSilencer()
{
    H5Eset_auto2(H5E_DEFAULT, m_pfnOld, m_pOldData);
}

namespace
{
struct WalkData
{
    std::string osFirst;  // innermost: where the failure was detected
    std::string osLast;   // outermost: the API call
};

herr_t WalkCallback(unsigned n, const H5E_error2_t *psErr, void *pData)
{
    auto *psWalk = static_cast<WalkData *>(pData);
    const std::string osDesc = psErr->desc ? psErr->desc : "";
    if (n == 0)
        psWalk->osFirst = osDesc;
    psWalk->osLast = osDesc;
    return 0;
}
}  // namespace

std::string LastHDF5Error()
{
    WalkData sWalk;
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, WalkCallback, &sWalk);
    H5Eclear2(H5E_DEFAULT);
    // Downward: entry 0 is the API function's message ("unable to open
    // file"), the last one the innermost cause ("truncated file: eof = ...").
    if (sWalk.osLast.empty() || sWalk.osLast == sWalk.osFirst)
        return sWalk.osFirst;
    return sWalk.osFirst + " (" + sWalk.osLast + ")";
}

hid_t CheckId(hid_t nId, const std::string &osContext)
{
    if (nId < 0)
        throw Error(osContext + ": " + LastHDF5Error());
    return nId;
}

void CheckRet(herr_t nRet, const std::string &osContext)
{
    if (nRet < 0)
        throw Error(osContext + ": " + LastHDF5Error());
}

}  // namespace kerchunk::hdf5
