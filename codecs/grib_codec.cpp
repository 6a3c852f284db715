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
#include <cstring>
#include <limits>
#include <memory>
#include <mutex>
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

// Widths in bits that eccodes reads with one machine word: a corrupt value
// above 64 makes it assert (grib_bits_any_endian.c) or read past the data.
void CheckPackingFields(codes_handle *poHandle)
{
    static const char *const apszBitWidths[] = {
        "bitsPerValue", "numberOfBitsUsedForTheGroupWidths",
        "numberOfBitsForScaledGroupLengths"};
    for (const char *pszKey : apszBitWidths)
    {
        long nValue = 0;
        if (codes_is_defined(poHandle, pszKey) &&
            codes_get_long(poHandle, pszKey, &nValue) == 0 &&
            (nValue < 0 || nValue > 64))
            ThrowCodecError("grib: corrupt packing: %s is %ld (at most 64)",
                            pszKey, nValue);
    }
    // GRIB2 data representation template 5.3: extra descriptors of spatial
    // differencing, in octets read as one word.
    long nOctets = 0;
    if (codes_is_defined(poHandle, "numberOfOctetsExtraDescriptors") &&
        codes_get_long(poHandle, "numberOfOctetsExtraDescriptors", &nOctets) == 0 &&
        (nOctets < 0 || nOctets > 8))
        ThrowCodecError("grib: corrupt packing: numberOfOctetsExtraDescriptors "
                        "is %ld (at most 8)",
                        nOctets);
}

void ThrowIfAsserted(const EccodesAssertionScope &oScope, const char *pszStep)
{
    if (oScope.Failed())
        ThrowCodecError("grib: corrupt message: eccodes failed while %s (%s)",
                        pszStep, oScope.GetFailure().c_str());
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
    std::string osMissing;
    {
        std::lock_guard<std::mutex> oLock(EccodesMutex());
        const EccodesAssertionScope oAssertions;
        HandlePtr poHandle(codes_handle_new_from_message(nullptr, pIn, nIn));
        ThrowIfAsserted(oAssertions, "reading the message");
        if (!poHandle)
            ThrowCodecError("grib: eccodes cannot decode the message");
        CheckPackingFields(poHandle.get());
        ThrowIfAsserted(oAssertions, "reading the packing");
        size_t nValues = 0;
        int nErr = codes_get_size(poHandle.get(), osKey.c_str(), &nValues);
        if (nErr != 0)
            ThrowCodecError("grib: eccodes cannot get the size of '%s': %s",
                            osKey.c_str(), codes_get_error_message(nErr));
        if (nValues > nOutCapacity / sizeof(float))
            ThrowCodecError("grib: message has %llu %s, more than the tile of "
                            "%llu bytes holds",
                            static_cast<unsigned long long>(nValues),
                            osKey.c_str(),
                            static_cast<unsigned long long>(nOutCapacity));
        adfValues.resize(nValues);
        size_t nGot = nValues;
        nErr = codes_get_double_array(poHandle.get(), osKey.c_str(),
                                      adfValues.data(), &nGot);
        ThrowIfAsserted(oAssertions, ("decoding '" + osKey + "'").c_str());
        if (nErr != 0 || nGot != nValues)
            ThrowCodecError("grib: eccodes cannot decode '%s': %s",
                            osKey.c_str(), codes_get_error_message(nErr));
        // Only messages that declare missing values (a bitmap, or GRIB2
        // complex packing's missing value management) have any: elsewhere a
        // value equal to missingValue (9999 by default) is real data, and
        // eccodes returns it as such.
        long nBitmapPresent = 0;
        long nMissingManagement = 0;
        codes_get_long(poHandle.get(), "bitmapPresent", &nBitmapPresent);
        codes_get_long(poHandle.get(), "missingValueManagementUsed", &nMissingManagement);
        ThrowIfAsserted(oAssertions, "reading the missing value flags");
        if (!bCoordinate && (nBitmapPresent != 0 || nMissingManagement > 0))
        {
            char szMissing[64] = {};
            size_t nLen = sizeof(szMissing);
            if (codes_get_string(poHandle.get(), "missingValue", szMissing,
                                 &nLen) == 0)
                osMissing = szMissing;
        }
    }

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
