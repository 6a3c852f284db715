#include "references_output.h"

#include "error.h"
#include "reference_writer.h"  // Base64Encode

#include <nlohmann/json.hpp>

namespace kerchunk
{

namespace
{

// {"version": 1, "refs": {...}} written entry by entry, like refgen's
// ReferenceWriter but with a URL per reference.
class JsonReferencesOutput final : public ReferencesOutput
{
  public:
    explicit JsonReferencesOutput(VSILFILE *fp) : m_fp(fp)
    {
        Write("{\"version\":1,\"refs\":{");
    }

    void AddMetadata(const std::string &osKey, const std::string &osJson) override
    {
        WriteEntry(osKey, nlohmann::json(osJson).dump());
    }
    void AddInline(const std::string &osKey, const std::string &osBytes) override
    {
        // Always base64: chunk bytes are binary.
        WriteEntry(osKey, nlohmann::json("base64:" + Base64Encode(osBytes)).dump());
    }
    void AddRange(const std::string &osKey, const std::string &osUrl,
                  uint64_t nOffset, uint64_t nSize) override
    {
        WriteEntry(osKey, "[" + nlohmann::json(osUrl).dump() + "," +
                              std::to_string(nOffset) + "," + std::to_string(nSize) + "]");
    }
    void AddWholeFile(const std::string &osKey, const std::string &osUrl) override
    {
        WriteEntry(osKey, "[" + nlohmann::json(osUrl).dump() + "]");
    }
    void Finish() override
    {
        Write("}}\n");
        if (m_bFailed)
            throw Error("cannot write the combined references");
    }

  private:
    void WriteEntry(const std::string &osKey, const std::string &osValue)
    {
        Write((m_nEntries++ ? ",\n" : "\n") + nlohmann::json(osKey).dump() + ":" + osValue);
    }
    void Write(const std::string &osText)
    {
        if (VSIFWriteL(osText.data(), 1, osText.size(), m_fp) != osText.size())
            m_bFailed = true;
    }

    VSILFILE *m_fp;
    uint64_t m_nEntries = 0;
    bool m_bFailed = false;
};

}  // namespace

std::unique_ptr<ReferencesOutput> CreateReferencesOutput(const std::string &osFormat,
                                                         VSILFILE *fp)
{
    CheckReferencesOutputFormat(osFormat);
    return std::make_unique<JsonReferencesOutput>(fp);
}

void CheckReferencesOutputFormat(const std::string &osFormat)
{
    if (osFormat == "json")
        return;
    if (osFormat == "parquet")
        throw Error("-of parquet is not supported yet (Parquet references are "
                    "being added separately); use -of json");
    throw Error("unknown output format '" + osFormat + "' (expected json or parquet)");
}

}  // namespace kerchunk
