// Tests of the codecs component: every decoder against data written by the
// native library (libhdf5, eccodes, libbz2/liblz4, zarr-python + numcodecs),
// called through GDAL's compressor registry and end to end through GDAL
// 3.6's real Zarr driver; hostile input asserts the error message.
#include "codec_contract.h"
#include "test_files.h"
#include "codecs.h"

#include "cpl_compressor.h"
#include "cpl_conv.h"
#include "cpl_error.h"
#include "cpl_json.h"
#include "cpl_vsi.h"
#include "gdal_priv.h"

#include <bzlib.h>
#include <eccodes.h>
#include <hdf5.h>
#include <lz4.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <vector>

// Under KERCHUNK_SANITIZE: eccodes 2.28 leaks a few accessors inside
// grib_handle_new_from_message for some real messages, even though every
// handle here is deleted; that is not ours to report.
extern "C" __attribute__((visibility("default"))) const char *
__lsan_default_suppressions()
{
    return "leak:libeccodes.so\n";
}

namespace
{

using Bytes = std::vector<GByte>;

std::string TestDataDir()
{
    const char *pszDir = std::getenv("KERCHUNK_TEST_DATA");
    return std::string(pszDir ? pszDir : "tests/data") + "/codecs";
}

// Collects every CPLError raised while it lives.
class ErrorCollector
{
  public:
    ErrorCollector()
    {
        CPLPushErrorHandlerEx(Handler, this);
    }
    ~ErrorCollector()
    {
        CPLPopErrorHandler();
    }
    ErrorCollector(const ErrorCollector &) = delete;
    ErrorCollector &operator=(const ErrorCollector &) = delete;

    std::string All() const
    {
        std::string os;
        for (const auto &osMsg : m_aosMessages)
            os += osMsg + "\n";
        return os;
    }
    bool Contains(const std::string &osText) const
    {
        return All().find(osText) != std::string::npos;
    }

  private:
    static void CPL_STDCALL Handler(CPLErr eErr, CPLErrorNum, const char *pszMsg)
    {
        auto *poThis = static_cast<ErrorCollector *>(CPLGetErrorHandlerUserData());
        if (eErr >= CE_Warning)
            poThis->m_aosMessages.emplace_back(pszMsg);
    }
    std::vector<std::string> m_aosMessages{};
};

class CodecsEnvironment : public ::testing::Environment
{
  public:
    void SetUp() override
    {
        GDALAllRegister();
        kerchunk::RegisterCodecs();
    }
};
const auto *const gpoEnv =
    ::testing::AddGlobalTestEnvironment(new CodecsEnvironment());

// Calls the decoder registered under osId the way GDAL's Zarr driver does:
// a preallocated buffer of nCapacity bytes.
bool Decode(const std::string &osId, const Bytes &abyIn, size_t nCapacity,
            Bytes &abyOut, const std::vector<std::string> &aosOptions = {})
{
    const CPLCompressor *psDec = CPLGetDecompressor(osId.c_str());
    if (psDec == nullptr)
    {
        ADD_FAILURE() << "no decompressor " << osId;
        return false;
    }
    CPLStringList aosList;
    for (const auto &os : aosOptions)
        aosList.AddString(os.c_str());
    abyOut.assign(nCapacity, 0xAB);
    void *pOut = abyOut.data();
    size_t nOut = abyOut.size();
    const bool bOK =
        psDec->pfnFunc(abyIn.data(), abyIn.size(), &pOut, &nOut,
                       aosOptions.empty() ? nullptr : aosList.List(),
                       psDec->user_data);
    if (bOK)
        abyOut.resize(nOut);
    return bOK;
}

/************************************************************************/
/*      A Zarr v2 store in /vsimem/, read through GDAL's Zarr driver    */
/************************************************************************/

class ZarrStore
{
  public:
    ZarrStore()
    {
        static int nCounter = 0;
        m_osRoot = CPLSPrintf("/vsimem/test_codecs_%d", ++nCounter);
        VSIMkdir(m_osRoot.c_str(), 0755);
        Write(".zgroup", R"({"zarr_format": 2})");
    }
    ~ZarrStore()
    {
        VSIRmdirRecursive(m_osRoot.c_str());
    }
    ZarrStore(const ZarrStore &) = delete;
    ZarrStore &operator=(const ZarrStore &) = delete;

    void Write(const std::string &osKey, const std::string &osText)
    {
        Write(osKey, Bytes(osText.begin(), osText.end()));
    }
    void Write(const std::string &osKey, const Bytes &abyData)
    {
        const std::string osPath = m_osRoot + "/" + osKey;
        const std::string osDir = CPLGetPath(osPath.c_str());
        VSIMkdirRecursive(osDir.c_str(), 0755);
        kerchunk_test::WriteFile(osPath, std::string(abyData.begin(), abyData.end()));
    }
    // An array "name" with a .zarray built from the arguments.
    void AddArray(const std::string &osName, const std::vector<int> &anShape,
                  const std::vector<int> &anChunks, const std::string &osDType,
                  const std::string &osCompressorJson,
                  const std::string &osFiltersJson)
    {
        std::string osShape, osChunks;
        for (size_t i = 0; i < anShape.size(); ++i)
        {
            osShape += (i ? "," : "") + std::to_string(anShape[i]);
            osChunks += (i ? "," : "") + std::to_string(anChunks[i]);
        }
        Write(osName + "/.zarray",
              "{\"zarr_format\": 2, \"shape\": [" + osShape +
                  "], \"chunks\": [" + osChunks + "], \"dtype\": \"" + osDType +
                  "\", \"compressor\": " + osCompressorJson +
                  ", \"filters\": " + osFiltersJson +
                  ", \"fill_value\": null, \"order\": \"C\"}");
    }
    // Reads the whole array in its own data type; false if GDAL failed.
    bool Read(const std::string &osName, Bytes &abyOut)
    {
        return ReadArray(m_osRoot, osName, abyOut);
    }

    // With bAdvise, AdviseRead() first decodes all tiles on worker threads.
    static bool ReadArray(const std::string &osRoot, const std::string &osName,
                          Bytes &abyOut, bool bAdvise = false)
    {
        std::unique_ptr<GDALDataset> poDS(GDALDataset::Open(
            osRoot.c_str(), GDAL_OF_MULTIDIM_RASTER, nullptr, nullptr, nullptr));
        if (!poDS)
            return false;
        auto poGroup = poDS->GetRootGroup();
        if (!poGroup)
            return false;
        auto poArray = poGroup->OpenMDArray(osName);
        if (!poArray)
            return false;
        std::vector<GUInt64> anStart;
        std::vector<size_t> anCount;
        size_t nValues = 1;
        for (const auto &poDim : poArray->GetDimensions())
        {
            anStart.push_back(0);
            anCount.push_back(static_cast<size_t>(poDim->GetSize()));
            nValues *= anCount.back();
        }
        const auto &oType = poArray->GetDataType();
        abyOut.assign(nValues * oType.GetSize(), 0);
        if (bAdvise && !poArray->AdviseRead(anStart.data(), anCount.data()))
            return false;
        return poArray->Read(anStart.data(), anCount.data(), nullptr, nullptr,
                             oType, abyOut.data());
    }

    const std::string &Root() const
    {
        return m_osRoot;
    }

