#!/usr/bin/env bash
# Issue 13 figures: Benchmark 4 scaled (bench/scale.py's configs) on 1 and 2 ranks, paired runs
# alternated, each a fresh process; checks that the 2-rank spike file is identical to the 1-rank one.
#
#   bench/mpi_speedup.sh [BUILD_DIR] [VARIANT] [NEURONS] [T_STOP_MS] [PAIRS]
#   e.g. bench/mpi_speedup.sh build constant 400000 100 3
#
# Prints per run: whole-process wall time, the run's wall time (`simulate`'s summary), and per
# rank (EVSPIKE_RANK_STATS=1): build, run, time in the run's collectives (exchange, waiting
# included) and the rest (compute), peak RSS. Then the median speedups.
set -euo pipefail
build=${1:-build} variant=${2:-constant} n=${3:-400000} t_stop=${4:-100} pairs=${5:-3}
root=$(cd "$(dirname "$0")/.." && pwd)
evspike=$(cd "$build" && pwd)/evspike
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
config=$(/usr/bin/python3 -c "import sys; sys.path.insert(0, '$root/bench'); import scale; print(scale.scaled_config('$variant', $n, '$work'))")
echo "# $variant, $n neurons, t_stop $t_stop ms, $pairs pairs; load: $(cut -d' ' -f1-3 /proc/loadavg); commit $(git -C "$root" rev-parse --short HEAD)"

run() {  # ranks out
    local ranks=$1 out=$2 start end
    local cmd=("$evspike" simulate "$config" --t-stop "$t_stop" -o "$out")
    [ "$ranks" -gt 1 ] && cmd=(mpirun --oversubscribe --allow-run-as-root --mca btl self,vader -n "$ranks" "${cmd[@]}")
    start=$(date +%s.%N)
    EVSPIKE_RANK_STATS=1 "${cmd[@]}" > "$work/stdout" 2> "$work/stderr"
    end=$(date +%s.%N)
    local run_s
    run_s=$(grep -o 'build [0-9.]* s, run [0-9.]* s' "$work/stdout" | head -1 | sed 's/.*run \([0-9.]*\) s/\1/')
    printf '%d rank(s): whole %.3f s, run %s s\n' "$ranks" "$(echo "$end - $start" | bc)" "$run_s"
    sed 's/^/    /' "$work/stderr"
    echo "$(echo "$end - $start" | bc) $run_s" >> "$work/times.$ranks"
}

for p in $(seq "$pairs"); do
    run 1 "$work/one.h5"
    run 2 "$work/two.h5"
done
# Every dataset and attribute but the command line (provenance): h5dump of both files.
if diff <(h5dump "$work/one.h5" | grep -v -e '^HDF5' -e 'simulate') \
        <(h5dump "$work/two.h5" | grep -v -e '^HDF5' -e 'simulate') > /dev/null; then
    echo "spike files: identical (1 vs 2 ranks, h5dump minus the command line)"
else
    echo "spike files: DIFFER"
fi
/usr/bin/python3 - "$work/times.1" "$work/times.2" <<'PY'
import statistics, sys
one = [list(map(float, l.split())) for l in open(sys.argv[1])]
two = [list(map(float, l.split())) for l in open(sys.argv[2])]
whole = [a[0] / b[0] for a, b in zip(one, two)]
run = [a[1] / b[1] for a, b in zip(one, two)]
print(f"speedup 2 ranks, median of pairs: whole process {statistics.median(whole):.2f} "
      f"({min(whole):.2f}-{max(whole):.2f}), run {statistics.median(run):.2f} ({min(run):.2f}-{max(run):.2f})")
PY
