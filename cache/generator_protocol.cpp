#include "generator_protocol.h"

#include "cpl_conv.h"
#include "cpl_string.h"

#include <nlohmann/json.hpp>

#include <cstdlib>

namespace kerchunk
{

namespace
{

constexpr const char *kPrefix = "@KERCHUNK ";

std::string Escape(const char *pszText)
{
    std::string osOut;
    for (const char *p = pszText ? pszText : ""; *p; ++p)
    {
        if (*p == '\\')
            osOut += "\\\\";
        else if (*p == '\n')
            osOut += "\\n";
        else if (*p == '\r')
            osOut += "\\r";
        else
            osOut += *p;
    }
    return osOut;
}

std::string Unescape(const std::string &osText)
{
    std::string osOut;
    for (size_t i = 0; i < osText.size(); ++i)
    {
        if (osText[i] == '\\' && i + 1 < osText.size())
        {
            const char c = osText[++i];
            osOut += c == 'n' ? '\n' : c == 'r' ? '\r' : c;
        }
        else
            osOut += osText[i];
    }
    return osOut;
}

// Splits "<word> <rest>"; false when there is no space.
bool SplitWord(const std::string &osText, std::string &osWord, std::string &osRest)
{
    const size_t nSpace = osText.find(' ');
    if (nSpace == std::string::npos)
    {
        osWord = osText;
        osRest.clear();
        return false;
    }
    osWord = osText.substr(0, nSpace);
    osRest = osText.substr(nSpace + 1);
    return true;
}

bool ParseInt(const std::string &osText, int &nValue)
{
    char *pszEnd = nullptr;
    const long nParsed = std::strtol(osText.c_str(), &pszEnd, 10);
    if (osText.empty() || *pszEnd != '\0')
        return false;
    nValue = static_cast<int>(nParsed);
    return true;
}

bool ParseEventBody(const std::string &osKind, const std::string &osBody,
                    GeneratorEvent &oEvent)
{
    std::string osFirst, osRest;
    if (osKind == "progress")
    {
        SplitWord(osBody, osFirst, osRest);
        char *pszEnd = nullptr;
        oEvent.dfProgress = CPLStrtod(osFirst.c_str(), &pszEnd);
        if (osFirst.empty() || *pszEnd != '\0')
            return false;
        oEvent.eKind = GeneratorEvent::Kind::Progress;
        oEvent.osText = Unescape(osRest);
        return true;
    }
    if (osKind == "cplerror")
    {
        std::string osNum, osMessage;
        if (!SplitWord(osBody, osFirst, osRest) || !SplitWord(osRest, osNum, osMessage) ||
            !ParseInt(osFirst, oEvent.nErrClass) || !ParseInt(osNum, oEvent.nErrNum))
            return false;
        oEvent.eKind = GeneratorEvent::Kind::CPLErrorMessage;
        oEvent.osText = Unescape(osMessage);
        return true;
    }
    if (osKind == "failed")
    {
        oEvent.eKind = GeneratorEvent::Kind::Failed;
        oEvent.osText = Unescape(osBody);
        return true;
    }
    if (osKind == "result")
    {
        const auto oJson = nlohmann::json::parse(osBody, nullptr, false);
        if (!oJson.is_object() || !oJson.contains("arrays") ||
            !oJson["arrays"].is_number_unsigned() || !oJson.contains("chunks") ||
            !oJson["chunks"].is_number_unsigned() || !oJson.contains("skipped") ||
            !oJson["skipped"].is_array())
            return false;
        oEvent.oStats.nArrays = oJson["arrays"].get<uint64_t>();
        oEvent.oStats.nChunks = oJson["chunks"].get<uint64_t>();
        // For the generation records (cache stats).
        if (oJson.contains("bytes_read"))
        {
            if (!oJson["bytes_read"].is_number_unsigned())
                return false;
            oEvent.oStats.nBytesRead = oJson["bytes_read"].get<uint64_t>();
        }
        if (oJson.contains("references_size"))
        {
            if (!oJson["references_size"].is_number_unsigned())
                return false;
            oEvent.onReferencesSize = oJson["references_size"].get<uint64_t>();
        }
        for (const auto &oItem : oJson["skipped"])
        {
            if (!oItem.is_string())
                return false;
            oEvent.oStats.aosSkipped.push_back(oItem.get<std::string>());
        }
        oEvent.eKind = GeneratorEvent::Kind::Result;
        return true;
    }
    return false;
}

}  // namespace

std::string FormatProgressEvent(double dfComplete, const char *pszMessage)
{
    return std::string(kPrefix) + "progress " + CPLSPrintf("%.6f", dfComplete) +
           " " + Escape(pszMessage) + "\n";
}

std::string FormatCPLErrorEvent(int nErrClass, int nErrNum, const char *pszMessage)
{
    return std::string(kPrefix) + "cplerror " + std::to_string(nErrClass) + " " +
           std::to_string(nErrNum) + " " + Escape(pszMessage) + "\n";
}

std::string FormatFailedEvent(const std::string &osMessage)
{
    return std::string(kPrefix) + "failed " + Escape(osMessage.c_str()) + "\n";
}

std::string FormatResultEvent(const GenerateStats &oStats,
                              std::optional<uint64_t> onReferencesSize)
{
    nlohmann::json oJson = {{"arrays", oStats.nArrays},
                            {"chunks", oStats.nChunks},
                            {"bytes_read", oStats.nBytesRead},
                            {"skipped", oStats.aosSkipped}};
    if (onReferencesSize)
        oJson["references_size"] = *onReferencesSize;
    // dump() escapes control characters: the JSON stays on one line.
    return std::string(kPrefix) + "result " +
           oJson.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

std::string FormatSourceRequest(const std::string &osSource)
{
    return Escape(osSource.c_str()) + "\n";
}

std::string ParseSourceRequest(const std::string &osLine)
{
    return Unescape(osLine);
}

GeneratorEvent ParseGeneratorEvent(const std::string &osLine)
{
    GeneratorEvent oEvent;
    const std::string osPrefix(kPrefix);
    std::string osKind, osBody;
    if (osLine.compare(0, osPrefix.size(), osPrefix) != 0 ||
        !SplitWord(osLine.substr(osPrefix.size()), osKind, osBody) ||
        !ParseEventBody(osKind, osBody, oEvent))
    {
        oEvent = GeneratorEvent();
        oEvent.osText = osLine;
    }
    return oEvent;
}

}  // namespace kerchunk
