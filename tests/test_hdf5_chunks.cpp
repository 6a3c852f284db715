// Unit tests of the HDF5 side of the reference generator: the chunk locator
// must agree with libhdf5's own H5Dget_chunk_info on every index type, the
// VSI file driver must read /vsimem/ files and refuse broken ones with a
// message naming the file, and filter pipelines must map as documented.
#include "error.h"
#include "file_handles.h"
#include "hdf5/hdf5_chunks.h"
#include "hdf5/hdf5_filters.h"
#include "hdf5/hdf5_handle.h"
#include "hdf5/hdf5_unsupported.h"
#include "hdf5/hdf5_vfd.h"

#include "cpl_conv.h"
#include "cpl_multiproc.h"
#include "cpl_vsi.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <tuple>
#include <vector>

namespace
{
using kerchunk::hdf5::Handle;

struct ChunkInfo
{
    uint64_t nAddress, nSize;
    unsigned nMask;
    bool operator==(const ChunkInfo &o) const
    {
        return std::tie(nAddress, nSize, nMask) == std::tie(o.nAddress, o.nSize, o.nMask);
    }
};
using ChunkMap = std::map<std::vector<uint64_t>, ChunkInfo>;

// Unique per process: ctest runs the parametrized cases in parallel, and
// libhdf5 locks the files it writes.
std::string TempPath(const char *pszName)
{
    return CPLFormFilename(CPLGetConfigOption("TMPDIR", "/tmp"),
                           ("kerchunk_hdf5_test_" + std::to_string(CPLGetPID()) + "_" +
                            pszName)
                               .c_str(),
                           nullptr);
}

// Writes a 2-D int32 dataset (60 x 50, chunks 7 x 9) with libhdf5 itself;
// `bSparse` leaves most chunks unwritten; `nLibver` picks the chunk index
// (earliest: v1 B-tree; latest: fixed array, or extensible array / v2
// B-tree with unlimited dimensions).
void WriteFile(const std::string &osPath, bool bLatest, int nUnlimited, bool bDeflate,
               bool bSparse)
{
    Handle hFapl(H5Pcreate(H5P_FILE_ACCESS));
    if (bLatest)
        H5Pset_libver_bounds(hFapl.get(), H5F_LIBVER_LATEST, H5F_LIBVER_LATEST);
    Handle hFile(H5Fcreate(osPath.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, hFapl.get()));
    ASSERT_TRUE(hFile);
    hsize_t anDims[2] = {60, 50};
    hsize_t anMax[2] = {60, 50};
    for (int i = 0; i < nUnlimited; ++i)
        anMax[i] = H5S_UNLIMITED;
    Handle hSpace(H5Screate_simple(2, anDims, anMax));
    Handle hDcpl(H5Pcreate(H5P_DATASET_CREATE));
    hsize_t anChunk[2] = {7, 9};
    H5Pset_chunk(hDcpl.get(), 2, anChunk);
    if (bDeflate)
    {
        H5Pset_shuffle(hDcpl.get());
        H5Pset_deflate(hDcpl.get(), 5);
    }
    Handle hDset(H5Dcreate2(hFile.get(), "data", H5T_STD_I32LE, hSpace.get(), H5P_DEFAULT,
                            hDcpl.get(), H5P_DEFAULT));
    ASSERT_TRUE(hDset);
    std::vector<int32_t> anValues(60 * 50);
    for (size_t i = 0; i < anValues.size(); ++i)
        anValues[i] = static_cast<int32_t>(i * 7919 % 1000);
    if (bSparse)
    {
        hsize_t anStart[2] = {20, 10}, anCount[2] = {15, 20};
        Handle hMem(H5Screate_simple(2, anCount, nullptr));
        H5Sselect_hyperslab(hSpace.get(), H5S_SELECT_SET, anStart, nullptr, anCount, nullptr);
        ASSERT_GE(H5Dwrite(hDset.get(), H5T_NATIVE_INT32, hMem.get(), hSpace.get(),
                           H5P_DEFAULT, anValues.data()),
                  0);
    }
    else
    {
        ASSERT_GE(H5Dwrite(hDset.get(), H5T_NATIVE_INT32, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                           anValues.data()),
                  0);
    }
}

// What libhdf5 says, through the (O(n) per call) H5Dget_chunk_info.
ChunkMap ReferenceChunks(const std::string &osPath)
{
    ChunkMap oMap;
    Handle hFile(H5Fopen(osPath.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
    Handle hDset(H5Dopen2(hFile.get(), "data", H5P_DEFAULT));
    Handle hSpace(H5Dget_space(hDset.get()));
    hsize_t nChunks = 0;
    H5Dget_num_chunks(hDset.get(), hSpace.get(), &nChunks);
    for (hsize_t i = 0; i < nChunks; ++i)
    {
        hsize_t anOffset[2];
        unsigned nMask = 0;
        haddr_t nAddr = 0;
        hsize_t nSize = 0;
        H5Dget_chunk_info(hDset.get(), hSpace.get(), i, anOffset, &nMask, &nAddr, &nSize);
        oMap[{anOffset[0] / 7, anOffset[1] / 9}] = {nAddr, nSize, nMask};
    }
    return oMap;
}

ChunkMap LocatedChunks(const std::string &osPath)
{
    ChunkMap oMap;
    Handle hFile = kerchunk::hdf5::OpenVSIFile(osPath);
    Handle hDset(H5Dopen2(hFile.get(), "data", H5P_DEFAULT));
    kerchunk::hdf5::ForEachChunk(hFile.get(), hDset.get(), {60, 50}, {7, 9},
                                 [&](const kerchunk::hdf5::ChunkLocation &s)
                                 { oMap[s.anIndex] = {s.nAddress, s.nSize, s.nFilterMask}; });
    return oMap;
}

using LocatorParams = std::tuple<bool, int, bool, bool>;
class ChunkLocatorTest : public ::testing::TestWithParam<LocatorParams>
{
};

TEST_P(ChunkLocatorTest, MatchesH5DgetChunkInfo)
{
    const auto [bLatest, nUnlimited, bDeflate, bSparse] = GetParam();
    const std::string osPath = TempPath("locator.h5");
    WriteFile(osPath, bLatest, nUnlimited, bDeflate, bSparse);
    const ChunkMap oExpected = ReferenceChunks(osPath);
    ASSERT_FALSE(oExpected.empty());
    // grid 9 x 6; the sparse write covers chunk rows 2-4, columns 1-3
    EXPECT_EQ(oExpected.size(), bSparse ? 9u : 54u);
    EXPECT_EQ(LocatedChunks(osPath), oExpected);
    VSIUnlink(osPath.c_str());
}

INSTANTIATE_TEST_SUITE_P(
    IndexTypes, ChunkLocatorTest,
    ::testing::Values(LocatorParams{false, 0, true, false},  // v1 B-tree
                      LocatorParams{false, 0, false, true},  // v1 B-tree, sparse
                      LocatorParams{true, 0, true, false},   // fixed array
                      LocatorParams{true, 0, false, true},   // fixed array, sparse
                      LocatorParams{true, 1, true, false},   // extensible array
                      LocatorParams{true, 2, true, true}));  // v2 B-tree, sparse

TEST(VSIFileDriver, ReadsFromVsimemWithoutTransferringChunks)
{
    const std::string osPath = TempPath("vsimem_src.h5");
    WriteFile(osPath, true, 0, true, false);
    const ChunkMap oExpected = ReferenceChunks(osPath);
    // Copy into /vsimem/: only VSI can read it, libhdf5's sec2 driver cannot.
    vsi_l_offset nSize = 0;
    GByte *pabyData = nullptr;
    ASSERT_TRUE(VSIIngestFile(nullptr, osPath.c_str(), &pabyData, &nSize, -1));
    const std::string osMem = "/vsimem/kerchunk_hdf5_test.h5";
    kerchunk::VSIFilePtr{VSIFileFromMemBuffer(osMem.c_str(), pabyData, nSize, TRUE)};
    EXPECT_EQ(LocatedChunks(osMem), oExpected);

    Handle hFile = kerchunk::hdf5::OpenVSIFile(osMem);
    Handle hDset(H5Dopen2(hFile.get(), "data", H5P_DEFAULT));
    const uint64_t nBefore = kerchunk::hdf5::GetVSIReadCount(hFile.get());
    kerchunk::hdf5::ForEachChunk(hFile.get(), hDset.get(), {60, 50}, {7, 9},
                                 [](const kerchunk::hdf5::ChunkLocation &) {});
    // 54 chunks located: index reads only, not one read per chunk.
    EXPECT_LT(kerchunk::hdf5::GetVSIReadCount(hFile.get()) - nBefore, 20u);
    hDset.Reset();
    hFile.Reset();
    VSIUnlink(osMem.c_str());
    VSIUnlink(osPath.c_str());
}

TEST(VSIFileDriver, TruncatedFileIsRefusedWithItsName)
{
    const std::string osPath = TempPath("truncated_src.h5");
    WriteFile(osPath, false, 0, true, false);
    vsi_l_offset nSize = 0;
    GByte *pabyData = nullptr;
    ASSERT_TRUE(VSIIngestFile(nullptr, osPath.c_str(), &pabyData, &nSize, -1));
    const std::string osMem = "/vsimem/kerchunk_truncated.h5";
    kerchunk::VSIFilePtr{VSIFileFromMemBuffer(osMem.c_str(), pabyData, nSize / 2, TRUE)};
    try
    {
        kerchunk::hdf5::OpenVSIFile(osMem);
        FAIL() << "truncated file accepted";
    }
    catch (const kerchunk::Error &e)
    {
        EXPECT_NE(std::string(e.what()).find(osMem + ": cannot open as HDF5"),
                  std::string::npos)
            << e.what();
    }
    VSIUnlink(osMem.c_str());
    VSIUnlink(osPath.c_str());
}

TEST(FilterMapping, PipelineOrderAndUnsupportedFilters)
{
    Handle hDcpl(H5Pcreate(H5P_DATASET_CREATE));
    hsize_t nChunk = 10;
    H5Pset_chunk(hDcpl.get(), 1, &nChunk);
    H5Pset_shuffle(hDcpl.get());
    H5Pset_deflate(hDcpl.get(), 3);
    H5Pset_fletcher32(hDcpl.get());
    auto sPipeline = kerchunk::hdf5::MapFilters(hDcpl.get(), 8);
    EXPECT_EQ(sPipeline.oCompressor.dump(), R"({"id":"zlib","level":3})");
    EXPECT_EQ(sPipeline.oFilters.dump(), R"([{"elementsize":8,"id":"shuffle"}])");
    EXPECT_TRUE(sPipeline.bDropChecksum);
    EXPECT_EQ(sPipeline.nFilters, 3);

    // deflate skipped (mask bit 1): re-encoding the shuffled bytes with zlib
    // gives what the full pipeline stores.
    const std::string osRaw = "0123456789abcdef";
    const std::string osEncoded =
        kerchunk::hdf5::EncodeSkippedFilters(sPipeline, 0x2, osRaw);
    EXPECT_EQ(static_cast<unsigned char>(osEncoded[0]), 0x78);  // zlib header
    // shuffle skipped but deflate applied: cannot be expressed
    EXPECT_THROW(kerchunk::hdf5::EncodeSkippedFilters(sPipeline, 0x1, osRaw),
                 kerchunk::hdf5::Unsupported);

    Handle hDcpl2(H5Pcreate(H5P_DATASET_CREATE));
    H5Pset_chunk(hDcpl2.get(), 1, &nChunk);
    H5Pset_scaleoffset(hDcpl2.get(), H5Z_SO_INT, 0);
    try
    {
        kerchunk::hdf5::MapFilters(hDcpl2.get(), 4);
        FAIL() << "scaleoffset accepted";
    }
    catch (const kerchunk::hdf5::Unsupported &e)
    {
        EXPECT_STREQ(e.what(), "scaleoffset filter");
    }
}

}  // namespace
