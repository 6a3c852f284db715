# kerchunk_vsi_tests: reference parsing, URL mapping, the /vsikerchunk/ handler.
kerchunk_add_unit_test(kerchunk_vsi_tests
  SOURCES test_refs_parser.cpp test_reference_set.cpp test_url_mapping.cpp
          test_vsikerchunk.cpp
          test_vsikerchunk_hardening.cpp test_batch_fetch.cpp test_parquet_references.cpp
  LIBRARIES kerchunk_vsi kerchunk_codecs kerchunk_common kerchunk_parquet nlohmann_json::nlohmann_json)
