"""What eccodes decodes for one GRIB message, as the grib codec presents it:
the values, with missing ones (bitmap, or GRIB2 missing value management) as
NaN; or the grid's latitudes / longitudes."""
import json

import numpy as np


def grib_expected(message, var):
    import eccodes
    h = eccodes.codes_new_from_message(message)
    try:
        if var in ("latitude", "longitude"):
            return np.asarray(eccodes.codes_get_array(h, var + "s"), dtype="f8")
        values = np.asarray(eccodes.codes_get_values(h), dtype="f8")
        declares_missing = eccodes.codes_get(h, "bitmapPresent") or (
            eccodes.codes_is_defined(h, "missingValueManagementUsed")
            and eccodes.codes_get(h, "missingValueManagementUsed") > 0)
        if declares_missing:
            values[values == eccodes.codes_get(h, "missingValue")] = np.nan
        return values
    finally:
        eccodes.codes_release(h)


def grib_coded_arrays(table):
    """(array path, .zarray document, grib codec options, offset, length) of
    each array of a references table that the grib codec decodes from one
    byte range."""
    for key, value in table.items():
        if not key.endswith("/.zarray"):
            continue
        meta = json.loads(value)
        grib = [f for f in meta.get("filters") or [] if f.get("id") == "grib"]
        if not grib:
            continue
        var = key[: -len("/.zarray")]
        targets = [v for k, v in table.items() if k.startswith(var + "/") and isinstance(v, list)]
        if len(targets) != 1:
            continue
        _, offset, length = targets[0]
        yield var, meta, grib[0], offset, length
