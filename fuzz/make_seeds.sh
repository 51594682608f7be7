#!/usr/bin/env bash
# Regenerates the committed seed corpora in fuzz/corpus/<harness>/ from the bundled data and small
# files written by the evspike binary (the test fixtures' shapes), a few KB each.
# Usage: fuzz/make_seeds.sh BUILD_DIR  (a normal build with build/evspike)
set -euo pipefail
cd "$(dirname "$0")/.."
evspike="$(realpath "${1:?usage: fuzz/make_seeds.sh BUILD_DIR}")/evspike"
out=fuzz/corpus
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
rm -rf "$out"
mkdir -p "$out"/{spike_file_fuzz,voltage_report_fuzz,detector_file_fuzz,rate_file_fuzz,config_fuzz}
mkdir -p "$out"/{text_spikes_fuzz,npy_fuzz,kilosort_fuzz,nwb_fuzz}

# Configs: the bundled ones and a tiny network with a voltage report.
cp data/*.toml "$out/config_fuzz/"
cat > "$tmp/tiny.toml" <<'TOML'
seed = 3
t_stop = 20.0
[[population]]
name = "exc"
size = 4
model = "lif_exp"
params = { I_e = 400.0, tau_syn_ex = 1.5 }
V_m = { uniform = [-70.0, -60.0] }
[[source]]
name = "in"
kind = "spike_times"
times = [[1.0, 2.5], [3.0]]
[[source]]
name = "noise"
kind = "poisson"
size = 2
rate = 50.0
[[connection]]
source = "in"
target = "exc"
rule = "all_to_all"
weight = 300.0
delay = { uniform = [0.5, 1.5] }
[[connection]]
source = "noise"
target = "exc"
rule = { fixed_indegree = 1 }
weight = { normal = [100.0, 10.0] }
delay = 1.0
[output]
spikes = "tiny.h5"
[[output.voltage]]
population = "exc"
node_ids = [0, 2]
interval = 2.0
TOML
cp "$tmp/tiny.toml" "$out/config_fuzz/tiny.toml"

# Rate files.
cp data/rate_profile.csv "$out/rate_file_fuzz/"
printf 'time_ms,rate_hz\n0,10\n1.5e2,0\n' > "$out/rate_file_fuzz/short.csv"
printf 'time_ms,rate_hz\r\n0,+1\r\n# comment\r\n\r\n10,2.5\r\n' > "$out/rate_file_fuzz/crlf.csv"

# Spike files: our writer (own chunks, by_time), a CSV import, and a simulation's output.
"$evspike" generate poisson -o "$tmp/poisson.h5" --neurons 3 --rate 50 --t-stop 100 -q
printf 'population,node_id,timestamp_ms\nb,1,0.5\na,0,1.25\na,2,1.25\nb,0,7\n' > "$tmp/two.csv"
"$evspike" convert "$tmp/two.csv" "$tmp/two.h5" > /dev/null
(cd "$tmp" && "$evspike" simulate tiny.toml -q > /dev/null)
cp "$tmp/poisson.h5" "$tmp/two.h5" "$tmp/tiny.h5" "$out/spike_file_fuzz/"
cp "$tmp/tiny.h5.voltage.h5" "$out/voltage_report_fuzz/tiny.h5"

# Detector models and detections: a tiny motifs file, a model built from its templates, a run.
cat > "$tmp/motifs.toml" <<'TOML'
model = "hdsnn"
seed = 1
neurons = 6
motifs = 2
delays = 3
bins = 40
trials = 2
p_background = 0.02
p_motif = 0.05
TOML
"$evspike" generate motifs "$tmp/motifs.toml" -o "$tmp/m.h5" -q
"$evspike" detect train --templates "$tmp/m.h5" -o "$tmp/model.h5" -q > /dev/null
"$evspike" detect run "$tmp/model.h5" "$tmp/m.h5" -o "$tmp/det.h5" -q > /dev/null
cp "$tmp/model.h5" "$tmp/det.h5" "$out/detector_file_fuzz/"

# Importers (the shapes of tests/io/import_test.cpp). Text seeds start with the harness's option
# byte: bit 2 = a time unit is given (bits 0-1: s, ms, us, samples), bit 3 = 30 kHz sample rate,
# bits 4-6 = a --columns choice, bit 7 = --time-offset 1500.
t="$out/text_spikes_fuzz"
{ printf '\x04'; head -n 40 data/songbird/songbird_spikes.txt; } > "$t/songbird_s.txt"
printf '\x00spike_time_ms,extra,Cluster\n2.5,x,5\n1,y,3\n' > "$t/header_ms.csv"
printf '\x00neuron;time (s)\n4;0.5\n' > "$t/semicolon.csv"
printf '\x06\xEF\xBB\xBFid  t\n  9   3\n' > "$t/bom_spaces_us.txt"
printf '\x5f30000,7,4\n15,8,2\n' > "$t/samples_columns.csv"
printf '\x05unit,time\n"1","2.5"\n# note\n\n"2",3e1\n' > "$t/quoted.csv"
printf '\x841\t0.5\n2\t-0.25\n3\t-1.5\n' > "$t/offset_tab.txt"
/usr/bin/python3 - "$out/npy_fuzz" <<'PY'
import sys, numpy as np
from numpy.lib import format as fmt
d = sys.argv[1]
np.save(d + "/times_u8.npy", np.array([30, 60000, 90, 30000], dtype="<u8"))
np.save(d + "/clusters_i4_col.npy", np.array([[812], [5], [812], [40]], dtype="<i4"))
np.save(d + "/big_endian_u2.npy", np.array([1, 256], dtype=">u2"))
np.save(d + "/bool.npy", np.array([True, False]))
np.save(d + "/float.npy", np.array([0.5, 1.5]))
np.save(d + "/empty_u1.npy", np.array([], dtype="|u1"))
with open(d + "/v2_i8_fortran.npy", "wb") as f:
    fmt.write_array(f, np.asfortranarray(np.array([[7], [3]], dtype="<i8")), version=(2, 0))
with open(d + "/v3_row.npy", "wb") as f:
    fmt.write_array(f, np.array([[1, 2, 3]], dtype="<u4"), version=(3, 0))
PY
k="$out/kilosort_fuzz"
printf "dat_path = 'x.bin'\nsample_rate = 30000.  # Hz\nn_channels_dat = 64\n" > "$k/params.py"
printf 'cluster_id\tgroup\n5\tgood\n40\tmua\n812\tgood\n' > "$k/cluster_group.tsv"
printf 'id\tKSLabel\tgroup\tfr\n5\tgood\tnoise\t1.0\n40\tmua\tgood\t2.0\n812\tgood\t\t3\n' > "$k/cluster_info.tsv"
/usr/bin/python3 tests/io/make_nwb_files.py "$tmp" > /dev/null
cp "$tmp"/{good,negative,index_short,no_index,float_ids}.nwb "$out/nwb_fuzz/"
du -sh "$out"/*
