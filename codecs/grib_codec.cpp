// kerchunk "grib" (kerchunk/codecs.py GRIBCodec): the chunk is one GRIB
// message, decoded by eccodes. var "latitude"/"longitude" gives the grid's
// coordinates, anything else the field's values, where values equal to the
// message's missingValue become NaN as kerchunk does -- but only in messages
// that have missing values (bitmap or missing value management), so that
// real values equal to missingValue stay what eccodes decodes.
#include "codec_contract.h"
#include "eccodes_assertions.h"

#include "cpl_conv.h"

#include <eccodes.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

namespace kerchunk
{
namespace
{

struct HandleDeleter
{
    void operator()(codes_handle *h) const
    {
        codes_handle_delete(h);
    }
};
using HandlePtr = std::unique_ptr<codes_handle, HandleDeleter>;

// kerchunk serializes its eccodes calls (GRIBCodec.eclock); GDAL decodes tiles
// from several threads in AdviseRead, so we do the same.
std::mutex &EccodesMutex()
{
    static std::mutex oMutex;
    return oMutex;
}

// Section 0 of GRIB edition 1 (3-byte length) and 2 (8-byte length), WMO
// FM 92 GRIB manual: refuse truncated messages before eccodes sees them.
void CheckMessageFraming(const GByte *pIn, size_t nIn)
{
    if (nIn < 16 || memcmp(pIn, "GRIB", 4) != 0)
        ThrowCodecError("grib: chunk of %llu bytes does not start with a GRIB "
                        "message",
                        static_cast<unsigned long long>(nIn));
    const int nEdition = pIn[7];
    uint64_t nLength = 0;
    if (nEdition == 2)
    {
        for (int i = 8; i < 16; ++i)
            nLength = (nLength << 8) | pIn[i];
    }
    else if (nEdition == 1)
    {
        nLength = (static_cast<uint64_t>(pIn[4]) << 16) | (pIn[5] << 8) | pIn[6];
        // ECMWF's large GRIB1 messages flag a length in 120-byte units here;
        // leave those to eccodes.
        if (nLength & 0x800000)
            return;
    }
    else
    {
        ThrowCodecError("grib: unsupported GRIB edition %d", nEdition);
    }
    if (nLength > nIn)
        ThrowCodecError("grib: truncated message: it declares %llu bytes, the "
                        "chunk has %llu (with \"compressor\": null GDAL 3.6 "
                        "reads at most the tile's size; put grib in the "
                        "compressor position)",
                        static_cast<unsigned long long>(nLength),
                        static_cast<unsigned long long>(nIn));
    if (nLength < 16 || memcmp(pIn + nLength - 4, "7777", 4) != 0)
        ThrowCodecError("grib: message of %llu bytes does not end with 7777",
                        static_cast<unsigned long long>(nLength));
}

// Packing fields eccodes reads as one machine word each: a corrupt value
// beyond the limit makes it assert (grib_bits_any_endian.c) and read past
// the data. GRIB2 data representation templates 5.0-5.3 and GRIB1 section 4.
struct PackingLimit
{
    const char *pszKey;
    long nMax;
};
constexpr PackingLimit asPackingLimits[] = {
    {"bitsPerValue", 64},
    {"numberOfBitsUsedForTheGroupWidths", 64},
    {"numberOfBitsForScaledGroupLengths", 64},
    {"numberOfOctetsExtraDescriptors", 8},  // spatial differencing, 5.3
};
constexpr size_t N_PACKING_LIMITS = sizeof(asPackingLimits) / sizeof(asPackingLimits[0]);

// Grid extents eccodes' geographic iterators size their own arrays by,
// before they compare them with the number of points: Ni longitudes and Nj
// latitudes, each at most the number of points (a row or a column holds at
// least one), and the 2N latitudes of a Gaussian grid, global even when the
// grid is a sub-area, so bounded like the generator's (MAX_GAUSSIAN_N).
struct GridExtent
{
    const char *pszKey;
    size_t nMax;  // 0: at most the number of points of the tile
};
constexpr GridExtent asGridExtents[] = {{"Ni", 0}, {"Nj", 0}, {"N", 8000}};
constexpr size_t N_GRID_EXTENTS = sizeof(asGridExtents) / sizeof(asGridExtents[0]);

// What DecodeGrib asks eccodes. The steps below fill it calling only
// eccodes' C API, under RunEccodesGuarded (no C++ objects alive in them).
struct GribQuery
{
    const GByte *pIn = nullptr;
    size_t nIn = 0;
    codes_handle *poHandle = nullptr;
    const char *pszKey = nullptr;  // "values", "latitudes" or "longitudes"
    bool abPackingDefined[N_PACKING_LIMITS] = {};
    long anPacking[N_PACKING_LIMITS] = {};
    int nErr = 0;
    size_t nValues = 0;
    size_t nDataValues = 0;  // count of "values", when pszKey is a coordinate
    size_t nCodedValues = 0;  // numberOfCodedValues
    // Rows/columns eccodes' geographic iterator allocates, when pszKey is a
    // coordinate and the grid defines them.
    size_t anGridExtents[N_GRID_EXTENTS] = {};
    bool abGridExtentDefined[N_GRID_EXTENTS] = {};
    double *padfValues = nullptr;  // nValues doubles
    size_t nGot = 0;
    long nBitmapPresent = 0;
    long nMissingManagement = 0;
    char szMissing[64] = {};
    int nMissingErr = 0;
};

void StepOpen(void *pUser)
{
    auto *q = static_cast<GribQuery *>(pUser);
    q->poHandle = codes_handle_new_from_message(nullptr, q->pIn, q->nIn);
}

void StepPacking(void *pUser)
{
    auto *q = static_cast<GribQuery *>(pUser);
    for (size_t i = 0; i < N_PACKING_LIMITS; ++i)
    {
        q->abPackingDefined[i] =
            codes_is_defined(q->poHandle, asPackingLimits[i].pszKey) != 0 &&
            codes_get_long(q->poHandle, asPackingLimits[i].pszKey, &q->anPacking[i]) == 0;
    }
}

void StepSize(void *pUser)
{
    auto *q = static_cast<GribQuery *>(pUser);
    q->nErr = codes_get_size(q->poHandle, q->pszKey, &q->nValues);
    // eccodes' geographic iterator (latitudes, longitudes) decodes "values"
    // first, into an array of their count, whatever the coordinates' count.
    if (q->nErr == 0 && strcmp(q->pszKey, "values") != 0)
        q->nErr = codes_get_size(q->poHandle, "values", &q->nDataValues);
    // Decoding "values" allocates the coded values (numberOfValues of
    // section 5, fewer than the points with a bitmap) before unpacking.
    long nCoded = 0;
    if (q->nErr == 0 && codes_is_defined(q->poHandle, "numberOfCodedValues") &&
        codes_get_long(q->poHandle, "numberOfCodedValues", &nCoded) == 0)
        q->nCodedValues = nCoded < 0 ? SIZE_MAX : static_cast<size_t>(nCoded);
    if (q->nErr != 0 || strcmp(q->pszKey, "values") == 0)
        return;
    for (size_t i = 0; i < N_GRID_EXTENTS; ++i)
    {
        // Reduced grids mark Ni "missing": the iterator does not use it.
        const char *pszExtent = asGridExtents[i].pszKey;
        long nExtent = 0;
        int nMissingErr = 0;
        if (codes_is_defined(q->poHandle, pszExtent) &&
            !codes_is_missing(q->poHandle, pszExtent, &nMissingErr) &&
            codes_get_long(q->poHandle, pszExtent, &nExtent) == 0)
        {
            q->abGridExtentDefined[i] = true;
            q->anGridExtents[i] = nExtent < 0 ? SIZE_MAX
                                              : static_cast<size_t>(nExtent);
        }
    }
}

void StepValues(void *pUser)
{
    auto *q = static_cast<GribQuery *>(pUser);
    q->nGot = q->nValues;
    q->nErr = codes_get_double_array(q->poHandle, q->pszKey, q->padfValues, &q->nGot);
}

// Only messages that declare missing values (a bitmap, or GRIB2 complex
// packing's missing value management) have any: elsewhere a value equal to
// missingValue (9999 by default) is real data, and eccodes returns it as such.
void StepMissing(void *pUser)
{
    auto *q = static_cast<GribQuery *>(pUser);
    codes_get_long(q->poHandle, "bitmapPresent", &q->nBitmapPresent);
    codes_get_long(q->poHandle, "missingValueManagementUsed", &q->nMissingManagement);
    size_t nLen = sizeof(q->szMissing) - 1;
    q->nMissingErr = codes_get_string(q->poHandle, "missingValue", q->szMissing, &nLen);
}

void RunStep(void (*pfnStep)(void *), GribQuery &oQuery, HandlePtr &poHandle,
             const char *pszStep)
{
    std::string osFailure;
    if (!RunEccodesGuarded(pfnStep, &oQuery, osFailure))
    {
        // eccodes left the handle half-way through: never touch it again.
        (void)poHandle.release();
        ThrowCodecError("grib: corrupt message: eccodes failed while %s (%s)",
                        pszStep, osFailure.c_str());
    }
}

void CheckPackingFields(const GribQuery &oQuery)
{
    for (size_t i = 0; i < N_PACKING_LIMITS; ++i)
    {
        const long nValue = oQuery.anPacking[i];
        if (oQuery.abPackingDefined[i] && (nValue < 0 || nValue > asPackingLimits[i].nMax))
            ThrowCodecError("grib: corrupt packing: %s is %ld (at most %ld)",
                            asPackingLimits[i].pszKey, nValue,
                            asPackingLimits[i].nMax);
    }
}

// Decodes osKey of the message into adfValues (no more values than float32
// fit in the tile); returns
// missingValue's text when the message declares missing values, else "".
std::string ReadWithEccodes(const GByte *pIn, size_t nIn, const std::string &osKey,
                            size_t nOutCapacity, std::vector<double> &adfValues)
{
    std::lock_guard<std::mutex> oLock(EccodesMutex());
    GribQuery oQuery;
    oQuery.pIn = pIn;
    oQuery.nIn = nIn;
    oQuery.pszKey = osKey.c_str();
    HandlePtr poHandle;
    RunStep(StepOpen, oQuery, poHandle, "reading the message");
    poHandle.reset(oQuery.poHandle);
    if (!poHandle)
        ThrowCodecError("grib: eccodes cannot decode the message");
    RunStep(StepPacking, oQuery, poHandle, "reading the packing");
    CheckPackingFields(oQuery);
    RunStep(StepSize, oQuery, poHandle, "reading the number of values");
    if (oQuery.nErr != 0)
        ThrowCodecError("grib: eccodes cannot get the size of '%s': %s",
                        osKey.c_str(), codes_get_error_message(oQuery.nErr));
    // Both counts size allocations (ours, eccodes'): a corrupt header may
    // declare billions of points in a message of a few bytes.
    for (const auto &oCount :
         {std::make_pair(oQuery.nValues, osKey.c_str()),
          std::make_pair(oQuery.nDataValues, "values"),
          std::make_pair(oQuery.nCodedValues, "coded values (numberOfCodedValues)")})
    {
        if (oCount.first > nOutCapacity / sizeof(float))
            ThrowCodecError("grib: message has %llu %s, more than the tile of "
                            "%llu bytes holds",
                            static_cast<unsigned long long>(oCount.first),
                            oCount.second,
                            static_cast<unsigned long long>(nOutCapacity));
    }
    for (size_t i = 0; i < N_GRID_EXTENTS; ++i)
    {
        const GridExtent &oExtent = asGridExtents[i];
        const auto nValue = static_cast<unsigned long long>(oQuery.anGridExtents[i]);
        if (oExtent.nMax != 0 && nValue > oExtent.nMax)
            ThrowCodecError("grib: Gaussian grid has %s = %llu, more than %llu",
                            oExtent.pszKey, nValue,
                            static_cast<unsigned long long>(oExtent.nMax));
        if (oExtent.nMax == 0 && nValue > nOutCapacity / sizeof(float))
            ThrowCodecError("grib: grid has %s = %llu, more than the tile of "
                            "%llu bytes holds points",
                            oExtent.pszKey, nValue,
                            static_cast<unsigned long long>(nOutCapacity));
        // The iterator writes its last row or column at index N - 1.
        if (oQuery.abGridExtentDefined[i] && nValue == 0)
            ThrowCodecError("grib: grid has %s = 0", oExtent.pszKey);
    }
    adfValues.resize(oQuery.nValues);
    oQuery.padfValues = adfValues.data();
    RunStep(StepValues, oQuery, poHandle, ("decoding '" + osKey + "'").c_str());
    if (oQuery.nErr != 0 || oQuery.nGot != oQuery.nValues)
        ThrowCodecError("grib: eccodes cannot decode '%s': %s", osKey.c_str(),
                        codes_get_error_message(oQuery.nErr));
    RunStep(StepMissing, oQuery, poHandle, "reading the missing value");
    if (osKey == "values" && oQuery.nMissingErr == 0 &&
        (oQuery.nBitmapPresent != 0 || oQuery.nMissingManagement > 0))
        return oQuery.szMissing;
    return std::string();
}

}  // namespace

size_t DecodeGrib(const GByte *pIn, size_t nIn, GByte *pOut,
                  size_t nOutCapacity, const CodecOptions &oOptions)
{
    const std::string osVar = oOptions.GetString("grib", "var", "values");
    const bool bCoordinate = osVar == "latitude" || osVar == "longitude";
    const std::string osKey = bCoordinate ? osVar + "s" : std::string("values");

    CheckMessageFraming(pIn, nIn);

    std::vector<double> adfValues;
    const std::string osMissing =
        ReadWithEccodes(pIn, nIn, osKey, nOutCapacity, adfValues);

    // As kerchunk: data[data == float(missingValue)] = nan, on "values"
    // only (and, unlike kerchunk, only when the message has missing values).
    if (!osMissing.empty())
    {
        char *pszEnd = nullptr;
        const double dfMissing = CPLStrtod(osMissing.c_str(), &pszEnd);
        if (pszEnd != osMissing.c_str())
        {
            for (double &dfValue : adfValues)
            {
                if (dfValue == dfMissing)
                    dfValue = std::numeric_limits<double>::quiet_NaN();
            }
        }
    }

    // dtype: as given, else kerchunk's defaults; in the compressor position
    // (no options under GDAL 3.6) it follows from the tile size.
    const size_t nValues = adfValues.size();
    NumpyDType oDType;
    if (oOptions.Has("dtype"))
    {
        oDType = NumpyDType::Parse("grib", "dtype",
                                   oOptions.GetString("grib", "dtype"));
        if (oDType.eKind != NumpyDType::Kind::Float)
            ThrowCodecError("grib: unsupported dtype '%s' (float32 or float64)",
                            oOptions.GetString("grib", "dtype").c_str());
    }
    else if (oOptions.Has("var"))
    {
        oDType.eKind = NumpyDType::Kind::Float;
        oDType.nSize = bCoordinate ? 8 : 4;
    }
    else
    {
        oDType.eKind = NumpyDType::Kind::Float;
        oDType.nSize = nValues != 0 && nOutCapacity == nValues * 8 ? 8 : 4;
    }
    if (nValues * oDType.nSize != nOutCapacity)
        ThrowCodecError("grib: message has %llu %s (%llu bytes as float%d), "
                        "the tile expects %llu bytes",
                        static_cast<unsigned long long>(nValues),
                        osKey.c_str(),
                        static_cast<unsigned long long>(nValues * oDType.nSize),
                        oDType.nSize * 8,
                        static_cast<unsigned long long>(nOutCapacity));

    for (size_t i = 0; i < nValues; ++i)
    {
        GByte ab[8];
        if (oDType.nSize == 4)
        {
            const float f = static_cast<float>(adfValues[i]);
            memcpy(ab, &f, 4);
        }
        else
        {
            memcpy(ab, &adfValues[i], 8);
        }
        if (oDType.bBigEndian)
            std::reverse(ab, ab + oDType.nSize);
        memcpy(pOut + i * oDType.nSize, ab, oDType.nSize);
    }
    return nValues * oDType.nSize;
}

}  // namespace kerchunk
