#!/usr/bin/env bash
# Question: does `evspike generate hawkes` write >= 5e6 events/s end to end (config to committed
# SONATA file) for 10 units with exponential kernels at spectral radius 0.8 and 1e7 events?
# Usage: bench/hawkes_bench.sh [BUILD_DIR] (default build). Prints events, wall and CPU seconds and
# the rates (CPU time is the fair figure on a shared machine).
set -euo pipefail
build=${1:-build}
evspike="$build/evspike"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
# 10 units, all-to-all kernels of norm 0.08 (every row sums to 0.8: spectral radius 0.8),
# tau 10 ms, baseline 100 Hz: stationary rate 500 Hz per unit, 5000 Hz in all, so
# t_stop = 2e6 ms gives about 1e7 events.
{
  echo 'seed = 1'
  echo 't_stop = 2000000.0'
  echo 'burn_in = 100.0'
  echo 'population = "hawkes"'
  echo 'baseline = [100.0, 100.0, 100.0, 100.0, 100.0, 100.0, 100.0, 100.0, 100.0, 100.0]'
  for i in $(seq 0 9); do for j in $(seq 0 9); do
    printf '[[kernel]]\nsource = %d\ntarget = %d\nnorm = 0.08\nshape = "exponential"\ntau = 10.0\n' "$j" "$i"
  done; done
} > "$dir/hawkes10.toml"
start=$(date +%s.%N)
/usr/bin/time -f "%U %S" -o "$dir/cpu" "$evspike" generate hawkes "$dir/hawkes10.toml" -o "$dir/out.h5" --quiet
end=$(date +%s.%N)
events=$(/usr/bin/python3 -c "import h5py,sys; print(h5py.File(sys.argv[1])['/spikes/hawkes/timestamps'].shape[0])" "$dir/out.h5")
/usr/bin/python3 -c "
import sys; e=int(sys.argv[1]); s=float(sys.argv[3])-float(sys.argv[2])
u, k = map(float, sys.argv[5].split()); c = u + k
print(f'events {e}  wall {s:.2f} s ({e/s:.3g} events/s)  cpu {c:.2f} s ({e/c:.3g} events/s)  file {int(sys.argv[4])/1e6:.0f} MB')" \
  "$events" "$start" "$end" "$(stat -c %s "$dir/out.h5")" "$(cat "$dir/cpu")"
