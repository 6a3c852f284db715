#include "template_renderer.h"

#include <cctype>
#include <charconv>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <cmath>
#include <cstdio>
#include <limits>

namespace kerchunk
{

namespace
{

// Bounds recursion through templates calling templates.
constexpr int MAX_RENDER_DEPTH = 8;
// Bounds the parser's recursion through parentheses and unary signs, so that
// a hostile expression ("((((...", "- - - ...") cannot exhaust the stack.
// Python's own parser stops at 200 nested parentheses.
constexpr int MAX_EXPRESSION_DEPTH = 100;

// Hostile expressions can be megabytes long: quote at most their start.
std::string Excerpt(const std::string &osText)
{
    constexpr size_t MAX_QUOTED = 80;
    return osText.size() <= MAX_QUOTED ? osText
                                       : osText.substr(0, MAX_QUOTED) + "...";
}

class ExpressionParser
{
  public:
    ExpressionParser(const std::string &osExpr, const TemplateContext &oContext,
                     int nDepth)
        : m_osExpr(osExpr), m_oContext(oContext), m_nDepth(nDepth)
    {
    }

    bool Parse(TemplateValue &oValue, std::string &osError)
    {
        if (!ParseSum(oValue))
        {
            osError = m_osError;
            return false;
        }
        SkipSpaces();
        if (m_nPos != m_osExpr.size())
        {
            osError = "unexpected '" + Excerpt(m_osExpr.substr(m_nPos)) +
                      "' in expression '" + Excerpt(m_osExpr) + "'";
            return false;
        }
        return true;
    }

  private:
    const std::string &m_osExpr;
    const TemplateContext &m_oContext;
    int m_nDepth;
    size_t m_nPos = 0;
    int m_nNesting = 0;  // current ParseUnary/ParsePrimary recursion
    std::string m_osError{};

    // Counts one level of recursion for the scope of a parse function.
    class NestingGuard
    {
      public:
        explicit NestingGuard(int &nNesting) : m_nNesting(++nNesting)
        {
        }
        ~NestingGuard()
        {
            --m_nNesting;
        }
        NestingGuard(const NestingGuard &) = delete;
        NestingGuard &operator=(const NestingGuard &) = delete;

      private:
        int &m_nNesting;
    };

    bool Fail(const std::string &osMsg)
    {
        if (m_osError.empty())
            m_osError = osMsg + " in expression '" + Excerpt(m_osExpr) + "'";
        return false;
    }

    void SkipSpaces()
    {
        while (m_nPos < m_osExpr.size() &&
               std::isspace(static_cast<unsigned char>(m_osExpr[m_nPos])))
            ++m_nPos;
    }

    bool Accept(const char *pszToken)
    {
        SkipSpaces();
        const size_t nLen = strlen(pszToken);
        if (m_osExpr.compare(m_nPos, nLen, pszToken) == 0)
        {
            m_nPos += nLen;
            return true;
        }
        return false;
    }

    static bool ToNumber(const TemplateValue &oValue, double &dfOut)
    {
        if (const auto *pnInt = std::get_if<int64_t>(&oValue))
            dfOut = static_cast<double>(*pnInt);
        else if (const auto *pdf = std::get_if<double>(&oValue))
            dfOut = *pdf;
        else
            return false;
        return true;
    }

    // Python's int arithmetic on 64 bits (overflow is an error), but "/".
    bool IntegerArithmetic(char chOp, int64_t nLeft, int64_t nRight,
                           TemplateValue &oResult)
    {
        int64_t nResult = 0;
        bool bOverflow = false;
        switch (chOp)
        {
            case '+':
                bOverflow = __builtin_add_overflow(nLeft, nRight, &nResult);
                break;
            case '-':
                bOverflow = __builtin_sub_overflow(nLeft, nRight, &nResult);
                break;
            case '*':
                bOverflow = __builtin_mul_overflow(nLeft, nRight, &nResult);
                break;
            case 'd':  // "//": Python floor division
            case '%':
            {
                if (nRight == 0)
                    return Fail("division by zero");
                if (nLeft == std::numeric_limits<int64_t>::min() && nRight == -1)
                    return Fail("integer overflow");
                int64_t nQuot = nLeft / nRight;
                int64_t nRem = nLeft % nRight;
                if (nRem != 0 && ((nRem < 0) != (nRight < 0)))
                {
                    --nQuot;
                    nRem += nRight;
                }
                nResult = chOp == 'd' ? nQuot : nRem;
                break;
            }
            default:
                return Fail("unsupported operator");
        }
        if (bOverflow)
            return Fail("integer overflow");
        oResult = nResult;
        return true;
    }

