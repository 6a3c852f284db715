# kerchunk_codecs_tests: every codec against data written by the native
# libraries (libhdf5, eccodes, libbz2, liblz4, zarr-python), through GDAL's
# compressor registry and GDAL 3.6's Zarr driver.
find_package(BZip2 REQUIRED)
kerchunk_add_unit_test(kerchunk_codecs_tests
  SOURCES test_codecs.cpp
  LIBRARIES kerchunk_codecs kerchunk_common kerchunk_hdf5 eccodes BZip2::BZip2 PkgConfig::LZ4)

# kerchunk_codecs_hostile_tests: the grib codec on corrupt messages that once
# aborted the process inside eccodes.
kerchunk_add_unit_test(kerchunk_codecs_hostile_tests
  SOURCES test_codecs_hostile.cpp
  LIBRARIES kerchunk_codecs eccodes)
