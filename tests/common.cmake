# kerchunk_common_tests: the option table and what else common/ holds.
kerchunk_add_unit_test(kerchunk_common_tests
  SOURCES test_config_options.cpp test_parallel_for_each.cpp test_file_handles.cpp
  LIBRARIES kerchunk_common)
