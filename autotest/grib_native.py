"""What eccodes decodes for one GRIB message, as kerchunk's grib codec
presents it: values with missingValue → NaN, or the grid's latitudes /
longitudes."""
import numpy as np


def grib_expected(message, var):
    import eccodes
    h = eccodes.codes_new_from_message(message)
    try:
        if var in ("latitude", "longitude"):
            return np.asarray(eccodes.codes_get_array(h, var + "s"), dtype="f8")
        values = np.asarray(eccodes.codes_get_values(h), dtype="f8")
        values[values == eccodes.codes_get(h, "missingValue")] = np.nan
        return values
    finally:
        eccodes.codes_release(h)
