// Whole-file helpers shared by the unit tests, through GDAL's VSI (any GDAL
// path: local, /vsimem/, /vsikerchunk/).
#pragma once

#include "file_handles.h"

#include "cpl_vsi.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace kerchunk_test
{

struct StdFileCloser
{
    void operator()(FILE *fp) const
    {
        std::fclose(fp);
    }
};
// A C stdio FILE (what eccodes reads) closed when it goes out of scope.
using StdFilePtr = std::unique_ptr<FILE, StdFileCloser>;

// Writes osContent to osPath; a test failure when it cannot.
inline void WriteFile(const std::string &osPath, const std::string &osContent)
{
    kerchunk::VSIFilePtr poFile = kerchunk::OpenVSIFile(osPath, "wb");
    ASSERT_TRUE(poFile) << osPath;
    ASSERT_EQ(VSIFWriteL(osContent.data(), 1, osContent.size(), poFile.get()),
              osContent.size())
        << osPath;
    ASSERT_TRUE(kerchunk::CloseVSIFile(poFile)) << osPath;
}

// Reads the whole of osPath into osContent, nBufferSize bytes at a time;
// false when it cannot be opened.
inline bool ReadInto(const std::string &osPath, std::string &osContent,
                     size_t nBufferSize = 4096)
{
    const kerchunk::VSIFilePtr poFile = kerchunk::OpenVSIFile(osPath, "rb");
    if (!poFile)
        return false;
    std::vector<char> achBuffer(nBufferSize);
    size_t nRead;
    while ((nRead = VSIFReadL(achBuffer.data(), 1, achBuffer.size(), poFile.get())) > 0)
        osContent.append(achBuffer.data(), nRead);
    return true;
}

// The whole content of osPath, read nBufferSize bytes at a time; "<null>"
// when it cannot be opened.
inline std::string ReadAll(const std::string &osPath, size_t nBufferSize = 4096)
{
    std::string osContent;
    return ReadInto(osPath, osContent, nBufferSize) ? osContent : "<null>";
}

// The whole content of an input file the test needs: std::runtime_error
// "cannot read <path>" when it cannot be opened.
inline std::string ReadInputFile(const std::string &osPath)
{
    std::string osContent;
    if (!ReadInto(osPath, osContent))
        throw std::runtime_error("cannot read " + osPath);
    return osContent;
}

}  // namespace kerchunk_test