    // Python's float arithmetic.
    bool FloatArithmetic(char chOp, double dfLeft, double dfRight,
                         TemplateValue &oResult)
    {
        switch (chOp)
        {
            case '+':
                oResult = dfLeft + dfRight;
                return true;
            case '-':
                oResult = dfLeft - dfRight;
                return true;
            case '*':
                oResult = dfLeft * dfRight;
                return true;
            case '/':
                if (dfRight == 0)
                    return Fail("division by zero");
                oResult = dfLeft / dfRight;
                return true;
            case 'd':
                if (dfRight == 0)
                    return Fail("division by zero");
                oResult = std::floor(dfLeft / dfRight);
                return true;
            case '%':
                if (dfRight == 0)
                    return Fail("division by zero");
                oResult = dfLeft - dfRight * std::floor(dfLeft / dfRight);
                return true;
            default:
                return Fail("unsupported operator");
        }
    }

    bool Arithmetic(char chOp, const TemplateValue &oLeft,
                    const TemplateValue &oRight, TemplateValue &oResult)
    {
        const auto *pnLeft = std::get_if<int64_t>(&oLeft);
        const auto *pnRight = std::get_if<int64_t>(&oRight);
        if (chOp == '+' && std::holds_alternative<std::string>(oLeft) &&
            std::holds_alternative<std::string>(oRight))
        {
            oResult = std::get<std::string>(oLeft) + std::get<std::string>(oRight);
            return true;
        }
        if (pnLeft && pnRight && chOp != '/')
            return IntegerArithmetic(chOp, *pnLeft, *pnRight, oResult);
        double dfLeft = 0;
        double dfRight = 0;
        if (!ToNumber(oLeft, dfLeft) || !ToNumber(oRight, dfRight))
            return Fail("arithmetic on a string");
        return FloatArithmetic(chOp, dfLeft, dfRight, oResult);
    }

    bool ParseSum(TemplateValue &oValue)
    {
        if (!ParseProduct(oValue))
            return false;
        while (true)
        {
            char chOp = 0;
            if (Accept("+"))
                chOp = '+';
            else if (Accept("-"))
                chOp = '-';
            else
                return true;
            TemplateValue oRight;
            if (!ParseProduct(oRight) || !Arithmetic(chOp, oValue, oRight, oValue))
                return false;
        }
    }

    bool ParseProduct(TemplateValue &oValue)
    {
        if (!ParseUnary(oValue))
            return false;
        while (true)
        {
            char chOp = 0;
            if (Accept("*"))
                chOp = '*';
            else if (Accept("//"))
                chOp = 'd';
            else if (Accept("/"))
                chOp = '/';
            else if (Accept("%"))
                chOp = '%';
            else
                return true;
            TemplateValue oRight;
            if (!ParseUnary(oRight) || !Arithmetic(chOp, oValue, oRight, oValue))
                return false;
        }
    }

    bool ParseUnary(TemplateValue &oValue)
    {
        const NestingGuard oGuard(m_nNesting);
        if (m_nNesting > MAX_EXPRESSION_DEPTH)
            return Fail("expression nested more than " +
                        std::to_string(MAX_EXPRESSION_DEPTH) + " levels deep");
        if (Accept("-"))
        {
            if (!ParseUnary(oValue))
                return false;
            return Arithmetic('-', TemplateValue(int64_t{0}), oValue, oValue);
        }
        if (Accept("+"))
            return ParseUnary(oValue);
        return ParsePrimary(oValue);
    }

    bool ParseNumber(TemplateValue &oValue)
    {
        const size_t nStart = m_nPos;
        bool bFloat = false;
        while (m_nPos < m_osExpr.size() &&
               (std::isdigit(static_cast<unsigned char>(m_osExpr[m_nPos])) ||
                m_osExpr[m_nPos] == '.'))
        {
            bFloat |= m_osExpr[m_nPos] == '.';
            ++m_nPos;
        }
        const std::string osNumber = m_osExpr.substr(nStart, m_nPos - nStart);
        errno = 0;
        char *pszEnd = nullptr;
        if (bFloat)
            oValue = std::strtod(osNumber.c_str(), &pszEnd);
        else
            oValue = static_cast<int64_t>(std::strtoll(osNumber.c_str(), &pszEnd, 10));
        if (errno != 0 || pszEnd == nullptr || *pszEnd != '\0')
            return Fail("invalid number '" + osNumber + "'");
        return true;
    }

