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
    // Existing dimensions (one or more: the inputs then form a grid, as
    // kerchunk's concat_dims=[...]), or
    std::vector<std::string> aosConcatDims{};
    std::string osNewDim{};  // a new, outermost one
    // For osNewDim: "index", "regex:PATTERN" (first group, or the whole
    // match, in the input's file name) or "attr:NAME" (a root attribute).
    std::string osDimValues = "index";
    // Arrays taken once from the first input (after checking they agree).
    std::set<std::string> oIdenticalArrays{};
};

// One dimension the inputs are combined along. Inputs with the same
// coordinate values along it share a position; positions follow each other
// in the order of their values.
struct CombinedDimension
{
    std::string osName{};
    uint64_t nTotal = 0;               // combined length
    size_t nPositions = 0;             // distinct blocks of values
    std::vector<size_t> anPosition{};  // per input (index in the input list)
    std::vector<uint64_t> anOffset{};  // per input: its first index in the combined length
    std::vector<uint64_t> anLength{};  // per input: its length along the dimension
    // The combined coordinate variable, written inline as one chunk.
    std::string osCoordPath{};
    std::string osCoordDtype{};
    std::string osCoordRaw{};
    nlohmann::json oCoordFill = nullptr;
    nlohmann::json oCoordAttrs = nlohmann::json::object();
    std::string osConversionNote{};  // how differing time units were unified

    bool IsLastPosition(size_t iInput) const { return anPosition[iInput] + 1 == nPositions; }
};

struct CombinePlan
{
    bool bNewDim = false;
    std::vector<CombinedDimension> aoDims{};
    // Input indices in output order: C order of their grid cells, each cell
    // holding exactly one input.
    std::vector<size_t> anOrder{};
    std::set<std::string> oConcatArrays{};  // with a combined dimension (coordinates excluded)
    std::set<std::string> oOnceArrays{};    // from the first input

    // The combined dimension osDim, or null.
    const CombinedDimension *FindDim(const std::string &osDim) const;
    // True for the coordinate variable of an existing combined dimension.
    bool IsCombinedCoordinate(const std::string &osArray) const;
};

// Throws kerchunk::Error naming the array and the files concerned.
CombinePlan PlanCombine(const std::vector<CombineInput> &aoInputs,
                        const CombineOptions &oOptions);

// Every array agrees between the first input and each other one (rank,
// dimensions, dtype, chunks, codecs, fill value, shape away from the concat
// dimension; arrays taken once: everything, inline chunk bytes included).
void CheckCompatibility(const std::vector<CombineInput> &aoInputs, const CombinePlan &oPlan);

}  // namespace kerchunk