  private:
    std::string m_osRoot{};
};

/************************************************************************/
/*                 libhdf5 helpers (in-memory files)                    */
/************************************************************************/

struct H5Id
{
    hid_t m_id = H5I_INVALID_HID;
    herr_t (*m_pfnClose)(hid_t) = nullptr;
    H5Id(hid_t id, herr_t (*pfnClose)(hid_t)) : m_id(id), m_pfnClose(pfnClose)
    {
    }
    ~H5Id()
    {
        if (m_id >= 0)
            m_pfnClose(m_id);
    }
    H5Id(const H5Id &) = delete;
    H5Id &operator=(const H5Id &) = delete;
    operator hid_t() const
    {
        return m_id;
    }
};

// An in-memory HDF5 file holding one dataset written by libhdf5 with the
// filters that pfnSetFilters adds to the creation property list.
struct H5Dataset
{
    std::unique_ptr<H5Id> poFile;
    std::unique_ptr<H5Id> poDset;
    Bytes abyValues;  // H5Dread of the whole dataset, native byte order
};

H5Dataset WriteH5(const std::vector<hsize_t> &anDims,
                  const std::vector<hsize_t> &anChunks, hid_t hFileType,
                  hid_t hMemType, const Bytes &abyData,
                  const std::function<void(hid_t)> &pfnSetFilters)
{
    static int nCounter = 0;
    H5Dataset oDS;
    H5Id oFapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
    H5Pset_fapl_core(oFapl, 1 << 16, 0);
    const std::string osName = CPLSPrintf("codecs_mem_%d.h5", ++nCounter);
    oDS.poFile = std::make_unique<H5Id>(
        H5Fcreate(osName.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, oFapl), H5Fclose);
    H5Id oSpace(H5Screate_simple(static_cast<int>(anDims.size()), anDims.data(),
                                 nullptr),
                H5Sclose);
    H5Id oDcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
    H5Pset_chunk(oDcpl, static_cast<int>(anChunks.size()), anChunks.data());
    pfnSetFilters(oDcpl);
    oDS.poDset = std::make_unique<H5Id>(
        H5Dcreate2(*oDS.poFile, "data", hFileType, oSpace, H5P_DEFAULT, oDcpl,
                   H5P_DEFAULT),
        H5Dclose);
    EXPECT_GE(H5Dwrite(*oDS.poDset, hMemType, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                       abyData.data()),
              0);
    H5Fflush(*oDS.poFile, H5F_SCOPE_GLOBAL);
    oDS.abyValues.assign(abyData.size(), 0);
    EXPECT_GE(H5Dread(*oDS.poDset, hMemType, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                      oDS.abyValues.data()),
              0);
    return oDS;
}

// The stored (filtered) bytes of the chunk at anOffset.
Bytes RawChunk(hid_t hDset, const std::vector<hsize_t> &anOffset)
{
    hsize_t nSize = 0;
    EXPECT_GE(H5Dget_chunk_storage_size(hDset, anOffset.data(), &nSize), 0);
    Bytes aby(static_cast<size_t>(nSize));
    uint32_t nFilterMask = 0;
    EXPECT_GE(H5Dread_chunk(hDset, H5P_DEFAULT, anOffset.data(), &nFilterMask,
                            aby.data()),
              0);
    EXPECT_EQ(nFilterMask, 0u);
    return aby;
}

// cd_values of filter nFilterId on a dataset (after HDF5's set_local).
std::vector<unsigned> FilterParams(hid_t hDset, H5Z_filter_t nFilterId)
{
    H5Id oDcpl(H5Dget_create_plist(hDset), H5Pclose);
    unsigned nFlags = 0;
    size_t nElements = 16;
    std::vector<unsigned> anValues(16);
    unsigned nConfig = 0;
    EXPECT_GE(H5Pget_filter_by_id2(oDcpl, nFilterId, &nFlags, &nElements,
                                   anValues.data(), 0, nullptr, &nConfig),
              0);
    anValues.resize(nElements);
    return anValues;
}

template <class T> Bytes AsBytes(const std::vector<T> &aValues)
{
    Bytes aby(aValues.size() * sizeof(T));
    memcpy(aby.data(), aValues.data(), aby.size());
    return aby;
}

// Some realistic, not too compressible values.
std::vector<float> SampleFloats(size_t nCount)
{
    std::vector<float> af(nCount);
    for (size_t i = 0; i < nCount; ++i)
        af[i] = static_cast<float>(273.15 + 20 * std::sin(i * 0.37) +
                                   0.01 * static_cast<double>(i % 7));
    return af;
}

std::vector<int32_t> SampleInts(size_t nCount)
{
    std::vector<int32_t> an(nCount);
    for (size_t i = 0; i < nCount; ++i)
        an[i] = static_cast<int32_t>(1000 * std::sin(i * 0.1) + i * 3);
    return an;
}

/************************************************************************/
/*                            Registration                              */
/************************************************************************/

const char *const apszIds[] = {"shuffle",  "fletcher32", "fixedscaleoffset",
                               "bitround", "quantize",   "grib",
                               "bz2",      "lzf",        "hdf5_lz4",
                               "szip"};

TEST(Codecs, RegistersDecompressorAndRefusingCompressor)
{
    kerchunk::RegisterCodecs();  // a second time: idempotent
    for (const char *pszId : apszIds)
    {
        SCOPED_TRACE(pszId);
        ASSERT_NE(CPLGetDecompressor(pszId), nullptr);
        const CPLCompressor *psComp = CPLGetCompressor(pszId);
        ASSERT_NE(psComp, nullptr);
        ErrorCollector oErrors;
        const GByte abyIn[4] = {1, 2, 3, 4};
        void *pOut = nullptr;
        size_t nOut = 0;
        EXPECT_FALSE(psComp->pfnFunc(abyIn, 4, &pOut, &nOut, nullptr,
                                     psComp->user_data));
        EXPECT_TRUE(oErrors.Contains(std::string(pszId) +
                                     ": gdal-kerchunk can only decode"))
            << oErrors.All();
    }
    // Registered once only.
    char **papszIds = CPLGetDecompressors();
    EXPECT_EQ(CSLFindString(papszIds, "shuffle"),
              CSLPartialFindString(papszIds, "shuffle"));
    int nCount = 0;
    for (char **papszIter = papszIds; papszIter && *papszIter; ++papszIter)
        nCount += EQUAL(*papszIter, "fletcher32");
    EXPECT_EQ(nCount, 1);
    CSLDestroy(papszIds);
}

TEST(Codecs, GdalBuiltinsAreLeftAlone)
{
    // zlib is GDAL's own: our registration must not have replaced it.
    const CPLCompressor *psZlib = CPLGetDecompressor("zlib");
    ASSERT_NE(psZlib, nullptr);
    kerchunk::RegisterCodecs();
    EXPECT_EQ(CPLGetDecompressor("zlib"), psZlib);
}

TEST(Codecs, NeedsCallerBuffer)
{
    ErrorCollector oErrors;
    const CPLCompressor *psDec = CPLGetDecompressor("shuffle");
    const GByte abyIn[4] = {1, 2, 3, 4};
    void *pOut = nullptr;
    size_t nOut = 0;
    EXPECT_FALSE(psDec->pfnFunc(abyIn, 4, &pOut, &nOut, nullptr,
                                psDec->user_data));
    EXPECT_TRUE(oErrors.Contains("shuffle: decoding needs a caller-provided"))
        << oErrors.All();
}

/************************************************************************/
/*                 The GDAL 3.6 calling contract itself                 */
/************************************************************************/

// A filter records what GDAL passes to it, to pin down the contract that
// codec_contract.h describes.
struct SeenCall
{
    size_t nInputSize = 0;
    size_t nOutputSize = 0;
    bool bPreallocated = false;
    std::string osOptions;
    int nCalls = 0;
};
SeenCall gsSeen;

bool RecordingFilter(const void *pIn, size_t nIn, void **ppOut, size_t *pnOut,
                     CSLConstList papszOptions, void *)
{
    gsSeen.nCalls++;
    gsSeen.nInputSize = nIn;
    gsSeen.nOutputSize = *pnOut;
    gsSeen.bPreallocated = *ppOut != nullptr;
    gsSeen.osOptions.clear();
    for (CSLConstList p = papszOptions; p && *p; ++p)
        gsSeen.osOptions += std::string(*p) + ";";
    if (nIn > *pnOut)
        return false;
    memcpy(*ppOut, pIn, nIn);
    *pnOut = nIn;
    return true;
}

TEST(Codecs, GdalZarrDriverContract)
{
    if (CPLGetDecompressor("kerchunk_test_recorder") == nullptr)
    {
        CPLCompressor sDesc{};
        sDesc.nStructVersion = 1;
        sDesc.pszId = "kerchunk_test_recorder";
        sDesc.eType = CCT_FILTER;
        sDesc.pfnFunc = RecordingFilter;
        CPLRegisterDecompressor(&sDesc);
        CPLRegisterCompressor(&sDesc);
    }
    // A filter gets its JSON keys as NAME=VALUE, a preallocated buffer of the
    // tile's raw size, and (compressor null) at most the raw size of input.
    {
        ZarrStore oStore;
        oStore.AddArray("a", {10}, {10}, "<i2", "null",
                        R"([{"id": "kerchunk_test_recorder", "scale": 0.1,
                            "name": "x", "n": 3}])");
        Bytes aby(25, 7);  // 5 bytes longer than the tile
        for (size_t i = 0; i < aby.size(); ++i)
            aby[i] = static_cast<GByte>(i);
        oStore.Write("a/0", aby);
        Bytes abyOut;
        gsSeen = SeenCall();
        EXPECT_TRUE(oStore.Read("a", abyOut));
        EXPECT_EQ(gsSeen.nCalls, 1);
        EXPECT_EQ(gsSeen.nInputSize, 20u);
        EXPECT_EQ(gsSeen.nOutputSize, 20u);
        EXPECT_TRUE(gsSeen.bPreallocated);
        EXPECT_EQ(gsSeen.osOptions, "id=kerchunk_test_recorder;scale=0.1;name=x;n=3;");
        EXPECT_EQ(abyOut, Bytes(aby.begin(), aby.begin() + 20));
    }
    // A compressor gets the whole chunk file and no options.
    {
        ZarrStore oStore;
        oStore.AddArray("a", {10}, {10}, "<i2",
                        R"({"id": "kerchunk_test_recorder", "scale": 0.1})",
                        "null");
        oStore.Write("a/0", Bytes(20, 3));
        Bytes abyOut;
        gsSeen = SeenCall();
        EXPECT_TRUE(oStore.Read("a", abyOut));
        EXPECT_EQ(gsSeen.nCalls, 1);
        EXPECT_EQ(gsSeen.nInputSize, 20u);
        EXPECT_EQ(gsSeen.nOutputSize, 20u);
        EXPECT_TRUE(gsSeen.bPreallocated);
        EXPECT_EQ(gsSeen.osOptions, "");
    }
    // Filters run in reverse order, each on the previous one's output size.
    {
        ZarrStore oStore;
        oStore.AddArray("a", {10}, {10}, "<i2",
                        R"({"id": "kerchunk_test_recorder"})",
                        R"([{"id": "kerchunk_test_recorder", "k": "first"},
                            {"id": "kerchunk_test_recorder", "k": "last"}])");
        oStore.Write("a/0", Bytes(18, 3));  // short: sizes must propagate
        Bytes abyOut;
        gsSeen = SeenCall();
        ErrorCollector oErrors;
        EXPECT_FALSE(oStore.Read("a", abyOut));
        EXPECT_EQ(gsSeen.nCalls, 3);
        EXPECT_EQ(gsSeen.nInputSize, 18u);
        EXPECT_EQ(gsSeen.osOptions, "id=kerchunk_test_recorder;k=first;");
        EXPECT_TRUE(oErrors.Contains("has not expected size after filters"))
            << oErrors.All();
    }
    // An unregistered id is refused at open time.
    {
        ZarrStore oStore;
        oStore.AddArray("a", {10}, {10}, "<i2", "null",
                        R"([{"id": "no_such_codec"}])");
        Bytes abyOut;
        ErrorCollector oErrors;
        EXPECT_FALSE(oStore.Read("a", abyOut));
        EXPECT_TRUE(oErrors.Contains("Filter no_such_codec not handled"))
            << oErrors.All();
    }
}

/************************************************************************/
/*                               shuffle                                */
/************************************************************************/

TEST(Codecs, ShuffleHdf5Chunks)
{
    const auto af = SampleFloats(6 * 10);
    auto oDS = WriteH5({6, 10}, {6, 10}, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT,
                       AsBytes(af), [](hid_t h) { H5Pset_shuffle(h); });
    const Bytes abyRaw = RawChunk(*oDS.poDset, {0, 0});
    ASSERT_EQ(abyRaw.size(), oDS.abyValues.size());
    ASSERT_NE(abyRaw, oDS.abyValues);  // really shuffled

    Bytes abyOut;
    ASSERT_TRUE(Decode("shuffle", abyRaw, abyRaw.size(), abyOut,
                       {"ELEMENTSIZE=4"}));
    EXPECT_EQ(abyOut, oDS.abyValues);

    // End to end: GDAL's Zarr driver, filters=[shuffle], no compressor.
    ZarrStore oStore;
    oStore.AddArray("t", {6, 10}, {6, 10}, "<f4", "null",
                    R"([{"id": "shuffle", "elementsize": 4}])");
    oStore.Write("t/0.0", abyRaw);
    ASSERT_TRUE(oStore.Read("t", abyOut));
    EXPECT_EQ(abyOut, oDS.abyValues);
}

TEST(Codecs, ShuffleDeflateHdf5ChunksThroughGdalZlib)
{
    // HDF5 pipeline shuffle -> deflate: Zarr filters=[shuffle], compressor zlib.
    const auto an = SampleInts(8 * 12);
    auto oDS = WriteH5({8, 12}, {4, 6}, H5T_STD_I32LE, H5T_NATIVE_INT32,
                       AsBytes(an), [](hid_t h) {
                           H5Pset_shuffle(h);
                           H5Pset_deflate(h, 6);
                       });
    ZarrStore oStore;
    oStore.AddArray("v", {8, 12}, {4, 6}, "<i4", R"({"id": "zlib", "level": 6})",
                    R"([{"id": "shuffle", "elementsize": 4}])");
    for (hsize_t i = 0; i < 2; ++i)
        for (hsize_t j = 0; j < 2; ++j)
            oStore.Write(CPLSPrintf("v/%d.%d", int(i), int(j)),
                         RawChunk(*oDS.poDset, {i * 4, j * 6}));
    Bytes abyOut;
    ASSERT_TRUE(oStore.Read("v", abyOut));
    EXPECT_EQ(abyOut, oDS.abyValues);
}

TEST(Codecs, ShuffleTrailingBytesAndBadOptions)
{
    // 2 whole 4-byte elements + 2 trailing bytes, stored as HDF5 does.
    const Bytes abyIn = {0, 4, 1, 5, 2, 6, 3, 7, 8, 9};
    Bytes abyOut;
    ASSERT_TRUE(Decode("shuffle", abyIn, 10, abyOut, {"ELEMENTSIZE=4"}));
    const Bytes abyExpected = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    EXPECT_EQ(abyOut, abyExpected);

    ErrorCollector oErrors;
    EXPECT_FALSE(Decode("shuffle", abyIn, 10, abyOut, {"ELEMENTSIZE=0"}));
    EXPECT_TRUE(oErrors.Contains("shuffle: option 'elementsize'=0 is out of range"))
        << oErrors.All();
    EXPECT_FALSE(Decode("shuffle", abyIn, 10, abyOut, {"ELEMENTSIZE=four"}));
    EXPECT_TRUE(oErrors.Contains("shuffle: option 'elementsize' must be an integer"))
        << oErrors.All();
    EXPECT_FALSE(Decode("shuffle", abyIn, 9, abyOut, {"ELEMENTSIZE=4"}));
    EXPECT_TRUE(oErrors.Contains("shuffle: decoded chunk is 10 bytes, larger "
                                 "than the 9 bytes of the tile"))
        << oErrors.All();
}

/************************************************************************/
/*                              fletcher32                              */
/************************************************************************/

