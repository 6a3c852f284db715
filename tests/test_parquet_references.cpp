// Parquet references through the /vsikerchunk/ handler: the folder and its
// record files live in /vsimem/, keys are read with VSIStatL/VSIFOpenL; the
// layout's chunk numbering and the writer's refusals.
#include "error.h"
#include "parquet_layout.h"
#include "parquet_references.h"
#include "parquet_references_writer.h"
#include "parquet_writer.h"
#include "vsikerchunk.h"

#include "cpl_conv.h"
#include "cpl_error.h"
#include "cpl_json.h"
#include "cpl_vsi.h"

#include "test_files.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

using namespace kerchunk;
using namespace kerchunk_test;

namespace
{



// Record 1 of an array of 6 chunks in records of 2: chunk 2 inline, chunk 3
// missing (path and raw null).
std::string RecordOne()
{
    parquet::Table oTable;
    oTable.nRows = 2;
    parquet::Column oPath, oOffset, oSize, oRaw;
    oPath.osName = "path";
    oRaw.osName = "raw";
    oPath.eType = oRaw.eType = parquet::PhysicalType::ByteArray;
    oPath.bOptional = oRaw.bOptional = true;
    oOffset.osName = "offset";
    oSize.osName = "size";
    oPath.anIndex = {-1, -1};
    oRaw.aosValues = {"ab"};
    oRaw.anIndex = {0, -1};
    oOffset.anInts = {0, 0};
    oSize.anInts = {0, 0};
    oTable.aoColumns = {oPath, oOffset, oSize, oRaw};
    return parquet::WriteParquet(oTable, parquet::Codec::Zstd);
}

}  // namespace

TEST(ParquetReferences, LazyKeysThroughTheHandler)
{
    InstallVSIKerchunkHandler();
    CPLErrorReset();  // the checks below read the last error: not an earlier test's
    const std::string osDir = "/vsimem/test_parquet_refs/refs.parq";
    VSIMkdirRecursive((osDir + "/a").c_str(), 0755);
    WriteFile(osDir + "/.zmetadata",
              R"({"metadata": {".zgroup": {"zarr_format": 2}, "a/.zarray": {"shape": [12],
                  "chunks": [2], "dtype": "|u1", "compressor": null, "filters": null,
                  "fill_value": 0, "order": "C", "zarr_format": 2}}, "record_size": 2})");
    WriteFile(osDir + "/a/refs.1.parq", RecordOne());
    WriteFile(osDir + "/a/refs.2.parq", "PAR1 not really PAR1");
    const std::string osRoot = MakeVSIKerchunkPath(osDir);

    EXPECT_EQ(ReadAll(osRoot + "/a/2"), "ab");                   // inline
    VSIStatBufL sStat;
    EXPECT_NE(VSIStatL((osRoot + "/a/3").c_str(), &sStat), 0);   // missing row
    EXPECT_NE(VSIStatL((osRoot + "/a/0").c_str(), &sStat), 0);   // no record file
    EXPECT_NE(VSIStatL((osRoot + "/a/9").c_str(), &sStat), 0);   // outside the grid
    EXPECT_NE(VSIStatL((osRoot + "/a/x").c_str(), &sStat), 0);   // not a chunk key
    EXPECT_EQ(CPLGetLastErrorType(), CE_None);
    // The served consolidated metadata holds the array (json-c writes "a\/.zarray").
    CPLJSONDocument oServed;
    ASSERT_TRUE(oServed.LoadMemory(ReadAll(osRoot + "/.zmetadata")));
    bool bHasArray = false;
    for (const auto &oChild : oServed.GetRoot().GetObj("metadata").GetChildren())
        bHasArray = bHasArray || oChild.GetName() == "a/.zarray";
    EXPECT_TRUE(bHasArray);

    // A broken record file is an error naming the key and the file, not
    // a missing chunk.
    CPLErrorReset();
    CPLPushErrorHandler(CPLQuietErrorHandler);
    const kerchunk::VSIFilePtr poFile = kerchunk::OpenVSIFile(osRoot + "/a/4", "rb");
    CPLPopErrorHandler();
    if (poFile)
    {
        char ach[4];
        EXPECT_EQ(VSIFReadL(ach, 1, 1, poFile.get()), 0u);  // a failing handle
    }
    EXPECT_EQ(CPLGetLastErrorType(), CE_Failure);
    const std::string osMessage = CPLGetLastErrorMsg();
    EXPECT_NE(osMessage.find("key 'a/4': " + osDir + "/a/refs.2.parq: "), std::string::npos)
        << osMessage;
    VSIRmdirRecursive("/vsimem/test_parquet_refs");
}

