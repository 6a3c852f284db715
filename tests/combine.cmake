# kerchunk_combine_tests: CF time units, chunk keys, combining small
# in-memory reference sets (ordering, renumbering, refusals by message).
kerchunk_add_unit_test(kerchunk_combine_tests
  SOURCES test_combine.cpp
  LIBRARIES kerchunk_combine kerchunk_refgen)
