#include "json_top_level.h"

#include <nlohmann/json.hpp>

namespace kerchunk
{

namespace
{

size_t SkipSpaces(std::string_view osText, size_t nPos)
{
    while (nPos < osText.size() && (osText[nPos] == ' ' || osText[nPos] == '\t' ||
                                    osText[nPos] == '\n' || osText[nPos] == '\r'))
        ++nPos;
    return nPos;
}

// Index of the closing quote of the string whose opening quote is at nPos,
// or npos.
size_t StringEnd(std::string_view osText, size_t nPos)
{
    for (++nPos; nPos < osText.size(); ++nPos)
    {
        if (osText[nPos] == '\\')
            ++nPos;
        else if (osText[nPos] == '"')
            return nPos;
    }
    return std::string_view::npos;
}

// Index just past the value starting at nPos: at the ',' or '}' that ends
// it at nesting level 0, or npos.
size_t ValueEnd(std::string_view osText, size_t nPos)
{
    int nDepth = 0;
    for (; nPos < osText.size(); ++nPos)
    {
        const char ch = osText[nPos];
        if (ch == '"')
        {
            nPos = StringEnd(osText, nPos);
            if (nPos == std::string_view::npos)
                return nPos;
        }
        else if (ch == '[' || ch == '{')
            ++nDepth;
        else if (ch == ']' || ch == '}')
        {
            if (nDepth == 0)
                return nPos;
            --nDepth;
        }
        else if (ch == ',' && nDepth == 0)
            return nPos;
    }
    return std::string_view::npos;
}

}  // namespace

bool ScanTopLevelMembers(std::string_view osText, const std::set<std::string> &oNames,
                         std::map<std::string, TopLevelMember> &oMembers)
{
    size_t nPos = SkipSpaces(osText, 0);
    if (nPos >= osText.size() || osText[nPos] != '{')
        return false;
    for (size_t nOrdinal = 1;; ++nOrdinal)
    {
        nPos = SkipSpaces(osText, nPos + 1);
        if (nPos >= osText.size() || osText[nPos] != '"')
            return true;
        const size_t nKeyEnd = StringEnd(osText, nPos);
        if (nKeyEnd == std::string_view::npos)
            return true;
        std::string osKey(osText.substr(nPos + 1, nKeyEnd - nPos - 1));
        if (osKey.find('\\') != std::string::npos)
        {
            // Escapes ("\u0072efs") are rare: let the JSON library decode.
            const auto oKey = nlohmann::json::parse(
                osText.substr(nPos, nKeyEnd + 1 - nPos), nullptr, false);
            osKey = oKey.is_string() ? oKey.get<std::string>() : std::string();
        }
        nPos = SkipSpaces(osText, nKeyEnd + 1);
        if (nPos >= osText.size() || osText[nPos] != ':')
            return true;
        const size_t nValueStart = SkipSpaces(osText, nPos + 1);
        nPos = ValueEnd(osText, nValueStart);
        if (nPos == std::string_view::npos)
            return true;
        if (oNames.count(osKey))
        {
            size_t nValueEnd = nPos;
            while (nValueEnd > nValueStart &&
                   SkipSpaces(osText, nValueEnd - 1) == nValueEnd)
                --nValueEnd;
            oMembers[osKey] = {nOrdinal, osText.substr(nValueStart, nValueEnd - nValueStart)};
        }
        if (osText[nPos] == '}')
            return true;
    }
}

}  // namespace kerchunk
