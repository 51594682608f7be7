#!/usr/bin/env bash
# MPI tests of `evspike simulate` (SPEC §9.4), run by ctest with an MPI build:
#   mpi_test.sh EVSPIKE MPIRUN identical K   K ranks give the serial run's spike and voltage files
#   mpi_test.sh EVSPIKE MPIRUN config_error  a config error is reported once, every rank exits 1
#   mpi_test.sh EVSPIKE MPIRUN rank_dies     a rank killed mid-run fails the job, no output left
# The network has both models, heterogeneous delays, all three source kinds, every connection
# rule and voltage probes on both populations.
set -euo pipefail
evspike=$1 mpirun=$2 what=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
launch() { "$mpirun" --oversubscribe --allow-run-as-root --mca btl self,vader -n "$@"; }

"$evspike" generate poisson -o replay.h5 --neurons 12 --rate 40 --t-stop 300 --seed 5 --population replay --quiet
cat > net.toml <<'TOML'
seed = 3
t_stop = 300.0

[[population]]
name = "d"
size = 150
model = "lif_delta"
params = { tau_m = 20.0, E_L = -44.0, V_th = -50.0, V_reset = -60.0, t_ref = 2.0 }
V_m = { uniform = [-60.0, -50.0] }

[[population]]
name = "x"
size = 61
model = "lif_exp"
params = { tau_m = 10.0, E_L = -65.0, V_th = -55.0, V_reset = -70.0, t_ref = 2.0, tau_syn_ex = 2.0, tau_syn_in = 5.0, I_e = 300.0 }
V_m = { normal = [-60.0, 2.0] }

[[source]]
name = "times"
kind = "spike_times"
times = [[1.0, 5.5, 20.25], [], [3.0, 7.0, 150.0, 299.9]]

[[source]]
name = "noise"
kind = "poisson"
size = 20
rate = 30.0
dead_time = 1.0

[[source]]
name = "replay"
kind = "spike_file"
path = "replay.h5"

[[connection]]
source = "d"
target = "d"
rule = { fixed_indegree = 20 }
weight = { normal = [0.3, 0.1] }
delay = { uniform = [0.5, 3.0] }

[[connection]]
source = "d"
target = "x"
rule = { fixed_outdegree = 5 }
weight = 40.0
delay = { uniform = [0.7, 2.0] }

[[connection]]
source = "x"
target = "d"
rule = { probability = 0.1 }
weight = -1.5
delay = 0.8

[[connection]]
source = "x"
target = "x"
rule = { pairs = [[0, 1], [1, 2], [60, 0], [5, 5], [30, 59]] }
weight = [100.0, -50.0, 80.0, 20.0, 60.0]
delay = [0.5, 1.25, 0.9, 2.0, 0.6]
autapses = true

[[connection]]
source = "times"
target = "x"
rule = "all_to_all"
weight = 150.0
delay = { uniform = [0.5, 1.0] }

[[connection]]
source = "noise"
target = "d"
rule = { fixed_indegree = 3 }
weight = 0.5
delay = { uniform = [0.5, 1.5] }

[[connection]]
source = "replay"
target = "x"
rule = { fixed_indegree = 2 }
weight = 120.0
delay = 1.0

[output]
record = ["d", "x", "noise"]

[[output.voltage]]
population = "d"
node_ids = [0, 74, 75, 149, 3]
interval = 0.5
dtype = "float64"

[[output.voltage]]
population = "x"
node_ids = [60, 0, 31]
interval = 1.0
TOML

dump() { h5dump "$1" | tail -n +2; }   # the first line names the file

case "$what" in
identical)
    k=$4
    mkdir serial ranks
    (cd serial && "$evspike" simulate ../net.toml -o out.h5 --quiet)
    # K = 3 with a slot of one spike record (EVSPIKE_MPI_SLOT, bytes): the exchange's second
    # round (messages larger than the slot) runs too.
    slot=""
    [ "$k" != 3 ] || slot=24
    (cd ranks && EVSPIKE_MPI_SLOT=$slot launch "$k" "$evspike" simulate ../net.toml -o out.h5 --quiet)
    for f in out.h5 out.h5.voltage.h5; do
        dump "serial/$f" > a.txt
        dump "ranks/$f" > b.txt
        if ! cmp -s a.txt b.txt; then
            echo "FAIL: $f differs between 1 process and $k ranks:"; diff a.txt b.txt | head -20; exit 1
        fi
    done
    # Not trivially equal: both populations and the source spiked.
    for p in d x noise; do
        n=$(h5dump -H -d /spikes/$p/timestamps serial/out.h5 | grep -o 'DATASPACE  SIMPLE { ( [0-9]*' | grep -o '[0-9]*$')
        [ "${n:-0}" -gt 20 ] || { echo "FAIL: population $p has ${n:-no} spikes"; exit 1; }
    done
    echo "ok: $k ranks, files identical to the serial run"
    ;;
config_error)
    sed 's/rule = { fixed_outdegree = 5 }/rule = { fixed_outdegree = 500 }\nmultapses = false/' net.toml > bad.toml
    set +e
    launch 3 "$evspike" simulate bad.toml -o out.h5 > stdout.txt 2> stderr.txt
    status=$?
    set -e
    [ "$status" -ne 0 ] || { echo "FAIL: exit status 0"; exit 1; }
    n=$(grep -c '^error:' stderr.txt || true)
    [ "$n" = 1 ] || { echo "FAIL: $n error lines (want 1):"; cat stderr.txt; exit 1; }
    grep -q 'connection\[1\].rule' stderr.txt || { echo "FAIL: message:"; cat stderr.txt; exit 1; }
    [ ! -e out.h5 ] || { echo "FAIL: output written"; exit 1; }
    echo "ok: one error line, exit status $status"
    ;;
rank_dies)
    # A run of minutes; rank 1 is killed (SIGKILL) once the run has started (rank 0 has created
    # its temporary output, after MPI's start-up and the build). A good file from before must stay.
    sed 's/^t_stop = 300.0/t_stop = 1e7/' net.toml > long.toml
    echo "a good file" > out.h5
    set +e
    timeout -k 5 60 "$mpirun" --oversubscribe --allow-run-as-root --mca btl self,vader -n 2 \
        sh -c 'if [ "$OMPI_COMM_WORLD_RANK" = 1 ]; then
                   (for i in $(seq 300); do ls out.h5.evspike-tmp-* > /dev/null 2>&1 && break; sleep 0.1; done
                    sleep 0.5; kill -9 $$) &
               fi
               exec "$0" "$@"' \
        "$evspike" simulate long.toml -o out.h5 --quiet > stdout.txt 2> stderr.txt
    status=$?
    set -e
    [ "$status" -ne 124 ] || { echo "FAIL: hung (killed by timeout)"; exit 1; }
    [ "$status" -ne 0 ] || { echo "FAIL: exit status 0"; exit 1; }
    [ "$(cat out.h5)" = "a good file" ] || { echo "FAIL: the old output was replaced"; exit 1; }
    echo "ok: exit status $status, the old output untouched"
    ;;
*) echo "unknown test $what"; exit 2 ;;
esac
