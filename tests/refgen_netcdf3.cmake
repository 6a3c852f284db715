# kerchunk_refgen_netcdf3_tests: the NetCDF-3 header parser, layout and
# attributes (valid and malformed headers, random mutations).
kerchunk_add_unit_test(kerchunk_refgen_netcdf3_tests
  SOURCES test_netcdf3_header.cpp
  LIBRARIES kerchunk_refgen)