    bool ParseString(TemplateValue &oValue)
    {
        const char chQuote = m_osExpr[m_nPos++];
        std::string osValue;
        while (m_nPos < m_osExpr.size() && m_osExpr[m_nPos] != chQuote)
        {
            if (m_osExpr[m_nPos] == '\\' && m_nPos + 1 < m_osExpr.size())
                ++m_nPos;
            osValue += m_osExpr[m_nPos++];
        }
        if (m_nPos >= m_osExpr.size())
            return Fail("unterminated string");
        ++m_nPos;
        oValue = osValue;
        return true;
    }

    bool ParseIdentifier(std::string &osName)
    {
        SkipSpaces();
        const size_t nStart = m_nPos;
        while (m_nPos < m_osExpr.size() &&
               (std::isalnum(static_cast<unsigned char>(m_osExpr[m_nPos])) ||
                m_osExpr[m_nPos] == '_'))
            ++m_nPos;
        osName = m_osExpr.substr(nStart, m_nPos - nStart);
        return !osName.empty();
    }

    bool ParseCall(const std::string &osName, TemplateValue &oValue)
    {
        const auto *poTemplates = m_oContext.poTemplates;
        const auto oIter = poTemplates ? poTemplates->find(osName)
                                       : decltype(poTemplates->end()){};
        if (poTemplates == nullptr || oIter == poTemplates->end())
            return Fail("call of unknown template '" + osName + "'");
        TemplateContext oCallContext;
        oCallContext.poTemplates = poTemplates;
        if (!Accept(")"))
        {
            do
            {
                std::string osArg;
                if (!ParseIdentifier(osArg) || !Accept("="))
                    return Fail("expected keyword argument");
                TemplateValue oArg;
                if (!ParseSum(oArg))
                    return false;
                oCallContext.oVariables[osArg] = oArg;
            } while (Accept(","));
            if (!Accept(")"))
                return Fail("expected ')'");
        }
        if (m_nDepth >= MAX_RENDER_DEPTH)
            return Fail("templates nested too deeply");
        std::string osResult;
        std::string osError;
        if (!RenderTemplateAtDepth(oIter->second, oCallContext, osResult,
                                   osError, m_nDepth + 1))
            return Fail(osError);
        oValue = osResult;
        return true;
    }

    // A template named without a call: its text, rendered when it holds
    // expressions (fsspec would print a Python function's repr there; an
    // expression left unrendered would end up in a URL).
    bool ExpandTemplate(const std::string &osName, const std::string &osText,
                        TemplateValue &oValue)
    {
        if (osText.find("{{") == std::string::npos)
        {
            oValue = osText;
            return true;
        }
        if (m_nDepth >= MAX_RENDER_DEPTH)
            return Fail("templates nested too deeply");
        TemplateContext oCallContext;
        oCallContext.poTemplates = m_oContext.poTemplates;
        std::string osResult;
        std::string osError;
        if (!RenderTemplateAtDepth(osText, oCallContext, osResult, osError,
                                   m_nDepth + 1))
            return Fail("template '" + osName + "': " + osError);
        oValue = osResult;
        return true;
    }

    bool ParsePrimary(TemplateValue &oValue)
    {
        SkipSpaces();
        if (m_nPos >= m_osExpr.size())
            return Fail("unexpected end");
        const char ch = m_osExpr[m_nPos];
        if (Accept("("))
        {
            if (!ParseSum(oValue))
                return false;
            return Accept(")") || Fail("expected ')'");
        }
        if (std::isdigit(static_cast<unsigned char>(ch)))
            return ParseNumber(oValue);
        if (ch == '\'' || ch == '"')
            return ParseString(oValue);
        std::string osName;
        if (!ParseIdentifier(osName))
            return Fail(std::string("unexpected '") + ch + "'");
        if (Accept("("))
            return ParseCall(osName, oValue);
        const auto oVar = m_oContext.oVariables.find(osName);
        if (oVar != m_oContext.oVariables.end())
        {
            oValue = oVar->second;
            return true;
        }
        if (m_oContext.poTemplates)
        {
            const auto oTemplate = m_oContext.poTemplates->find(osName);
            if (oTemplate != m_oContext.poTemplates->end())
                return ExpandTemplate(oTemplate->first, oTemplate->second, oValue);
        }
        return Fail("undefined name '" + osName + "'");
    }

