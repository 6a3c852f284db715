#include "hdf5_filters.h"

#include "hdf5_unsupported.h"

#include "cpl_compressor.h"
#include "cpl_string.h"
#include "cpl_vsi.h"

#include <algorithm>
#include <string>
#include <vector>

namespace kerchunk::hdf5
{
namespace
{

// Registered filter ids (https://github.com/HDFGroup/hdf5_plugins,
// docs/RegisteredFilterPlugins.md).
constexpr H5Z_filter_t FILTER_LZF = 32000;
constexpr H5Z_filter_t FILTER_BLOSC = 32001;
constexpr H5Z_filter_t FILTER_LZ4 = 32004;
constexpr H5Z_filter_t FILTER_BITSHUFFLE = 32008;
constexpr H5Z_filter_t FILTER_ZSTD = 32015;
constexpr H5Z_filter_t FILTER_BZIP2 = 307;

struct Codec
{
    nlohmann::json oJson;
    bool bCompression;  // a compression step (may grow/shrink the bytes)
};

// Blosc's HDF5 filter (hdf5-blosc, blosc_filter.c): cd_values[4] = clevel,
// [5] = shuffle, [6] = compressor code, [3] = block size.
const char *BloscCompressorName(unsigned nCode)
{
    static const char *const apszNames[] = {"blosclz", "lz4",  "lz4hc",
                                            "snappy",  "zlib", "zstd"};
    return nCode < 6 ? apszNames[nCode] : "blosclz";
}

// The Zarr codec of one HDF5 filter, from its id, cd_values and name;
// throws Unsupported for a filter without one. (Fletcher32 as the last
// filter is the caller's: it becomes no codec.)
Codec CodecOfFilter(H5Z_filter_t nId, const unsigned *panValues, size_t nValues,
                    const char *pszName, size_t nElementSize)
{
    auto Value = [&](size_t k, unsigned nDefault)
    { return k < nValues ? panValues[k] : nDefault; };
    switch (nId)
    {
        case H5Z_FILTER_DEFLATE:
            return {{{"id", "zlib"}, {"level", Value(0, 6)}}, true};
        case H5Z_FILTER_SHUFFLE:
            return {{{"id", "shuffle"}, {"elementsize", nElementSize}}, false};
        case H5Z_FILTER_FLETCHER32:
            return {{{"id", "fletcher32"}}, false};
        case H5Z_FILTER_SZIP:
            // H5Zszip.c: cd_values = mask, pixels per block, bits per
            // pixel, pixels per scanline (after H5Z_set_local).
            return {{{"id", "szip"},
                     {"mask", Value(0, 0)},
                     {"pixels_per_block", Value(1, 0)},
                     {"bits_per_pixel", Value(2, 0)},
                     {"pixels_per_scanline", Value(3, 0)}},
                    true};
        case H5Z_FILTER_NBIT:
            throw Unsupported("nbit filter");
        case H5Z_FILTER_SCALEOFFSET:
            throw Unsupported("scaleoffset filter");
        case FILTER_BLOSC:
            return {{{"id", "blosc"},
                     {"cname", BloscCompressorName(Value(6, 0))},
                     {"clevel", Value(4, 5)},
                     {"shuffle", Value(5, 1)},
                     {"blocksize", Value(3, 0)}},
                    true};
        case FILTER_ZSTD:
            return {{{"id", "zstd"}, {"level", Value(0, 3)}}, true};
        case FILTER_LZ4:
            // HDF5's lz4 framing (8-byte size, block size, sized blocks),
            // not the numcodecs LZ4 format: a distinct codec id.
            return {{{"id", "hdf5_lz4"}}, true};
        case FILTER_LZF:
            return {{{"id", "lzf"}}, true};
        case FILTER_BZIP2:
            return {{{"id", "bz2"}, {"level", Value(0, 9)}}, true};
        case FILTER_BITSHUFFLE:
            throw Unsupported("bitshuffle filter (32008)");
        default:
            throw Unsupported("filter " + std::to_string(nId) +
                              (pszName[0] ? std::string(" (") + pszName + ")" : ""));
    }
}

// HDF5 runs the pipeline in order on write; Zarr runs `filters` in order,
// then the compressor: the last step becomes the compressor when it is a
// compression (readers then read whole stored chunks).
void SetZarrCodecs(std::vector<Codec> aoCodecs, CodecPipeline &sPipeline)
{
    if (!aoCodecs.empty() && aoCodecs.back().bCompression)
    {
        sPipeline.oCompressor = aoCodecs.back().oJson;
        aoCodecs.pop_back();
    }
    if (!aoCodecs.empty())
    {
        sPipeline.oFilters = nlohmann::json::array();
        for (const auto &oCodec : aoCodecs)
            sPipeline.oFilters.push_back(oCodec.oJson);
    }
}

}  // namespace

CodecPipeline MapFilters(hid_t hDcpl, size_t nElementSize)
{
    CodecPipeline sPipeline;
    const int nFilters = H5Pget_nfilters(hDcpl);
    if (nFilters < 0)
        throw Error("cannot read the filter pipeline");
    sPipeline.nFilters = nFilters;
    std::vector<Codec> aoCodecs;
    for (int i = 0; i < nFilters; ++i)
    {
        unsigned nFlags = 0;
        size_t nValues = 16;
        unsigned anValues[16] = {};
        char szName[257] = {};
        unsigned nConfig = 0;
        const H5Z_filter_t nId = H5Pget_filter2(hDcpl, static_cast<unsigned>(i),
                                                &nFlags, &nValues, anValues,
                                                sizeof(szName) - 1, szName, &nConfig);
        if (nId == H5Z_FILTER_FLETCHER32 && i == nFilters - 1)
        {
            // See CodecPipeline::bDropChecksum.
            sPipeline.bDropChecksum = true;
            sPipeline.aoStages.push_back(nlohmann::json());
            continue;
        }
        aoCodecs.push_back(
            CodecOfFilter(nId, anValues, nValues, szName, nElementSize));
        sPipeline.aoStages.push_back(aoCodecs.back().oJson);
    }
    SetZarrCodecs(std::move(aoCodecs), sPipeline);
    return sPipeline;
}

namespace
{

// numcodecs/HDF5 byte shuffle: byte j of element i goes to j * n + i;
// trailing bytes that do not make a whole element stay in place.
std::string Shuffle(const std::string &osIn, size_t nElementSize)
{
    if (nElementSize <= 1)
        return osIn;
    std::string osOut(osIn);
    const size_t nElements = osIn.size() / nElementSize;
    for (size_t i = 0; i < nElements; ++i)
        for (size_t j = 0; j < nElementSize; ++j)
            osOut[j * nElements + i] = osIn[i * nElementSize + j];
    return osOut;
}

// LZF (liblzf lzf_d.c): a control byte below 32 introduces ctrl + 1 literal
// bytes; a stream of literals only is valid LZF.
std::string LzfLiterals(const std::string &osIn)
{
    std::string osOut;
    osOut.reserve(osIn.size() + osIn.size() / 32 + 1);
    for (size_t i = 0; i < osIn.size(); i += 32)
    {
        const size_t n = std::min<size_t>(32, osIn.size() - i);
        osOut += static_cast<char>(n - 1);
        osOut.append(osIn, i, n);
    }
    return osOut;
}

void AppendBigEndian(std::string &osOut, uint64_t nValue, int nBytes)
{
    for (int i = nBytes - 1; i >= 0; --i)
        osOut += static_cast<char>((nValue >> (8 * i)) & 0xFF);
}

// HDF5 lz4 filter (H5Zlz4.c): 8-byte original size, 4-byte block size, then
// per block a 4-byte stored size; a block stored at full size is raw.
std::string Hdf5Lz4Raw(const std::string &osIn)
{
    std::string osOut;
    AppendBigEndian(osOut, osIn.size(), 8);
    const size_t nBlock = std::max<size_t>(1, std::min<size_t>(osIn.size(), 1 << 30));
    AppendBigEndian(osOut, nBlock, 4);
    for (size_t i = 0; i < osIn.size(); i += nBlock)
    {
        const size_t n = std::min(nBlock, osIn.size() - i);
        AppendBigEndian(osOut, n, 4);
        osOut.append(osIn, i, n);
    }
    return osOut;
}

std::string CompressWithGDAL(const std::string &osId, const nlohmann::json &oCodec,
                             const std::string &osIn)
{
    const CPLCompressor *psCompressor = CPLGetCompressor(osId.c_str());
    if (psCompressor == nullptr)
        throw Unsupported("re-encoding a chunk with " + osId);
    CPLStringList aosOptions;
    if (oCodec.contains("level"))
        aosOptions.SetNameValue("LEVEL", oCodec["level"].dump().c_str());
    void *pOut = nullptr;
    size_t nOut = 0;
    if (!psCompressor->pfnFunc(osIn.data(), osIn.size(), &pOut, &nOut, aosOptions.List(),
                               psCompressor->user_data))
        throw Error("re-encoding a chunk with " + osId + " failed");
    std::string osOut(static_cast<const char *>(pOut), nOut);
    VSIFree(pOut);
    return osOut;
}

}  // namespace

std::string EncodeSkippedFilters(const CodecPipeline &sPipeline, unsigned nMask,
                                 const std::string &osStored)
{
    const int nStages = static_cast<int>(sPipeline.aoStages.size());
    int iFirstSkipped = nStages;
    for (int i = 0; i < nStages; ++i)
    {
        if (nMask & (1U << i))
        {
            iFirstSkipped = i;
            break;
        }
    }
    std::string osBytes = osStored;
    for (int i = iFirstSkipped; i < nStages; ++i)
    {
        const nlohmann::json &oCodec = sPipeline.aoStages[i];
        if (oCodec.is_null())
            continue;  // the dropped trailing checksum
        if (!(nMask & (1U << i)))
            throw Unsupported("a chunk skipped a filter that is followed by one it did not skip");
        const std::string osId = oCodec["id"].get<std::string>();
        if (osId == "shuffle")
            osBytes = Shuffle(osBytes, oCodec["elementsize"].get<size_t>());
        else if (osId == "lzf")
            osBytes = LzfLiterals(osBytes);
        else if (osId == "hdf5_lz4")
            osBytes = Hdf5Lz4Raw(osBytes);
        else if (osId == "zlib" || osId == "zstd" || osId == "blosc")
            osBytes = CompressWithGDAL(osId, oCodec, osBytes);
        else
            throw Unsupported("a chunk stored without its " + osId + " filter");
    }
    return osBytes;
}

}  // namespace kerchunk::hdf5
