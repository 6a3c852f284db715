# kerchunk_refgen_hdf5_tests: the HDF5 chunk locator (against libhdf5's
# H5Dget_chunk_info), the VSI file driver, the filter mapping and netCDF-4
# dimension lengths, and the watch on libhdf5 calls that may loop forever.
kerchunk_add_unit_test(kerchunk_refgen_hdf5_tests
  SOURCES test_hdf5_chunks.cpp test_hdf5_call_watch.cpp test_netcdf_dimensions.cpp
  LIBRARIES kerchunk_refgen kerchunk_hdf5)
