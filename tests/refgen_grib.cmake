# kerchunk_refgen_grib_tests: the GRIB message locator (padding, WMO headers,
# mixed editions, multi-field messages, malformed files) and header parsing,
# against eccodes on its own samples; hostile fields (huge grids, Gaussian N,
# eccodes assertions while keys are read).
kerchunk_add_unit_test(kerchunk_refgen_grib_tests
  SOURCES test_grib_locator.cpp test_grib_hostile_fields.cpp
  LIBRARIES kerchunk_refgen eccodes)
