// Registration of the decoders in GDAL's compressor registry, and the C
// callback boundary: every failure becomes one CPLError, no exception escapes.
#include "codecs.h"
#include "codec_contract.h"

#include "cpl_compressor.h"
#include "cpl_error.h"

#include <algorithm>
#include <map>
#include <memory>
#include <mutex>
#include <new>
#include <vector>

namespace kerchunk
{
namespace
{

struct CodecDef
{
    const char *pszId;
    DecodeFunc pfnDecode;
    CPLCompressorType eType;
};

// kerchunk/numcodecs ids (see codecs.h for their options).
constexpr CodecDef asCodecs[] = {
    {"shuffle", DecodeShuffle, CCT_FILTER},
    {"fletcher32", DecodeFletcher32, CCT_FILTER},
    {"fixedscaleoffset", DecodeFixedScaleOffset, CCT_FILTER},
    {"bitround", DecodeBitRound, CCT_FILTER},
    {"quantize", DecodeQuantize, CCT_FILTER},
    {"grib", DecodeGrib, CCT_COMPRESSOR},
    {"bz2", DecodeBz2, CCT_COMPRESSOR},
    {"lzf", DecodeLzf, CCT_COMPRESSOR},
    {"hdf5_lz4", DecodeHdf5Lz4, CCT_COMPRESSOR},
    {"szip", DecodeSzip, CCT_COMPRESSOR},
};

const CodecDef *FindCodec(const std::string &osId)
{
    for (const auto &sDef : asCodecs)
    {
        if (osId == sDef.pszId)
            return &sDef;
    }
    return nullptr;
}

// What a registered decoder needs: its codec and, for variants, the options
// GDAL 3.6 will not pass. Lives until the process ends (the registry keeps a
// pointer to it).
// One decoding step of a chain: one of ours (psDef) or a codec GDAL has.
struct ChainStage
{
    const CodecDef *psDef = nullptr;
    std::string osId{};
    CPLStringList aosOptions{};
};

struct Binding
{
    const CodecDef *psDef = nullptr;  // nullptr for a chain
    std::string osId{};
    CPLStringList aosOptions{};
    std::vector<ChainStage> aoChain{};  // in decoding order
};

// fletcher32 output is its input minus the 4-byte footer.
constexpr size_t FLETCHER32_EXTRA = 4;

// Runs the stages of a chain: every stage before the last writes into a
// buffer with room for the checksums still to strip, the last one into the
// tile. Throws CodecError.
size_t DecodeChain(const Binding &oBinding, const GByte *pIn, size_t nIn,
                   GByte *pOut, size_t nOutCapacity)
{
    size_t nSlack = 0;
    for (const auto &oStage : oBinding.aoChain)
        nSlack += oStage.osId == "fletcher32" ? FLETCHER32_EXTRA : 0;
    std::vector<GByte> abyA, abyB;
    const GByte *pCur = pIn;
    size_t nCur = nIn;
    for (size_t i = 0; i < oBinding.aoChain.size(); ++i)
    {
        const ChainStage &oStage = oBinding.aoChain[i];
        const bool bLast = i + 1 == oBinding.aoChain.size();
        std::vector<GByte> &abyDst = (i % 2 == 0) ? abyA : abyB;
        GByte *pDst = pOut;
        size_t nCapacity = nOutCapacity;
        if (!bLast)
        {
            abyDst.resize(nOutCapacity + nSlack);
            pDst = abyDst.data();
            nCapacity = abyDst.size();
        }
        if (oStage.psDef)
        {
            nCur = oStage.psDef->pfnDecode(pCur, nCur, pDst, nCapacity,
                                           CodecOptions(oStage.aosOptions.List()));
        }
        else
        {
            const CPLCompressor *psDec = CPLGetDecompressor(oStage.osId.c_str());
            if (psDec == nullptr)
                ThrowCodecError("%s: codec '%s' is not available",
                                oBinding.osId.c_str(), oStage.osId.c_str());
            void *pStageOut = pDst;
            size_t nStageOut = nCapacity;
            if (!psDec->pfnFunc(pCur, nCur, &pStageOut, &nStageOut,
                                oStage.aosOptions.List(), psDec->user_data))
                ThrowCodecError("%s: stage '%s' failed", oBinding.osId.c_str(),
                                oStage.osId.c_str());
            nCur = nStageOut;
        }
        pCur = pDst;
    }
    return nCur;
}

std::mutex &RegistryMutex()
{
    static std::mutex oMutex;
    return oMutex;
}

std::map<std::string, std::unique_ptr<Binding>> &Bindings()
{
    static std::map<std::string, std::unique_ptr<Binding>> oMap;
    return oMap;
}

bool DecompressCallback(const void *pInput, size_t nInputSize,
                        void **ppOutput, size_t *pnOutputSize,
                        CSLConstList papszOptions, void *pUserData)
{
    const auto *psBinding = static_cast<const Binding *>(pUserData);
    const char *pszId = psBinding->osId.c_str();
    try
    {
        if (ppOutput == nullptr || *ppOutput == nullptr ||
            pnOutputSize == nullptr)
        {
            CPLError(CE_Failure, CPLE_NotSupported,
                     "%s: decoding needs a caller-provided output buffer",
                     pszId);
            return false;
        }
        if (pInput == nullptr && nInputSize != 0)
        {
            CPLError(CE_Failure, CPLE_AppDefined, "%s: no input", pszId);
            return false;
        }
        // Built-in options of a variant, overridden by any the caller passes.
        CPLStringList aosOptions(psBinding->aosOptions);
        for (CSLConstList papszIter = papszOptions; papszIter && *papszIter;
             ++papszIter)
        {
            char *pszKey = nullptr;
            const char *pszValue = CPLParseNameValue(*papszIter, &pszKey);
            if (pszKey && pszValue)
                aosOptions.SetNameValue(pszKey, pszValue);
            CPLFree(pszKey);
        }
        if (!psBinding->aoChain.empty())
        {
            *pnOutputSize = DecodeChain(*psBinding,
                                        static_cast<const GByte *>(pInput),
                                        nInputSize,
                                        static_cast<GByte *>(*ppOutput),
                                        *pnOutputSize);
            return true;
        }
        const CodecOptions oOptions(aosOptions.List());
        *pnOutputSize = psBinding->psDef->pfnDecode(
            static_cast<const GByte *>(pInput), nInputSize,
            static_cast<GByte *>(*ppOutput), *pnOutputSize, oOptions);
        return true;
    }
    catch (const CodecError &e)
    {
        CPLError(CE_Failure, CPLE_AppDefined, "%s", e.what());
    }
    catch (const std::bad_alloc &)
    {
        CPLError(CE_Failure, CPLE_OutOfMemory, "%s: out of memory", pszId);
    }
    catch (const std::exception &e)
    {
        CPLError(CE_Failure, CPLE_AppDefined, "%s: %s", pszId, e.what());
    }
    catch (...)
    {
        CPLError(CE_Failure, CPLE_AppDefined, "%s: unexpected failure", pszId);
    }
    return false;
}

bool RefuseCallback(const void *, size_t, void **, size_t *, CSLConstList,
                    void *pUserData)
{
    const auto *psBinding = static_cast<const Binding *>(pUserData);
    CPLError(CE_Failure, CPLE_NotSupported,
             "%s: gdal-kerchunk can only decode this codec, not encode",
             psBinding->osId.c_str());
    return false;
}

// Registers poNew->osId (a plain id, a variant or a chain) if GDAL does not
// know it yet. Caller holds RegistryMutex().
void RegisterLocked(std::unique_ptr<Binding> poNew)
{
    auto &oBindings = Bindings();
    const std::string osId = poNew->osId;
    auto oIter = oBindings.find(osId);
    if (oIter == oBindings.end())
        oIter = oBindings.emplace(osId, std::move(poNew)).first;
    CPLCompressor sDesc{};
    sDesc.nStructVersion = 1;
    sDesc.pszId = osId.c_str();
    sDesc.eType = oIter->second->psDef ? oIter->second->psDef->eType
                                       : CCT_COMPRESSOR;
    sDesc.user_data = oIter->second.get();
    // Checked one by one: the registry may lose entries on GDALDestroy, and
    // an id GDAL itself provides is left alone.
    if (CPLGetDecompressor(osId.c_str()) == nullptr)
    {
        sDesc.pfnFunc = DecompressCallback;
        CPLRegisterDecompressor(&sDesc);
    }
    if (CPLGetCompressor(osId.c_str()) == nullptr)
    {
        sDesc.pfnFunc = RefuseCallback;
        CPLRegisterCompressor(&sDesc);
    }
}

// Option values go into the variant id: escape the separators.
std::string EscapeForId(const std::string &osValue)
{
    std::string osOut;
    for (const char ch : osValue)
    {
        if (ch == ';' || ch == '=' || ch == '%')
            osOut += CPLSPrintf("%%%02X", static_cast<unsigned char>(ch));
        else
            osOut += ch;
    }
    return osOut;
}

void RegisterLocked(const CodecDef *psDef, const std::string &osId,
                    CPLStringList &&aosOptions)
{
    auto poBinding = std::make_unique<Binding>();
    poBinding->psDef = psDef;
    poBinding->osId = osId;
    poBinding->aosOptions = std::move(aosOptions);
    RegisterLocked(std::move(poBinding));
}

}  // namespace

void RegisterCodecs()
{
    std::lock_guard<std::mutex> oLock(RegistryMutex());
    for (const auto &sDef : asCodecs)
        RegisterLocked(&sDef, sDef.pszId, CPLStringList());
}

std::string RegisterCodecChain(const std::vector<CPLJSONObject> &aoStages)
{
    auto poBinding = std::make_unique<Binding>();
    std::string osId = "chain";
    for (const auto &oCodec : aoStages)
    {
        ChainStage oStage;
        oStage.osId = oCodec.GetType() == CPLJSONObject::Type::Object
                          ? oCodec["id"].ToString()
                          : std::string();
        oStage.psDef = FindCodec(oStage.osId);
        if (oStage.osId.empty() ||
            (!oStage.psDef && CPLGetDecompressor(oStage.osId.c_str()) == nullptr))
        {
            CPLError(CE_Failure, CPLE_NotSupported,
                     "Codec '%s' is not supported", oStage.osId.c_str());
            return std::string();
        }
        // As GDAL passes them to filters: every key, as NAME=VALUE.
        for (const auto &oChild : oCodec.GetChildren())
            oStage.aosOptions.SetNameValue(oChild.GetName().c_str(),
                                           oChild.ToString().c_str());
        osId += (osId.size() == 5 ? ":" : ">") +
                oCodec.Format(CPLJSONObject::PrettyFormat::Plain);
        poBinding->aoChain.push_back(std::move(oStage));
    }
    poBinding->osId = osId;
    std::lock_guard<std::mutex> oLock(RegistryMutex());
    RegisterLocked(std::move(poBinding));
    return osId;
}

std::string RegisterCodecVariant(const CPLJSONObject &oCodec)
{
    const std::string osId = oCodec.GetType() == CPLJSONObject::Type::Object
                                 ? oCodec["id"].ToString()
                                 : std::string();
    const CodecDef *psDef = FindCodec(osId);
    if (psDef == nullptr)
    {
        CPLError(CE_Failure, CPLE_NotSupported,
                 "Codec '%s' is not one of gdal-kerchunk's codecs",
                 osId.c_str());
        return std::string();
    }
    std::vector<std::pair<std::string, std::string>> aoOptions;
    for (const auto &oChild : oCodec.GetChildren())
    {
        const std::string osName = oChild.GetName();
        std::string osValue = oChild.ToString();
        if (osName == "id")
            continue;
        // Options that do not change decoding stay out of the id, so that
        // e.g. every GRIB variable shares one variant.
        if (osId == "bz2" && osName == "level")
            continue;
        if (osId == "grib" && osName == "var" && osValue != "latitude" &&
            osValue != "longitude")
            osValue = "values";
        aoOptions.emplace_back(osName, osValue);
    }
    std::sort(aoOptions.begin(), aoOptions.end());
    std::string osVariant = osId;
    CPLStringList aosOptions;
    for (const auto &oOption : aoOptions)
    {
        osVariant += ';' + EscapeForId(oOption.first) + '=' +
                     EscapeForId(oOption.second);
        aosOptions.SetNameValue(oOption.first.c_str(), oOption.second.c_str());
    }
    std::lock_guard<std::mutex> oLock(RegistryMutex());
    RegisterLocked(psDef, osVariant, std::move(aosOptions));
    return osVariant;
}

bool IsKerchunkCodecId(const std::string &osId)
{
    return FindCodec(osId) != nullptr;
}

}  // namespace kerchunk
