#include "parquet_references.h"

#include "config_options.h"
#include "error.h"
#include "file_handles.h"
#include "json_nesting.h"
#include "parquet_layout.h"
#include "parquet_reader.h"

#include "cpl_conv.h"
#include "cpl_error.h"
#include "cpl_vsi.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdlib>
#include <limits>
#include <list>
#include <map>
#include <mutex>
#include <utility>
#include <vector>

namespace kerchunk
{

namespace
{

// One loaded refs.<R>.parq: its columns, immutable once loaded.
struct RecordBatch
{
    std::string osFile{};
    parquet::Table oTable{};
    const parquet::Column *poPath = nullptr;
    const parquet::Column *poOffset = nullptr;
    const parquet::Column *poSize = nullptr;
    const parquet::Column *poRaw = nullptr;
};

// A reference handed out by the lookup, with the batch its path points into.
struct BatchReference
{
    std::shared_ptr<const RecordBatch> poBatch{};
    Reference oRef{};
};

// The bytes of a references file of at most KERCHUNK_MAX_REFS_FILE_SIZE
// bytes; bMissing (and no error) when it does not exist.
std::string ReadReferencesFile(const std::string &osPath, std::string &osError, bool &bMissing)
{
    bMissing = false;
    VSIStatBufL sStat;
    if (VSIStatL(osPath.c_str(), &sStat) != 0)
    {
        bMissing = true;
        return std::string();
    }
    const uint64_t nMaxSize = GetIntegerOption("KERCHUNK_MAX_REFS_FILE_SIZE");
    std::string osBytes;
    IngestFailure eFailure = IngestFailure::None;
    std::string osDetail;
    if (IngestSmallFile(osPath, nMaxSize, osBytes, &eFailure, &osDetail))
        return osBytes;
    osError = "cannot read " + osPath;
    if (eFailure == IngestFailure::TooLarge)
        osError += ": larger than " + std::to_string(nMaxSize) +
                   " bytes (KERCHUNK_MAX_REFS_FILE_SIZE)";
    else if (!osDetail.empty())
        osError += ": " + osDetail;
    return std::string();
}

// Column of fsspec's schema, checked for the type fsspec writes; null when
// the file does not have it (fsspec reads a missing column as all null).
const parquet::Column *FindColumn(const parquet::Table &oTable, const char *pszName,
                                  bool bInteger, const std::string &osFile)
{
    const parquet::Column *poColumn = oTable.Find(pszName);
    if (poColumn == nullptr)
        return nullptr;
    const bool bIsInteger = poColumn->eType == parquet::PhysicalType::Int64 ||
                            poColumn->eType == parquet::PhysicalType::Int32;
    if (bIsInteger != bInteger)
        throw Error(osFile + ": column '" + pszName + "' is not " +
                    (bInteger ? "an integer" : "a string or binary") + " column");
    return poColumn;
}

// A bad value keeps the default (the references are fine), with a warning.
size_t RecordCacheCapacity()
{
    const char *pszName = "KERCHUNK_PARQUET_RECORD_CACHE_SIZE";
    try
    {
        return static_cast<size_t>(GetIntegerOption(pszName));
    }
    catch (const Error &e)
    {
        CPLError(CE_Warning, CPLE_IllegalArg, "%s; using %s", e.what(),
                 GetConfigOptionSpec(pszName).pszDefault);
        return static_cast<size_t>(std::atoi(GetConfigOptionSpec(pszName).pszDefault));
    }
}

class ParquetReferenceLookup final : public ChunkReferenceLookup
{
  public:
    ParquetReferenceLookup(std::string osDir, uint64_t nRecordSize,
                           std::map<std::string, ParquetChunkGrid> oArrays)
        : m_osDir(std::move(osDir)), m_nRecordSize(nRecordSize), m_oArrays(std::move(oArrays))
    {
    }

    std::shared_ptr<const Reference> Find(const std::string &osKey,
                                          std::string &osError) const override;

  private:
    // The chunk's number in C order, or false when osKey is no chunk of a
    // known array.
    bool ChunkNumber(const std::string &osKey, std::string &osArray, uint64_t &nNumber) const;
    std::shared_ptr<const RecordBatch> GetBatch(const std::string &osArray, uint64_t nRecord,
                                                std::string &osError) const;
    std::shared_ptr<const RecordBatch> LoadBatch(const std::string &osFile,
                                                 std::string &osError) const;

    std::string m_osDir;
    uint64_t m_nRecordSize;
    std::map<std::string, ParquetChunkGrid> m_oArrays;

