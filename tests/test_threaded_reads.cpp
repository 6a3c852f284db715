// Planned (batch) reads of the classic view from several threads at once:
// threads reading windows of one array, and of two arrays over one
// reference set, each through its own dataset (GDAL datasets are not shared
// between threads), all sharing the process-wide chunk cache; and
// multidimensional AdviseRead + Read from several threads, GDAL's Zarr
// AdviseRead decoding on its own worker threads through /vsikerchunk/ and
// our codecs. Values are checked against the bytes written. Run under
// ThreadSanitizer in a -DKERCHUNK_TSAN=ON build.
#include "chunk_prefetch.h"
#include "test_files.h"
#include "kerchunk_dataset.h"
#include "kerchunk_md_array.h"
#include "vsikerchunk.h"

#include "cpl_compressor.h"
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

// Array "s": the values of array a, stored as HDF5 writes shuffle + deflate
// and kerchunk references them (filters [shuffle, zlib], compressor null), in
// chunks of 2 x 4 x 5 (so one read touches many tiles).
constexpr int S_CHUNK_T = 2, S_CHUNK_Y = 4, S_CHUNK_X = 5;

std::string ShuffledDeflated(const std::vector<uint16_t> &anValues)
{
    const size_t n = anValues.size();
    std::string osShuffled(2 * n, '\0');
    for (size_t i = 0; i < n; ++i)
    {
        osShuffled[i] = static_cast<char>(anValues[i] & 0xff);
        osShuffled[n + i] = static_cast<char>(anValues[i] >> 8);
    }
    const CPLCompressor *psZlib = CPLGetCompressor("zlib");
    std::string osOut(osShuffled.size() + 1024, '\0');
    void *pOut = &osOut[0];
    size_t nOut = osOut.size();
    if (psZlib == nullptr || !psZlib->pfnFunc(osShuffled.data(), osShuffled.size(), &pOut,
                                              &nOut, nullptr, psZlib->user_data))
        return std::string();
    osOut.resize(nOut);
    return osOut;
}

void WriteShuffledFixture()
{
    std::string osData;
    std::string osRefs = R"({"version":1,"refs":{".zgroup":"{\"zarr_format\":2}")";
    osRefs += R"(,"s/.zarray":"{\"chunks\":[2,4,5],\"compressor\":null,\"dtype\":\"<u2\",)"
              R"(\"fill_value\":0,\"filters\":[{\"id\":\"shuffle\",\"elementsize\":2},)"
              R"({\"id\":\"zlib\",\"level\":1}],\"order\":\"C\",\"shape\":[24,8,10],)"
              R"(\"zarr_format\":2}")";
    osRefs += R"(,"s/.zattrs":"{\"_ARRAY_DIMENSIONS\":[\"t\",\"y\",\"x\"]}")";
    for (int ct = 0; ct < T / S_CHUNK_T; ++ct)
        for (int cy = 0; cy < NY / S_CHUNK_Y; ++cy)
            for (int cx = 0; cx < NX / S_CHUNK_X; ++cx)
            {
                std::vector<uint16_t> anValues;
                for (int t = 0; t < S_CHUNK_T; ++t)
                    for (int y = 0; y < S_CHUNK_Y; ++y)
                        for (int x = 0; x < S_CHUNK_X; ++x)
                            anValues.push_back(Expected(0, ct * S_CHUNK_T + t,
                                                        cy * S_CHUNK_Y + y,
                                                        cx * S_CHUNK_X + x));
                const std::string osChunk = ShuffledDeflated(anValues);
                osRefs += CPLSPrintf(R"(,"s/%d.%d.%d":["data.bin",%d,%d])", ct, cy, cx,
                                     static_cast<int>(osData.size()),
                                     static_cast<int>(osChunk.size()));
                osData += osChunk;
            }
    osRefs += "}}";
    kerchunk_test::WriteFile("/vsimem/thr_s/data.bin", osData);
    kerchunk_test::WriteFile("/vsimem/thr_s/refs.json", osRefs);
}

// AdviseRead then Read of windows of array s, through the driver's wrapper
// (bWrapped: its planned fetch) or the Zarr array over /vsikerchunk/ as a
// host opening ZARR:/vsikerchunk/... gets it (GDAL's threaded decode ahead);
// counts wrong values, -1 on failure.
int AdviseThenRead(bool bWrapped, int iThread)
{
    const char *const apszDrivers[] = {"Zarr", nullptr};
    GDALDatasetUniquePtr poZarr(GDALDataset::Open(
        MakeVSIKerchunkPath("/vsimem/thr_s/refs.json").c_str(), GDAL_OF_MULTIDIM_RASTER,
        apszDrivers, nullptr, nullptr));
    if (!poZarr)
        return -1;
    std::string osError;
    auto poArray = poZarr->GetRootGroup()->OpenMDArray("s");
    if (bWrapped)
        poArray = KerchunkMDArray::Wrap(poArray, LoadReferences("/vsimem/thr_s/refs.json",
                                                                osError));
    if (!poArray)
        return -1;
    int nWrong = 0;
    for (int iRound = 0; iRound < 8; ++iRound)
    {
        const GUInt64 anStart[3] = {static_cast<GUInt64>((iThread + iRound) % 8), 1, 2};
        const size_t anCount[3] = {12, 6, 7};
        std::vector<uint16_t> anBuffer(12 * 6 * 7);
        if (!poArray->AdviseRead(anStart, anCount) ||
            !poArray->Read(anStart, anCount, nullptr, nullptr,
                           GDALExtendedDataType::Create(GDT_UInt16), anBuffer.data()))
            return -1;
        for (size_t t = 0; t < anCount[0]; ++t)
            for (size_t y = 0; y < anCount[1]; ++y)
                for (size_t x = 0; x < anCount[2]; ++x)
                    nWrong += anBuffer[(t * anCount[1] + y) * anCount[2] + x] !=
                              Expected(0, static_cast<int>(anStart[0] + t),
                                       static_cast<int>(anStart[1] + y),
                                       static_cast<int>(anStart[2] + x));
    }
    return nWrong;
}

}  // namespace

TEST(ThreadedReads, AdviseReadThenReadFromSeveralThreads)
{
    GDALAllRegister();
    InstallVSIKerchunkHandler();
    WriteShuffledFixture();
    CPLSetConfigOption("GDAL_NUM_THREADS", "4");
    // Small: the threads' batches evict each other's chunks.
    CPLSetConfigOption("KERCHUNK_CHUNK_CACHE_SIZE", "4096");
    std::vector<std::thread> aoThreads;
    std::vector<int> anWrong(6, 0);
    for (int i = 0; i < 6; ++i)
        aoThreads.emplace_back([i, &anWrong] { anWrong[i] = AdviseThenRead(i % 2 == 0, i); });
    for (auto &oThread : aoThreads)
        oThread.join();
    for (int i = 0; i < 6; ++i)
        EXPECT_EQ(anWrong[i], 0) << "thread " << i;
    EXPECT_LE(GetChunkCache().GetTotalBytes(), 4096u);
    CPLSetConfigOption("GDAL_NUM_THREADS", nullptr);
    CPLSetConfigOption("KERCHUNK_CHUNK_CACHE_SIZE", nullptr);
    VSIRmdirRecursive("/vsimem/thr_s");
}

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
