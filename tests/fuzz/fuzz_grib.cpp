// libFuzzer harness: the GRIB side of the generator (refgen/grib). The input
// is a file in /vsimem/: the message locator (ScanGribMessages, editions 1
// and 2, multi-field messages, WMO headers) must find only messages and
// sections inside the file; then, as the generator does for each field, the
// header message is built (BuildHeaderMessage), parsed by eccodes and its
// grid mapped (DescribeGribGrid, with BuildSingleFieldMessage for the full
// value count).
#include "grib/grib_grid.h"
#include "grib/grib_handle.h"
#include "grib/grib_locator.h"

#include "error.h"

#include "cpl_conv.h"
#include "cpl_error.h"
#include "cpl_vsi.h"

#include <cstdint>
#include <cstdlib>
#include <string>

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
    CPLSetErrorHandler(CPLQuietErrorHandler);
    kerchunk::RouteEccodesLogging();
    // Grids whose coordinates fit the fuzzer's 2 GB (-rss_limit_mb) under
    // AddressSanitizer; larger ones are refused naming this option.
    CPLSetConfigOption("KERCHUNK_MAX_CHUNK_SIZE", "268435456");
    return 0;
}

namespace
{

constexpr const char *FUZZ_PATH = "/vsimem/fuzz.grib";
// Fields decoded per input: a few are enough to reach every code path.
constexpr int MAX_FIELDS = 8;

void CheckInside(const kerchunk::GribMessage &oMsg, uint64_t nFileSize)
{
    if (oMsg.nOffset > nFileSize || oMsg.nLength > nFileSize - oMsg.nOffset)
        abort();  // a message outside the file
    for (const auto &oField : oMsg.aoFields)
    {
        for (const auto &oSection : oField.aoSections)
        {
            if (oSection.nOffset < oMsg.nOffset ||
                oSection.nLength > oMsg.nOffset + oMsg.nLength - oSection.nOffset)
                abort();  // a section outside its message
        }
    }
}

void DescribeField(kerchunk::GribFileReader &oReader,
                   const kerchunk::GribMessage &oMsg,
                   const kerchunk::GribField &oField)
{
    const kerchunk::EccodesHandle h = kerchunk::EccodesHandle::FromBytes(
        kerchunk::BuildHeaderMessage(oReader, oMsg, oField), oMsg.nEdition == 2);
    if (!h)
        return;
    auto fnFullCount = [&]() -> uint64_t
    {
        const kerchunk::EccodesHandle oFull = kerchunk::EccodesHandle::FromBytes(
            oField.nIndex == 0
                ? oReader.ReadString(oMsg.nOffset, static_cast<size_t>(oMsg.nLength))
                : kerchunk::BuildSingleFieldMessage(oReader, oMsg, oField),
            false);
        return oFull.GetSize("values").value_or(0);
    };
    const kerchunk::GribGrid oGrid = kerchunk::DescribeGribGrid(h, fnFullCount);
    if (oGrid.eKind != kerchunk::GribGridKind::OneD &&
        ((!oGrid.adfX.empty() && oGrid.adfX.size() != oGrid.nX) ||
         (!oGrid.adfY.empty() && oGrid.adfY.size() != oGrid.nY)))
        abort();  // coordinates that do not match the grid
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *pabyData, size_t nSize)
{
    VSIFCloseL(VSIFileFromMemBuffer(FUZZ_PATH, const_cast<GByte *>(pabyData),
                                    nSize, FALSE));
    {
        kerchunk::GribFileReader oReader(FUZZ_PATH);
        int nFields = 0;
        try
        {
            kerchunk::ScanGribMessages(
                oReader,
                [&](kerchunk::GribMessage &&oMsg)
                {
                    CheckInside(oMsg, nSize);
                    for (const auto &oField : oMsg.aoFields)
                    {
                        if (++nFields > MAX_FIELDS)
                            return;
                        try
                        {
                            DescribeField(oReader, oMsg, oField);
                        }
                        catch (const kerchunk::Error &)
                        {
                        }
                    }
                });
        }
        catch (const kerchunk::Error &)
        {
        }
    }
    VSIUnlink(FUZZ_PATH);
    return 0;
}
