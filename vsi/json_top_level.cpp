#include "json_top_level.h"

#include <nlohmann/json.hpp>

namespace kerchunk
{

namespace
{

bool IsSpace(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

std::string DecodeKey(const std::string &osRaw)
{
    if (osRaw.find('\\') == std::string::npos)
        return osRaw;
    // Escapes ("\u0072efs") are rare: let the JSON library decode.
    const auto oKey = nlohmann::json::parse("\"" + osRaw + "\"", nullptr, false);
    return oKey.is_string() ? oKey.get<std::string>() : std::string();
}

}  // namespace

TopLevelScan::TopLevelScan(std::set<std::string> oNamesWithText,
                           std::set<std::string> oNamesWithoutText)
    : m_oNamesWithText(std::move(oNamesWithText)),
      m_oNamesWithoutText(std::move(oNamesWithoutText))
{
}

void TopLevelScan::Feed(std::string_view osPiece)
{
    for (size_t i = 0; i < osPiece.size();)
    {
        if (m_eState == State::Ended || m_eState == State::NotObject)
            return;
        if (m_eState == State::InValue && !m_bKeepText && !m_bInString)
        {
            // The fast path through a skipped value (a big "refs"): only
            // strings and brackets matter.
            const size_t nNext = osPiece.find_first_of("\"[]{},", i);
            if (nNext == std::string_view::npos)
                return;
            i = nNext;
        }
        if (Step(osPiece[i]))
            ++i;
    }
}

void TopLevelScan::EndValue()
{
    const std::string osName = DecodeKey(m_osKey);
    if (m_bKeepText)
    {
        while (!m_osValue.empty() && IsSpace(m_osValue.back()))
            m_osValue.pop_back();
        m_oMembers[osName] = {m_nOrdinal, std::move(m_osValue)};
    }
    else if (m_oNamesWithoutText.count(osName))
        m_oMembers[osName] = {m_nOrdinal, std::string()};
    m_osValue.clear();
}

bool TopLevelScan::Step(char ch)
{
    switch (m_eState)
    {
        case State::Start:
            if (!IsSpace(ch))
                m_eState = ch == '{' ? State::BeforeKey : State::NotObject;
            return true;
        case State::BeforeKey:
            if (IsSpace(ch))
                return true;
            if (ch != '"')
            {
                m_eState = State::Ended;
                return true;
            }
            m_osKey.clear();
            m_eState = State::InKey;
            ++m_nOrdinal;
            return true;
        case State::InKey:
            if (m_bEscaped)
                m_bEscaped = false;
            else if (ch == '\\')
                m_bEscaped = true;
            else if (ch == '"')
            {
                m_eState = State::AfterKey;
                return true;
            }
            m_osKey += ch;
            return true;
        case State::AfterKey:
            if (!IsSpace(ch))
                m_eState = ch == ':' ? State::BeforeValue : State::Ended;
            return true;
        case State::BeforeValue:
            if (IsSpace(ch))
                return true;
            m_eState = State::InValue;
            m_nDepth = 0;
            m_bInString = false;
            m_bEscaped = false;
            m_bKeepText = m_oNamesWithText.count(DecodeKey(m_osKey)) != 0;
            return false;  // the value's first character
        case State::InValue:
            StepInValue(ch);
            return true;
        case State::NotObject:
        case State::Ended:
            return true;
    }
    return true;
}

// Inside a value: finds its end, the ',' or '}' at nesting level 0.
void TopLevelScan::StepInValue(char ch)
{
    if (m_bInString)
    {
        if (m_bEscaped)
            m_bEscaped = false;
        else if (ch == '\\')
            m_bEscaped = true;
        else if (ch == '"')
            m_bInString = false;
    }
    else if (ch == '"')
        m_bInString = true;
    else if (ch == '[' || ch == '{')
        ++m_nDepth;
    else if (ch == ']' || ch == '}' || ch == ',')
    {
        if (m_nDepth == 0)
        {
            EndValue();
            m_eState = ch == ',' ? State::BeforeKey : State::Ended;
            return;
        }
        if (ch != ',')
            --m_nDepth;
    }
    if (m_bKeepText)
        m_osValue += ch;
}

bool ScanTopLevelMembers(std::string_view osText, const std::set<std::string> &oNames,
                         std::map<std::string, TopLevelMember> &oMembers)
{
    TopLevelScan oScan(oNames, {});
    oScan.Feed(osText);
    oMembers = oScan.Members();
    return oScan.IsObject();
}

}  // namespace kerchunk
