# kerchunk_cache_tests: SHA-256, entries, staleness, locking across threads
# and processes, atomicity under kill -9, read-only and full directories,
# the protocol of the isolated generator process.
kerchunk_add_unit_test(kerchunk_cache_tests
  SOURCES test_cache.cpp test_cache_metrics.cpp test_cache_sha256.cpp test_generator_protocol.cpp
  LIBRARIES kerchunk_cache)
