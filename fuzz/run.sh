#!/usr/bin/env bash
# Builds the libFuzzer harnesses (clang-14, ASan + UBSan, build-fuzz) and runs them on a copy of
# their committed seed corpora (fuzz/corpus/<harness>). Fails on any crash, sanitizer report, leak,
# input slower than the timeout or above 2 GB of memory; the failing input is left in
# build-fuzz/findings/<harness>/ and libFuzzer's final statistics in build-fuzz/logs/<harness>.log.
#
# Usage: fuzz/run.sh SECONDS [harness...]   fuzz each harness for SECONDS (default 30), 1 s timeout
#        fuzz/run.sh --ci                   what .ci/run does: the text harnesses for 20 s each; the
#                                           HDF5 ones for a fixed 600 executions from seed 1 (see
#                                           fuzz/README.md, "HDF5 1.10.8"), 2 s timeout
# Extra cmake arguments: EVSPIKE_FUZZ_CMAKE_ARGS.
set -euo pipefail
cd "$(dirname "$0")/.."
build=build-fuzz
hdf5_harnesses=(spike_file_fuzz voltage_report_fuzz detector_file_fuzz nwb_fuzz)
ci=false
if [ "${1:-}" = "--ci" ]; then
  ci=true
  seconds=20
  shift
else
  seconds=${1:-30}
  shift || true
fi
timeout=1
$ci && timeout=2  # a CI machine's load is unknown; a hang still fails

# shellcheck disable=SC2086
# The same configuration as tests/sanitize.sh, which builds the tests in this build too: after it,
# the harnesses below are already built.
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang-14 \
  -DCMAKE_CXX_COMPILER=clang++-14 -DEVSPIKE_FUZZ=ON -DEVSPIKE_BUILD_BENCH=OFF \
  ${EVSPIKE_FUZZ_CMAKE_ARGS:-} > /dev/null
harnesses=("$@")
if [ ${#harnesses[@]} -eq 0 ]; then
  for f in fuzz/*_fuzz.cpp; do harnesses+=("$(basename "$f" .cpp)"); done
fi
cmake --build "$build" -j2 --target "${harnesses[@]}"

# max_allocation_size_mb / allocator_may_return_null: HDF5 trusts sizes read from the file and
# mallocs them (e.g. 2^52 bytes in H5C_protect for a corrupt metadata entry); such a malloc fails
# (NULL, as glibc's would for that size), HDF5 reports an error and the reader must refuse the file
# cleanly. Without the cap, ASan maps and clears a few GB first and the input times out.
# suppressions (fuzz/asan.supp): the out-of-bounds read inside HDF5 1.10.8's attribute decoder.
# allocator_release_to_os_interval_ms=-1: ASan's allocator otherwise returns freed pages to the OS
# (madvise) from inside free(); on a loaded machine one such call took over 1 s and was reported as
# a timeout of an input that runs in 5 ms (session 6, rate_file_fuzz at load 5.7).
asan_options="detect_leaks=1:allocator_may_return_null=1:max_allocation_size_mb=2048:allocator_release_to_os_interval_ms=-1:suppressions=$PWD/fuzz/asan.supp"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export LSAN_OPTIONS="suppressions=$PWD/fuzz/lsan.supp:print_suppressions=0"
mkdir -p "$build/logs"
failed=()
for h in "${harnesses[@]}"; do
  work="$build/corpus/$h"
  findings="$build/findings/$h"
  mkdir -p "$work" "$findings" "fuzz/corpus/$h"
  log="$build/logs/$h.log"
  limit=(-max_total_time="$seconds")
  export ASAN_OPTIONS="$asan_options"
  if [[ " ${hdf5_harnesses[*]} " == *" $h "* ]]; then
    # Allocation stacks through libhdf5 (built without frame pointers) need the slow unwinder, so
    # that fuzz/lsan.supp can name the HDF5 call whose own error path leaked. (It costs the text
    # text harnesses several times their speed, the HDF5 ones little: they spend their time inside HDF5.)
    export ASAN_OPTIONS="$asan_options:fast_unwind_on_malloc=0"
  fi
  if $ci && [[ " ${hdf5_harnesses[*]} " == *" $h "* ]]; then
    # Deterministic (same seeds, same mutations): a failure is a change in evspike, not luck.
    rm -rf "$work"
    mkdir -p "$work"
    limit=(-runs=600 -seed=1)
  fi
  # New inputs go to the first folder (build-fuzz), the committed corpus is only read.
  if "$build/fuzz/$h" "$work" "fuzz/corpus/$h" "${limit[@]}" -timeout="$timeout" -rss_limit_mb=2048 \
       -malloc_limit_mb=1048576 -print_final_stats=1 -artifact_prefix="$findings/" > "$log" 2>&1; then
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
echo "fuzz/run.sh: ${#harnesses[@]} harnesses, no finding"
