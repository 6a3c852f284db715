#include "reference_set.h"

#include <utility>

namespace kerchunk
{

const std::string *ReferenceSet::InternPath(const std::string &osPath)
{
    return &*m_oPaths.insert(osPath).first;
}

void ReferenceSet::AddInline(const std::string &osKey, std::string osBytes)
{
    Reference &oRef = m_oRefs[osKey];
    oRef = Reference{};
    oRef.osInline = std::move(osBytes);
}

void ReferenceSet::AddRange(const std::string &osKey, const std::string &osPath,
                            uint64_t nOffset, uint64_t nSize)
{
    Reference &oRef = m_oRefs[osKey];
    oRef = Reference{};
    oRef.posPath = InternPath(osPath);
    oRef.nOffset = nOffset;
    oRef.nSize = nSize;
}

void ReferenceSet::AddWholeFile(const std::string &osKey,
                                const std::string &osPath)
{
    Reference &oRef = m_oRefs[osKey];
    oRef = Reference{};
    oRef.posPath = InternPath(osPath);
    oRef.bWholeFile = true;
}

const Reference *ReferenceSet::Find(const std::string &osKey) const
{
    const auto oIter = m_oRefs.find(osKey);
    return oIter == m_oRefs.end() ? nullptr : &oIter->second;
}

bool ReferenceSet::IsDirectory(const std::string &osPath) const
{
    if (osPath.empty())
        return true;
    const std::string osPrefix = osPath + '/';
    const auto oIter = m_oRefs.lower_bound(osPrefix);
    return oIter != m_oRefs.end() &&
           oIter->first.compare(0, osPrefix.size(), osPrefix) == 0;
}

std::vector<std::string> ReferenceSet::ListDirectory(const std::string &osDir,
                                                     int nMaxFiles) const
{
    const std::string osPrefix = osDir.empty() ? std::string() : osDir + '/';
    std::vector<std::string> aosNames;
    auto oIter = m_oRefs.lower_bound(osPrefix);
    while (oIter != m_oRefs.end() &&
           oIter->first.compare(0, osPrefix.size(), osPrefix) == 0)
    {
        const std::string &osKey = oIter->first;
        const size_t nSlash = osKey.find('/', osPrefix.size());
        if (nSlash == std::string::npos)
        {
            aosNames.push_back(osKey.substr(osPrefix.size()));
            ++oIter;
        }
        else
        {
            // A subdirectory: list it once and skip all keys beneath it
            // ('/' + 1 == '0' sorts right after every "name/..." key).
            aosNames.push_back(
                osKey.substr(osPrefix.size(), nSlash - osPrefix.size()));
            oIter = m_oRefs.lower_bound(osKey.substr(0, nSlash) + '0');
        }
        if (nMaxFiles > 0 && static_cast<int>(aosNames.size()) >= nMaxFiles)
            break;
    }
    return aosNames;
}

}  // namespace kerchunk