TEST(Codecs, Fletcher32Hdf5Chunks)
{
    // Odd number of bytes (7 x 3 uint8) exercises the odd-length path.
    Bytes abyU8(7 * 3);
    for (size_t i = 0; i < abyU8.size(); ++i)
        abyU8[i] = static_cast<GByte>(i * 37 + 11);
    auto oOdd = WriteH5({7, 3}, {7, 3}, H5T_STD_U8LE, H5T_NATIVE_UINT8, abyU8,
                        [](hid_t h) { H5Pset_fletcher32(h); });
    const auto af = SampleFloats(5 * 9);
    auto oF32 = WriteH5({5, 9}, {5, 9}, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT,
                        AsBytes(af), [](hid_t h) { H5Pset_fletcher32(h); });
    for (auto *poDS : {&oOdd, &oF32})
    {
        const Bytes abyRaw = RawChunk(*poDS->poDset, {0, 0});
        ASSERT_EQ(abyRaw.size(), poDS->abyValues.size() + 4);
        Bytes abyOut;
        ASSERT_TRUE(Decode("fletcher32", abyRaw, poDS->abyValues.size(), abyOut));
        EXPECT_EQ(abyOut, poDS->abyValues);
    }

    // End to end. The chunk is 4 bytes longer than the tile, so fletcher32
    // must be in the compressor position (GDAL reads the whole file).
    ZarrStore oStore;
    oStore.AddArray("f", {5, 9}, {5, 9}, "<f4", R"({"id": "fletcher32"})",
                    "null");
    Bytes abyRaw = RawChunk(*oF32.poDset, {0, 0});
    oStore.Write("f/0.0", abyRaw);
    Bytes abyOut;
    ASSERT_TRUE(oStore.Read("f", abyOut));
    EXPECT_EQ(abyOut, oF32.abyValues);

    // kerchunk-style filters=[fletcher32], compressor null: adapted for 3.6.
    CPLJSONDocument oDoc;
    ASSERT_TRUE(oDoc.LoadMemory(
        R"({"zarr_format": 2, "shape": [5, 9], "chunks": [5, 9],
            "dtype": "<f4", "compressor": null, "fill_value": null,
            "order": "C", "filters": [{"id": "fletcher32"}]})"));
    CPLJSONObject oRoot = oDoc.GetRoot();
    EXPECT_TRUE(kerchunk::AdaptZarrayForGDAL36(oRoot));
    EXPECT_EQ(oRoot.GetObj("compressor")["id"].ToString(), "fletcher32");
    EXPECT_EQ(oRoot.GetObj("filters").GetType(), CPLJSONObject::Type::Null);
    oStore.Write("g/.zarray", oRoot.Format(CPLJSONObject::PrettyFormat::Plain));
    oStore.Write("g/0.0", abyRaw);
    ASSERT_TRUE(oStore.Read("g", abyOut));
    EXPECT_EQ(abyOut, oF32.abyValues);

    // A corrupted chunk is an error naming the codec, never data.
    abyRaw[10] ^= 0x40;
    oStore.Write("f/0.0", abyRaw);
    ErrorCollector oErrors;
    EXPECT_FALSE(oStore.Read("f", abyOut));
    EXPECT_TRUE(oErrors.Contains("fletcher32 checksum mismatch")) << oErrors.All();
}

TEST(Codecs, Fletcher32WithShuffleDeflate)
{
    // HDF5 order shuffle -> deflate -> fletcher32 decodes as compressor
    // fletcher32, then the filters zlib and shuffle (applied in reverse).
    const auto af = SampleFloats(16 * 16);
    auto oDS = WriteH5({16, 16}, {16, 16}, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT,
                       AsBytes(af), [](hid_t h) {
                           H5Pset_shuffle(h);
                           H5Pset_deflate(h, 4);
                           H5Pset_fletcher32(h);
                       });
    ZarrStore oStore;
    oStore.AddArray("x", {16, 16}, {16, 16}, "<f4", R"({"id": "fletcher32"})",
                    R"([{"id": "shuffle", "elementsize": 4},
                        {"id": "zlib", "level": 4}])");
    oStore.Write("x/0.0", RawChunk(*oDS.poDset, {0, 0}));
    Bytes abyOut;
    ASSERT_TRUE(oStore.Read("x", abyOut));
    EXPECT_EQ(abyOut, oDS.abyValues);

}

TEST(Codecs, Fletcher32FirstAsNetcdfWritesIt)
{
    // netCDF-C puts the checksum first: chunk = deflate(shuffle(data + 4)).
    // As plain Zarr (filters [fletcher32, shuffle], compressor zlib) GDAL 3.6
    // fails: zlib's output is 4 bytes larger than its tile buffer. The
    // adapter turns the three stages into one chain codec.
    const auto af = SampleFloats(16 * 16);
    auto oDS = WriteH5({16, 16}, {16, 16}, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT,
                       AsBytes(af), [](hid_t h) {
                           H5Pset_fletcher32(h);
                           H5Pset_shuffle(h);
                           H5Pset_deflate(h, 4);
                       });
    Bytes abyRaw = RawChunk(*oDS.poDset, {0, 0});
    ZarrStore oStore;
    oStore.AddArray("plain", {16, 16}, {16, 16}, "<f4",
                    R"({"id": "zlib", "level": 4})",
                    R"([{"id": "fletcher32"}, {"id": "shuffle", "elementsize": 4}])");
    oStore.Write("plain/0.0", abyRaw);
    Bytes abyOut;
    {
        ErrorCollector oErrors;
        EXPECT_FALSE(oStore.Read("plain", abyOut));
        EXPECT_TRUE(oErrors.Contains("Decompression of tile")) << oErrors.All();
    }

    CPLJSONDocument oDoc;
    ASSERT_TRUE(oDoc.Load(oStore.Root() + "/plain/.zarray"));
    CPLJSONObject oRoot = oDoc.GetRoot();
    ASSERT_TRUE(kerchunk::AdaptZarrayForGDAL36(oRoot));
    EXPECT_EQ(oRoot.GetObj("compressor")["id"].ToString(),
              R"(chain:{"id":"zlib","level":4}>{"id":"shuffle","elementsize":4}>{"id":"fletcher32"})");
    EXPECT_EQ(oRoot.GetObj("filters").GetType(), CPLJSONObject::Type::Null);
    oStore.Write("a/.zarray", oRoot.Format(CPLJSONObject::PrettyFormat::Plain));
    oStore.Write("a/0.0", abyRaw);
    ASSERT_TRUE(oStore.Read("a", abyOut));
    EXPECT_EQ(abyOut, oDS.abyValues);

    // Without deflate: filters [fletcher32, shuffle], compressor null.
    auto oNoZip = WriteH5({16, 16}, {16, 16}, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT,
                          AsBytes(af), [](hid_t h) {
                              H5Pset_fletcher32(h);
                              H5Pset_shuffle(h);
                          });
    ASSERT_TRUE(oDoc.LoadMemory(
        R"({"zarr_format": 2, "shape": [16, 16], "chunks": [16, 16],
            "dtype": "<f4", "compressor": null, "fill_value": null, "order": "C",
            "filters": [{"id": "fletcher32"}, {"id": "shuffle", "elementsize": 4}]})"));
    oRoot = oDoc.GetRoot();
    ASSERT_TRUE(kerchunk::AdaptZarrayForGDAL36(oRoot));
    oStore.Write("b/.zarray", oRoot.Format(CPLJSONObject::PrettyFormat::Plain));
    oStore.Write("b/0.0", RawChunk(*oNoZip.poDset, {0, 0}));
    ASSERT_TRUE(oStore.Read("b", abyOut));
    EXPECT_EQ(abyOut, oNoZip.abyValues);

    // The checksum is still verified inside the chain.
    abyRaw[abyRaw.size() / 2] ^= 0x01;
    oStore.Write("a/0.0", abyRaw);
    ErrorCollector oErrors;
    EXPECT_FALSE(oStore.Read("a", abyOut));
    EXPECT_TRUE(oErrors.Contains("chain:")) << oErrors.All();
}

TEST(Codecs, Fletcher32BadInput)
{
    ErrorCollector oErrors;
    Bytes abyOut;
    EXPECT_FALSE(Decode("fletcher32", Bytes{1, 2, 3}, 16, abyOut));
    EXPECT_TRUE(oErrors.Contains("fletcher32: chunk of 3 bytes is shorter than "
                                 "the 4-byte checksum"))
        << oErrors.All();
    // Checksum right, but more data than the tile holds.
    Bytes abyData(12, 5);
    const uint32_t nSum = kerchunk::Fletcher32Checksum(abyData.data(), 12);
    for (int i = 0; i < 4; ++i)
        abyData.push_back(static_cast<GByte>(nSum >> (8 * i)));
    EXPECT_TRUE(Decode("fletcher32", abyData, 12, abyOut));
    EXPECT_FALSE(Decode("fletcher32", abyData, 8, abyOut));
    EXPECT_TRUE(oErrors.Contains("fletcher32: decoded chunk is 12 bytes, larger "
                                 "than the 8 bytes of the tile"))
        << oErrors.All();
}

/************************************************************************/
/*                                 szip                                 */
/************************************************************************/

std::vector<std::string> SzipOptions(hid_t hDset)
{
    const auto an = FilterParams(hDset, H5Z_FILTER_SZIP);
    EXPECT_EQ(an.size(), 4u);
    // H5Zszip.c cd_values order: mask, pixels per block, bits per pixel,
    // pixels per scanline.
    return {CPLSPrintf("MASK=%u", an[0]), CPLSPrintf("PIXELS_PER_BLOCK=%u", an[1]),
            CPLSPrintf("BITS_PER_PIXEL=%u", an[2]),
            CPLSPrintf("PIXELS_PER_SCANLINE=%u", an[3])};
}

std::string SzipCompressorJson(hid_t hDset)
{
    const auto an = FilterParams(hDset, H5Z_FILTER_SZIP);
    return CPLSPrintf(R"({"id": "szip", "mask": %u, "pixels_per_block": %u,
                         "bits_per_pixel": %u, "pixels_per_scanline": %u})",
                      an[0], an[1], an[2], an[3]);
}

TEST(Codecs, SzipHdf5Chunks)
{
    struct Case
    {
        const char *pszName;
        hid_t hFileType;
        hid_t hMemType;
        const char *pszDType;
        unsigned nMask;
        unsigned nPPB;
        Bytes abyData;
    };
    const auto an = SampleInts(20 * 30);
    const auto af = SampleFloats(20 * 30);
    std::vector<int16_t> an16(20 * 30);
    for (size_t i = 0; i < an16.size(); ++i)
        an16[i] = static_cast<int16_t>(an[i] / 3);
    const std::vector<Case> aoCases = {
        {"int32 NN", H5T_STD_I32LE, H5T_NATIVE_INT32, "<i4", H5_SZIP_NN_OPTION_MASK, 8, AsBytes(an)},
        {"int16 EC", H5T_STD_I16LE, H5T_NATIVE_INT16, "<i2", H5_SZIP_EC_OPTION_MASK, 16, AsBytes(an16)},
        {"float32 big-endian NN", H5T_IEEE_F32BE, H5T_NATIVE_FLOAT, ">f4", H5_SZIP_NN_OPTION_MASK, 32, AsBytes(af)},
    };
    for (const auto &sCase : aoCases)
    {
        SCOPED_TRACE(sCase.pszName);
        auto oDS = WriteH5({20, 30}, {10, 30}, sCase.hFileType, sCase.hMemType,
                           sCase.abyData, [&](hid_t h) {
                               H5Pset_szip(h, sCase.nMask, sCase.nPPB);
                           });
        const size_t nChunkBytes = oDS.abyValues.size() / 2;
        const Bytes abyRaw = RawChunk(*oDS.poDset, {10, 0});
        Bytes abyOut;
        ASSERT_TRUE(Decode("szip", abyRaw, nChunkBytes, abyOut,
                           SzipOptions(*oDS.poDset)));
        // The file's bytes: for big-endian, compare against the file order.
        if (sCase.pszDType[0] == '>')
        {
            for (size_t i = 0; i < abyOut.size(); i += 4)
                std::reverse(abyOut.begin() + i, abyOut.begin() + i + 4);
        }
        EXPECT_EQ(abyOut, Bytes(oDS.abyValues.begin() + nChunkBytes,
                                oDS.abyValues.end()));

        // End to end, with the options built into a variant id.
        CPLJSONDocument oDoc;
        ASSERT_TRUE(oDoc.LoadMemory(SzipCompressorJson(*oDS.poDset)));
        const std::string osVariant =
            kerchunk::RegisterCodecVariant(oDoc.GetRoot());
        ASSERT_FALSE(osVariant.empty());
        EXPECT_EQ(osVariant.rfind("szip;bits_per_pixel=", 0), 0u) << osVariant;
        ZarrStore oStore;
        oStore.AddArray("s", {20, 30}, {10, 30}, sCase.pszDType,
                        "{\"id\": \"" + osVariant + "\"}", "null");
        oStore.Write("s/0.0", RawChunk(*oDS.poDset, {0, 0}));
        oStore.Write("s/1.0", abyRaw);
        ASSERT_TRUE(oStore.Read("s", abyOut));
        EXPECT_EQ(abyOut, oDS.abyValues);

        // Same through AdaptZarrayForGDAL36 of a .zarray with options.
        CPLJSONDocument oZarray;
        ASSERT_TRUE(oZarray.LoadMemory(
            std::string(R"({"zarr_format": 2, "shape": [20, 30],
                "chunks": [10, 30], "dtype": ")") + sCase.pszDType +
            R"(", "fill_value": null, "order": "C", "filters": null,
                "compressor": )" + SzipCompressorJson(*oDS.poDset) + "}"));
        CPLJSONObject oRoot = oZarray.GetRoot();
        EXPECT_TRUE(kerchunk::AdaptZarrayForGDAL36(oRoot));
        EXPECT_EQ(oRoot.GetObj("compressor")["id"].ToString(), osVariant);
        oStore.Write("t/.zarray", oRoot.Format(CPLJSONObject::PrettyFormat::Plain));
        oStore.Write("t/0.0", RawChunk(*oDS.poDset, {0, 0}));
        oStore.Write("t/1.0", abyRaw);
        ASSERT_TRUE(oStore.Read("t", abyOut));
        EXPECT_EQ(abyOut, oDS.abyValues);
    }
}

