// What a combine will do, decided before anything is written: the order of
// the inputs, the combined coordinate, which arrays are concatenated and
// which are taken once. Refuses, naming the files, what cannot be combined.
#pragma once

#include "combine_input.h"

#include <nlohmann/json.hpp>

#include <set>
#include <string>
#include <vector>

namespace kerchunk
{

struct CombineOptions
{
    std::string osConcatDim{};  // an existing dimension, or
    std::string osNewDim{};     // a new, outermost one
    // For osNewDim: "index", "regex:PATTERN" (first group, or the whole
    // match, in the input's file name) or "attr:NAME" (a root attribute).
    std::string osDimValues = "index";
    // Arrays taken once from the first input (after checking they agree).
    std::set<std::string> oIdenticalArrays{};
};

struct CombinePlan
{
    std::string osDim{};
    bool bNewDim = false;
    std::vector<size_t> anOrder{};     // input indices, in output order
    std::vector<uint64_t> anOffset{};  // per position in anOrder: first index along osDim
    uint64_t nTotal = 0;               // combined length along osDim
    // The combined coordinate variable, written inline as one chunk.
    std::string osCoordPath{};
    std::string osCoordDtype{};
    std::string osCoordRaw{};
    nlohmann::json oCoordFill = nullptr;
    nlohmann::json oCoordAttrs = nlohmann::json::object();
    std::string osConversionNote{};  // how differing time units were unified
    std::set<std::string> oConcatArrays{};  // along osDim (the coordinate excluded)
    std::set<std::string> oOnceArrays{};    // from the first input
};

// Throws kerchunk::Error naming the array and the files concerned.
CombinePlan PlanCombine(const std::vector<CombineInput> &aoInputs,
                        const CombineOptions &oOptions);

// Every array agrees between the first input and each other one (rank,
// dimensions, dtype, chunks, codecs, fill value, shape away from the concat
// dimension; arrays taken once: everything, inline chunk bytes included).
void CheckCompatibility(const std::vector<CombineInput> &aoInputs, const CombinePlan &oPlan);

}  // namespace kerchunk
