#include "kerchunk_json_parser.h"
#include "config_options.h"
#include "error.h"
#include "json_member_stream.h"
#include "json_nesting.h"
#include "json_top_level.h"
#include "template_renderer.h"

#include "cpl_conv.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <nlohmann/json.hpp>

#include <limits>

namespace kerchunk
{

namespace
{

using json = nlohmann::json;

// The largest offset or size accepted: GDAL's file offsets are signed 64-bit
// in practice, and anything beyond is a corrupt or hostile reference.
constexpr uint64_t MAX_OFFSET = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());

constexpr const char *INLINE_BASE64_PREFIX = "base64:";

// The dimensions of a `gen` entry: names, values, and how many
// combinations they make.
struct GenDimensions
{
    std::vector<std::string> aosNames{};
    std::vector<std::vector<TemplateValue>> aaoValues{};
    uint64_t nTotal = 1;
};

// The templates of a `gen` entry; offset and length only with bHasRange.
struct GenTemplates
{
    std::string osKey{};
    std::string osUrl{};
    bool bHasRange = false;
    std::string osOffset{};
    std::string osLength{};
};

class Parser
{
  public:
    std::unique_ptr<ReferenceSet> Parse(const JsonText &oText, std::string &osError);

  private:
    std::unique_ptr<ReferenceSet> m_poSet = std::make_unique<ReferenceSet>();
    std::map<std::string, std::string> m_oTemplates{};
    std::string m_osError{};
    uint64_t m_nGenerated = 0;  // references made by all `gen` entries
    uint64_t m_nGeneratedBytes = 0;  // their keys and URLs, in bytes

    bool Fail(const std::string &osMsg)
    {
        if (m_osError.empty())
            m_osError = osMsg;
        return false;
    }

