#!/usr/bin/env bash
# ctest `consumer`: installs evspike's `devel` component into a prefix inside the build tree,
# configures and builds examples/consumer against it with find_package(evspike), and runs it.
# usage: run_consumer_test.sh BUILD_DIR CXX_COMPILER [COMPILER_LAUNCHER]
set -euo pipefail
build=$1
here=$(cd "$(dirname "$0")" && pwd)
work=$build/consumer-test
rm -rf "$work"
cmake --install "$build" --prefix "$work/prefix" --component devel >/dev/null
cmake -S "$here" -B "$work/build" -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$work/prefix" \
      -DCMAKE_CXX_COMPILER="$2" ${3:+-DCMAKE_CXX_COMPILER_LAUNCHER="$3"}
cmake --build "$work/build" -j2
"$work/build/consumer" "$work/spikes.h5"
