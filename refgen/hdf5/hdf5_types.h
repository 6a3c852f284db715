// HDF5 datatypes, fill values and attributes as Zarr v2 sees them.
#pragma once

#include "hdf5.h"

#include <nlohmann/json.hpp>

#include <string>

namespace kerchunk::hdf5
{

struct ZarrType
{
    std::string osDtype{};  // "<f4", ">i2", "|S8", "|b1"
    size_t nSize = 0;       // bytes per element on disk
    bool bVlenString = false;
    bool bString = false;
    bool bFloat = false;
    bool bSigned = false;
    bool bBool = false;
    bool bComplex = false;  // h5py complex: a {r, i} compound of floats
    // Compound types: the Zarr structured dtype (list of [name, dtype
    // (, shape)]); osDtype is then empty.
    nlohmann::json oStructured = nullptr;
};

// Throws hdf5::Unsupported for types references cannot express (compounds
// with variable-length members or padding, references, opaque, vlen
// sequences, ...).
ZarrType MapDatatype(hid_t hType);

// The fill value of the dataset creation property list `hDcpl` as zarr
// writes it in .zarray; null when undefined. `bDefaultAsNull`: HDF5's
// implicit default (zero) becomes null too.
nlohmann::json GetFillValue(hid_t hDcpl, hid_t hType, const ZarrType &sType,
                            bool bDefaultAsNull);

// All attributes of object `hObject` that have a JSON form; others are
// skipped with a debug message. Length-1 arrays become scalars (as netCDF4
// and kerchunk do); strings are UTF-8 (invalid bytes replaced).
nlohmann::json ReadAttributes(hid_t hObject);

// Makes a string safe for JSON output: invalid UTF-8 bytes become U+FFFD.
std::string SanitizeUtf8(const std::string &osText);

}  // namespace kerchunk::hdf5
