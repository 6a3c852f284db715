# kerchunk_parquet_tests: the Parquet reader and writer (round trips through
# every codec and encoding, and hostile files refused with a message).
kerchunk_add_unit_test(kerchunk_parquet_tests
  SOURCES test_parquet.cpp
  LIBRARIES kerchunk_parquet)