    mutable std::mutex m_oMutex{};
    // Most recently used first.
    mutable std::list<std::pair<std::string, std::shared_ptr<const RecordBatch>>> m_oBatches{};
};

bool ParquetReferenceLookup::ChunkNumber(const std::string &osKey, std::string &osArray,
                                         uint64_t &nNumber) const
{
    const size_t nSlash = osKey.rfind('/');
    if (nSlash == std::string::npos)
        return false;
    osArray = osKey.substr(0, nSlash);
    const auto oIter = m_oArrays.find(osArray);
    return oIter != m_oArrays.end() &&
           ParquetChunkNumber(oIter->second, osKey.substr(nSlash + 1), nNumber);
}

std::shared_ptr<const RecordBatch> ParquetReferenceLookup::LoadBatch(const std::string &osFile,
                                                                     std::string &osError) const
{
    bool bMissing = false;
    const std::string osBytes = ReadReferencesFile(osFile, osError, bMissing);
    if (bMissing || !osError.empty())
        return nullptr;
    CPLDebug("KERCHUNK", "loading Parquet references %s", osFile.c_str());
    auto poBatch = std::make_shared<RecordBatch>();
    poBatch->osFile = osFile;
    poBatch->oTable = parquet::ReadParquet(reinterpret_cast<const uint8_t *>(osBytes.data()),
                                           osBytes.size(), osFile,
                                           {"path", "offset", "size", "raw"});
    poBatch->poPath = FindColumn(poBatch->oTable, "path", false, osFile);
    poBatch->poOffset = FindColumn(poBatch->oTable, "offset", true, osFile);
    poBatch->poSize = FindColumn(poBatch->oTable, "size", true, osFile);
    poBatch->poRaw = FindColumn(poBatch->oTable, "raw", false, osFile);
    return poBatch;
}

std::shared_ptr<const RecordBatch>
ParquetReferenceLookup::GetBatch(const std::string &osArray, uint64_t nRecord,
                                 std::string &osError) const
{
    const std::string osFile =
        m_osDir + "/" + osArray + "/" + ParquetRecordFileName(nRecord);
    {
        std::lock_guard<std::mutex> oLock(m_oMutex);
        for (auto oIter = m_oBatches.begin(); oIter != m_oBatches.end(); ++oIter)
        {
            if (oIter->first == osFile)
            {
                m_oBatches.splice(m_oBatches.begin(), m_oBatches, oIter);
                return oIter->second;
            }
        }
    }
    // Loaded outside the lock: two threads may load the same record once
    // each, which only costs duplicate work.
    std::shared_ptr<const RecordBatch> poBatch;
    try
    {
        poBatch = LoadBatch(osFile, osError);
    }
    catch (const Error &e)
    {
        osError = e.what();
    }
    if (!poBatch)
        return nullptr;
    const size_t nCapacity = RecordCacheCapacity();
    std::lock_guard<std::mutex> oLock(m_oMutex);
    m_oBatches.emplace_front(osFile, poBatch);
    while (m_oBatches.size() > nCapacity)
        m_oBatches.pop_back();
    return poBatch;
}

std::shared_ptr<const Reference> ParquetReferenceLookup::Find(const std::string &osKey,
                                                              std::string &osError) const
{
    std::string osArray;
    uint64_t nNumber = 0;
    if (!ChunkNumber(osKey, osArray, nNumber))
        return nullptr;
    std::string osLoadError;
    auto poBatch = GetBatch(osArray, nNumber / m_nRecordSize, osLoadError);
    if (!poBatch)
    {
        if (!osLoadError.empty())
            osError = "key '" + osKey + "': " + osLoadError;
        return nullptr;
    }
    const size_t nRow = static_cast<size_t>(nNumber % m_nRecordSize);
    if (nRow >= static_cast<size_t>(poBatch->oTable.nRows))
        return nullptr;
    // The returned reference keeps its batch alive: posPath points into it.
    auto poHolder = std::make_shared<BatchReference>();
    poHolder->poBatch = poBatch;
    Reference &oRef = poHolder->oRef;
    const auto *poRaw = poBatch->poRaw;
    if (poRaw && !poRaw->IsNull(nRow))
    {
        oRef.osInline = poRaw->aosValues[static_cast<size_t>(poRaw->anIndex[nRow])];
        return std::shared_ptr<const Reference>(poHolder, &oRef);
    }
    const auto *poPath = poBatch->poPath;
    if (poPath == nullptr || poPath->IsNull(nRow))
        return nullptr;  // deleted or never written: a missing chunk
    const int64_t nOffset = poBatch->poOffset ? poBatch->poOffset->anInts[nRow] : 0;
    const int64_t nSize = poBatch->poSize ? poBatch->poSize->anInts[nRow] : 0;
    if (nOffset < 0 || nSize < 0)
    {
        osError = poBatch->osFile + ": key '" + osKey + "': negative offset or size";
        return nullptr;
    }
    oRef.posPath = &poPath->aosValues[static_cast<size_t>(poPath->anIndex[nRow])];
    oRef.nOffset = static_cast<uint64_t>(nOffset);
    oRef.nSize = static_cast<uint64_t>(nSize);
    oRef.bWholeFile = nOffset == 0 && nSize == 0;
    return std::shared_ptr<const Reference>(poHolder, &oRef);
}

}  // namespace

bool IsParquetReferences(const std::string &osPath)
{
    // References inside /vsikerchunk/ are refused (recursion) by the JSON
    // path, which reports it.
    if (osPath.find(VSIKERCHUNK_PREFIX) != std::string::npos)
        return false;
    // A regular file is JSON. A folder, or a path an HTTP server does not
    // know (servers list no folders), is Parquet when it has a .zmetadata.
    VSIStatBufL sStat;
    if (VSIStatL(osPath.c_str(), &sStat) == 0 && !VSI_ISDIR(sStat.st_mode))
        return false;
    const std::string osMeta = osPath + "/" + PARQUET_METADATA_KEY;
    return VSIStatL(osMeta.c_str(), &sStat) == 0 && VSI_ISREG(sStat.st_mode);
}

bool LoadParquetReferences(const std::string &osDir, LoadedReferences &oRefs,
                           std::string &osError)
{
    const std::string osMetaPath = osDir + "/" + PARQUET_METADATA_KEY;
    bool bMissing = false;
    std::string osText;
    try
    {
        osText = ReadReferencesFile(osMetaPath, osError, bMissing);
    }
    catch (const Error &e)
    {
        osError = e.what();
    }
    if (bMissing)
        osError = "kerchunk references " + osDir + ": no " + PARQUET_METADATA_KEY;
    if (!osError.empty())
        return false;
    std::string osNestingError;
    if (!CheckJsonNesting(osText, osNestingError))
    {
        osError = "invalid Parquet references " + osMetaPath + ": " + osNestingError;
        return false;
    }
    const auto oDoc = nlohmann::json::parse(osText, nullptr, false);
    const auto Fail = [&](const std::string &osProblem)
    {
        osError = "invalid Parquet references " + osMetaPath + ": " + osProblem;
        return false;
    };
    if (!oDoc.is_object())
        return Fail("not a JSON object");
    const auto oRecordSize = oDoc.find("record_size");
    if (oRecordSize == oDoc.end() || !oRecordSize->is_number_unsigned() ||
        oRecordSize->get<uint64_t>() == 0)
        return Fail("\"record_size\" must be a positive integer");
    const auto oMetadata = oDoc.find("metadata");
    if (oMetadata == oDoc.end() || !oMetadata->is_object())
        return Fail("\"metadata\" must be an object");

    std::map<std::string, ParquetChunkGrid> oArrays;
    for (const auto &oItem : oMetadata->items())
    {
        const std::string &osKey = oItem.key();
        oRefs.oSet.AddInline(osKey, oItem.value().is_string() ? oItem.value().get<std::string>()
                                                              : oItem.value().dump());
        constexpr size_t ZARRAY_LEN = 7;  // ".zarray"
        if (osKey.size() > ZARRAY_LEN + 1 &&
            osKey.compare(osKey.size() - ZARRAY_LEN - 1, ZARRAY_LEN + 1, "/.zarray") == 0 &&
            oItem.value().is_object())
        {
            const std::string osArray = osKey.substr(0, osKey.size() - ZARRAY_LEN - 1);
            try
            {
                oArrays[osArray] = ReadParquetChunkGrid(osArray, oItem.value());
            }
            catch (const Error &e)
            {
                CPLError(CE_Warning, CPLE_AppDefined, "%s: %s", osMetaPath.c_str(), e.what());
            }
        }
    }
    oRefs.poChunkLookup = std::make_shared<ParquetReferenceLookup>(
        osDir, oRecordSize->get<uint64_t>(), std::move(oArrays));
    return true;
}

}  // namespace kerchunk
