# kerchunk_refgen_netcdf3_tests: the NetCDF-3 header parser, layout and
# attributes (valid and malformed headers, random mutations).
kerchunk_add_unit_test(kerchunk_refgen_netcdf3_tests
  SOURCES test_netcdf3_header.cpp
  LIBRARIES kerchunk_refgen)

# fuzz_netcdf3_header: a libFuzzer target over the same parser (clang only):
#   cmake -S . -B build-fuzz -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang \
#         -DKERCHUNK_FUZZ=ON && cmake --build build-fuzz --target fuzz_netcdf3_header
#   build-fuzz/tests/fuzz_netcdf3_header -max_total_time=120 CORPUS_DIR
if(KERCHUNK_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "KERCHUNK_FUZZ needs clang (libFuzzer): -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang")
  endif()
  set(NC3_DIR ${PROJECT_SOURCE_DIR}/refgen/netcdf3)
  add_executable(fuzz_netcdf3_header test_netcdf3_fuzz.cpp
    ${NC3_DIR}/netcdf3_attributes.cpp ${NC3_DIR}/netcdf3_header.cpp
    ${NC3_DIR}/netcdf3_layout.cpp ${NC3_DIR}/utf8.cpp
    ${PROJECT_SOURCE_DIR}/refgen/zarr_metadata.cpp
    ${PROJECT_SOURCE_DIR}/refgen/reference_writer.cpp)
  target_include_directories(fuzz_netcdf3_header PRIVATE ${PROJECT_SOURCE_DIR}/refgen)
  target_compile_options(fuzz_netcdf3_header PRIVATE -fsanitize=fuzzer,address,undefined)
  target_link_options(fuzz_netcdf3_header PRIVATE -fsanitize=fuzzer,address,undefined)
  target_link_libraries(fuzz_netcdf3_header PRIVATE kerchunk_common GDAL::GDAL nlohmann_json::nlohmann_json)
endif()
