#include "json_member_stream.h"

#include <utility>

namespace kerchunk
{

JsonMemberStream::JsonMemberStream(Source eSource, size_t nOrdinal, OnMember fnOnMember,
                                   OnNotObject fnOnNotObject)
    : m_eSource(eSource), m_nOrdinal(nOrdinal), m_fnOnMember(std::move(fnOnMember)),
      m_fnOnNotObject(std::move(fnOnNotObject))
{
}

bool JsonMemberStream::Run(std::string_view osText, std::string &osError)
{
    if (json::sax_parse(osText.begin(), osText.end(), this))
        return true;
    osError = m_osError;
    return false;
}

bool JsonMemberStream::Run(const JsonText &oText, std::string &osError)
{
    const auto poStream = oText.OpenStream();
    const bool bOK = json::sax_parse(*poStream, this);
    // A read error shows as a truncated document: say what really happened.
    const std::string osReadError = poStream->StreamError();
    if (!osReadError.empty())
    {
        osError = osReadError;
        return false;
    }
    if (!bOK)
        osError = m_osError;
    return bOK;
}

// A scalar: a whole member value, part of one being built, or skipped.
bool JsonMemberStream::Scalar(json &&oValue)
{
    if (!m_bSeenRoot)
        m_bSeenRoot = true;  // a scalar document: not an object
    if (!m_apoOpen.empty())
    {
        json &oParent = *m_apoOpen.back();
        if (oParent.is_array())
            oParent.push_back(std::move(oValue));
        else
            oParent[m_osBuildKey] = std::move(oValue);
    }
    else if (AtMemberValue())
        m_bStopped = !m_fnOnMember(m_osMemberKey, oValue);
    else if (m_eSource == Source::TopMember && m_nDepth == 1 &&
             m_nTopOrdinal == m_nOrdinal && m_fnOnNotObject)
        m_fnOnNotObject();
    return true;
}

bool JsonMemberStream::Open(json &&oContainer)
{
    const bool bObject = oContainer.is_object();
    if (!m_bSeenRoot)
    {
        m_bSeenRoot = true;
        m_bRootObject = bObject;
        m_bInMembers = bObject && m_eSource == Source::Root;
    }
    else if (!m_apoOpen.empty())
    {
        json &oParent = *m_apoOpen.back();
        if (oParent.is_array())
        {
            oParent.push_back(std::move(oContainer));
            m_apoOpen.push_back(&oParent.back());
        }
        else
        {
            json &oChild = oParent[m_osBuildKey];
            oChild = std::move(oContainer);
            m_apoOpen.push_back(&oChild);
        }
    }
    else if (AtMemberValue())
    {
        // Reuses the previous value's array storage: most values are
        // [url, offset, length].
        if (!bObject && m_oValue.is_array())
            m_oValue.clear();
        else
            m_oValue = std::move(oContainer);
        m_apoOpen.push_back(&m_oValue);
    }
    else if (m_eSource == Source::TopMember && m_nDepth == 1 &&
             m_nTopOrdinal == m_nOrdinal)
    {
        if (bObject)
            m_bInMembers = true;
        else if (m_fnOnNotObject)
            m_fnOnNotObject();
    }
    ++m_nDepth;
    return true;
}

bool JsonMemberStream::Close()
{
    --m_nDepth;
    if (!m_apoOpen.empty())
    {
        m_apoOpen.pop_back();
        if (m_apoOpen.empty() && !m_bStopped)
            m_bStopped = !m_fnOnMember(m_osMemberKey, m_oValue);
    }
    else if (m_bInMembers && m_nDepth == MemberDepth() - 1)
        m_bInMembers = false;
    return true;
}

bool JsonMemberStream::null()
{
    return Scalar(json(nullptr));
}

bool JsonMemberStream::boolean(bool bValue)
{
    return Scalar(json(bValue));
}

bool JsonMemberStream::number_integer(json::number_integer_t nValue)
{
    return Scalar(json(nValue));
}

bool JsonMemberStream::number_unsigned(json::number_unsigned_t nValue)
{
    return Scalar(json(nValue));
}

bool JsonMemberStream::number_float(json::number_float_t dfValue, const json::string_t &)
{
    return Scalar(json(dfValue));
}

bool JsonMemberStream::string(json::string_t &osValue)
{
    return Scalar(json(std::move(osValue)));
}

bool JsonMemberStream::binary(json::binary_t &oValue)
{
    return Scalar(json(std::move(oValue)));
}

bool JsonMemberStream::start_object(std::size_t)
{
    return Open(json::object());
}

bool JsonMemberStream::key(json::string_t &osKey)
{
    if (!m_apoOpen.empty())
        m_osBuildKey = std::move(osKey);
    else
    {
        if (m_nDepth == 1)
            ++m_nTopOrdinal;
        if (m_bInMembers && m_nDepth == MemberDepth())
            m_osMemberKey = std::move(osKey);
    }
    return true;
}

bool JsonMemberStream::end_object()
{
    return Close();
}

bool JsonMemberStream::start_array(std::size_t)
{
    return Open(json::array());
}

bool JsonMemberStream::end_array()
{
    return Close();
}

bool JsonMemberStream::parse_error(std::size_t, const std::string &,
                                   const nlohmann::detail::exception &oException)
{
    m_osError = oException.what();
    return false;
}

}  // namespace kerchunk
