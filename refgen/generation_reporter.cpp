#include "generation_reporter.h"

#include "error.h"

#include "cpl_error.h"

namespace kerchunk
{

void GenerationReporter::Skip(const std::string &osArray, const std::string &osReason)
{
    if (m_oOptions.bStrict)
        throw Error(m_osSource + ": " + osArray + ": " + osReason + " (--strict)");
    CPLError(CE_Warning, CPLE_NotSupported, "%s: %s skipped: %s", m_osSource.c_str(),
             osArray.c_str(), osReason.c_str());
    m_oStats.aosSkipped.push_back(osArray + ": " + osReason);
}

void GenerationReporter::Progress(double dfComplete)
{
    if (m_oOptions.pfnProgress &&
        !m_oOptions.pfnProgress(dfComplete, "", m_oOptions.pProgressData))
        throw Error(m_osSource + ": interrupted");
}

std::string GenerationReporter::WithoutSource(const std::string &osMessage) const
{
    const std::string osPrefix = m_osSource + ": ";
    return osMessage.compare(0, osPrefix.size(), osPrefix) == 0
               ? osMessage.substr(osPrefix.size())
               : osMessage;
}

}  // namespace kerchunk
