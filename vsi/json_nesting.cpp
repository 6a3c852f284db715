#include "json_nesting.h"

namespace kerchunk
{

bool JsonNestingCheck::Feed(std::string_view osPiece, std::string &osError)
{
    for (size_t i = 0; i < osPiece.size(); ++i)
    {
        const char ch = osPiece[i];
        if (m_bInString)
        {
            if (m_bEscaped)
                m_bEscaped = false;  // the escaped character cannot end the string
            else if (ch == '\\')
                m_bEscaped = true;
            else if (ch == '"')
                m_bInString = false;
            continue;
        }
        if (ch == '"')
            m_bInString = true;
        else if (ch == '[' || ch == '{')
        {
            if (++m_nDepth > m_nMaxDepth)
            {
                osError = "JSON nested more than " + std::to_string(m_nMaxDepth) +
                          " levels deep (at byte " + std::to_string(m_nOffset + i) + ")";
                return false;
            }
        }
        else if ((ch == ']' || ch == '}') && m_nDepth > 0)
            --m_nDepth;
    }
    m_nOffset += osPiece.size();
    return true;
}

bool CheckJsonNesting(std::string_view osText, std::string &osError, int nMaxDepth)
{
    JsonNestingCheck oCheck(nMaxDepth);
    return oCheck.Feed(osText, osError);
}

}  // namespace kerchunk
