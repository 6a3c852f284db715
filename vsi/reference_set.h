// The in-memory model of a set of kerchunk references: a sorted map from Zarr
// key (e.g. "t2m/0.3.1") to what its bytes are.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace kerchunk
{

// One key's target. Either inline bytes, or a range of a file, or a whole file.
struct Reference
{
    // Target as a GDAL path (already mapped from s3://, http://, relative...);
    // points into the owning ReferenceSet's URL table; null for inline bytes.
    const std::string *posPath = nullptr;
    uint64_t nOffset = 0;
    uint64_t nSize = 0;
    bool bWholeFile = false;  // "[url]": the target's whole content
    std::string osInline{};

    bool IsInline() const
    {
        return posPath == nullptr;
    }
};

class ReferenceSet
{
  public:
    // Interns a target path: thousands of chunks share a handful of URLs.
    const std::string *InternPath(const std::string &osPath);

    void AddInline(const std::string &osKey, std::string osBytes);
    void AddRange(const std::string &osKey, const std::string &osPath,
                  uint64_t nOffset, uint64_t nSize);
    void AddWholeFile(const std::string &osKey, const std::string &osPath);

    // Null when the key has no reference.
    const Reference *Find(const std::string &osKey) const;
    // True for "" (the root) and for every prefix "a/b" of a key "a/b/...".
    bool IsDirectory(const std::string &osPath) const;
    // Names (not paths) of the files and directories directly under osDir,
    // at most nMaxFiles of them when nMaxFiles > 0.
    std::vector<std::string> ListDirectory(const std::string &osDir,
                                           int nMaxFiles = 0) const;

    size_t size() const
    {
        return m_oRefs.size();
    }
    const std::map<std::string, Reference> &GetAll() const
    {
        return m_oRefs;
    }

  private:
    std::set<std::string> m_oPaths{};
    std::map<std::string, Reference> m_oRefs{};
};

}  // namespace kerchunk
