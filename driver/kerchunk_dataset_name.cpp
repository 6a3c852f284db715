#include "kerchunk_dataset_name.h"

#include "cpl_port.h"

#include <cstring>

namespace kerchunk
{

bool ParseKerchunkDatasetName(const std::string &osName, KerchunkDatasetName &oName)
{
    const size_t nPrefixLen = strlen(KERCHUNK_DATASET_PREFIX);
    if (!STARTS_WITH_CI(osName.c_str(), KERCHUNK_DATASET_PREFIX))
        return false;
    const std::string osRest = osName.substr(nPrefixLen);
    oName = KerchunkDatasetName();
    if (!osRest.empty() && osRest[0] == '"')
    {
        const size_t nClose = osRest.find('"', 1);
        if (nClose == std::string::npos)
            return false;
        oName.osPath = osRest.substr(1, nClose - 1);
        if (nClose + 1 < osRest.size())
        {
            if (osRest[nClose + 1] != ':')
                return false;
            oName.osArray = osRest.substr(nClose + 2);
        }
    }
    else
    {
        oName.osPath = osRest;
    }
    return !oName.osPath.empty();
}

std::string MakeSubdatasetName(const std::string &osPath, const std::string &osArray)
{
    return std::string(KERCHUNK_DATASET_PREFIX) + "\"" + osPath + "\":" + osArray;
}

}  // namespace kerchunk
