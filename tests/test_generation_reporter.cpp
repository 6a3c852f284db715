// The skip/progress wording shared by the three generators
// (refgen/generation_reporter.h), through the reporter and through each real
// generator on a real file.
#include "error.h"
#include "file_handles.h"
#include "generation_reporter.h"
#include "generator.h"
#include "reference_writer.h"

#include "cpl_error.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

namespace
{

using kerchunk::GenerateOptions;
using kerchunk::GenerateStats;
using kerchunk::GenerationReporter;

std::vector<std::string> g_aosWarnings;

void CPL_STDCALL CollectWarnings(CPLErr eErr, CPLErrorNum, const char *pszMsg)
{
    if (eErr == CE_Warning)
        g_aosWarnings.push_back(pszMsg);
}

TEST(GenerationReporter, SkipIsRecordedAndWarned)
{
    GenerateOptions oOptions;
    GenerateStats oStats;
    const std::string osSource = "/data/a.nc";
    GenerationReporter oReporter(osSource, oOptions, oStats);
    g_aosWarnings.clear();
    CPLPushErrorHandler(CollectWarnings);
    oReporter.Skip("/g/t2m", "opaque datatype is not supported");
    CPLPopErrorHandler();
    EXPECT_EQ(oStats.aosSkipped,
              std::vector<std::string>{"/g/t2m: opaque datatype is not supported"});
    EXPECT_EQ(g_aosWarnings, std::vector<std::string>{
                                 "/data/a.nc: /g/t2m skipped: opaque datatype is not supported"});
}

TEST(GenerationReporter, StrictSkipThrows)
{
    GenerateOptions oOptions;
    oOptions.bStrict = true;
    GenerateStats oStats;
    const std::string osSource = "/data/a.grib2";
    GenerationReporter oReporter(osSource, oOptions, oStats);
    try
    {
        oReporter.Skip("GRIB message 3 (offset 42)", "no valid reference date/time");
        FAIL() << "no exception";
    }
    catch (const kerchunk::Error &e)
    {
        EXPECT_STREQ(e.what(), "/data/a.grib2: GRIB message 3 (offset 42): no valid "
                               "reference date/time (--strict)");
    }
    EXPECT_TRUE(oStats.aosSkipped.empty());
}

TEST(GenerationReporter, WithoutSource)
{
    GenerateOptions oOptions;
    GenerateStats oStats;
    const std::string osSource = "/data/a.nc";
    GenerationReporter oReporter(osSource, oOptions, oStats);
    EXPECT_EQ(oReporter.WithoutSource("/data/a.nc: variable 'v': bad"), "variable 'v': bad");
    EXPECT_EQ(oReporter.WithoutSource("variable 'v': bad"), "variable 'v': bad");
}

int CPL_STDCALL CancelAtOnce(double, const char *, void *pData)
{
    ++*static_cast<int *>(pData);
    return FALSE;
}

// Each generator, cancelled at its first progress report, names the source.
class GeneratorCancel : public ::testing::TestWithParam<const char *>
{
};

TEST_P(GeneratorCancel, NamesTheSource)
{
    const char *pszData = std::getenv("KERCHUNK_TEST_DATA");
    ASSERT_NE(pszData, nullptr);
    const std::string osSource = std::string(pszData) + "/" + GetParam();
    const std::string osOut = std::string("/vsimem/reporter_") + std::to_string(rand()) + ".json";
    int nCalls = 0;
    GenerateOptions oOptions;
    oOptions.pfnProgress = CancelAtOnce;
    oOptions.pProgressData = &nCalls;
    std::string osError;
    {
        kerchunk::VSIFilePtr poFile = kerchunk::OpenVSIFile(osOut, "wb");
        ASSERT_TRUE(poFile);
        kerchunk::ReferenceWriter oWriter(poFile.get(), osSource);
        try
        {
            kerchunk::GenerateReferences(osSource, oOptions, oWriter);
        }
        catch (const kerchunk::Error &e)
        {
            osError = e.what();
        }
    }
    VSIUnlink(osOut.c_str());
    EXPECT_EQ(nCalls, 1);
    EXPECT_EQ(osError, osSource + ": interrupted");
}

INSTANTIATE_TEST_SUITE_P(ThreeFormats, GeneratorCancel,
                         ::testing::Values("corpus/air.nc",  // NetCDF-4/HDF5
                                           "cf/albers.nc",   // NetCDF-3
                                           "grib/eta_multifield.grb2"));

}  // namespace
