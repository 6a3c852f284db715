// kerchunk::ComputeCFGeoreferencing on the arrays the KERCHUNK driver really
// gets: GDAL's Zarr driver over /vsikerchunk/ and the codecs GDAL 3.6 lacks,
// for the kerchunk references of ../shared/corpus (refs/INDEX.tsv), compared
// with GDAL's netCDF driver in classic mode on the source files.
// Optional (KERCHUNK_SHARED_CORPUS=../shared/corpus): skipped otherwise.

#include "cf_georef_compare.h"
#include "file_handles.h"

#include <iostream>
#include <string>
#include <vector>

#include "codecs.h"
#include "cpl_conv.h"
#include "cpl_string.h"
#include "cpl_vsi.h"
#include "gdal_priv.h"
#include "vsikerchunk.h"

namespace
{

using namespace cftest;

TEST(CFGeoreferencingKerchunk, SharedCorpusReferencesSweep)
{
    const char *pszCorpus = std::getenv("KERCHUNK_SHARED_CORPUS");
    if (!pszCorpus)
        GTEST_SKIP() << "set KERCHUNK_SHARED_CORPUS to run";
    const std::string osCorpus = pszCorpus;
    const std::string osIndex = osCorpus + "/refs/INDEX.tsv";
    const kerchunk::VSIFilePtr poIndex = kerchunk::OpenVSIFile(osIndex, "rb");
    if (!poIndex)
        GTEST_SKIP() << "no " << osIndex;
    std::vector<std::pair<std::string, std::string>> aoEntries;
    while (const char *pszLine = CPLReadLineL(poIndex.get()))
    {
        const CPLStringList aosCols(CSLTokenizeString2(pszLine, "\t", 0));
        if (aosCols.size() >= 2 &&
            (STARTS_WITH(aosCols[1], "netcdf4/") ||
             STARTS_WITH(aosCols[1], "netcdf3/")))
            aoEntries.emplace_back(osCorpus + "/" + aosCols[0],
                                   osCorpus + "/" + aosCols[1]);
    }
    ASSERT_FALSE(aoEntries.empty());

    GDALAllRegister();
    kerchunk::RegisterCodecs();
    kerchunk::InstallVSIKerchunkHandler();

    int nCompared = 0;
    int nOK = 0;
    int nWithGT = 0;
    int nWithSRS = 0;
    for (const auto &[osRefs, osSource] : aoEntries)
    {
        const std::string osZarr = kerchunk::MakeVSIKerchunkPath(osRefs);
        std::vector<std::string> aosArrays;
        for (const auto &osName : Numeric2DArrays(osZarr))
        {
            // Only what the classic netCDF driver opens is comparable.
            CPLErrorHandlerPusher oQuiet(CPLQuietErrorHandler);
            DatasetPtr poClassic(GDALDataset::Open(
                ("NETCDF:\"" + osSource + "\":" + osName).c_str(), GDAL_OF_RASTER, nullptr,
                nullptr, nullptr));
            if (poClassic && poClassic->GetRasterCount() > 0)
                aosArrays.push_back(osName);
        }
        for (const auto &osName : aosArrays)
        {
            CPLErrorHandlerPusher oQuiet(CPLQuietErrorHandler);
            const auto o = CompareWithNetCDF(osSource, "/" + osName, osName,
                                             false, osZarr, "Zarr");
            EXPECT_TRUE(o.bComparable) << osRefs << " " << osName;
            ++nCompared;
            nOK += o.bComparable ? 1 : 0;
            nWithGT += o.bClassicGT ? 1 : 0;
            nWithSRS += o.bClassicSRS ? 1 : 0;
        }
    }
    std::cout << "kerchunk references: " << nOK << " of " << nCompared
              << " variables georeferenced as the netCDF driver does ("
              << nWithGT << " with geotransform, " << nWithSRS << " with CRS)"
              << std::endl;
    EXPECT_GT(nCompared, 0);
}

}  // namespace
