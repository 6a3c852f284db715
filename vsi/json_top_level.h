// Finds where chosen members of a top-level JSON object are, without
// parsing the rest: kerchunk's "version", "templates" and "gen" decide how
// "refs" is read, and may come after it in the document.
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
    std::string_view osValue{};  // the member's value as text
};

// False when osText is not a JSON object. Otherwise fills oMembers with the
// last occurrence of each name of oNames (as JSON parsers keep the last).
// Malformed text ends the scan early: the full parse reports it.
bool ScanTopLevelMembers(std::string_view osText, const std::set<std::string> &oNames,
                         std::map<std::string, TopLevelMember> &oMembers);

}  // namespace kerchunk