TEST(ParquetReferences, TooLargeMetadataNamesTheFileAndTheLimit)
{
    const std::string osDir = "/vsimem/test_parquet_refs_large/refs.parq";
    VSIMkdirRecursive(osDir.c_str(), 0755);
    WriteFile(osDir + "/.zmetadata",
              R"({"metadata": {".zgroup": {"zarr_format": 2}}, "record_size": 2})");
    CPLConfigOptionSetter oLimit("KERCHUNK_MAX_REFS_FILE_SIZE", "20", false);
    LoadedReferences oRefs;
    std::string osError;
    EXPECT_FALSE(LoadParquetReferences(osDir, oRefs, osError));
    EXPECT_EQ(osError, "cannot read " + osDir +
                           "/.zmetadata: larger than 20 bytes (KERCHUNK_MAX_REFS_FILE_SIZE)");
    VSIRmdirRecursive("/vsimem/test_parquet_refs_large");
}

TEST(ParquetLayout, ChunkNumbersInCOrder)
{
    const ParquetChunkGrid oGrid = ReadParquetChunkGrid(
        "t", nlohmann::json::parse(R"({"shape": [30, 40, 50], "chunks": [3, 8, 10]})"));
    EXPECT_EQ(oGrid.anChunksPerDim, (std::vector<uint64_t>{10, 5, 5}));
    EXPECT_EQ(oGrid.nChunks, 250u);
    uint64_t nNumber = 0;
    ASSERT_TRUE(ParquetChunkNumber(oGrid, "6.1.2", nNumber));
    EXPECT_EQ(nNumber, 157u);  // the example of docs/parquet.rst
    for (const char *pszBad : {"10.0.0", "6.1", "6.1.2.0", "6..2", "6.1.x", "", "6.1.2."})
        EXPECT_FALSE(ParquetChunkNumber(oGrid, pszBad, nNumber)) << pszBad;
    const ParquetChunkGrid oScalar = ReadParquetChunkGrid(
        "s", nlohmann::json::parse(R"({"shape": [], "chunks": []})"));
    EXPECT_TRUE(ParquetChunkNumber(oScalar, "0", nNumber));
    EXPECT_EQ(nNumber, 0u);
    EXPECT_THROW(ReadParquetChunkGrid("t", nlohmann::json::parse(R"({"shape": [4]})")), Error);
    EXPECT_EQ(ParquetRecordFileName(9), "refs.9.parq");
}

// The writer checks every key before it writes anything, and says which.
TEST(ParquetWriter, RefusesWhatTheLayoutCannotHoldBeforeWriting)
{
    const std::string osZarray =
        R"({"shape": [4], "chunks": [2], "dtype": "|u1", "compressor": null,
            "filters": null, "fill_value": 0, "order": "C", "zarr_format": 2})";
    const auto Refusal = [](const ReferenceSet &oSet)
    {
        const std::string osOut = "/vsimem/test_parquet_writer/out";
        try
        {
            WriteParquetReferences(oSet, osOut, ParquetWriteOptions());
        }
        catch (const Error &e)
        {
            VSIStatBufL sStat;
            EXPECT_NE(VSIStatL(osOut.c_str(), &sStat), 0) << "written despite: " << e.what();
            return std::string(e.what());
        }
        VSIRmdirRecursive(osOut.c_str());
        return std::string("(written)");
    };
    ReferenceSet oOutside;
    oOutside.AddInline("a/.zarray", osZarray);
    oOutside.AddInline("a/0", "ab");
    oOutside.AddRange("a/7", "data.bin", 0, 2);
    EXPECT_EQ(Refusal(oOutside),
              "key 'a/7': chunk index '7' outside the array's chunk grid (chunks per "
              "dimension [2])");
    ReferenceSet oNoArray;
    oNoArray.AddInline("b/0", "ab");
    EXPECT_EQ(Refusal(oNoArray),
              "key 'b/0' is no chunk of an array: Parquet references cannot hold it");
    ReferenceSet oSlash;
    oSlash.AddInline("a/.zarray", osZarray.substr(0, osZarray.size() - 1) +
                                      R"(, "dimension_separator": "/"})");
    EXPECT_NE(Refusal(oSlash).find("dimension_separator \"/\" cannot be stored"),
              std::string::npos);
    ReferenceSet oRemoteMetadata;
    oRemoteMetadata.AddRange("a/.zarray", "meta.json", 0, 10);
    EXPECT_EQ(Refusal(oRemoteMetadata),
              "key 'a/.zarray': metadata must be inline to be stored in Parquet references");
    ReferenceSet oGood;
    oGood.AddInline("a/.zarray", osZarray);
    oGood.AddInline("a/1", "cd");
    EXPECT_EQ(Refusal(oGood), "(written)");
    ParquetWriteOptions oZero;
    oZero.nRecordSize = 0;
    EXPECT_THROW(WriteParquetReferences(oGood, "/vsimem/test_parquet_writer/z", oZero), Error);
}
