// Planned (batch) reads of the classic view from several threads at once:
// threads reading windows of one array, and of two arrays over one
// reference set, each through its own dataset (GDAL datasets are not shared
// between threads), all sharing the process-wide chunk cache. Values are
// checked against the bytes written. Run under ThreadSanitizer in a
// -DKERCHUNK_TSAN=ON build.
#include "chunk_prefetch.h"
#include "test_files.h"
#include "kerchunk_dataset.h"
#include "vsikerchunk.h"

#include "cpl_conv.h"
#include "cpl_vsi.h"
#include "gdal_priv.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

using namespace kerchunk;

namespace
{

constexpr int T = 24, NY = 8, NX = 10;
constexpr int CHUNK_BYTES = NY * NX * 2;  // uint16
constexpr int SPACING = 1000;             // bytes between chunks of one array

// Value of array iArray at (t, y, x).
uint16_t Expected(int iArray, int t, int y, int x)
{
    return static_cast<uint16_t>(iArray * 30000 + t * 1000 + y * 37 + x);
}

void WriteFixture()
{
    std::string osData(static_cast<size_t>(2 * T * SPACING), '\0');
    std::string osRefs = R"({"version":1,"refs":{".zgroup":"{\"zarr_format\":2}")";
    for (int iArray = 0; iArray < 2; ++iArray)
    {
        const std::string osName = iArray ? "b" : "a";
        osRefs += ",\"" + osName +
                  R"(/.zarray":"{\"chunks\":[1,8,10],\"compressor\":null,\"dtype\":\"<u2\",\"fill_value\":0,\"filters\":null,\"order\":\"C\",\"shape\":[24,8,10],\"zarr_format\":2}")";
        osRefs += ",\"" + osName +
                  R"(/.zattrs":"{\"_ARRAY_DIMENSIONS\":[\"t\",\"y\",\"x\"]}")";
        for (int t = 0; t < T; ++t)
        {
            // The two arrays' chunks interleave, as in files written step by step.
            const size_t nOffset = static_cast<size_t>((2 * t + iArray) * (SPACING / 2));
            for (int y = 0; y < NY; ++y)
                for (int x = 0; x < NX; ++x)
                {
                    const uint16_t nValue = Expected(iArray, t, y, x);
                    memcpy(&osData[nOffset + 2 * (y * NX + x)], &nValue, 2);
                }
            osRefs += ",\"" + osName + "/" + std::to_string(t) + ".0.0\":[\"data.bin\"," +
                      std::to_string(nOffset) + "," + std::to_string(CHUNK_BYTES) + "]";
        }
    }
    osRefs += "}}";
    for (const auto &oFile : {std::make_pair("/vsimem/thr/data.bin", osData),
                              std::make_pair("/vsimem/thr/refs.json", osRefs)})
    {
        kerchunk_test::WriteFile(oFile.first, oFile.second);
    }
}

std::unique_ptr<KerchunkRasterDataset> OpenArray(const std::string &osArray)
{
    std::string osError;
    auto poRefs = LoadReferences("/vsimem/thr/refs.json", osError);
    if (!poRefs)
        return nullptr;
    const char *const apszDrivers[] = {"Zarr", nullptr};
    GDALDatasetUniquePtr poZarr(GDALDataset::Open(
        MakeVSIKerchunkPath("/vsimem/thr/refs.json").c_str(), GDAL_OF_MULTIDIM_RASTER,
        apszDrivers, nullptr, nullptr));
    if (!poZarr)
        return nullptr;
    auto poRoot = poZarr->GetRootGroup();
    auto poArray = poRoot->OpenMDArray(osArray);
    auto poDS = std::make_unique<KerchunkRasterDataset>(std::move(poZarr), poRefs);
    if (!poArray || !poDS->SetArray(poArray, poRoot, false))
        return nullptr;
    return poDS;
}

// Reads windows of all bands of one array; counts wrong values.
int ReadWindows(int iArray, int iThread)
{
    auto poDS = OpenArray(iArray ? "b" : "a");
    if (!poDS)
        return -1;
    int nWrong = 0;
    for (int iRound = 0; iRound < 10; ++iRound)
    {
        const int nXOff = (iThread + iRound) % 5, nYOff = (iThread * 3 + iRound) % 4;
        const int nXSize = 4, nYSize = 3;
        std::vector<uint16_t> anBuffer(static_cast<size_t>(T * nXSize * nYSize));
        if (poDS->RasterIO(GF_Read, nXOff, nYOff, nXSize, nYSize, anBuffer.data(), nXSize,
                           nYSize, GDT_UInt16, T, nullptr, 0, 0, 0, nullptr) != CE_None)
            return -1;
        for (int t = 0; t < T; ++t)
            for (int y = 0; y < nYSize; ++y)
                for (int x = 0; x < nXSize; ++x)
                    nWrong += anBuffer[(t * nYSize + y) * nXSize + x] !=
                              Expected(iArray, t, nYOff + y, nXOff + x);
        // Another round must fetch again: the chunk cache is shared and small.
        if (iRound % 3 == 2)
            poDS->FlushCache(false);
    }
    return nWrong;
}

}  // namespace

TEST(ThreadedReads, WindowsOfOneAndTwoArraysOverOneReferenceSet)
{
    GDALAllRegister();
    InstallVSIKerchunkHandler();
    WriteFixture();
    // Gap 0: the chunks of one array are separate requests, run in parallel.
    CPLSetConfigOption("KERCHUNK_COALESCE_GAP", "0");
    CPLSetConfigOption("KERCHUNK_MAX_PARALLEL_REQUESTS", "4");
    // Room for two reads' chunks: threads evict each other's chunks, and
    // each read goes in two runs of bands (a quarter of the cache each), the
    // second fetched on a thread of its own while the first is decoded.
    CPLSetConfigOption("KERCHUNK_CHUNK_CACHE_SIZE", std::to_string(2 * T * CHUNK_BYTES).c_str());
    std::vector<std::thread> aoThreads;
    std::vector<int> anWrong(6, 0);
    for (int i = 0; i < 6; ++i)
        aoThreads.emplace_back([i, &anWrong] { anWrong[i] = ReadWindows(i % 2, i); });
    for (auto &oThread : aoThreads)
        oThread.join();
    for (int i = 0; i < 6; ++i)
        EXPECT_EQ(anWrong[i], 0) << "thread " << i;
    EXPECT_LE(GetChunkCache().GetTotalBytes(), static_cast<uint64_t>(2 * T * CHUNK_BYTES));
    CPLSetConfigOption("KERCHUNK_COALESCE_GAP", nullptr);
    CPLSetConfigOption("KERCHUNK_MAX_PARALLEL_REQUESTS", nullptr);
    CPLSetConfigOption("KERCHUNK_CHUNK_CACHE_SIZE", nullptr);
    VSIRmdirRecursive("/vsimem/thr");
}
