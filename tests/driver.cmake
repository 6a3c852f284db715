# Unit tests of driver are declared here.
# kerchunk_driver_tests: CF georeferencing (driver/cf_georeferencing.cpp),
# compared with GDAL's own netCDF driver on the samples in data/cf and
# data/corpus. The source is compiled in directly: it depends on GDAL only.
kerchunk_add_unit_test(kerchunk_driver_tests
  SOURCES test_cf_georeferencing.cpp
          ${PROJECT_SOURCE_DIR}/driver/cf_georeferencing.cpp
  LIBRARIES GDAL::GDAL)
target_include_directories(kerchunk_driver_tests PRIVATE ${PROJECT_SOURCE_DIR}/driver)

# The same comparison on the arrays the driver really gets: GDAL's Zarr driver
# over /vsikerchunk/ for the kerchunk references of ../shared/corpus (optional,
# KERCHUNK_SHARED_CORPUS=../shared/corpus; skipped otherwise).
kerchunk_add_unit_test(kerchunk_driver_refs_tests
  SOURCES test_cf_georeferencing_kerchunk.cpp
          ${PROJECT_SOURCE_DIR}/driver/cf_georeferencing.cpp
  LIBRARIES kerchunk_vsi kerchunk_codecs GDAL::GDAL)
target_include_directories(kerchunk_driver_refs_tests PRIVATE
  ${PROJECT_SOURCE_DIR}/driver ${PROJECT_SOURCE_DIR}/vsi ${PROJECT_SOURCE_DIR}/codecs)
