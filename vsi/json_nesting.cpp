#include "json_nesting.h"

namespace kerchunk
{

bool CheckJsonNesting(std::string_view osText, std::string &osError,
                      int nMaxDepth)
{
    int nDepth = 0;
    bool bInString = false;
    for (size_t i = 0; i < osText.size(); ++i)
    {
        const char ch = osText[i];
        if (bInString)
        {
            if (ch == '\\')
                ++i;  // the escaped character cannot end the string
            else if (ch == '"')
                bInString = false;
            continue;
        }
        if (ch == '"')
            bInString = true;
        else if (ch == '[' || ch == '{')
        {
            if (++nDepth > nMaxDepth)
            {
                osError = "JSON nested more than " + std::to_string(nMaxDepth) +
                          " levels deep (at byte " + std::to_string(i) + ")";
                return false;
            }
        }
        else if ((ch == ']' || ch == '}') && nDepth > 0)
            --nDepth;
    }
    return true;
}

}  // namespace kerchunk