    bool ParseHeader(const std::map<std::string, TopLevelMember> &oMembers,
                     bool &bVersion1);
    bool ParseTemplates(const json &oTemplates);
    bool ParseGen(const json &oGen);
    bool ParseGenEntry(const json &oEntry, size_t nIndex);
    bool ExpandGenDimensions(const json &oDimensions, const std::string &osWhere,
                             uint64_t nMaxEntries, GenDimensions &oOut);
    bool AddGeneratedReference(const GenTemplates &oTemplates,
                               const TemplateContext &oContext,
                               const std::string &osWhere, uint64_t nMaxBytes);
    bool AddReference(const std::string &osKey, const json &oValue);
    bool GetOffset(const std::string &osKey, const json &oValue,
                   const char *pszWhat, uint64_t &nOut);
    size_t m_nMaxGridCells = 0;  // bound of a grid sized from a .zarray
    void NoteZarray(const std::string &osKey, const std::string &osText);
    bool RenderUrl(const std::string &osKey, const std::string &osUrl,
                   const TemplateContext &oContext, std::string &osOut);
};

bool Parser::ParseTemplates(const json &oTemplates)
{
    if (!oTemplates.is_object())
        return Fail("'templates' must be a JSON object");
    for (const auto &oItem : oTemplates.items())
    {
        if (!oItem.value().is_string())
            return Fail("template '" + oItem.key() + "' must be a string");
        m_oTemplates[oItem.key()] = oItem.value().get<std::string>();
    }
    return true;
}

// A .zarray tells its array's chunk grid: sizing it before the chunks come
// saves queueing them. Anything unexpected is left to the driver's checks.
void Parser::NoteZarray(const std::string &osKey, const std::string &osText)
{
    constexpr size_t ZARRAY_LEN = 7;  // ".zarray"
    if (osKey.size() < ZARRAY_LEN ||
        osKey.compare(osKey.size() - ZARRAY_LEN, ZARRAY_LEN, ".zarray") != 0 ||
        (osKey.size() > ZARRAY_LEN && osKey[osKey.size() - ZARRAY_LEN - 1] != '/'))
        return;
    std::string osError;
    if (!CheckJsonNesting(osText, osError))
        return;
    const json oDoc = json::parse(osText, nullptr, false);
    if (!oDoc.is_object() || !oDoc.contains("shape") || !oDoc.contains("chunks") ||
        !oDoc["shape"].is_array() || !oDoc["chunks"].is_array() ||
        oDoc["shape"].size() != oDoc["chunks"].size() ||
        oDoc.value("dimension_separator", ".") != std::string("."))
        return;
    std::vector<uint32_t> anExtent;
    for (size_t i = 0; i < oDoc["shape"].size(); ++i)
    {
        const json &oSize = oDoc["shape"][i];
        const json &oChunk = oDoc["chunks"][i];
        if (!oSize.is_number_unsigned() || !oChunk.is_number_unsigned() ||
            oChunk.get<uint64_t>() == 0)
            return;
        const uint64_t nChunks =
            oSize.get<uint64_t>() / oChunk.get<uint64_t>() +
            (oSize.get<uint64_t>() % oChunk.get<uint64_t>() != 0 ? 1 : 0);
        if (nChunks == 0 || nChunks >= UINT32_MAX)
            return;
        anExtent.push_back(static_cast<uint32_t>(nChunks));
    }
    const std::string osArray =
        osKey.size() > ZARRAY_LEN ? osKey.substr(0, osKey.size() - ZARRAY_LEN - 1) : "";
    m_poSet->ReserveChunkGrid(osArray, anExtent, m_nMaxGridCells);
}

bool Parser::RenderUrl(const std::string &osKey, const std::string &osUrl,
                       const TemplateContext &oContext, std::string &osOut)
{
    // As fsspec: only strings containing "{{" are templates.
    if (osUrl.find("{{") == std::string::npos)
    {
        osOut = osUrl;
        return true;
    }
    std::string osError;
    if (!RenderTemplate(osUrl, oContext, osOut, osError))
        return Fail("key '" + osKey + "': " + osError);
    return true;
}

bool Parser::GetOffset(const std::string &osKey, const json &oValue,
                       const char *pszWhat, uint64_t &nOut)
{
    if (oValue.is_number_unsigned())
        nOut = oValue.get<uint64_t>();
    else if (oValue.is_number_integer())
    {
        if (oValue.get<int64_t>() < 0)
            return Fail("key '" + osKey + "': " + pszWhat + " " + oValue.dump() +
                        " is negative");
        nOut = static_cast<uint64_t>(oValue.get<int64_t>());
    }
    else
        return Fail("key '" + osKey + "': " + pszWhat +
                    " must be a non-negative integer, got " + oValue.dump());
    if (nOut > MAX_OFFSET)
        return Fail("key '" + osKey + "': " + pszWhat + " " + oValue.dump() +
                    " is out of range");
    return true;
}

bool Parser::AddReference(const std::string &osKeyIn, const json &oValue)
{
    // Keys are relative to the store's root; tolerate a leading slash.
    std::string osKeyCopy;
    if (!osKeyIn.empty() && osKeyIn[0] == '/')
        osKeyCopy = osKeyIn.substr(1);
    const std::string &osKey = osKeyCopy.empty() ? osKeyIn : osKeyCopy;
    if (osKey.empty() || osKey == "/")
        return Fail("empty key");
    if (osKey.back() == '/' || osKey.find("//") != std::string::npos)
        return Fail("key '" + osKeyIn + "' is not a valid Zarr key");

    if (oValue.is_string())
    {
        const std::string &osValue = oValue.get_ref<const std::string &>();
        if (osValue.compare(0, strlen(INLINE_BASE64_PREFIX), INLINE_BASE64_PREFIX) == 0)
        {
            std::string osDecoded;
            if (!Base64Decode(osValue.substr(strlen(INLINE_BASE64_PREFIX)), osDecoded))
                return Fail("key '" + osKey + "': invalid base64 inline value");
            NoteZarray(osKey, osDecoded);
            m_poSet->AddInline(osKey, std::move(osDecoded));
        }
        else
        {
            // Plain text: its UTF-8 bytes, NULs included (fsspec: str.encode()).
            NoteZarray(osKey, osValue);
            m_poSet->AddInline(osKey, osValue);
        }
        return true;
    }
    if (oValue.is_object())
    {
        // Version 0 allows metadata as JSON objects: serialize them back.
        std::string osText = oValue.dump();
        NoteZarray(osKey, osText);
        m_poSet->AddInline(osKey, std::move(osText));
        return true;
    }
    if (!oValue.is_array())
        return Fail("key '" + osKey + "': value must be a string, an object or "
                    "[url] / [url, offset, length], got " +
                    std::string(oValue.type_name()));
    if (oValue.size() != 1 && oValue.size() != 3)
        return Fail("key '" + osKey + "': expected [url] or [url, offset, length], "
                    "got an array of " + std::to_string(oValue.size()) + " elements");
    if (!oValue[0].is_string())
        return Fail("key '" + osKey + "': url must be a string");
    // As fsspec: only strings containing "{{" are templates.
    const std::string &osWritten = oValue[0].get_ref<const std::string &>();
    std::string osRendered;
    const bool bTemplate = osWritten.find("{{") != std::string::npos;
    if (bTemplate)
    {
        TemplateContext oContext;
        oContext.poTemplates = &m_oTemplates;
        if (!RenderUrl(osKey, osWritten, oContext, osRendered))
            return false;
    }
    const std::string &osUrl = bTemplate ? osRendered : osWritten;
    if (osUrl.empty())
        return Fail("key '" + osKey + "': empty url");
    if (oValue.size() == 1)
    {
        m_poSet->AddWholeFile(osKey, osUrl);
        return true;
    }
    uint64_t nOffset = 0;
    uint64_t nSize = 0;
    if (!GetOffset(osKey, oValue[1], "offset", nOffset) ||
        !GetOffset(osKey, oValue[2], "length", nSize))
        return false;
    if (nOffset > MAX_OFFSET - nSize)
        return Fail("key '" + osKey + "': offset + length overflows");
    m_poSet->AddRange(osKey, osUrl, nOffset, nSize);
    return true;
}

// A `gen` dimension: a list of values, or {"start", "stop", "step"} as
// Python's range().
bool GetDimensionValues(const std::string &osName, const json &oSpec,
                        std::vector<TemplateValue> &aoValues,
                        uint64_t nMaxValues, std::string &osError)
{
    if (oSpec.is_array())
    {
        if (oSpec.size() > nMaxValues)
        {
            osError = "dimension '" + osName + "' has too many values";
            return false;
        }
        for (const auto &oItem : oSpec)
        {
            if (oItem.is_number_integer())
                aoValues.emplace_back(oItem.get<int64_t>());
            else if (oItem.is_number_float())
                aoValues.emplace_back(oItem.get<double>());
            else if (oItem.is_string())
                aoValues.emplace_back(oItem.get<std::string>());
            else
            {
                osError = "dimension '" + osName + "': values must be numbers or strings";
                return false;
            }
        }
        return true;
    }
    if (!oSpec.is_object() || !oSpec.contains("stop"))
    {
        osError = "dimension '" + osName +
                  "' must be a list or {\"start\", \"stop\", \"step\"}";
        return false;
    }
    int64_t anRange[3] = {0, 0, 1};
    const char *const apszNames[3] = {"start", "stop", "step"};
    for (int i = 0; i < 3; ++i)
    {
        if (!oSpec.contains(apszNames[i]))
            continue;
        const json &oItem = oSpec[apszNames[i]];
        if (!oItem.is_number_integer())
        {
            osError = "dimension '" + osName + "': " + apszNames[i] +
                      " must be an integer";
            return false;
        }
        anRange[i] = oItem.get<int64_t>();
    }
    const int64_t nStart = anRange[0], nStop = anRange[1], nStep = anRange[2];
    if (nStep == 0)
    {
        osError = "dimension '" + osName + "': step must not be 0";
        return false;
    }
    // Python's len(range(start, stop, step)), in 128 bits to avoid overflow.
    const __int128 nSpan = nStep > 0 ? static_cast<__int128>(nStop) - nStart
                                     : static_cast<__int128>(nStart) - nStop;
    const __int128 nAbsStep = nStep > 0 ? nStep : -static_cast<__int128>(nStep);
    const __int128 nCount = nSpan <= 0 ? 0 : (nSpan + nAbsStep - 1) / nAbsStep;
    if (nCount > static_cast<__int128>(nMaxValues))
    {
        osError = "dimension '" + osName + "' has too many values";
        return false;
    }
    for (__int128 i = 0; i < nCount; ++i)
        aoValues.emplace_back(static_cast<int64_t>(nStart + i * nStep));
    return true;
}

// Why a `gen` entry is malformed, prefixed with osWhere; empty when its
// fields have the right types.
std::string GenEntryShapeError(const json &oEntry, const std::string &osWhere)
{
    if (!oEntry.is_object())
        return osWhere + " must be a JSON object";
    for (const char *pszField : {"key", "url"})
    {
        if (!oEntry.contains(pszField) || !oEntry[pszField].is_string())
            return osWhere + ": '" + pszField + "' must be a string";
    }
    if (oEntry.contains("offset") != oEntry.contains("length"))
        return osWhere + ": 'offset' and 'length' go together";
    for (const char *pszField : {"offset", "length"})
    {
        if (oEntry.contains(pszField) && !oEntry[pszField].is_string() &&
            !oEntry[pszField].is_number_integer())
            return osWhere + ": '" + pszField + "' must be a string or an integer";
    }
    if (!oEntry.contains("dimensions") || !oEntry["dimensions"].is_object())
        return osWhere + ": 'dimensions' must be a JSON object";
    return std::string();
}

// Moves anIndex to the next combination of a Cartesian product, the last
// dimension varying fastest (itertools.product); false after the last one.
bool NextCombination(std::vector<size_t> &anIndex,
                     const std::vector<std::vector<TemplateValue>> &aaoValues)
{
    for (size_t iDim = anIndex.size(); iDim > 0; --iDim)
    {
        if (++anIndex[iDim - 1] < aaoValues[iDim - 1].size())
            return true;
        anIndex[iDim - 1] = 0;
    }
    return false;
}

bool Parser::ExpandGenDimensions(const json &oDimensions, const std::string &osWhere,
                                 uint64_t nMaxEntries, GenDimensions &oOut)
{
    for (const auto &oDim : oDimensions.items())
    {
        std::vector<TemplateValue> aoValues;
        std::string osError;
        if (!GetDimensionValues(oDim.key(), oDim.value(), aoValues, nMaxEntries, osError))
            return Fail(osWhere + ": " + osError);
        if (!aoValues.empty() && oOut.nTotal > nMaxEntries / aoValues.size())
            return Fail(osWhere + " generates more than " +
                        std::to_string(nMaxEntries) +
                        " references (KERCHUNK_MAX_GENERATED_REFS)");
        oOut.nTotal *= aoValues.size();
        oOut.aosNames.push_back(oDim.key());
        oOut.aaoValues.push_back(std::move(aoValues));
    }
    return true;
}

bool Parser::AddGeneratedReference(const GenTemplates &oTemplates,
                                   const TemplateContext &oContext,
                                   const std::string &osWhere, uint64_t nMaxBytes)
{
    std::string osKey, osUrl, osError;
    if (!RenderTemplate(oTemplates.osKey, oContext, osKey, osError) ||
        !RenderTemplate(oTemplates.osUrl, oContext, osUrl, osError))
        return Fail(osWhere + ": " + osError);
    m_nGeneratedBytes += osKey.size() + osUrl.size();
    if (m_nGeneratedBytes > nMaxBytes)
        return Fail(osWhere + " generates more than " + std::to_string(nMaxBytes) +
                    " bytes of keys and URLs (KERCHUNK_MAX_GENERATED_BYTES)");
    json oValue = json::array({osUrl});
    if (oTemplates.bHasRange)
    {
        std::string osOffset, osLength;
        if (!RenderTemplate(oTemplates.osOffset, oContext, osOffset, osError) ||
            !RenderTemplate(oTemplates.osLength, oContext, osLength, osError))
            return Fail(osWhere + ": " + osError);
        // The rendered text must be an integer literal (Python's int()).
        for (const std::string *posText : {&osOffset, &osLength})
        {
            char *pszEnd = nullptr;
            errno = 0;
            const long long nValue = std::strtoll(posText->c_str(), &pszEnd, 10);
            if (posText->empty() || *pszEnd != '\0' || errno != 0)
                return Fail(osWhere + ": key '" + osKey + "': offset/length '" +
                            *posText + "' is not an integer");
            oValue.push_back(nValue);
        }
    }
    return AddReference(osKey, oValue);
}

bool Parser::ParseGenEntry(const json &oEntry, size_t nIndex)
{
    const std::string osWhere = "gen[" + std::to_string(nIndex) + "]";
    const std::string osShapeError = GenEntryShapeError(oEntry, osWhere);
    if (!osShapeError.empty())
        return Fail(osShapeError);

    uint64_t nMaxEntries = 0;
    uint64_t nMaxBytes = 0;
    try
    {
        nMaxEntries = GetIntegerOption("KERCHUNK_MAX_GENERATED_REFS");
        nMaxBytes = GetIntegerOption("KERCHUNK_MAX_GENERATED_BYTES");
    }
    catch (const Error &e)
    {
        return Fail(osWhere + ": " + e.what());
    }
    GenDimensions oDims;
    if (!ExpandGenDimensions(oEntry["dimensions"], osWhere, nMaxEntries, oDims))
        return false;
    if (oDims.nTotal == 0 || oDims.aosNames.empty())
        return true;
    m_nGenerated += oDims.nTotal;
    if (m_nGenerated > nMaxEntries)
        return Fail(osWhere + " generates more than " +
                    std::to_string(nMaxEntries) +
                    " references (KERCHUNK_MAX_GENERATED_REFS)");

    auto ToText = [](const json &oField)
    { return oField.is_string() ? oField.get<std::string>() : oField.dump(); };
    GenTemplates oTemplates;
    oTemplates.osKey = oEntry["key"].get<std::string>();
    oTemplates.osUrl = oEntry["url"].get<std::string>();
    oTemplates.bHasRange = oEntry.contains("offset");
    if (oTemplates.bHasRange)
    {
        oTemplates.osOffset = ToText(oEntry["offset"]);
        oTemplates.osLength = ToText(oEntry["length"]);
    }
    TemplateContext oContext;
    oContext.poTemplates = &m_oTemplates;
    std::vector<size_t> anIndex(oDims.aosNames.size(), 0);
    do
    {
        for (size_t i = 0; i < oDims.aosNames.size(); ++i)
            oContext.oVariables[oDims.aosNames[i]] = oDims.aaoValues[i][anIndex[i]];
        if (!AddGeneratedReference(oTemplates, oContext, osWhere, nMaxBytes))
            return false;
    } while (NextCombination(anIndex, oDims.aaoValues));
    return true;
}

bool Parser::ParseGen(const json &oGen)
{
    if (!oGen.is_array())
        return Fail("'gen' must be a JSON array");
    for (size_t i = 0; i < oGen.size(); ++i)
    {
        if (!ParseGenEntry(oGen[i], i))
            return false;
    }
    return true;
}

// Version, templates and gen come first: they decide how "refs" reads, and
// may follow it in the document.
bool Parser::ParseHeader(const std::map<std::string, TopLevelMember> &oMembers,
                         bool &bVersion1)
{
    // Text the full parse will reject: it reports the syntax error.
    auto Parse = [](const TopLevelMember &oMember)
    { return json::parse(oMember.osValue, nullptr, false); };
    const auto oVersionMember = oMembers.find("version");
    bVersion1 = oVersionMember != oMembers.end();
    if (!bVersion1)
        return true;
    const json oVersion = Parse(oVersionMember->second);
    if (oVersion.is_discarded())
        return false;
    // fsspec compares with ==: 1.0 is version 1 too.
    if (!oVersion.is_number_integer() &&
        !(oVersion.is_number_float() && oVersion.get<double>() == 1.0))
        return Fail("'version' must be an integer, got " +
                    std::string(oVersion.type_name()) + " " + oVersion.dump());
    if (oVersion.is_number_integer() && oVersion.get<int64_t>() != 1)
        return Fail("unsupported kerchunk references version " + oVersion.dump() +
                    " (0 and 1 are supported)");
    const auto oTemplates = oMembers.find("templates");
    if (oTemplates != oMembers.end())
    {
        const json oDoc = Parse(oTemplates->second);
        if (oDoc.is_discarded() || !ParseTemplates(oDoc))
            return false;
    }
    const auto oGen = oMembers.find("gen");
    if (oGen != oMembers.end())
    {
        const json oDoc = Parse(oGen->second);
        if (oDoc.is_discarded() || !ParseGen(oDoc))
            return false;
    }
    if (oMembers.find("refs") == oMembers.end() && oGen == oMembers.end())
        return Fail("version 1 references need a 'refs' object");
    return true;
}

std::unique_ptr<ReferenceSet> Parser::Parse(const JsonText &oText, std::string &osError)
{
    // A chunk key with its value takes at least 8 bytes of JSON.
    m_nMaxGridCells = static_cast<size_t>(oText.Size() / 8);
    // One pass for the nesting check and the top-level members, then the
    // streaming parse: the text is read twice, never held whole.
    JsonNestingCheck oNesting;
    TopLevelScan oScan({"version", "templates", "gen"}, {"refs"});
    std::string osNestingError;
    if (!oText.ForEachPiece(
            [&](std::string_view osPiece)
            {
                if (!oNesting.Feed(osPiece, osNestingError))
                    return false;
                oScan.Feed(osPiece);
                return true;
            },
            osError))
        return nullptr;
    if (!osNestingError.empty())
    {
        osError = osNestingError;
        return nullptr;
    }
    std::map<std::string, TopLevelMember> oMembers = oScan.Members();
    const bool bObject = oScan.IsObject();
    bool bVersion1 = false;
    const bool bHeaderOK = bObject && ParseHeader(oMembers, bVersion1);

    // Version 0: the whole document is the map of references; version 1:
    // its "refs" member. Members stream in; only the syntax is checked after
    // a semantic error, which a syntax error anywhere overrides.
    using Stream = JsonMemberStream;
    Stream::Source eSource = Stream::Source::None;
    size_t nRefsOrdinal = 0;
    if (bHeaderOK && !bVersion1)
        eSource = Stream::Source::Root;
    else if (bHeaderOK && oMembers.count("refs"))
    {
        eSource = Stream::Source::TopMember;
        nRefsOrdinal = oMembers["refs"].nOrdinal;
    }
    Stream oStream(
        eSource, nRefsOrdinal,
        [this](const std::string &osKey, const json &oValue)
        { return AddReference(osKey, oValue); },
        [this]() { Fail("'refs' must be a JSON object"); });
    std::string osSyntaxError;
    if (!oStream.Run(oText, osSyntaxError))
    {
        osError = STARTS_WITH(osSyntaxError.c_str(), "cannot read ")
                      ? osSyntaxError
                      : "invalid JSON: " + osSyntaxError;
        return nullptr;
    }
    if (!oStream.IsRootObject())
    {
        osError = "the document must be a JSON object";
        return nullptr;
    }
    if (!m_osError.empty() || !bHeaderOK)
    {
        // A header the scan could not delimit but the parser accepted
        // cannot happen; say so rather than return nothing.
        osError = m_osError.empty() ? "invalid JSON: cannot read the top-level members"
                                    : m_osError;
        return nullptr;
    }
    m_poSet->Seal();
    return std::move(m_poSet);
}

}  // namespace