TEST(Codecs, SzipPyTablesFile)
{
    // A szip chunk written by another HDF5 (PyTables' test file).
    const std::string osPath = TestDataDir() + "/test_szip.h5";
    H5Id oFile(H5Fopen(osPath.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
    ASSERT_GE(oFile.m_id, 0);
    H5Id oDset(H5Dopen2(oFile, "dset_szip", H5P_DEFAULT), H5Dclose);
    ASSERT_GE(oDset.m_id, 0);
    std::vector<int32_t> anAll(40 * 20);
    ASSERT_GE(H5Dread(oDset, H5T_NATIVE_INT32, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                      anAll.data()),
              0);
    ZarrStore oStore;
    oStore.AddArray("d", {40, 20}, {20, 10}, "<i4", SzipCompressorJson(oDset),
                    "null");
    CPLJSONDocument oDoc;
    ASSERT_TRUE(oDoc.Load(oStore.Root() + "/d/.zarray"));
    CPLJSONObject oRoot = oDoc.GetRoot();
    ASSERT_TRUE(kerchunk::AdaptZarrayForGDAL36(oRoot));
    oStore.Write("d/.zarray", oRoot.Format(CPLJSONObject::PrettyFormat::Plain));
    for (hsize_t i = 0; i < 2; ++i)
        for (hsize_t j = 0; j < 2; ++j)
            oStore.Write(CPLSPrintf("d/%d.%d", int(i), int(j)),
                         RawChunk(oDset, {i * 20, j * 10}));
    Bytes abyOut;
    ASSERT_TRUE(oStore.Read("d", abyOut));
    EXPECT_EQ(abyOut, AsBytes(anAll));
}

TEST(Codecs, SzipBadInput)
{
    const auto an = SampleInts(10 * 30);
    auto oDS = WriteH5({10, 30}, {10, 30}, H5T_STD_I32LE, H5T_NATIVE_INT32,
                       AsBytes(an),
                       [](hid_t h) { H5Pset_szip(h, H5_SZIP_NN_OPTION_MASK, 8); });
    const Bytes abyRaw = RawChunk(*oDS.poDset, {0, 0});
    const auto aosOptions = SzipOptions(*oDS.poDset);
    Bytes abyOut;
    ErrorCollector oErrors;

    Bytes abyHuge = abyRaw;
    abyHuge[3] = 0x7f;  // declares ~2 GB
    EXPECT_FALSE(Decode("szip", abyHuge, 1200, abyOut, aosOptions));
    EXPECT_TRUE(oErrors.Contains("szip: header declares")) << oErrors.All();

    const Bytes abyTruncated(abyRaw.begin(), abyRaw.begin() + abyRaw.size() / 2);
    EXPECT_FALSE(Decode("szip", abyTruncated, 1200, abyOut, aosOptions));
    EXPECT_TRUE(oErrors.Contains("szip: truncated stream: decoded")) << oErrors.All();

    EXPECT_FALSE(Decode("szip", Bytes{1, 2}, 1200, abyOut, aosOptions));
    EXPECT_TRUE(oErrors.Contains("szip: chunk of 2 bytes is shorter than the "
                                 "4-byte size header"))
        << oErrors.All();

    EXPECT_FALSE(Decode("szip", abyRaw, 1200, abyOut));
    EXPECT_TRUE(oErrors.Contains("szip: missing option 'mask'")) << oErrors.All();

    auto aosBad = aosOptions;
    aosBad[1] = "PIXELS_PER_BLOCK=7";
    EXPECT_FALSE(Decode("szip", abyRaw, 1200, abyOut, aosBad));
    EXPECT_TRUE(oErrors.Contains("szip: pixels_per_block must be even"))
        << oErrors.All();

    // GDAL 3.6 passes no options to a compressor: the plain id says so.
    ZarrStore oStore;
    oStore.AddArray("s", {10, 30}, {10, 30}, "<i4", R"({"id": "szip"})", "null");
    oStore.Write("s/0.0", abyRaw);
    EXPECT_FALSE(oStore.Read("s", abyOut));
    EXPECT_TRUE(oErrors.Contains("szip: missing option 'mask'")) << oErrors.All();
}

/************************************************************************/
/*                                 lzf                                  */
/************************************************************************/

// All values of a dataset, nBytes in memory type hMemType; empty when it
// cannot be read.
Bytes ReadWholeDataset(hid_t hDataset, hid_t hMemType, size_t nBytes)
{
    Bytes aby(nBytes);
    if (H5Dread(hDataset, hMemType, H5S_ALL, H5S_ALL, H5P_DEFAULT, aby.data()) < 0)
        aby.clear();
    return aby;
}

// Whether the part of a decoded 2-D chunk (anChunk cells, at anOffset) that
// lies inside an nRows x nCols array equals that array's values.
bool ChunkMatchesArray(const Bytes &abyChunk, const hsize_t anChunk[2],
                       const hsize_t anOffset[2], const Bytes &abyArray, size_t nRows,
                       size_t nCols, size_t nSize)
{
    for (size_t r = 0; r < anChunk[0] && anOffset[0] + r < nRows; ++r)
    {
        for (size_t c = 0; c < anChunk[1] && anOffset[1] + c < nCols; ++c)
        {
            const size_t iOut = (r * anChunk[1] + c) * nSize;
            const size_t iExp = ((anOffset[0] + r) * nCols + anOffset[1] + c) * nSize;
            if (memcmp(abyChunk.data() + iOut, abyArray.data() + iExp, nSize) != 0)
                return false;
        }
    }
    return true;
}

// A dataset of jhdf's file: name, Zarr dtype, memory type, value size.
struct LzfCase
{
    const char *pszName;
    const char *pszDType;
    hid_t hMemType;
    int nSize;
};

TEST(Codecs, LzfJhdfFile)
{
    // jhdf's file holds each dataset twice: lzf (the chunks under test) and
    // gzip (read by libhdf5 for the expected values). Chunks that LZF could
    // not shrink are stored unfiltered (filter mask 1) and are skipped.
    const std::string osPath =
        TestDataDir() + "/test_compressed_chunked_datasets_earliest.hdf5";
    H5Id oFile(H5Fopen(osPath.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
    ASSERT_GE(oFile.m_id, 0);
    const LzfCase aoCases[] = {
        {"float/float64", "<f8", H5T_NATIVE_DOUBLE, 8},
        {"int/int8", "|i1", H5T_NATIVE_INT8, 1},
    };
    int nDecodedChunks = 0;
    for (const auto &sCase : aoCases)
    {
        SCOPED_TRACE(sCase.pszName);
        H5Id oGzip(H5Dopen2(oFile, sCase.pszName, H5P_DEFAULT), H5Dclose);
        H5Id oLzf(H5Dopen2(oFile, (std::string(sCase.pszName) + "lzf").c_str(),
                           H5P_DEFAULT),
                  H5Dclose);
        ASSERT_GE(oLzf.m_id, 0);
        const size_t nRows = 7, nCols = 5;
        const Bytes abyExpected = ReadWholeDataset(oGzip, sCase.hMemType,
                                                   nRows * nCols * sCase.nSize);
        ASSERT_FALSE(abyExpected.empty());
        H5Id oDcpl(H5Dget_create_plist(oLzf), H5Pclose);
        hsize_t anChunk[2] = {0, 0};
        ASSERT_EQ(H5Pget_chunk(oDcpl, 2, anChunk), 2);

        ZarrStore oStore;
        oStore.AddArray("a", {int(nRows), int(nCols)},
                        {static_cast<int>(anChunk[0]), static_cast<int>(anChunk[1])},
                        sCase.pszDType, R"({"id": "lzf"})", "null");
        H5Id oSpace(H5Dget_space(oLzf), H5Sclose);
        hsize_t nChunks = 0;
        ASSERT_GE(H5Dget_num_chunks(oLzf, oSpace, &nChunks), 0);
        ASSERT_GT(nChunks, 1u);
        bool bAllFiltered = true;
        for (hsize_t i = 0; i < nChunks; ++i)
        {
            hsize_t anOffset[2] = {0, 0};
            unsigned nMask = 0;
            haddr_t nAddr = 0;
            hsize_t nSize = 0;
            ASSERT_GE(H5Dget_chunk_info(oLzf, oSpace, i, anOffset, &nMask,
                                        &nAddr, &nSize),
                      0);
            if (nMask != 0)
            {
                bAllFiltered = false;
                continue;
            }
            const Bytes abyRaw = RawChunk(oLzf, {anOffset[0], anOffset[1]});
            oStore.Write(CPLSPrintf("a/%d.%d", int(anOffset[0] / anChunk[0]),
                                    int(anOffset[1] / anChunk[1])),
                         abyRaw);
            Bytes abyOut;
            ASSERT_TRUE(Decode("lzf", abyRaw,
                               anChunk[0] * anChunk[1] * sCase.nSize, abyOut));
            ++nDecodedChunks;
            ASSERT_TRUE(ChunkMatchesArray(abyOut, anChunk, anOffset, abyExpected,
                                          nRows, nCols, sCase.nSize))
                << "chunk " << anOffset[0] << "," << anOffset[1];
        }
        if (bAllFiltered)
        {
            Bytes abyOut;
            ASSERT_TRUE(oStore.Read("a", abyOut));
            EXPECT_EQ(abyOut, abyExpected);
        }
    }
    EXPECT_EQ(nDecodedChunks, 8);  // 6 float64 + 2 int8 chunks
}

TEST(Codecs, LzfBadInput)
{
    ErrorCollector oErrors;
    Bytes abyOut;
    // Back reference (distance 6) before any output.
    EXPECT_FALSE(Decode("lzf", Bytes{0x20, 0x05}, 64, abyOut));
    EXPECT_TRUE(oErrors.Contains("lzf: back reference before the start"))
        << oErrors.All();
    // Literal run of 4 bytes with 2 present.
    EXPECT_FALSE(Decode("lzf", Bytes{0x03, 'a', 'b'}, 64, abyOut));
    EXPECT_TRUE(oErrors.Contains("lzf: truncated literal run")) << oErrors.All();
    // Long back-reference length byte missing.
    EXPECT_FALSE(Decode("lzf", Bytes{0x00, 'a', 0xE0}, 64, abyOut));
    EXPECT_TRUE(oErrors.Contains("lzf: truncated back reference")) << oErrors.All();
    // Valid: 'a' then 9 copies of it (length field 7 + 0 -> 9) = 10 bytes,
    // into a 4-byte tile.
    const Bytes abyValid = {0x00, 'a', 0xE0, 0x00, 0x00};
    ASSERT_TRUE(Decode("lzf", abyValid, 10, abyOut));
    EXPECT_EQ(abyOut, Bytes(10, 'a'));
    EXPECT_FALSE(Decode("lzf", abyValid, 4, abyOut));
    EXPECT_TRUE(oErrors.Contains("lzf: decoded data exceeds the 4 bytes of the tile"))
        << oErrors.All();
    EXPECT_FALSE(Decode("lzf", Bytes{}, 4, abyOut));
    EXPECT_TRUE(oErrors.Contains("lzf: empty chunk")) << oErrors.All();
}

/************************************************************************/
/*                               hdf5_lz4                               */
/************************************************************************/

// The HDF5 lz4 filter's framing, written here with liblz4 (no lz4 plugin
// for libhdf5 on Debian).
Bytes FrameHdf5Lz4(const Bytes &abyData, uint32_t nBlockSize)
{
    Bytes aby;
    auto PutBE = [&aby](uint64_t n, int nBytes) {
        for (int i = nBytes - 1; i >= 0; --i)
            aby.push_back(static_cast<GByte>(n >> (8 * i)));
    };
    PutBE(abyData.size(), 8);
    PutBE(nBlockSize, 4);
    for (size_t nPos = 0; nPos < abyData.size(); nPos += nBlockSize)
    {
        const int nThis =
            static_cast<int>(std::min<size_t>(nBlockSize, abyData.size() - nPos));
        std::vector<char> ach(LZ4_compressBound(nThis));
        int nStored = LZ4_compress_default(
            reinterpret_cast<const char *>(abyData.data() + nPos), ach.data(),
            nThis, static_cast<int>(ach.size()));
        if (nStored <= 0 || nStored >= nThis)
        {
            PutBE(nThis, 4);  // stored raw, as the filter does
            aby.insert(aby.end(), abyData.begin() + nPos,
                       abyData.begin() + nPos + nThis);
        }
        else
        {
            PutBE(nStored, 4);
            aby.insert(aby.end(), ach.begin(), ach.begin() + nStored);
        }
    }
    return aby;
}

TEST(Codecs, Hdf5Lz4Framing)
{
    Bytes abyData = AsBytes(SampleFloats(3000));
    for (size_t i = 0; i < 2000; ++i)  // a compressible half
        abyData[i] = static_cast<GByte>(i / 100);
    for (uint32_t nBlock : {1u << 30, 4096u, 1000u, 7u})
    {
        SCOPED_TRACE(nBlock);
        const Bytes abyFramed = FrameHdf5Lz4(abyData, nBlock);
        Bytes abyOut;
        ASSERT_TRUE(Decode("hdf5_lz4", abyFramed, abyData.size(), abyOut));
        EXPECT_EQ(abyOut, abyData);

        ZarrStore oStore;
        oStore.AddArray("z", {3000}, {3000}, "<f4", R"({"id": "hdf5_lz4"})",
                        "null");
        oStore.Write("z/0", abyFramed);
        ASSERT_TRUE(oStore.Read("z", abyOut));
        EXPECT_EQ(abyOut, abyData);
    }
}

TEST(Codecs, Hdf5Lz4JhdfFile)
{
    // Chunks written by the HDF5 lz4 plugin: the same values with block sizes
    // 0 (one block), 8, 64, 1024, 4096 must all decode alike.
    const std::string osPath = TestDataDir() + "/lz4_datasets.hdf5";
    H5Id oFile(H5Fopen(osPath.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
    ASSERT_GE(oFile.m_id, 0);
    for (const auto &oType : std::vector<std::pair<std::string, int>>{
             {"float32", 4}, {"float64", 8}, {"int16", 2}, {"int8", 1}})
    {
        Bytes abyFirst;
        for (const char *pszBs : {"bs0", "bs8", "bs64", "bs1024", "bs4096"})
        {
            const std::string osName = oType.first + "_" + pszBs;
            SCOPED_TRACE(osName);
            H5Id oDset(H5Dopen2(oFile, osName.c_str(), H5P_DEFAULT), H5Dclose);
            ASSERT_GE(oDset.m_id, 0);
            const Bytes abyRaw = RawChunk(oDset, {0});
            Bytes abyOut;
            ASSERT_TRUE(Decode("hdf5_lz4", abyRaw, 20 * oType.second, abyOut));
            if (abyFirst.empty())
                abyFirst = abyOut;
            EXPECT_EQ(abyOut, abyFirst);
        }
        // Not trivially zero: jhdf writes a ramp.
        EXPECT_NE(abyFirst, Bytes(abyFirst.size(), 0));
    }
}

TEST(Codecs, Hdf5Lz4BadInput)
{
    const Bytes abyData = AsBytes(SampleFloats(256));
    const Bytes abyFramed = FrameHdf5Lz4(abyData, 256);
    ErrorCollector oErrors;
    Bytes abyOut;
    EXPECT_FALSE(Decode("hdf5_lz4", Bytes(5, 0), 1024, abyOut));
    EXPECT_TRUE(oErrors.Contains("hdf5_lz4: chunk of 5 bytes is shorter than the "
                                 "12-byte header"))
        << oErrors.All();
    EXPECT_FALSE(Decode("hdf5_lz4", abyFramed, 1000, abyOut));
    EXPECT_TRUE(oErrors.Contains("hdf5_lz4: header declares 1024 decoded bytes, "
                                 "the tile has 1000"))
        << oErrors.All();
    Bytes abyTrunc(abyFramed.begin(), abyFramed.end() - 10);
    EXPECT_FALSE(Decode("hdf5_lz4", abyTrunc, 1024, abyOut));
    EXPECT_TRUE(oErrors.Contains("hdf5_lz4: truncated chunk")) << oErrors.All();
    Bytes abyHuge = abyFramed;
    abyHuge[0] = 0x7f;  // absurd declared size
    EXPECT_FALSE(Decode("hdf5_lz4", abyHuge, 1024, abyOut));
    EXPECT_TRUE(oErrors.Contains("hdf5_lz4: header declares")) << oErrors.All();
    Bytes abyZeroBlock = abyFramed;
    for (int i = 8; i < 12; ++i)
        abyZeroBlock[i] = 0;
    EXPECT_FALSE(Decode("hdf5_lz4", abyZeroBlock, 1024, abyOut));
    EXPECT_TRUE(oErrors.Contains("hdf5_lz4: header declares a block size of 0"))
        << oErrors.All();
    // Corrupt the LZ4 block of a compressible buffer.
    const Bytes abyZeros(4096, 0);
    Bytes abyCorrupt = FrameHdf5Lz4(abyZeros, 4096);
    ASSERT_LT(abyCorrupt.size(), 200u);
    abyCorrupt[abyCorrupt.size() - 3] = 0xff;
    abyCorrupt[16] = 0xff;
    EXPECT_FALSE(Decode("hdf5_lz4", abyCorrupt, 4096, abyOut));
    EXPECT_TRUE(oErrors.Contains("hdf5_lz4: corrupted LZ4 block")) << oErrors.All();
}

/************************************************************************/
/*                                 bz2                                  */
/************************************************************************/

Bytes Bz2Compress(const Bytes &abyData)
{
    unsigned nOut = static_cast<unsigned>(abyData.size() * 1.02 + 600);
    Bytes aby(nOut);
    EXPECT_EQ(BZ2_bzBuffToBuffCompress(
                  reinterpret_cast<char *>(aby.data()), &nOut,
                  const_cast<char *>(reinterpret_cast<const char *>(abyData.data())),
                  static_cast<unsigned>(abyData.size()), 9, 0, 0),
              BZ_OK);
    aby.resize(nOut);
    return aby;
}

TEST(Codecs, Bz2)
{
    const Bytes abyData = AsBytes(SampleInts(5000));
    const Bytes abyCompressed = Bz2Compress(abyData);
    Bytes abyOut;
    ASSERT_TRUE(Decode("bz2", abyCompressed, abyData.size(), abyOut));
    EXPECT_EQ(abyOut, abyData);

    // Two concatenated streams, as Python's bz2.decompress accepts.
    const Bytes abyHalf1(abyData.begin(), abyData.begin() + 8000);
    const Bytes abyHalf2(abyData.begin() + 8000, abyData.end());
    Bytes abyTwo = Bz2Compress(abyHalf1);
    const Bytes abyC2 = Bz2Compress(abyHalf2);
    abyTwo.insert(abyTwo.end(), abyC2.begin(), abyC2.end());
    ASSERT_TRUE(Decode("bz2", abyTwo, abyData.size(), abyOut));
    EXPECT_EQ(abyOut, abyData);

    ZarrStore oStore;
    oStore.AddArray("b", {100, 50}, {100, 50}, "<i4",
                    R"({"id": "bz2", "level": 9})", "null");
    oStore.Write("b/0.0", abyCompressed);
    ASSERT_TRUE(oStore.Read("b", abyOut));
    EXPECT_EQ(abyOut, abyData);

    ErrorCollector oErrors;
    EXPECT_FALSE(Decode("bz2", abyCompressed, abyData.size() - 1, abyOut));
    EXPECT_TRUE(oErrors.Contains("bz2: decompressed data is larger than the "
                                 "19999 bytes of the tile"))
        << oErrors.All();
    const Bytes abyTrunc(abyCompressed.begin(),
                         abyCompressed.begin() + abyCompressed.size() / 2);
    EXPECT_FALSE(Decode("bz2", abyTrunc, abyData.size(), abyOut));
    EXPECT_TRUE(oErrors.Contains("bz2: truncated stream")) << oErrors.All();
    EXPECT_FALSE(Decode("bz2", Bytes(100, 'x'), abyData.size(), abyOut));
    EXPECT_TRUE(oErrors.Contains("bz2: not a bzip2 stream")) << oErrors.All();
    Bytes abyGarbage = abyCompressed;
    abyGarbage.insert(abyGarbage.end(), {'j', 'u', 'n', 'k'});
    EXPECT_FALSE(Decode("bz2", abyGarbage, abyData.size() + 100, abyOut));
    EXPECT_TRUE(oErrors.Contains("bz2: not a bzip2 stream")) << oErrors.All();
    Bytes abyCorrupt = abyCompressed;
    abyCorrupt[abyCorrupt.size() / 2] ^= 0xff;
    EXPECT_FALSE(Decode("bz2", abyCorrupt, abyData.size() * 4, abyOut));
    EXPECT_TRUE(oErrors.Contains("bz2: corrupted stream")) << oErrors.All();
}

/************************************************************************/
/*                                 grib                                 */
/************************************************************************/

struct GribHandleDeleter
{
    void operator()(codes_handle *h) const
    {
        codes_handle_delete(h);
    }
};
using GribHandle = std::unique_ptr<codes_handle, GribHandleDeleter>;

// A GRIB message from an eccodes sample with our values (and a bitmap with
// missing points when bMissing).
Bytes MakeGribMessage(const char *pszSample, bool bMissing, size_t &nValues)
{
    GribHandle poH(codes_grib_handle_new_from_samples(nullptr, pszSample));
    EXPECT_NE(poH, nullptr);
    if (!poH)
        return {};
    EXPECT_EQ(codes_get_size(poH.get(), "values", &nValues), 0);
    std::vector<double> adf(nValues);
    for (size_t i = 0; i < nValues; ++i)
        adf[i] = 250.0 + 30.0 * std::sin(i * 0.05) + (i % 5) * 0.125;
    if (bMissing)
    {
        EXPECT_EQ(codes_set_long(poH.get(), "bitmapPresent", 1), 0);
        EXPECT_EQ(codes_set_double(poH.get(), "missingValue", 9999), 0);
        for (size_t i = 0; i < nValues; i += 7)
            adf[i] = 9999;
    }
    EXPECT_EQ(codes_set_long(poH.get(), "bitsPerValue", 16), 0);
    EXPECT_EQ(codes_set_double_array(poH.get(), "values", adf.data(), nValues), 0);
    const void *pMsg = nullptr;
    size_t nSize = 0;
    EXPECT_EQ(codes_get_message(poH.get(), &pMsg, &nSize), 0);
    const GByte *p = static_cast<const GByte *>(pMsg);
    return Bytes(p, p + nSize);
}

// What eccodes itself returns for key in the message, with kerchunk's
// missingValue -> NaN for "values".
std::vector<double> EccodesArray(const Bytes &abyMsg, const char *pszKey)
{
    GribHandle poH(
        codes_handle_new_from_message_copy(nullptr, abyMsg.data(), abyMsg.size()));
    size_t n = 0;
    EXPECT_EQ(codes_get_size(poH.get(), pszKey, &n), 0);
    std::vector<double> adf(n);
    EXPECT_EQ(codes_get_double_array(poH.get(), pszKey, adf.data(), &n), 0);
    if (EQUAL(pszKey, "values"))
    {
        char szMissing[64] = {};
        size_t nLen = sizeof(szMissing);
        EXPECT_EQ(codes_get_string(poH.get(), "missingValue", szMissing, &nLen), 0);
        const double dfMissing = CPLAtof(szMissing);
        for (double &df : adf)
        {
            if (df == dfMissing)
                df = std::nan("");
        }
    }
    return adf;
}

template <class T> Bytes Converted(const std::vector<double> &adf)
{
    std::vector<T> a(adf.begin(), adf.end());
    return AsBytes(a);
}

TEST(Codecs, GribEccodesSamples)
{
    for (const char *pszSample : {"GRIB2", "GRIB1", "regular_ll_sfc_grib2"})
    {
        for (bool bMissing : {false, true})
        {
            SCOPED_TRACE(std::string(pszSample) + (bMissing ? " missing" : ""));
            size_t nValues = 0;
            const Bytes abyMsg = MakeGribMessage(pszSample, bMissing, nValues);
            ASSERT_FALSE(abyMsg.empty());
            const auto adfValues = EccodesArray(abyMsg, "values");
            ASSERT_EQ(adfValues.size(), nValues);
            if (bMissing)
            {
                ASSERT_TRUE(std::isnan(adfValues[7]));
            }
            Bytes abyOut;
            ASSERT_TRUE(Decode("grib", abyMsg, nValues * 4, abyOut,
                               {"VAR=t2m", "DTYPE=float32"}));
            EXPECT_EQ(abyOut, Converted<float>(adfValues));
            ASSERT_TRUE(Decode("grib", abyMsg, nValues * 8, abyOut,
                               {"VAR=t2m", "DTYPE=<f8"}));
            EXPECT_EQ(abyOut, Converted<double>(adfValues));
            // kerchunk's default dtypes: float32 values, float64 coordinates.
            ASSERT_TRUE(Decode("grib", abyMsg, nValues * 4, abyOut, {"VAR=t2m"}));
            EXPECT_EQ(abyOut, Converted<float>(adfValues));
            for (const char *pszVar : {"latitude", "longitude"})
            {
                const auto adfCoord =
                    EccodesArray(abyMsg, (std::string(pszVar) + "s").c_str());
                ASSERT_TRUE(Decode("grib", abyMsg, nValues * 8, abyOut,
                                   {std::string("VAR=") + pszVar}));
                EXPECT_EQ(abyOut, Converted<double>(adfCoord));
            }
        }
    }
}

TEST(Codecs, GribThroughGdalKerchunkLayout)
{
    size_t nValues = 0;
    const Bytes abyMsg = MakeGribMessage("regular_ll_sfc_grib2", true, nValues);
    GribHandle poH(
        codes_handle_new_from_message_copy(nullptr, abyMsg.data(), abyMsg.size()));
    long nNi = 0, nNj = 0;
    ASSERT_EQ(codes_get_long(poH.get(), "Ni", &nNi), 0);
    ASSERT_EQ(codes_get_long(poH.get(), "Nj", &nNj), 0);
    ASSERT_EQ(static_cast<size_t>(nNi * nNj), nValues);
    const auto adfValues = EccodesArray(abyMsg, "values");
    const auto adfLat = EccodesArray(abyMsg, "latitudes");

    // As kerchunk's scan_grib writes it: filters=[grib], compressor null.
    ZarrStore oStore;
    const std::string osT2m =
        CPLSPrintf(R"({"zarr_format": 2, "shape": [%ld, %ld], "chunks": [%ld, %ld],
            "dtype": "<f4", "compressor": null, "fill_value": null,
            "order": "C", "filters": [{"id": "grib", "var": "t2m",
            "dtype": "float32"}]})", nNj, nNi, nNj, nNi);
    const std::string osLat =
        CPLSPrintf(R"({"zarr_format": 2, "shape": [%ld, %ld], "chunks": [%ld, %ld],
            "dtype": "<f8", "compressor": null, "fill_value": null,
            "order": "C", "filters": [{"id": "grib", "var": "latitude",
            "dtype": "float64"}]})", nNj, nNi, nNj, nNi);
    for (const auto &oArray : {std::make_pair(std::string("t2m"), osT2m),
                               std::make_pair(std::string("latitude"), osLat)})
    {
        CPLJSONDocument oDoc;
        ASSERT_TRUE(oDoc.LoadMemory(oArray.second));
        CPLJSONObject oRoot = oDoc.GetRoot();
        // Unadapted, GDAL 3.6 works only while the message fits in the tile.
        oStore.Write("raw_" + oArray.first + "/.zarray",
                     oRoot.Format(CPLJSONObject::PrettyFormat::Plain));
        oStore.Write("raw_" + oArray.first + "/0.0", abyMsg);
        ASSERT_TRUE(kerchunk::AdaptZarrayForGDAL36(oRoot));
        EXPECT_EQ(oRoot.GetObj("filters").GetType(), CPLJSONObject::Type::Null);
        oStore.Write(oArray.first + "/.zarray",
                     oRoot.Format(CPLJSONObject::PrettyFormat::Plain));
        oStore.Write(oArray.first + "/0.0", abyMsg);
    }
    Bytes abyOut;
    ASSERT_TRUE(oStore.Read("t2m", abyOut));
    EXPECT_EQ(abyOut, Converted<float>(adfValues));
    ASSERT_TRUE(oStore.Read("latitude", abyOut));
    EXPECT_EQ(abyOut, Converted<double>(adfLat));
    ASSERT_LT(abyMsg.size(), nValues * 4);
    ASSERT_TRUE(oStore.Read("raw_t2m", abyOut));
    EXPECT_EQ(abyOut, Converted<float>(adfValues));

    // Plain "grib" compressor (no options under GDAL 3.6): values, with the
    // dtype following from the tile size.
    oStore.AddArray("plain", {static_cast<int>(nNj), static_cast<int>(nNi)},
                    {static_cast<int>(nNj), static_cast<int>(nNi)}, "<f8",
                    R"({"id": "grib"})", "null");
    oStore.Write("plain/0.0", abyMsg);
    ASSERT_TRUE(oStore.Read("plain", abyOut));
    EXPECT_EQ(abyOut, Converted<double>(adfValues));
}

TEST(Codecs, GribMessagesDecodedByParallelAdviseRead)
{
    // Several messages as one (time, y, x) array, as kerchunk combines them;
    // AdviseRead decodes them from GDAL's worker threads.
    ZarrStore oStore;
    Bytes abyExpected;
    long nNi = 0, nNj = 0;
    constexpr int N_TIMES = 6;
    for (int t = 0; t < N_TIMES; ++t)
    {
        GribHandle poH(codes_grib_handle_new_from_samples(nullptr, "regular_ll_sfc_grib2"));
        ASSERT_NE(poH, nullptr);
        size_t nValues = 0;
        ASSERT_EQ(codes_get_size(poH.get(), "values", &nValues), 0);
        codes_get_long(poH.get(), "Ni", &nNi);
        codes_get_long(poH.get(), "Nj", &nNj);
        std::vector<double> adf(nValues);
        for (size_t i = 0; i < nValues; ++i)
            adf[i] = 200.0 + t * 7.5 + std::cos(i * 0.01 * (t + 1));
        ASSERT_EQ(codes_set_long(poH.get(), "bitsPerValue", 24), 0);
        ASSERT_EQ(codes_set_double_array(poH.get(), "values", adf.data(), nValues), 0);
        const void *pMsg = nullptr;
        size_t nSize = 0;
        ASSERT_EQ(codes_get_message(poH.get(), &pMsg, &nSize), 0);
        const Bytes abyMsg(static_cast<const GByte *>(pMsg),
                           static_cast<const GByte *>(pMsg) + nSize);
        oStore.Write(CPLSPrintf("t2m/%d.0.0", t), abyMsg);
        const Bytes abyOne = Converted<float>(EccodesArray(abyMsg, "values"));
        abyExpected.insert(abyExpected.end(), abyOne.begin(), abyOne.end());
    }
    CPLJSONDocument oDoc;
    ASSERT_TRUE(oDoc.LoadMemory(CPLSPrintf(
        R"({"zarr_format": 2, "shape": [%d, %ld, %ld], "chunks": [1, %ld, %ld],
            "dtype": "<f4", "compressor": null, "fill_value": null, "order": "C",
            "filters": [{"id": "grib", "var": "t2m", "dtype": "float32"}]})",
        N_TIMES, nNj, nNi, nNj, nNi)));
    CPLJSONObject oRoot = oDoc.GetRoot();
    ASSERT_TRUE(kerchunk::AdaptZarrayForGDAL36(oRoot));
    oStore.Write("t2m/.zarray", oRoot.Format(CPLJSONObject::PrettyFormat::Plain));
    CPLSetConfigOption("GDAL_NUM_THREADS", "4");
    Bytes abyOut;
    const bool bOK = ZarrStore::ReadArray(oStore.Root(), "t2m", abyOut, true);
    CPLSetConfigOption("GDAL_NUM_THREADS", nullptr);
    ASSERT_TRUE(bOK);
    EXPECT_EQ(abyOut, abyExpected);
}

TEST(Codecs, GribBadInput)
{
    size_t nValues = 0;
    const Bytes abyMsg = MakeGribMessage("GRIB2", false, nValues);
    ErrorCollector oErrors;
    Bytes abyOut;
    EXPECT_FALSE(Decode("grib", abyMsg, nValues * 4 + 4, abyOut,
                        {"VAR=t2m", "DTYPE=float32"}));
    EXPECT_TRUE(oErrors.Contains(CPLSPrintf(
        "grib: message has %d values (%d bytes as float32), the tile expects %d bytes",
        int(nValues), int(nValues * 4), int(nValues * 4 + 4))))
        << oErrors.All();
    const Bytes abyTrunc(abyMsg.begin(), abyMsg.begin() + abyMsg.size() / 2);
    EXPECT_FALSE(Decode("grib", abyTrunc, nValues * 4, abyOut, {"VAR=t2m"}));
    EXPECT_TRUE(oErrors.Contains("grib: truncated message")) << oErrors.All();
    EXPECT_FALSE(Decode("grib", Bytes(64, 'x'), nValues * 4, abyOut));
    EXPECT_TRUE(oErrors.Contains("grib: chunk of 64 bytes does not start with a "
                                 "GRIB message"))
        << oErrors.All();
    Bytes abyNoEnd = abyMsg;
    abyNoEnd[abyNoEnd.size() - 1] = 'x';
    EXPECT_FALSE(Decode("grib", abyNoEnd, nValues * 4, abyOut));
    EXPECT_TRUE(oErrors.Contains("does not end with 7777")) << oErrors.All();
    EXPECT_FALSE(Decode("grib", abyMsg, nValues * 4, abyOut, {"DTYPE=int16"}));
    EXPECT_TRUE(oErrors.Contains("grib: unsupported dtype 'int16'")) << oErrors.All();
    // A message larger than the tile with compressor null is cut by GDAL 3.6.
    EXPECT_FALSE(Decode("grib", abyTrunc, abyTrunc.size(), abyOut, {"VAR=t2m"}));
    EXPECT_TRUE(oErrors.Contains("put grib in the compressor position"))
        << oErrors.All();
}

/************************************************************************/
/*   numcodecs codecs: stores written by zarr-python, read by GDAL      */
/************************************************************************/

// Runs /usr/bin/python3 on a script; false if Python or a module is missing.
bool RunPython(const std::string &osScript, const std::string &osDir)
{
    const std::string osFile = osDir + "/make.py";
    {
        kerchunk::VSIFilePtr poFile = kerchunk::OpenVSIFile(osFile, "wb");
        if (!poFile ||
            VSIFWriteL(osScript.data(), 1, osScript.size(), poFile.get()) !=
                osScript.size() ||
            !kerchunk::CloseVSIFile(poFile))
            return false;
    }
    const std::string osCmd =
        "/usr/bin/python3 " + osFile + " " + osDir + " 2>&1";
    FILE *pipe = popen(osCmd.c_str(), "r");
    if (!pipe)
        return false;
    char szBuf[512];
    std::string osOut;
    while (fgets(szBuf, sizeof(szBuf), pipe))
        osOut += szBuf;
    const int nStatus = pclose(pipe);
    if (nStatus != 0)
        std::fprintf(stderr, "python: %s\n", osOut.c_str());
    return nStatus == 0;
}

Bytes ReadFile(const std::string &osPath)
{
    Bytes aby;
    const kerchunk::VSIFilePtr poFile = kerchunk::OpenVSIFile(osPath, "rb");
    if (!poFile)
        return aby;
    VSIFSeekL(poFile.get(), 0, SEEK_END);
    aby.resize(static_cast<size_t>(VSIFTellL(poFile.get())));
    VSIFSeekL(poFile.get(), 0, SEEK_SET);
    VSIFReadL(aby.data(), 1, aby.size(), poFile.get());
    return aby;
}

constexpr const char *ZARR_SCRIPT = R"PY(
import sys, os
import numpy as np
import zarr
from numcodecs import FixedScaleOffset, Quantize, BitRound, Shuffle, BZ2, Zlib
out = sys.argv[1]
g = zarr.open_group(os.path.join(out, "store"), mode="w")
rng = np.random.default_rng(42)
def put(name, data, filters, compressor=None, chunks=(3, 4)):
    a = g.create_dataset(name, data=data, chunks=chunks, filters=filters,
                         compressor=compressor, fill_value=None)
    decoded = a[:]
    le = decoded.dtype.newbyteorder("<")
    open(os.path.join(out, name + ".expected"), "wb").write(
        np.ascontiguousarray(decoded.astype(le)).tobytes())
base = 1000 + rng.random((7, 9))
put("fso_u1", base, [FixedScaleOffset(offset=1000, scale=100, dtype="<f8", astype="u1")])
put("fso_i2", rng.normal(0, 30, (7, 9)), [FixedScaleOffset(offset=-3.25, scale=100, dtype="<f8", astype="<i2")])
put("fso_f4", rng.normal(5, 2, (7, 9)).astype("<f4"), [FixedScaleOffset(offset=0.5, scale=3.3, dtype="<f4", astype="<f4")])
put("fso_f4_i4", rng.normal(5, 2, (7, 9)).astype("<f4"), [FixedScaleOffset(offset=2.5, scale=10000, dtype="<f4", astype="<i4")])
put("fso_be", rng.normal(0, 3, (7, 9)).astype(">f8"), [FixedScaleOffset(offset=0.1, scale=1000.5, dtype=">f8", astype=">u2")], Zlib(1))
put("fso_i8", (rng.random((7, 9)) * 1e6).astype("<i8"), [FixedScaleOffset(offset=7, scale=1, dtype="<i8", astype="<i4")])
put("quantize", rng.normal(280, 10, (7, 9)), [Quantize(digits=3, dtype="<f8")])
put("quantize_f4", rng.normal(280, 10, (7, 9)), [Quantize(digits=2, dtype="<f8", astype="<f4")])
put("bitround", rng.normal(280, 10, (7, 9)).astype("<f4"), [BitRound(keepbits=10)], Zlib(1))
put("shuffle8", rng.normal(0, 1, (7, 9)), [Shuffle(elementsize=8)], Zlib(5))
put("shuffle2", (rng.random((7, 9)) * 3000).astype("<i2"), [Shuffle(elementsize=2)])
put("shuffle3", (rng.random((7, 9)) * 255).astype("u1"), [Shuffle(elementsize=3)])
put("bz2", rng.normal(0, 1, (7, 9)), None, BZ2(level=5))
put("bz2_shuffle", (rng.random((7, 9)) * 3000).astype("<u4"), [Shuffle(elementsize=4)], BZ2(level=1))
)PY";

TEST(Codecs, NumcodecsStoresWrittenByZarrPython)
{
    const std::string osDir = CPLGenerateTempFilename("kerchunk_codecs_zarr");
    ASSERT_EQ(VSIMkdir(osDir.c_str(), 0755), 0);
    if (!RunPython(ZARR_SCRIPT, osDir))
    {
        VSIRmdirRecursive(osDir.c_str());
        GTEST_SKIP() << "/usr/bin/python3 with zarr and numcodecs unavailable";
    }
    const std::string osStore = osDir + "/store";
    for (const char *pszName :
         {"fso_u1", "fso_i2", "fso_f4", "fso_f4_i4", "fso_be", "fso_i8",
          "quantize", "quantize_f4", "bitround", "shuffle8", "shuffle2", "shuffle3", "bz2",
          "bz2_shuffle"})
    {
        SCOPED_TRACE(pszName);
        const Bytes abyExpected = ReadFile(osDir + "/" + pszName + ".expected");
        ASSERT_FALSE(abyExpected.empty());
        Bytes abyOut;
        ASSERT_TRUE(ZarrStore::ReadArray(osStore, pszName, abyOut));
        EXPECT_EQ(abyOut, abyExpected);
    }
    VSIRmdirRecursive(osDir.c_str());
}

TEST(Codecs, FixedScaleOffsetBadOptions)
{
    const Bytes abyIn(16, 1);
    Bytes abyOut;
    ErrorCollector oErrors;
    EXPECT_FALSE(Decode("fixedscaleoffset", abyIn, 128, abyOut,
                        {"SCALE=10", "OFFSET=0", "DTYPE=<c16", "ASTYPE=u1"}));
    EXPECT_TRUE(oErrors.Contains("fixedscaleoffset: unsupported dtype '<c16'"))
        << oErrors.All();
    EXPECT_FALSE(Decode("fixedscaleoffset", abyIn, 128, abyOut,
                        {"SCALE=10", "OFFSET=0", "DTYPE=<f8", "ASTYPE=|b1"}));
    EXPECT_TRUE(oErrors.Contains("fixedscaleoffset: unsupported astype '|b1'"))
        << oErrors.All();
    EXPECT_FALSE(Decode("fixedscaleoffset", abyIn, 128, abyOut,
                        {"OFFSET=0", "DTYPE=<f8", "ASTYPE=u1"}));
    EXPECT_TRUE(oErrors.Contains("fixedscaleoffset: missing option 'scale'"))
        << oErrors.All();
    EXPECT_FALSE(Decode("fixedscaleoffset", abyIn, 128, abyOut,
                        {"SCALE=ten", "OFFSET=0", "DTYPE=<f8", "ASTYPE=u1"}));
    EXPECT_TRUE(oErrors.Contains("fixedscaleoffset: option 'scale' must be a number"))
        << oErrors.All();
    // 16 uint8 -> 16 float64 = 128 bytes: does not fit in 100.
    EXPECT_FALSE(Decode("fixedscaleoffset", abyIn, 100, abyOut,
                        {"SCALE=10", "OFFSET=0", "DTYPE=<f8", "ASTYPE=u1"}));
    EXPECT_TRUE(oErrors.Contains("fixedscaleoffset: decoded chunk is"))
        << oErrors.All();
    EXPECT_FALSE(Decode("fixedscaleoffset", Bytes(15, 1), 128, abyOut,
                        {"SCALE=10", "OFFSET=0", "DTYPE=<f8", "ASTYPE=<i2"}));
    EXPECT_TRUE(oErrors.Contains("not a whole number of 2-byte astype elements"))
        << oErrors.All();
    // Decoded values that an integer dtype cannot hold.
    EXPECT_FALSE(Decode("fixedscaleoffset", Bytes(4, 0xff), 4, abyOut,
                        {"SCALE=0.001", "OFFSET=0", "DTYPE=|i1", "ASTYPE=u1"}));
    EXPECT_TRUE(oErrors.Contains("does not fit in the integer dtype"))
        << oErrors.All();
}

TEST(Codecs, IdentityCodecsCheckSizes)
{
    const Bytes abyIn(32, 9);
    Bytes abyOut;
    ASSERT_TRUE(Decode("bitround", abyIn, 32, abyOut, {"KEEPBITS=10"}));
    EXPECT_EQ(abyOut, abyIn);
    ErrorCollector oErrors;
    EXPECT_FALSE(Decode("bitround", abyIn, 16, abyOut, {"KEEPBITS=10"}));
    EXPECT_TRUE(oErrors.Contains("bitround: decoded chunk is 32 bytes, larger "
                                 "than the 16 bytes of the tile"))
        << oErrors.All();
    EXPECT_FALSE(Decode("quantize", abyIn, 16, abyOut, {"DIGITS=2", "DTYPE=<f8"}));
    EXPECT_TRUE(oErrors.Contains("quantize: decoded chunk is 32 bytes"))
        << oErrors.All();
    EXPECT_FALSE(Decode("quantize", abyIn, 32, abyOut, {"DIGITS=2", "DTYPE=<i4"}));
    EXPECT_TRUE(oErrors.Contains("quantize: dtype and astype must be float32 or "
                                 "float64"))
        << oErrors.All();
}

TEST(Codecs, VariantIds)
{
    CPLJSONDocument oDoc;
    ASSERT_TRUE(oDoc.LoadMemory(R"({"id": "szip", "mask": 141, "pixels_per_block": 32,
        "bits_per_pixel": 32, "pixels_per_scanline": 30, "x": "a;b=c%"})"));
    const std::string osId = kerchunk::RegisterCodecVariant(oDoc.GetRoot());
    EXPECT_EQ(osId, "szip;bits_per_pixel=32;mask=141;pixels_per_block=32;"
                    "pixels_per_scanline=30;x=a%3Bb%3Dc%25");
    // Every GRIB variable shares one variant; bz2's level does not matter.
    ASSERT_TRUE(oDoc.LoadMemory(R"({"id": "grib", "var": "t2m", "dtype": "float32"})"));
    EXPECT_EQ(kerchunk::RegisterCodecVariant(oDoc.GetRoot()),
              "grib;dtype=float32;var=values");
    ASSERT_TRUE(oDoc.LoadMemory(R"({"id": "grib", "var": "latitude"})"));
    EXPECT_EQ(kerchunk::RegisterCodecVariant(oDoc.GetRoot()), "grib;var=latitude");
    ASSERT_TRUE(oDoc.LoadMemory(R"({"id": "bz2", "level": 9})"));
    EXPECT_EQ(kerchunk::RegisterCodecVariant(oDoc.GetRoot()), "bz2");
    ASSERT_TRUE(oDoc.LoadMemory(
        R"({"id": "szip", "mask": 141, "pixels_per_block": 32,
        "bits_per_pixel": 32, "pixels_per_scanline": 30, "x": "a;b=c%"})"));
    EXPECT_NE(CPLGetDecompressor(osId.c_str()), nullptr);
    EXPECT_NE(CPLGetCompressor(osId.c_str()), nullptr);
    EXPECT_EQ(kerchunk::RegisterCodecVariant(oDoc.GetRoot()), osId);

    ErrorCollector oErrors;
    ASSERT_TRUE(oDoc.LoadMemory(R"({"id": "blosc", "cname": "lz4"})"));
    EXPECT_EQ(kerchunk::RegisterCodecVariant(oDoc.GetRoot()), "");
    EXPECT_TRUE(oErrors.Contains("Codec 'blosc' is not one of gdal-kerchunk's codecs"))
        << oErrors.All();
    // A .zarray that is not ours is left unchanged.
    ASSERT_TRUE(oDoc.LoadMemory(
        R"({"compressor": {"id": "blosc", "cname": "lz4"}, "filters": null})"));
    CPLJSONObject oRoot = oDoc.GetRoot();
    EXPECT_FALSE(kerchunk::AdaptZarrayForGDAL36(oRoot));
    // An unknown codec is left for the Zarr driver to report.
    ASSERT_TRUE(oDoc.LoadMemory(
        R"({"compressor": null, "filters": [{"id": "shuffle", "elementsize": 2},
            {"id": "no_such_codec"}]})"));
    oRoot = oDoc.GetRoot();
    EXPECT_FALSE(kerchunk::AdaptZarrayForGDAL36(oRoot));
    // Known filters, ours or GDAL's, become one chain compressor.
    ASSERT_TRUE(oDoc.LoadMemory(
        R"({"compressor": null, "filters": [{"id": "shuffle", "elementsize": 2},
            {"id": "delta", "dtype": "<i2"}]})"));
    oRoot = oDoc.GetRoot();
    EXPECT_TRUE(kerchunk::AdaptZarrayForGDAL36(oRoot));
    EXPECT_EQ(oRoot.GetObj("compressor")["id"].ToString(),
              R"(chain:{"id":"delta","dtype":"<i2"}>{"id":"shuffle","elementsize":2})");
    EXPECT_EQ(oRoot.GetObj("filters").GetType(), CPLJSONObject::Type::Null);
}

