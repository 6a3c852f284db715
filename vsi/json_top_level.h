// Finds where chosen members of a top-level JSON object are, without
// parsing the rest: kerchunk's "version", "templates" and "gen" decide how
// "refs" is read, and may come after it in the document. Fed piece by piece,
// so that the text need not be in memory at once.
#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>

namespace kerchunk
{

struct TopLevelMember
{
    size_t nOrdinal = 0;  // 1 for the object's first member, 2 for the next...
    std::string osValue{};  // the member's value as text (names asked with text)
};

class TopLevelScan
{
  public:
    // Members named in oNamesWithText are kept with their value's text;
    // those in oNamesWithoutText only with their ordinal (a million-key
    // "refs" is not copied).
    TopLevelScan(std::set<std::string> oNamesWithText, std::set<std::string> oNamesWithoutText);

    void Feed(std::string_view osPiece);

    // False when the text is not a JSON object. Otherwise the last
    // occurrence of each name (as JSON parsers keep the last). Malformed
    // text ends the scan early: the full parse reports it.
    bool IsObject() const
    {
        return m_eState != State::Start && m_eState != State::NotObject;
    }
    const std::map<std::string, TopLevelMember> &Members() const
    {
        return m_oMembers;
    }

  private:
    enum class State
    {
        Start,        // before the document
        NotObject,
        BeforeKey,
        InKey,
        AfterKey,     // before ':'
        BeforeValue,
        InValue,
        Ended,        // the object's end, or malformed text
    };
    bool Step(char ch);  // false when the character is to be seen again
    void StepInValue(char ch);
    void EndValue();

    std::set<std::string> m_oNamesWithText;
    std::set<std::string> m_oNamesWithoutText;
    std::map<std::string, TopLevelMember> m_oMembers{};
    State m_eState = State::Start;
    size_t m_nOrdinal = 0;
    std::string m_osKey{};     // raw text between the key's quotes
    bool m_bKeepText = false;  // the current value's text is kept
    std::string m_osValue{};
    int m_nDepth = 0;
    bool m_bInString = false;
    bool m_bEscaped = false;
};

// The whole text at once: false when it is not a JSON object.
bool ScanTopLevelMembers(std::string_view osText, const std::set<std::string> &oNames,
                         std::map<std::string, TopLevelMember> &oMembers);

}  // namespace kerchunk
