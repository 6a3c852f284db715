// The subset of Jinja2 that kerchunk references use, rendered as fsspec does:
//   "{{u}}"                      a template or a `gen` dimension value
//   "{{f(c='text', i=3)}}"       a template that itself contains {{...}},
//                                called with keyword arguments
//   "{{(i + 1) * 1000}}"         integer arithmetic: + - * // % / and ( ),
//                                nested at most 100 levels deep
// Anything else is an error (fsspec would render unknown names as "").
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <variant>

namespace kerchunk
{

// Longest text a template may render to (keys, URLs, offsets are far
// shorter; a larger result means templates multiplying each other).
constexpr size_t MAX_RENDERED_LENGTH = 65536;

// A value in a template expression: integer, float (from "/") or string.
using TemplateValue = std::variant<int64_t, double, std::string>;

struct TemplateContext
{
    // The "templates" section: name -> template text.
    const std::map<std::string, std::string> *poTemplates = nullptr;
    // Variables: gen dimension values or a call's keyword arguments.
    std::map<std::string, TemplateValue> oVariables{};
};

// Renders `osText`. Returns false and sets osError on a malformed or
// unsupported expression.
bool RenderTemplate(const std::string &osText, const TemplateContext &oContext,
                    std::string &osResult, std::string &osError);

// Python's str() of a value, as Jinja2 prints it.
std::string TemplateValueToString(const TemplateValue &oValue);

// Python's repr() of a float: "0.1", "100.0", "1e+16", "1.5e-05", "nan".
std::string PythonFloatRepr(double dfValue);

}  // namespace kerchunk