TEST(Codecs, AdaptedArraysSurviveThreadedAdviseRead)
{
    // GDAL 3.6's AdviseRead decodes tiles on worker threads that each walk
    // the array's filter JSON, which json-c does not allow (use after free,
    // SIGSEGV: issue 9). Adapted, the kerchunk-style pipeline (filters
    // [shuffle, zlib], compressor null) has no filters left, and many small
    // tiles decoded ahead on four threads, again and again, read back
    // exactly what libhdf5 reads.
    constexpr hsize_t N_ROWS = 256, N_COLS = 64, CHUNK_ROWS = 4, CHUNK_COLS = 8;
    const auto af = SampleFloats(N_ROWS * N_COLS);
    auto oDS = WriteH5({N_ROWS, N_COLS}, {CHUNK_ROWS, CHUNK_COLS}, H5T_IEEE_F32LE,
                       H5T_NATIVE_FLOAT, AsBytes(af), [](hid_t h) {
                           H5Pset_shuffle(h);
                           H5Pset_deflate(h, 1);
                       });
    ZarrStore oStore;
    oStore.AddArray("v", {int(N_ROWS), int(N_COLS)}, {int(CHUNK_ROWS), int(CHUNK_COLS)},
                    "<f4", "null",
                    R"([{"id": "shuffle", "elementsize": 4}, {"id": "zlib", "level": 1}])");
    CPLJSONDocument oDoc;
    ASSERT_TRUE(oDoc.Load(oStore.Root() + "/v/.zarray"));
    CPLJSONObject oRoot = oDoc.GetRoot();
    ASSERT_TRUE(kerchunk::AdaptZarrayForGDAL36(oRoot));
    EXPECT_EQ(oRoot.GetObj("compressor")["id"].ToString(),
              R"(chain:{"id":"zlib","level":1}>{"id":"shuffle","elementsize":4})");
    ASSERT_EQ(oRoot.GetObj("filters").GetType(), CPLJSONObject::Type::Null);
    oStore.Write("v/.zarray", oRoot.Format(CPLJSONObject::PrettyFormat::Plain));
    for (hsize_t i = 0; i < N_ROWS; i += CHUNK_ROWS)
        for (hsize_t j = 0; j < N_COLS; j += CHUNK_COLS)
            oStore.Write(CPLSPrintf("v/%d.%d", int(i / CHUNK_ROWS), int(j / CHUNK_COLS)),
                         RawChunk(*oDS.poDset, {i, j}));
    CPLConfigOptionSetter oThreads("GDAL_NUM_THREADS", "4", false);
    for (int nRound = 0; nRound < 40; ++nRound)
    {
        Bytes abyOut;
        ASSERT_TRUE(ZarrStore::ReadArray(oStore.Root(), "v", abyOut, true)) << nRound;
        ASSERT_EQ(abyOut, oDS.abyValues) << nRound;
    }
}

}  // namespace

