// One input of a combine: a parsed reference set and the Zarr arrays in it.
#pragma once

#include "reference_set.h"

#include <nlohmann/json.hpp>

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace kerchunk
{

struct ArrayMetadata
{
    std::string osPath{};               // "t2m" or "group/t2m"
    nlohmann::json oZarray{};           // the parsed .zarray
    nlohmann::json oZattrs = nlohmann::json::object();
    std::vector<std::string> aosDims{};  // _ARRAY_DIMENSIONS
    std::vector<uint64_t> anShape{};
    std::vector<uint64_t> anChunks{};
    std::string osSeparator = ".";      // dimension_separator
};

struct CombineInput
{
    std::string osName{};      // as the user named it (file or source), for messages
    std::string osRefsPath{};  // GDAL path of the references (relative URLs resolve from it)
    std::unique_ptr<ReferenceSet> poRefs{};
    std::map<std::string, ArrayMetadata> oArrays{};  // by path
    nlohmann::json oRootAttrs = nlohmann::json::object();
};

// Reads and parses the references at osRefsPath (kerchunk JSON) and indexes
// their arrays. Throws kerchunk::Error naming osName and the bad key.
CombineInput LoadCombineInput(const std::string &osName, const std::string &osRefsPath);

// The chunk index part of `osKey` for an array ("t2m/3.0.1" -> {3, 0, 1});
// false when osKey is not one of its chunk keys.
bool ParseChunkKey(const ArrayMetadata &oArray, const std::string &osKey,
                   std::vector<uint64_t> &anIndex);
std::string MakeChunkKey(const ArrayMetadata &oArray, const std::vector<uint64_t> &anIndex);

// A URL of osInput written so that it stays valid from any folder: relative
// URLs become absolute (resolved from the references' folder).
std::string AbsoluteUrl(const CombineInput &oInput, const std::string &osUrl);

}  // namespace kerchunk
