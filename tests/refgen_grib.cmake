# kerchunk_refgen_grib_tests: the GRIB message locator (padding, WMO headers,
# mixed editions, multi-field messages, malformed files) and header parsing,
# against eccodes on its own samples.
kerchunk_add_unit_test(kerchunk_refgen_grib_tests
  SOURCES test_grib_locator.cpp
  LIBRARIES kerchunk_refgen eccodes)
