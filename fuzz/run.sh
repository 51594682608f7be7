#!/usr/bin/env bash
# Builds the libFuzzer harnesses (clang-14, ASan + UBSan, build-fuzz) and runs each for SECONDS
# (default 30) on a copy of its committed seed corpus (fuzz/corpus/<harness>). Fails on any crash,
# sanitizer report, leak, input slower than 1 s or above 2 GB of memory; the crashing input is left
# in build-fuzz/findings/<harness>/. Final libFuzzer statistics go to build-fuzz/logs/<harness>.log.
# Usage: fuzz/run.sh [SECONDS] [harness...] (extra cmake arguments in EVSPIKE_FUZZ_CMAKE_ARGS)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-30}
shift || true
build=build-fuzz

# shellcheck disable=SC2086
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang-14 \
  -DCMAKE_CXX_COMPILER=clang++-14 -DEVSPIKE_FUZZ=ON -DEVSPIKE_BUILD_TESTS=OFF -DEVSPIKE_BUILD_BENCH=OFF \
  ${EVSPIKE_FUZZ_CMAKE_ARGS:-} > /dev/null
harnesses=("$@")
if [ ${#harnesses[@]} -eq 0 ]; then
  for f in fuzz/*_fuzz.cpp; do harnesses+=("$(basename "$f" .cpp)"); done
fi
cmake --build "$build" -j2 --target "${harnesses[@]}"

# HDF5 trusts sizes read from the file and mallocs them (e.g. 2^52 bytes in H5C_protect for a
# corrupt metadata entry): such a malloc fails (NULL, as glibc's would), HDF5 reports an error and
# the reader must refuse the file cleanly. The 2 GB RSS limit still catches real memory growth.
export ASAN_OPTIONS="detect_leaks=1:allocator_may_return_null=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export LSAN_OPTIONS="suppressions=$PWD/fuzz/lsan.supp:print_suppressions=0"
mkdir -p "$build/logs"
failed=()
for h in "${harnesses[@]}"; do
  work="$build/corpus/$h"
  findings="$build/findings/$h"
  mkdir -p "$work" "$findings" "fuzz/corpus/$h"
  log="$build/logs/$h.log"
  # New inputs go to the first folder (build-fuzz), the committed corpus is only read.
  if "$build/fuzz/$h" "$work" "fuzz/corpus/$h" -max_total_time="$seconds" -timeout=1 -rss_limit_mb=2048 -malloc_limit_mb=1048576 \
       -print_final_stats=1 -artifact_prefix="$findings/" > "$log" 2>&1; then
    echo "fuzz: $h: $(grep -E '^stat::number_of_executed_units' "$log" | awk '{print $2}') runs," \
         "$(grep -E '^stat::average_exec_per_sec' "$log" | awk '{print $2}') exec/s," \
         "$(grep -Eo 'cov: [0-9]+' "$log" | tail -1)"
  else
    echo "fuzz: $h FAILED (log $log, inputs in $findings):"
    grep -E 'ERROR|SUMMARY|==[0-9]+==|runtime error|Test unit written' "$log" | head -20 || true
    failed+=("$h")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz/run.sh: failed: ${failed[*]}" >&2
  exit 1
fi
echo "fuzz/run.sh: ${#harnesses[@]} harnesses, ${seconds} s each, no finding"