/************************************************************************/
/*        Hostile input: mutated real chunks never crash or lie         */
/************************************************************************/

namespace
{

// Decodes every truncation and many random corruptions of a valid chunk:
// each call must either succeed within the buffer or fail with a CPLError
// naming the codec. Meant to run under KERCHUNK_SANITIZE too.
void Torture(const std::string &osId, const Bytes &abyValid, size_t nCapacity,
             const std::vector<std::string> &aosOptions, int nMutations)
{
    SCOPED_TRACE(osId);
    Bytes abyOut;
    ASSERT_TRUE(Decode(osId, abyValid, nCapacity, abyOut, aosOptions));
    const std::string osPrefix = osId == "fletcher32" ? "fletcher32" : osId + ":";
    auto CheckOne = [&](const Bytes &abyIn) {
        ErrorCollector oErrors;
        Bytes abyResult;
        if (Decode(osId, abyIn, nCapacity, abyResult, aosOptions))
        {
            EXPECT_LE(abyResult.size(), nCapacity);
        }
        else
        {
            EXPECT_EQ(oErrors.All().rfind(osPrefix, 0), 0u) << oErrors.All();
        }
    };
    const size_t nStep = std::max<size_t>(1, abyValid.size() / 64);
    for (size_t n = 0; n < abyValid.size(); n += nStep)
        CheckOne(Bytes(abyValid.begin(), abyValid.begin() + n));
    uint32_t nSeed = 12345;
    auto Next = [&nSeed]() {
        nSeed = nSeed * 1664525u + 1013904223u;
        return nSeed >> 8;
    };
    for (int i = 0; i < nMutations; ++i)
    {
        Bytes aby = abyValid;
        const int nFlips = 1 + Next() % 4;
        for (int j = 0; j < nFlips; ++j)
        {
            // Bias towards the headers, where sizes live.
            const size_t nPos = (Next() % 2) ? Next() % std::min<size_t>(16, aby.size())
                                             : Next() % aby.size();
            aby[nPos] = (Next() % 3 == 0) ? 0xff : static_cast<GByte>(Next());
        }
        CheckOne(aby);
    }
}

}  // namespace

