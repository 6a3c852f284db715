// IngestSmallFile: what it reads, and why it reads nothing, through real
// /vsimem/ files.
#include "file_handles.h"

#include "cpl_error.h"
#include "cpl_vsi.h"

#include <gtest/gtest.h>

#include <string>

namespace
{

using kerchunk::IngestFailure;
using kerchunk::IngestSmallFile;

void WriteMemFile(const std::string &osPath, const std::string &osContent)
{
    kerchunk::VSIFilePtr poFile = kerchunk::OpenVSIFile(osPath, "wb");
    ASSERT_TRUE(poFile);
    ASSERT_EQ(VSIFWriteL(osContent.data(), 1, osContent.size(), poFile.get()),
              osContent.size());
    ASSERT_TRUE(kerchunk::CloseVSIFile(poFile));
}

TEST(IngestSmallFile, ReadsUpToTheLimitInclusive)
{
    const std::string osPath = "/vsimem/test_file_handles/ten.bin";
    WriteMemFile(osPath, std::string("0123456789", 10));
    std::string osContent;
    IngestFailure eFailure = IngestFailure::CannotRead;
    EXPECT_TRUE(IngestSmallFile(osPath, 10, osContent, &eFailure));
    EXPECT_EQ(osContent, "0123456789");
    EXPECT_EQ(eFailure, IngestFailure::None);
    VSIUnlink(osPath.c_str());
}

TEST(IngestSmallFile, SaysTooLargeQuietly)
{
    const std::string osPath = "/vsimem/test_file_handles/ten.bin";
    WriteMemFile(osPath, std::string(10, 'x'));
    CPLErrorReset();
    std::string osContent = "unchanged";
    IngestFailure eFailure = IngestFailure::None;
    EXPECT_FALSE(IngestSmallFile(osPath, 9, osContent, &eFailure));
    EXPECT_EQ(eFailure, IngestFailure::TooLarge);
    EXPECT_EQ(osContent, "unchanged");
    EXPECT_EQ(CPLGetLastErrorType(), CE_None) << CPLGetLastErrorMsg();
    // Without the out-parameter: just false.
    EXPECT_FALSE(IngestSmallFile(osPath, 9, osContent));
    VSIUnlink(osPath.c_str());
}

TEST(IngestSmallFile, SaysCannotOpenForAMissingFile)
{
    CPLErrorReset();
    std::string osContent;
    IngestFailure eFailure = IngestFailure::None;
    EXPECT_FALSE(IngestSmallFile("/vsimem/test_file_handles/none.bin", 100, osContent,
                                 &eFailure));
    EXPECT_EQ(eFailure, IngestFailure::CannotOpen);
    EXPECT_EQ(CPLGetLastErrorType(), CE_None) << CPLGetLastErrorMsg();
}

}  // namespace
