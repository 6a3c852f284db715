// Rewrites .zarray documents so that GDAL 3.6's Zarr driver decodes our
// codecs as numcodecs would (see codec_contract.h for why).
#include "codecs.h"

#include "cpl_compressor.h"

namespace kerchunk
{

bool IsKerchunkCodecId(const std::string &osId);  // register_codecs.cpp

namespace
{

CPLJSONObject CodecWithId(const std::string &osId)
{
    CPLJSONObject oCodec;
    oCodec.Add("id", osId);
    return oCodec;
}

// oCompressor, then the first nKeptFilters of oFilters (null when none).
void SetPipeline(CPLJSONObject &oZarray, const CPLJSONObject &oCompressor,
                 const CPLJSONArray &oFilters, int nKeptFilters)
{
    oZarray.Delete("compressor");
    oZarray.Add("compressor", oCompressor);
    oZarray.Delete("filters");
    if (nKeptFilters == 0)
    {
        oZarray.AddNull("filters");
        return;
    }
    CPLJSONArray oKept;
    for (int i = 0; i < nKeptFilters; ++i)
        oKept.Add(oFilters[i]);
    oZarray.Add("filters", oKept);
}

// A fletcher32 filter makes every stage decoded before it produce 4 bytes
// more than the tile, which GDAL 3.6's buffers cannot hold (netCDF-C puts
// the checksum first: chunk = deflate(shuffle(data + checksum))). Those
// stages and the checksum become one chain codec in the compressor position.
bool AdaptChecksumFirst(CPLJSONObject &oZarray, const CPLJSONObject &oCompressor,
                        const CPLJSONObject &oFilters)
{
    if (oFilters.GetType() != CPLJSONObject::Type::Array)
        return false;
    const CPLJSONArray oFilterArray = oFilters.ToArray();
    const int nFilters = oFilterArray.Size();
    int iChecksum = -1;
    for (int i = 0; i < nFilters && iChecksum < 0; ++i)
    {
        if (oFilterArray[i].GetType() == CPLJSONObject::Type::Object &&
            oFilterArray[i]["id"].ToString() == "fletcher32")
            iChecksum = i;
    }
    if (iChecksum < 0)
        return false;
    std::vector<CPLJSONObject> aoStages;
    if (oCompressor.GetType() == CPLJSONObject::Type::Object)
        aoStages.push_back(oCompressor);
    for (int i = nFilters - 1; i >= iChecksum; --i)
        aoStages.push_back(oFilterArray[i]);
    if (aoStages.size() < 2)
        return false;  // a lone trailing fletcher32: moved below
    const std::string osChain = RegisterCodecChain(aoStages);
    if (osChain.empty())
        return false;
    SetPipeline(oZarray, CodecWithId(osChain), oFilterArray, iChecksum);
    return true;
}

// GDAL's own compression codecs: the decoding stage needs no options.
bool IsGDALCompressionCodec(const std::string &osId)
{
    for (const char *pszId : {"zlib", "gzip", "zstd", "lz4", "lzma", "blosc"})
    {
        if (osId == pszId)
            return true;
    }
    return false;
}

// The last entry of a `filters` array (the first filter to decode), when
// there is one and it is a JSON object.
bool GetLastFilterObject(const CPLJSONArray &oFilterArray, CPLJSONObject &oLast)
{
    const int nFilters = oFilterArray.Size();
    if (nFilters == 0)
        return false;
    oLast = oFilterArray[nFilters - 1];
    return oLast.GetType() == CPLJSONObject::Type::Object;
}

// With "compressor": null, GDAL 3.6 reads at most the decoded tile size from
// a chunk, which truncates chunks whose first decoding stage expands them
// (kerchunk writes HDF5 deflate as filters=[zlib]); moving that last filter
// to the compressor position keeps the decoding order (compressor, then
// filters in reverse).
bool MoveGDALCodecToCompressor(CPLJSONObject &oZarray)
{
    const CPLJSONObject oCompressor = oZarray.GetObj("compressor");
    const CPLJSONObject oFilters = oZarray.GetObj("filters");
    if ((oCompressor.GetType() != CPLJSONObject::Type::Unknown &&
         oCompressor.GetType() != CPLJSONObject::Type::Null) ||
        oFilters.GetType() != CPLJSONObject::Type::Array)
        return false;
    const CPLJSONArray oFilterArray = oFilters.ToArray();
    CPLJSONObject oLast;
    if (!GetLastFilterObject(oFilterArray, oLast) ||
        oLast.GetObj("id").GetType() != CPLJSONObject::Type::String ||
        !IsGDALCompressionCodec(oLast.GetObj("id").ToString()))
        return false;
    SetPipeline(oZarray, oLast, oFilterArray, oFilterArray.Size() - 1);
    return true;
}

// The codecs of ours (codecs.h): variant ids, chains, the compressor position.
bool AdaptKerchunkCodecs(CPLJSONObject &oZarray)
{
    const CPLJSONObject oCompressor = oZarray.GetObj("compressor");
    const CPLJSONObject oFilters = oZarray.GetObj("filters");
    if (oCompressor.GetType() != CPLJSONObject::Type::Object &&
        oCompressor.GetType() != CPLJSONObject::Type::Null)
        return false;
    if (AdaptChecksumFirst(oZarray, oCompressor, oFilters))
        return true;

    if (oCompressor.GetType() == CPLJSONObject::Type::Object)
    {
        // GDAL 3.6 passes no options to a compressor: build them in.
        if (!IsKerchunkCodecId(oCompressor["id"].ToString()) ||
            oCompressor.GetChildren().size() <= 1)
            return false;
        const std::string osVariant = RegisterCodecVariant(oCompressor);
        if (osVariant.empty())
            return false;
        oZarray.Delete("compressor");
        oZarray.Add("compressor", CodecWithId(osVariant));
        return true;
    }

    if (oCompressor.GetType() != CPLJSONObject::Type::Null ||
        oFilters.GetType() != CPLJSONObject::Type::Array)
        return false;
    // No compressor: GDAL would read at most the tile's size. The last filter
    // is the first to decode; if it is ours, it becomes the compressor.
    const CPLJSONArray oFilterArray = oFilters.ToArray();
    CPLJSONObject oLast;
    if (!GetLastFilterObject(oFilterArray, oLast) ||
        !IsKerchunkCodecId(oLast["id"].ToString()))
        return false;
    const std::string osVariant = RegisterCodecVariant(oLast);
    if (osVariant.empty())
        return false;
    SetPipeline(oZarray, CodecWithId(osVariant), oFilterArray, oFilterArray.Size() - 1);
    return true;
}

// Whether GDAL can decode with this stage: one of ours, or a codec (plain,
// variant or chain) already in GDAL's registry.
bool IsDecodableStage(const CPLJSONObject &oStage)
{
    if (oStage.GetType() != CPLJSONObject::Type::Object ||
        oStage.GetObj("id").GetType() != CPLJSONObject::Type::String)
        return false;
    const std::string osId = oStage.GetObj("id").ToString();
    return IsKerchunkCodecId(osId) || CPLGetDecompressor(osId.c_str()) != nullptr;
}

// GDAL 3.6's Zarr AdviseRead decodes tiles on GDAL_NUM_THREADS worker
// threads (all CPUs by default), and each of them walks the array's filters
// as shared json-c objects (ZarrArray::LoadTileData: m_oFiltersArray[i],
// ["id"], GetChildren, ToString). json-c's reference counts and print
// buffers are not thread-safe (Debian 12's libjson-c5 increments them
// without atomics), so the threads free filter objects under each other:
// use after free, SIGSEGV (issue 9). A compressor is looked up by its id
// alone; so the filters left after the moves above become, with the
// compressor, one chain compressor, and no filter JSON is read while
// decoding. The chain runs the same decoders with the same options.
bool FoldFiltersIntoChain(CPLJSONObject &oZarray)
{
    const CPLJSONObject oCompressor = oZarray.GetObj("compressor");
    const CPLJSONObject oFilters = oZarray.GetObj("filters");
    if (oFilters.GetType() != CPLJSONObject::Type::Array)
        return false;
    const CPLJSONArray oFilterArray = oFilters.ToArray();
    if (oFilterArray.Size() == 0)
        return false;
    std::vector<CPLJSONObject> aoStages;  // in decoding order
    if (oCompressor.GetType() == CPLJSONObject::Type::Object)
        aoStages.push_back(oCompressor);
    else if (oCompressor.GetType() != CPLJSONObject::Type::Null &&
             oCompressor.GetType() != CPLJSONObject::Type::Unknown)
        return false;
    for (int i = oFilterArray.Size() - 1; i >= 0; --i)
        aoStages.push_back(oFilterArray[i]);
    // An unknown codec is left for the Zarr driver to report by name.
    for (const auto &oStage : aoStages)
    {
        if (!IsDecodableStage(oStage))
            return false;
    }
    const std::string osChain = RegisterCodecChain(aoStages);
    if (osChain.empty())
        return false;
    SetPipeline(oZarray, CodecWithId(osChain), oFilterArray, 0);
    return true;
}

}  // namespace

bool AdaptZarrayForGDAL36(CPLJSONObject &oZarray)
{
    if (oZarray.GetType() != CPLJSONObject::Type::Object)
        return false;
    // GDAL's codec moves first: a checksum chain may then take it in.
    const bool bMoved = MoveGDALCodecToCompressor(oZarray);
    const bool bAdapted = AdaptKerchunkCodecs(oZarray);
    // Last: whatever filters the rules above left.
    const bool bFolded = FoldFiltersIntoChain(oZarray);
    return bMoved || bAdapted || bFolded;
}

}  // namespace kerchunk
