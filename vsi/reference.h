// What one key of a reference set designates.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace kerchunk
{

// One key's target. Either inline bytes, or a range of a file, or a whole file.
struct Reference
{
    // Target as written in the references (templates rendered); points into
    // the owning ReferenceSet's URL table; null for inline bytes.
    const std::string *posPath = nullptr;
    uint64_t nOffset = 0;
    uint64_t nSize = 0;
    bool bWholeFile = false;  // "[url]": the target's whole content
    // Inline bytes, owned by the ReferenceSet (a view keeps dense tables small).
    std::string_view osInline{};

    bool IsInline() const
    {
        return posPath == nullptr;
    }
};

}  // namespace kerchunk
