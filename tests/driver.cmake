# kerchunk_driver_tests: CF georeferencing (driver/cf_georeferencing.cpp),
# compared with GDAL's own netCDF driver on the samples in data/cf and
# data/corpus.
kerchunk_add_unit_test(kerchunk_driver_tests
  SOURCES test_cf_georeferencing.cpp
  LIBRARIES kerchunk_driver)

# The same comparison on the arrays the driver really gets: GDAL's Zarr driver
# over /vsikerchunk/ for the kerchunk references of ../shared/corpus (optional,
# KERCHUNK_SHARED_CORPUS=../shared/corpus; skipped otherwise).
kerchunk_add_unit_test(kerchunk_driver_refs_tests
  SOURCES test_cf_georeferencing_kerchunk.cpp
  LIBRARIES kerchunk_driver)

# Read planning: chunk keys of a window or a strided selection, and planned reads from several
# threads (also run under -DKERCHUNK_TSAN=ON).
kerchunk_add_unit_test(kerchunk_threaded_reads_tests
  SOURCES test_chunk_grid.cpp test_selection_plan.cpp test_threaded_reads.cpp
  LIBRARIES kerchunk_driver)
