"""What eccodes decodes for one GRIB message, as the grib codec presents it:
the values, with missing ones (bitmap, or GRIB2 missing value management) as
NaN; or the grid's latitudes / longitudes."""
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
