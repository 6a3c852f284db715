// Internal interface of the codecs component, and the contract GDAL 3.6's
// Zarr driver imposes on the decoders we register.
//
// How GDAL 3.6.2's Zarr driver (frmts/zarr, ZarrV2Group::LoadArray and
// ZarrV2Array::LoadTileData) calls a codec, read from its source and checked
// by tests/test_codecs.cpp through the real driver:
//
// * Lookup is by "id" in the CPL compressor registry (cpl_compressor.h).
//   An array is refused ("Decompressor %s not handled" / "Filter %s not
//   handled") unless BOTH CPLGetCompressor(id) and CPLGetDecompressor(id)
//   answer, even though reading only ever calls the decompressor. So every id
//   here also gets a compressor, which refuses with a CPLError.
// * Compressor stage ("compressor": {...}): the whole chunk file is read
//   (empty or > INT_MAX bytes is an error before we are called). The
//   decompressor is called with *output_data pointing to a preallocated buffer
//   and *output_size = the tile's raw size (product of chunk shape x dtype
//   size), and with papszOptions = nullptr: the compressor's JSON keys are NOT
//   passed. Codecs that need options in that position get them built in by a
//   variant id (see RegisterCodecVariant in codecs.h).
// * "compressor": null: GDAL reads AT MOST the tile's raw size from the chunk
//   file, so a chunk whose stored form is longer than the decoded tile (a
//   fletcher32 footer, a GRIB message for a tiny grid) is silently truncated
//   unless its first decoding codec sits in the compressor position
//   (AdaptZarrayForGDAL36 in codecs.h moves it there).
// * Filters are applied in reverse order of the "filters" array, after the
//   compressor. Each gets the previous stage's output and size, every JSON
//   key of its object (including "id") as NAME=VALUE options, where VALUE is
//   CPLJSONObject::ToString() (numbers keep their JSON spelling), and writes
//   into a preallocated buffer whose *output_size is the tile's raw size.
// * The size we return in *output_size becomes the next stage's input size;
//   after the last filter it must equal the tile's raw size ("Decompressed
//   tile %s has not expected size after filters").
// * On failure we return false; GDAL then adds its own CPLError ("Decompression
//   of tile X failed" / "Filter X for tile Y failed") after ours.
// * AdviseRead() decodes tiles concurrently from worker threads: decoders must
//   be reentrant (eccodes calls are serialized by a mutex).
//
// Every decoder here implements DecodeFunc: it writes into the caller's
// buffer, checks every size against the input and the buffer, and reports a
// problem by throwing CodecError. The registration wrapper (register_codecs.cpp)
// catches everything and turns it into one CPLError, so nothing escapes the
// C callback.
#pragma once

#include "cpl_string.h"

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace kerchunk
{

// A decoding failure; the message is the complete, user-facing text and
// starts with the codec id ("fletcher32 checksum mismatch ...").
class CodecError : public std::runtime_error
{
  public:
    using std::runtime_error::runtime_error;
};

// printf-style CodecError.
[[noreturn]] void ThrowCodecError(const char *pszFormat, ...)
    CPL_PRINT_FUNC_FORMAT(1, 2);

// NAME=VALUE options of one codec (case-insensitive names).
class CodecOptions
{
  public:
    CodecOptions() = default;
    explicit CodecOptions(CSLConstList papszOptions) : m_aosOptions(papszOptions)
    {
    }

    const CPLStringList &List() const
    {
        return m_aosOptions;
    }
    bool Has(const char *pszName) const;
    // The value, or pszDefault when absent.
    std::string GetString(const char *pszCodec, const char *pszName,
                          const char *pszDefault = nullptr) const;
    // An integer in [nMin, nMax]; absent and no default, or out of range,
    // or not an integer: CodecError naming codec and option.
    int64_t GetInt(const char *pszCodec, const char *pszName, int64_t nMin,
                   int64_t nMax) const;
    int64_t GetInt(const char *pszCodec, const char *pszName, int64_t nMin,
                   int64_t nMax, int64_t nDefault) const;
    // A finite or infinite JSON number.
    double GetDouble(const char *pszCodec, const char *pszName) const;

  private:
    CPLStringList m_aosOptions{};
};

// Decodes nIn bytes at pIn into pOut (nOutCapacity bytes, the tile's raw
// size under GDAL) and returns the number of bytes written. Throws CodecError.
using DecodeFunc = size_t (*)(const GByte *pIn, size_t nIn, GByte *pOut,
                              size_t nOutCapacity, const CodecOptions &oOptions);

// Checks that nNeeded bytes fit into the output buffer.
void CheckOutputFits(const char *pszCodec, size_t nNeeded, size_t nCapacity);

// A numpy dtype string as numcodecs writes it ("<f8", "|u1", ">i2",
// "float32", "int16", ...), restricted to the numeric types we decode.
struct NumpyDType
{
    enum class Kind
    {
        Int,
        UInt,
        Float
    };
    Kind eKind = Kind::Float;
    int nSize = 0;  // bytes
    bool bBigEndian = false;

    // CodecError naming codec/option when the string is not supported.
    static NumpyDType Parse(const char *pszCodec, const char *pszOption,
                            const std::string &osDType);
};

// The decoders (one file each).
size_t DecodeShuffle(const GByte *, size_t, GByte *, size_t,
                     const CodecOptions &);
size_t DecodeFletcher32(const GByte *, size_t, GByte *, size_t,
                        const CodecOptions &);
size_t DecodeFixedScaleOffset(const GByte *, size_t, GByte *, size_t,
                              const CodecOptions &);
size_t DecodeBitRound(const GByte *, size_t, GByte *, size_t,
                      const CodecOptions &);
size_t DecodeQuantize(const GByte *, size_t, GByte *, size_t,
                      const CodecOptions &);
size_t DecodeGrib(const GByte *, size_t, GByte *, size_t, const CodecOptions &);
size_t DecodeBz2(const GByte *, size_t, GByte *, size_t, const CodecOptions &);
size_t DecodeLzf(const GByte *, size_t, GByte *, size_t, const CodecOptions &);
size_t DecodeHdf5Lz4(const GByte *, size_t, GByte *, size_t,
                     const CodecOptions &);
size_t DecodeSzip(const GByte *, size_t, GByte *, size_t, const CodecOptions &);

// HDF5's Fletcher-32 (H5checksum.c, H5_checksum_fletcher32); exposed for tests.
uint32_t Fletcher32Checksum(const GByte *pData, size_t nSize);

}  // namespace kerchunk
