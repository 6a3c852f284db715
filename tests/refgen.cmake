# kerchunk_refgen_tests: what the three generators share (the skip/progress
# reporter), through each real generator.
kerchunk_add_unit_test(kerchunk_refgen_tests
  SOURCES test_generation_reporter.cpp
  LIBRARIES kerchunk_refgen)
