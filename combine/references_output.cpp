#include "references_output.h"

#include "error.h"
#include "reference_set.h"
#include "reference_writer.h"  // Base64Encode

#include <nlohmann/json.hpp>

#include <utility>

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

// Collected into a ReferenceSet (compact chunk tables), written at the end.
class ParquetReferencesOutput final : public ReferencesOutput
{
  public:
    ParquetReferencesOutput(std::string osFolder, const ParquetWriteOptions &oOptions)
        : m_osFolder(std::move(osFolder)), m_oOptions(oOptions)
    {
        CheckParquetRecordSize(oOptions.nRecordSize);
    }

    void AddMetadata(const std::string &osKey, const std::string &osJson) override
    {
        m_oSet.AddInline(osKey, osJson);
    }
    void AddInline(const std::string &osKey, const std::string &osBytes) override
    {
        m_oSet.AddInline(osKey, osBytes);
    }
    void AddRange(const std::string &osKey, const std::string &osUrl,
                  uint64_t nOffset, uint64_t nSize) override
    {
        m_oSet.AddRange(osKey, osUrl, nOffset, nSize);
    }
    void AddWholeFile(const std::string &osKey, const std::string &osUrl) override
    {
        m_oSet.AddWholeFile(osKey, osUrl);
    }
    void Finish() override
    {
        WriteParquetReferences(m_oSet, m_osFolder, m_oOptions);
    }

  private:
    std::string m_osFolder;
    ParquetWriteOptions m_oOptions;
    ReferenceSet m_oSet{};
};

}  // namespace

std::unique_ptr<ReferencesOutput> CreateJsonReferencesOutput(VSILFILE *fp)
{
    return std::make_unique<JsonReferencesOutput>(fp);
}

std::unique_ptr<ReferencesOutput> CreateParquetReferencesOutput(const std::string &osFolder,
                                                                const ParquetWriteOptions &oOptions)
{
    return std::make_unique<ParquetReferencesOutput>(osFolder, oOptions);
}

void CheckReferencesOutputFormat(const std::string &osFormat)
{
    if (osFormat != "json" && osFormat != "parquet")
        throw Error("unknown output format '" + osFormat + "' (expected json or parquet)");
}

}  // namespace kerchunk
