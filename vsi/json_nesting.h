// A depth check run on JSON text before nlohmann parses it: parsing is
// iterative, but dump() and our own walks recurse once per level, so a
// hostile document nested 100,000 deep would end the process on a stack
// overflow.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace kerchunk
{

// Deepest nesting of arrays and objects accepted in references and in the
// metadata documents they hold (Zarr metadata needs a handful of levels).
constexpr int MAX_JSON_NESTING = 512;

// The check fed piece by piece (a file read in pieces).
class JsonNestingCheck
{
  public:
    explicit JsonNestingCheck(int nMaxDepth = MAX_JSON_NESTING) : m_nMaxDepth(nMaxDepth)
    {
    }
    // False, with osError saying so, once the nesting is too deep.
    bool Feed(std::string_view osPiece, std::string &osError);

  private:
    int m_nMaxDepth;
    int m_nDepth = 0;
    bool m_bInString = false;
    bool m_bEscaped = false;  // the previous character was a '\' in a string
    uint64_t m_nOffset = 0;   // of the piece's first byte
};

// False, with osError saying so, when the arrays and objects of osText nest
// deeper than nMaxDepth. Malformed text is left for the parser to report.
bool CheckJsonNesting(std::string_view osText, std::string &osError,
                      int nMaxDepth = MAX_JSON_NESTING);

}  // namespace kerchunk