bool Base64Decode(const std::string &osEncoded, std::string &osDecoded)
{
    osDecoded.clear();
    osDecoded.reserve(osEncoded.size() / 4 * 3);
    uint32_t nAccumulator = 0;
    int nBits = 0;
    size_t nPadding = 0;
    for (const char ch : osEncoded)
    {
        int nValue;
        if (ch >= 'A' && ch <= 'Z')
            nValue = ch - 'A';
        else if (ch >= 'a' && ch <= 'z')
            nValue = ch - 'a' + 26;
        else if (ch >= '0' && ch <= '9')
            nValue = ch - '0' + 52;
        else if (ch == '+')
            nValue = 62;
        else if (ch == '/')
            nValue = 63;
        else if (ch == '=')
        {
            ++nPadding;
            continue;
        }
        else
            return false;
        if (nPadding)  // data after padding
            return false;
        nAccumulator = (nAccumulator << 6) | static_cast<uint32_t>(nValue);
        nBits += 6;
        if (nBits >= 8)
        {
            nBits -= 8;
            osDecoded += static_cast<char>((nAccumulator >> nBits) & 0xFF);
        }
    }
    // A dangling 6 bits cannot encode a byte; more than 2 '=' is malformed.
    return nBits < 6 && nPadding <= 2;
}

std::unique_ptr<ReferenceSet> ParseKerchunkJson(std::string_view osText,
                                                std::string &osError)
{
    return ParseKerchunkJson(JsonText::InMemory(osText), osError);
}

std::unique_ptr<ReferenceSet> ParseKerchunkJson(const JsonText &oText, std::string &osError)
{
    Parser oParser;
    return oParser.Parse(oText, osError);
}

}  // namespace kerchunk
