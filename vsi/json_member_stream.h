// Streams the members of one object of a JSON document, one at a time, each
// value built as a small nlohmann::json: the document is never held as a
// whole DOM (a million-key "refs" object would take ~500 bytes per key).
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "json_text.h"

namespace kerchunk
{

class JsonMemberStream
{
  public:
    // Which object's members are streamed.
    enum class Source
    {
        None,       // none: only check the syntax
        Root,       // the members of the document (a JSON object)
        TopMember,  // the members of the object value of the document's
                    // nth member (n = nOrdinal)
    };
    // Returns false to stop streaming (the syntax is still checked).
    using OnMember = std::function<bool(const std::string &osKey, const nlohmann::json &oValue)>;
    // Called instead when the TopMember value is not an object.
    using OnNotObject = std::function<void()>;

    JsonMemberStream(Source eSource, size_t nOrdinal, OnMember fnOnMember,
                     OnNotObject fnOnNotObject);

    // False on a syntax error, with osError set to nlohmann's message, or
    // on a read error (osError says so).
    bool Run(std::string_view osText, std::string &osError);
    bool Run(const JsonText &oText, std::string &osError);
    // Whether the document was a JSON object (valid after Run).
    bool IsRootObject() const
    {
        return m_bRootObject;
    }

    // nlohmann's SAX interface.
    using json = nlohmann::json;
    bool null();
    bool boolean(bool bValue);
    bool number_integer(json::number_integer_t nValue);
    bool number_unsigned(json::number_unsigned_t nValue);
    bool number_float(json::number_float_t dfValue, const json::string_t &);
    bool string(json::string_t &osValue);
    bool binary(json::binary_t &oValue);
    bool start_object(std::size_t);
    bool key(json::string_t &osKey);
    bool end_object();
    bool start_array(std::size_t);
    bool end_array();
    bool parse_error(std::size_t, const std::string &,
                     const nlohmann::detail::exception &oException);

  private:
    Source m_eSource;
    size_t m_nOrdinal;
    OnMember m_fnOnMember;
    OnNotObject m_fnOnNotObject;

    size_t m_nDepth = 0;           // open containers
    bool m_bSeenRoot = false;
    bool m_bRootObject = false;
    size_t m_nTopOrdinal = 0;      // members of the root seen so far
    bool m_bInMembers = false;     // inside the streamed object
    bool m_bStopped = false;       // the callback asked to stop
    std::string m_osMemberKey{};
    std::string m_osError{};

    // The member value being built: its root and the open containers.
    json m_oValue{};
    std::vector<json *> m_apoOpen{};
    std::string m_osBuildKey{};  // key of the next value in an open object

    size_t MemberDepth() const
    {
        return m_eSource == Source::Root ? 1 : 2;
    }
    bool AtMemberValue() const
    {
        return m_apoOpen.empty() && m_bInMembers && !m_bStopped &&
               m_nDepth == MemberDepth();
    }
    bool Scalar(json &&oValue);
    bool Open(json &&oContainer);
    bool Close();
};

}  // namespace kerchunk
