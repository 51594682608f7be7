#!/usr/bin/env bash
# Question: does `evspike generate motifs` at the hdsnn defaults (N 128, M 233, D 31, T 1024)
# with 1000 trials finish in under 10 s end to end (templates, raster, ground truth, file)?
# Usage: bench/motifs_bench.sh [BUILD_DIR] (default build). Prints wall and CPU seconds.
set -euo pipefail
build=${1:-build}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
printf 'model = "hdsnn"\nseed = 1\ntrials = 1000\n' > "$dir/hdsnn1000.toml"
/usr/bin/time -f "wall %e s  cpu %U s user + %S s sys  max RSS %M KB" \
  "$build/evspike" generate motifs "$dir/hdsnn1000.toml" -o "$dir/out.h5" --quiet
/usr/bin/python3 -c "
import h5py, sys
f = h5py.File(sys.argv[1])
print('spikes', f['/spikes/motifs/timestamps'].shape[0], ' occurrences', f['/motifs/occurrences/timestamps'].shape[0],
      ' template entries', f['/motifs/templates/weights'].shape[0])" "$dir/out.h5"
ls -l "$dir/out.h5" | awk '{printf "file %.1f MB\n", $5 / 1e6}'
