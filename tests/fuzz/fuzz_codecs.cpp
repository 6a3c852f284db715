// libFuzzer harness: every decoder of codecs/ through GDAL's compressor
// registry, as the Zarr driver calls them (CPLGetDecompressor(id)->pfnFunc
// into a preallocated buffer of the tile's size). Input layout: byte 0 picks
// the codec (or one of a few chains and option variants), bytes 1-3 the
// output capacity, byte 4 the length N of the option bytes that follow (read
// by a FuzzedDataProvider; none: every option left out), the rest is the
// encoded chunk (so that real chunks make seeds, see scripts/fuzz_seeds.py). A decoder must fail cleanly or write at most the
// capacity; ASan checks every byte it touches.
#include "codecs.h"

#include "cpl_compressor.h"
#include "cpl_error.h"
#include "cpl_json.h"
#include "cpl_string.h"

#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

namespace
{

struct OptionSpec
{
    const char *pszName;
    enum class Kind
    {
        Int,
        Double,
        DType,
        Word
    } eKind;
    int64_t nMin, nMax;  // Int: the interesting range (wider values too)
};

using K = OptionSpec::Kind;

struct CodecSpec
{
    const char *pszId;
    std::vector<OptionSpec> aoOptions;
};

const std::vector<CodecSpec> &Codecs()
{
    static const std::vector<CodecSpec> aoCodecs = {
        {"shuffle", {{"elementsize", K::Int, 0, 64}}},
        {"fletcher32", {}},
        {"fixedscaleoffset",
         {{"scale", K::Double, 0, 0}, {"offset", K::Double, 0, 0},
          {"dtype", K::DType, 0, 0}, {"astype", K::DType, 0, 0}}},
        {"bitround", {{"keepbits", K::Int, -1, 60}}},
        {"quantize",
         {{"digits", K::Int, -1, 20}, {"dtype", K::DType, 0, 0},
          {"astype", K::DType, 0, 0}}},
        {"grib", {{"var", K::Word, 0, 0}, {"dtype", K::DType, 0, 0}}},
        {"bz2", {{"level", K::Int, 0, 10}}},
        {"lzf", {}},
        {"hdf5_lz4", {}},
        {"szip",
         {{"mask", K::Int, 0, 255}, {"pixels_per_block", K::Int, 0, 40},
          {"bits_per_pixel", K::Int, 0, 70},
          {"pixels_per_scanline", K::Int, 0, 5000}}},
    };
    return aoCodecs;
}

// Ids registered once at start: option variants (compressor position, where
// GDAL passes no options) and chains (decoding order), as
// AdaptZarrayForGDAL36 makes them.
std::vector<std::string> &FixedIds()
{
    static std::vector<std::string> aosIds;
    return aosIds;
}

CPLJSONObject Codec(const char *pszJson)
{
    CPLJSONDocument oDoc;
    if (!oDoc.LoadMemory(pszJson))
        abort();
    return oDoc.GetRoot();
}

void RegisterFixedIds()
{
    auto &aosIds = FixedIds();
    aosIds.push_back(kerchunk::RegisterCodecVariant(Codec(
        R"({"id": "szip", "mask": 141, "pixels_per_block": 32, "bits_per_pixel": 32, "pixels_per_scanline": 30})")));
    aosIds.push_back(kerchunk::RegisterCodecVariant(
        Codec(R"({"id": "grib", "var": "latitude", "dtype": "float64"})")));
    aosIds.push_back(kerchunk::RegisterCodecChain(
        {Codec(R"({"id": "fletcher32"})"), Codec(R"({"id": "shuffle", "elementsize": 4})")}));
    aosIds.push_back(kerchunk::RegisterCodecChain(
        {Codec(R"({"id": "zlib"})"), Codec(R"({"id": "fletcher32"})"),
         Codec(R"({"id": "shuffle", "elementsize": 8})")}));
    aosIds.push_back(kerchunk::RegisterCodecChain(
        {Codec(R"({"id": "lzf"})"), Codec(R"({"id": "fletcher32"})"),
         Codec(R"({"id": "fletcher32"})")}));
    for (const auto &osId : aosIds)
    {
        if (osId.empty())
            abort();
    }
}

std::string DTypeValue(FuzzedDataProvider &oFDP)
{
    static const char *const apszDTypes[] = {
        "<f4", "<f8", ">f4", ">f8", "<i1", "|i1", "|u1", "<u2", ">i2", "<i4",
        ">u4", "<i8", ">u8", "<f2", "<c8", "|b1", "float32", "float64",
        "int16", "uint8", "int64", "S4", ""};
    if (oFDP.ConsumeIntegralInRange(0, 7) == 0)
        return oFDP.ConsumeRandomLengthString(8);
    return oFDP.PickValueInArray(apszDTypes);
}

// One option value, or "" to leave the option out.
std::string OptionValue(FuzzedDataProvider &oFDP, const OptionSpec &oSpec)
{
    const int nMode = oFDP.ConsumeIntegralInRange(0, 9);
    if (nMode == 0)
        return std::string();
    if (nMode == 1)
        return oFDP.ConsumeRandomLengthString(12);
    switch (oSpec.eKind)
    {
        case K::Int:
            return std::to_string(
                nMode == 2 ? oFDP.ConsumeIntegral<int64_t>()
                           : oFDP.ConsumeIntegralInRange(oSpec.nMin, oSpec.nMax));
        case K::Double:
            return CPLSPrintf("%.17g", oFDP.ConsumeFloatingPoint<double>());
        case K::DType:
            return DTypeValue(oFDP);
        case K::Word:
        {
            static const char *const apszWords[] = {"values", "latitude",
                                                    "longitude", "t2m"};
            return oFDP.PickValueInArray(apszWords);
        }
    }
    return std::string();
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
    CPLSetErrorHandler(CPLQuietErrorHandler);
    kerchunk::RegisterCodecs();
    RegisterFixedIds();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *pabyData, size_t nSize)
{
    if (nSize < 5)
        return 0;
    const auto &aoCodecs = Codecs();
    const size_t nChoices = aoCodecs.size() + FixedIds().size();
    const size_t nChoice = pabyData[0] % nChoices;
    // Up to 1 MiB: large enough for real chunks, small enough for speed.
    const size_t nCapacity =
        (pabyData[1] | (static_cast<size_t>(pabyData[2]) << 8)) << (pabyData[3] % 5);
    const size_t nOptionBytes = std::min<size_t>(pabyData[4], nSize - 5);
    FuzzedDataProvider oFDP(pabyData + 5, nOptionBytes);
    const GByte *pabyIn = pabyData + 5 + nOptionBytes;
    const size_t nIn = nSize - 5 - nOptionBytes;

    std::string osId;
    CPLStringList aosOptions;
    bool bNoOptions = false;
    if (nChoice < aoCodecs.size())
    {
        const CodecSpec &oCodec = aoCodecs[nChoice];
        osId = oCodec.pszId;
        aosOptions.SetNameValue("id", oCodec.pszId);  // GDAL passes it too
        for (const auto &oSpec : oCodec.aoOptions)
        {
            const std::string osValue = OptionValue(oFDP, oSpec);
            if (!osValue.empty())
                aosOptions.SetNameValue(oSpec.pszName, osValue.c_str());
        }
        // The compressor position: GDAL 3.6 passes no options at all.
        bNoOptions = oFDP.ConsumeIntegralInRange(0, 7) == 7;
    }
    else
    {
        osId = FixedIds()[nChoice - aoCodecs.size()];
        bNoOptions = true;
    }
    // A copy of its own, so that ASan sees any read past the chunk.
    const std::vector<GByte> abyIn(pabyIn, pabyIn + nIn);

    const CPLCompressor *psDec = CPLGetDecompressor(osId.c_str());
    if (psDec == nullptr)
        abort();
    // Exactly the capacity, so that ASan sees any write past it.
    std::vector<GByte> abyOut(nCapacity);
    void *pOut = abyOut.data();
    size_t nOut = abyOut.size();
    GByte byDummy = 0;
    if (pOut == nullptr)
        pOut = &byDummy;  // the registry wants a buffer even for 0 bytes
    const bool bOK = psDec->pfnFunc(abyIn.data(), abyIn.size(), &pOut, &nOut,
                                    bNoOptions ? nullptr : aosOptions.List(),
                                    psDec->user_data);
    if (bOK && nOut > nCapacity)
        abort();  // claims more bytes than the buffer holds
    return 0;
}