  public:
    static bool RenderTemplateAtDepth(const std::string &osText,
                                      const TemplateContext &oContext,
                                      std::string &osResult,
                                      std::string &osError, int nDepth);
};

bool ExpressionParser::RenderTemplateAtDepth(const std::string &osText,
                                             const TemplateContext &oContext,
                                             std::string &osResult,
                                             std::string &osError, int nDepth)
{
    osResult.clear();
    size_t nPos = 0;
    while (true)
    {
        const size_t nOpen = osText.find("{{", nPos);
        if (nOpen == std::string::npos)
        {
            osResult.append(osText, nPos, std::string::npos);
            return true;
        }
        const size_t nClose = osText.find("}}", nOpen + 2);
        if (nClose == std::string::npos)
        {
            osError = "unterminated '{{' in '" + osText + "'";
            return false;
        }
        osResult.append(osText, nPos, nOpen - nPos);
        const std::string osExpr = osText.substr(nOpen + 2, nClose - nOpen - 2);
        ExpressionParser oParser(osExpr, oContext, nDepth);
        TemplateValue oValue;
        if (!oParser.Parse(oValue, osError))
            return false;
        osResult += TemplateValueToString(oValue);
        // Templates calling templates multiply text ("billion laughs"):
        // stop as soon as a result outgrows any plausible key or URL.
        if (osResult.size() > MAX_RENDERED_LENGTH)
        {
            osError = "rendered text longer than " +
                      std::to_string(MAX_RENDERED_LENGTH) + " bytes in '" +
                      Excerpt(osText) + "'";
            return false;
        }
        nPos = nClose + 2;
    }
}

}  // namespace

std::string TemplateValueToString(const TemplateValue &oValue)
{
    if (const auto *pnInt = std::get_if<int64_t>(&oValue))
        return std::to_string(*pnInt);
    if (const auto *posStr = std::get_if<std::string>(&oValue))
        return *posStr;
    return PythonFloatRepr(std::get<double>(oValue));
}

std::string PythonFloatRepr(double dfValue)
{
    if (std::isnan(dfValue))
        return "nan";
    if (std::isinf(dfValue))
        return dfValue < 0 ? "-inf" : "inf";
    // The shortest digits that round-trip, as Python's repr picks them, then
    // Python's layout (float_repr_style 'short', Objects/floatobject.c):
    // positional when -4 < exponent < 16 with at least one decimal, else
    // "1.5e+16" / "1e-05" (exponent of two digits at least).
    char szSci[64];
    const auto oRes = std::to_chars(szSci, szSci + sizeof(szSci), dfValue,
                                    std::chars_format::scientific);
    const std::string osSci(szSci, oRes.ptr);
    const size_t nE = osSci.find('e');
    const bool bNegative = osSci[0] == '-';
    std::string osDigits;
    for (size_t i = bNegative ? 1 : 0; i < nE; ++i)
    {
        if (osSci[i] != '.')
            osDigits += osSci[i];
    }
    const int nExp = std::atoi(osSci.c_str() + nE + 1);
    std::string osOut = bNegative ? "-" : "";
    if (nExp < -4 || nExp >= 16)
    {
        osOut += osDigits.substr(0, 1);
        if (osDigits.size() > 1)
            osOut += "." + osDigits.substr(1);
        char szExp[16];
        snprintf(szExp, sizeof(szExp), "e%c%02d", nExp < 0 ? '-' : '+',
                 std::abs(nExp));
        return osOut + szExp;
    }
    if (nExp < 0)
        return osOut + "0." + std::string(static_cast<size_t>(-nExp - 1), '0') +
               osDigits;
    const size_t nIntDigits = static_cast<size_t>(nExp) + 1;
    if (osDigits.size() <= nIntDigits)
        return osOut + osDigits + std::string(nIntDigits - osDigits.size(), '0') +
               ".0";
    return osOut + osDigits.substr(0, nIntDigits) + "." +
           osDigits.substr(nIntDigits);
}

bool RenderTemplate(const std::string &osText, const TemplateContext &oContext,
                    std::string &osResult, std::string &osError)
{
    return ExpressionParser::RenderTemplateAtDepth(osText, oContext, osResult,
                                                   osError, 0);
}

}  // namespace kerchunk
