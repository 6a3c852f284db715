# libFuzzer harnesses (clang, -DKERCHUNK_FUZZ=ON; see scripts/fuzz.sh).
# The project libraries are compiled with -fsanitize=fuzzer-no-link,address,
# undefined by the top-level CMakeLists.txt; the harnesses add libFuzzer's
# main. Each harness file says what it exercises.
#   cmake -S . -B build-fuzz -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang \
#         -DKERCHUNK_FUZZ=ON -DKERCHUNK_BUILD_TESTS=ON
#   scripts/fuzz.sh 60 fuzz_refs_json
set(KERCHUNK_FUZZ_DIR ${CMAKE_CURRENT_LIST_DIR})
set(KERCHUNK_FUZZ_HARNESSES "")

function(kerchunk_add_fuzzer name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBRARIES" ${ARGN})
  add_executable(${name} ${KERCHUNK_FUZZ_DIR}/${name}.cpp ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_LIBRARIES})
  target_link_options(${name} PRIVATE -fsanitize=fuzzer)
  set_target_properties(${name} PROPERTIES
    RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/fuzz)
  # Every input kept in regressions/<name>/ (a crash found and fixed) is
  # replayed: libFuzzer runs each file once and fails on any finding.
  set(REG_DIR ${KERCHUNK_FUZZ_DIR}/regressions/${name})
  file(GLOB REG_INPUTS CONFIGURE_DEPENDS ${REG_DIR}/*)
  if(REG_INPUTS)
    add_test(NAME ${name}_regressions
      COMMAND ${name} -runs=1 -rss_limit_mb=2048 -timeout=30 ${REG_INPUTS})
    set_tests_properties(${name}_regressions PROPERTIES ENVIRONMENT
      "ASAN_OPTIONS=allocator_may_return_null=0:max_allocation_size_mb=2048;LSAN_OPTIONS=suppressions=${KERCHUNK_FUZZ_DIR}/lsan.supp;UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1")
  endif()
  set(KERCHUNK_FUZZ_HARNESSES ${KERCHUNK_FUZZ_HARNESSES} ${name} PARENT_SCOPE)
endfunction()

kerchunk_add_fuzzer(fuzz_netcdf3_header
  LIBRARIES kerchunk_refgen kerchunk_common)
target_include_directories(fuzz_netcdf3_header PRIVATE ${PROJECT_SOURCE_DIR}/refgen)

kerchunk_add_fuzzer(fuzz_refs_json
  LIBRARIES kerchunk_vsi kerchunk_common nlohmann_json::nlohmann_json)

kerchunk_add_fuzzer(fuzz_vsi_path
  SOURCES ${PROJECT_SOURCE_DIR}/driver/kerchunk_dataset_name.cpp
  LIBRARIES kerchunk_vsi kerchunk_common)
target_include_directories(fuzz_vsi_path PRIVATE ${PROJECT_SOURCE_DIR}/driver)

kerchunk_add_fuzzer(fuzz_codecs
  LIBRARIES kerchunk_codecs)

kerchunk_add_fuzzer(fuzz_grib
  LIBRARIES kerchunk_refgen kerchunk_common eccodes)
target_include_directories(fuzz_grib PRIVATE ${PROJECT_SOURCE_DIR}/refgen)

kerchunk_add_fuzzer(fuzz_parquet
  LIBRARIES kerchunk_parquet)
kerchunk_add_fuzzer(fuzz_hdf5
  LIBRARIES kerchunk_refgen kerchunk_common)

# scripts/fuzz.sh builds exactly these.
add_custom_target(fuzz_all DEPENDS ${KERCHUNK_FUZZ_HARNESSES})