TEST(Codecs, HostileMutationsOfRealChunks)
{
    const auto af = SampleFloats(24 * 40);
    auto oSzip = WriteH5({24, 40}, {24, 40}, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT,
                         AsBytes(af),
                         [](hid_t h) { H5Pset_szip(h, H5_SZIP_NN_OPTION_MASK, 16); });
    Torture("szip", RawChunk(*oSzip.poDset, {0, 0}), af.size() * 4,
            SzipOptions(*oSzip.poDset), 300);
    const auto an = SampleInts(20 * 30);
    std::vector<int16_t> an16(an.begin(), an.end());
    auto oSzip16 = WriteH5({20, 30}, {20, 30}, H5T_STD_I16BE, H5T_NATIVE_INT16,
                           AsBytes(an16),
                           [](hid_t h) { H5Pset_szip(h, H5_SZIP_EC_OPTION_MASK, 8); });
    Torture("szip", RawChunk(*oSzip16.poDset, {0, 0}), an16.size() * 2,
            SzipOptions(*oSzip16.poDset), 300);

    auto oFletcher = WriteH5({24, 40}, {24, 40}, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT,
                             AsBytes(af), [](hid_t h) { H5Pset_fletcher32(h); });
    Torture("fletcher32", RawChunk(*oFletcher.poDset, {0, 0}), af.size() * 4, {},
            300);

    const Bytes abyData = AsBytes(af);
    Torture("hdf5_lz4", FrameHdf5Lz4(abyData, 512), abyData.size(), {}, 300);
    Torture("bz2", Bz2Compress(abyData), abyData.size(), {}, 100);
    Torture("shuffle", abyData, abyData.size(), {"ELEMENTSIZE=4"}, 50);
    Torture("fixedscaleoffset", Bytes(abyData.begin(), abyData.begin() + 500),
            4000, {"SCALE=100", "OFFSET=3", "DTYPE=<f8", "ASTYPE=<i2"}, 50);

    const std::string osPath =
        TestDataDir() + "/test_compressed_chunked_datasets_earliest.hdf5";
    H5Id oFile(H5Fopen(osPath.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
    ASSERT_GE(oFile.m_id, 0);
    H5Id oLzf(H5Dopen2(oFile, "float/float64lzf", H5P_DEFAULT), H5Dclose);
    Torture("lzf", RawChunk(oLzf, {0, 0}), 3 * 4 * 8, {}, 300);

    size_t nValues = 0;
    const Bytes abyMsg = MakeGribMessage("regular_ll_sfc_grib2", true, nValues);
    Torture("grib", abyMsg, nValues * 4, {"VAR=t2m", "DTYPE=float32"}, 100);
}

TEST(Codecs, GribSharedCorpusOptional)
{
    // Real messages from many producers (complex/JPEG/PNG/CCSDS packing,
    // bitmaps, GRIB1 and 2). Reads ../shared/corpus beside the source tree
    // (or KERCHUNK_SHARED_CORPUS), so optional.
    const char *pszCorpus = std::getenv("KERCHUNK_SHARED_CORPUS");
    const std::string osCorpus =
        pszCorpus ? pszCorpus : TestDataDir() + "/../../../../shared/corpus";
    int nMessages = 0;
    for (const char *pszSub : {"grib1", "grib2"})
    {
        const std::string osDir = osCorpus + "/" + pszSub;
        CPLStringList aosFiles(VSIReadDir(osDir.c_str()));
        for (int iFile = 0; iFile < aosFiles.size(); ++iFile)
        {
            const std::string osPath = osDir + "/" + aosFiles[iFile];
            VSIStatBufL sStat;
            if (aosFiles[iFile][0] == '.' || VSIStatL(osPath.c_str(), &sStat) != 0 ||
                !VSI_ISREG(sStat.st_mode) || sStat.st_size > 300000)
                continue;
            const kerchunk_test::StdFilePtr poFile(std::fopen(osPath.c_str(), "rb"));
            if (!poFile)
                continue;
            int nErr = 0;
            for (int iMsg = 0; iMsg < 3; ++iMsg)
            {
                GribHandle poH(codes_handle_new_from_file(nullptr, poFile.get(), PRODUCT_GRIB, &nErr));
                if (!poH)
                    break;
                const void *pMsg = nullptr;
                size_t nSize = 0;
                ASSERT_EQ(codes_get_message(poH.get(), &pMsg, &nSize), 0);
                const Bytes abyMsg(static_cast<const GByte *>(pMsg),
                                   static_cast<const GByte *>(pMsg) + nSize);
                SCOPED_TRACE(osPath + " message " + std::to_string(iMsg));
                size_t nValues = 0;
                Bytes abyOut;
                if (codes_get_size(poH.get(), "values", &nValues) == 0 &&
                    nValues > 200000)
                    continue;  // keep the suite fast
                if (codes_get_size(poH.get(), "values", &nValues) != 0 || nValues == 0)
                {
                    // eccodes cannot decode it (e.g. HEALPix in 2.28): a clear error.
                    ErrorCollector oErrors;
                    EXPECT_FALSE(Decode("grib", abyMsg, 4096, abyOut, {"VAR=x"}));
                    EXPECT_TRUE(oErrors.Contains("grib: eccodes cannot")) << oErrors.All();
                    continue;
                }
                const auto adfValues = EccodesArray(abyMsg, "values");
                ASSERT_TRUE(Decode("grib", abyMsg, adfValues.size() * 4, abyOut,
                                   {"VAR=x", "DTYPE=float32"}));
                EXPECT_EQ(abyOut, Converted<float>(adfValues));
                ASSERT_TRUE(Decode("grib", abyMsg, adfValues.size() * 8, abyOut,
                                   {"VAR=x", "DTYPE=float64"}));
                EXPECT_EQ(abyOut, Converted<double>(adfValues));
                size_t nLat = 0;
                if (codes_get_size(poH.get(), "latitudes", &nLat) == 0 &&
                    nLat == adfValues.size())
                {
                    std::vector<double> adfLat(nLat);
                    if (codes_get_double_array(poH.get(), "latitudes", adfLat.data(),
                                               &nLat) == 0)
                    {
                        ASSERT_TRUE(Decode("grib", abyMsg, nLat * 8, abyOut,
                                           {"VAR=latitude"}));
                        EXPECT_EQ(abyOut, Converted<double>(adfLat));
                    }
                }
                ++nMessages;
            }
        }
    }
    if (nMessages == 0)
        GTEST_SKIP() << "shared GRIB corpus not found under " << osCorpus;
    std::fprintf(stderr, "decoded %d corpus GRIB messages\n", nMessages);
}
