#!/bin/sh
# Builds and runs every test: GoogleTest units and the end-to-end autotest
# (ctest), then the C++ units again under AddressSanitizer and UBSan, then
# each libFuzzer harness for 60 s (scripts/fuzz.sh; about 7 min with the build)
# from a fixed seed, after replaying the inputs kept in tests/fuzz/regressions.
set -eu
cd "$(dirname "$0")/.."
JOBS=${JOBS:-2}

cmake -S . -B build
cmake --build build -j"$JOBS"
ctest --test-dir build --output-on-failure -j"$JOBS"

cmake -S . -B build-asan -DKERCHUNK_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
cmake --build build-asan -j"$JOBS"
ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir build-asan --output-on-failure -j"$JOBS"

FUZZ_SEED=${FUZZ_SEED:-1} scripts/fuzz.sh 60
