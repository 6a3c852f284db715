#!/bin/sh
# Builds the libFuzzer harnesses (tests/fuzz/, clang, build-fuzz/) and runs
# each for SECONDS (default 60), seeded from ../shared/corpus and
# tests/fuzz/seeds (scripts/fuzz_seeds.py, into a temporary folder).
# Prints per harness: executions, coverage (libFuzzer's cov: edges) and
# findings; exits non-zero on any crash, leak, timeout (10 s per input, 30 s
# for fuzz_hdf5) or out-of-memory, with
# the reproducer's path (kept in build-fuzz/fuzz-artifacts/).
#
#   scripts/fuzz.sh [SECONDS] [HARNESS...]
#   FUZZ_CORPUS_DIR=dir  keep the grown corpora there (default: temporary)
#   FUZZ_SEED=n          libFuzzer's -seed (default: random); scripts/test.sh
#                        fixes it, so that CI explores the same inputs each run
#   JOBS=n               build parallelism (default 2)
set -eu
cd "$(dirname "$0")/.."
SECONDS_PER=${1:-60}
[ $# -gt 0 ] && shift
ALL="fuzz_refs_json fuzz_vsi_path fuzz_codecs fuzz_grib fuzz_netcdf3_header fuzz_parquet fuzz_hdf5"
HARNESSES=${*:-$ALL}
JOBS=${JOBS:-2}
ROOT=$PWD
BUILD=$ROOT/build-fuzz

cmake -S . -B "$BUILD" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang \
  -DKERCHUNK_FUZZ=ON -DKERCHUNK_BUILD_TESTS=ON >/dev/null
# shellcheck disable=SC2086
cmake --build "$BUILD" -j"$JOBS" --target $HARNESSES

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
/usr/bin/python3 scripts/fuzz_seeds.py "$TMP/seeds"
ARTIFACTS=$BUILD/fuzz-artifacts
mkdir -p "$ARTIFACTS"
CORPORA=${FUZZ_CORPUS_DIR:-$TMP/corpus}

# Per-harness libFuzzer options: input size caps that keep each iteration
# quick (a GRIB message, a chunk, a references file of a few KB are enough to
# reach every branch).
options_for() {
  case "$1" in
    fuzz_refs_json) echo "-max_len=8192 -dict=$ROOT/tests/fuzz/refs_json.dict" ;;
    fuzz_vsi_path) echo "-max_len=512" ;;
    fuzz_codecs) echo "-max_len=65536" ;;
    fuzz_grib) echo "-max_len=65536" ;;
    fuzz_parquet) echo "-max_len=16384" ;;
    fuzz_hdf5) echo "-max_len=65536" ;;
    *) echo "" ;;
  esac
}

export LSAN_OPTIONS="suppressions=$ROOT/tests/fuzz/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
# An allocation over the memory limit is an ASan report with its stack, before
# libFuzzer's malloc hook sees it: fuzz_hdf5's forked child classifies such a
# report like any other (libhdf5's or ours), where the hook's exit could not.
export ASAN_OPTIONS="allocator_may_return_null=0:max_allocation_size_mb=2048"
SEED_OPTION=""
[ -n "${FUZZ_SEED:-}" ] && SEED_OPTION="-seed=$FUZZ_SEED"

# Inputs that once failed (tests/fuzz/regressions/<harness>/) replay first.
REGEX=$(echo "$HARNESSES" | tr ' ' '\n' | sed 's/$/_regressions$/' | paste -sd'|')
ctest --test-dir "$BUILD" --output-on-failure -R "$REGEX" >"$ARTIFACTS/regressions.log" 2>&1 || {
  cat "$ARTIFACTS/regressions.log" >&2
  echo "fuzz regressions failed" >&2
  exit 1
}
FAILED=0
SUMMARY="$TMP/summary"
printf '%-22s %12s %8s  %s\n' harness executions edges findings >"$SUMMARY"
for H in $HARNESSES; do
  mkdir -p "$CORPORA/$H" "$TMP/seeds/$H"
  LOG=$ARTIFACTS/$H.log
  STATUS=0
  # shellcheck disable=SC2046
  # fuzz_hdf5 runs each input twice, first in a forked child (5 s of CPU at
  # most, 12 s of wall time). A unit slower than the timeout is a finding; a
  # slow one under it is not (libFuzzer would otherwise write a "slow-unit"
  # artifact at 10 s, which this script counts as a finding).
  TIMEOUT=10
  [ "$H" = fuzz_hdf5 ] && TIMEOUT=30
  timeout $((SECONDS_PER * 2 + 120)) "$BUILD/fuzz/$H" $(options_for "$H") \
    -max_total_time="$SECONDS_PER" -rss_limit_mb=2048 -timeout="$TIMEOUT" \
    -report_slow_units="$TIMEOUT" $SEED_OPTION \
    -print_final_stats=1 -artifact_prefix="$ARTIFACTS/$H-" \
    "$CORPORA/$H" "$TMP/seeds/$H" >"$LOG" 2>&1 || STATUS=$?
  EXECS=$(sed -n 's/^stat::number_of_executed_units: *//p' "$LOG" | tail -n 1)
  EDGES=$(grep -o 'cov: [0-9]*' "$LOG" | tail -n 1 | cut -d' ' -f2)
  FINDING=$(sed -n "s/.*Test unit written to \(.*\)/\1/p" "$LOG" | tail -n 1)
  if [ "$STATUS" -ne 0 ] || [ -n "$FINDING" ]; then
    FAILED=1
    RESULT="FAILED (exit $STATUS) reproducer: ${FINDING:-none} log: $LOG"
    grep -m 3 -E 'ERROR: |runtime error|SUMMARY' "$LOG" | sed 's/^/    /' >&2 || true
  else
    RESULT="none"
  fi
  printf '%-22s %12s %8s  %s\n' "$H" "${EXECS:-?}" "${EDGES:-?}" "$RESULT" >>"$SUMMARY"
done
cat "$SUMMARY"
exit "$FAILED"
