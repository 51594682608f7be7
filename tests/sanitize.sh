#!/usr/bin/env bash
# Builds everything with clang-14, ASan + UBSan (float-cast-overflow and float-divide-by-zero
# included) in build-fuzz and runs the whole ctest suite. It is the build of fuzz/run.sh (the
# libraries also carry libFuzzer's coverage, which the tests ignore): one instrumented build serves
# both, so .ci/run compiles the sources twice (Release, sanitized), not three times.
# The tests run the `evspike` binary as a child process, whose exit code a test may accept as an
# expected failure, so every sanitizer writes its report to a file in
# build-fuzz/sanitizer-reports instead of stderr, and any file there fails the run.
# Usage: tests/sanitize.sh [extra cmake arguments, e.g. -DCMAKE_CXX_COMPILER_LAUNCHER=ccache]
set -euo pipefail
cd "$(dirname "$0")/.."
build=build-fuzz
reports="$PWD/$build/sanitizer-reports"

# The same configuration as fuzz/run.sh (keep the two in step).
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 \
  -DEVSPIKE_FUZZ=ON -DEVSPIKE_BUILD_BENCH=OFF "$@" > /dev/null
cmake --build "$build" -j2

rm -rf "$reports"
mkdir -p "$reports"
# log_path: one file per process that reports (<prefix>.<pid>); leaks are reported at exit.
export ASAN_OPTIONS="log_path=$reports/asan:detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1"
export UBSAN_OPTIONS="log_path=$reports/ubsan:print_stacktrace=1:halt_on_error=1"
export LSAN_OPTIONS="log_path=$reports/lsan"

status=0
ctest --test-dir "$build" --output-on-failure || status=$?

found=$(find "$reports" -type f | sort)
if [ -n "$found" ]; then
  for f in $found; do
    echo "==== sanitizer report: $f"
    cat "$f"
  done
  echo "sanitize.sh: $(echo "$found" | wc -l) sanitizer report(s)" >&2
  exit 1
fi
if [ "$status" -ne 0 ]; then
  echo "sanitize.sh: ctest failed under sanitizers (exit $status)" >&2
  exit "$status"
fi
echo "sanitize.sh: whole suite passed under ASan + UBSan (clang-14), no sanitizer report"
