#!/bin/sh
# Motif discovery without labels (`evspike detect discover`) against planted ground truth, beside
# the supervised detector (`detect train`) on the same data, and its speed.
#
#   bench/discover_bench.sh [BUILD_DIR] [WORK_DIR]
#
# For each case: generate a training and a test raster (same templates, different seeds), discover
# K motifs on the training raster, run the discovered model on the test raster, and compare
# (bench/discover_eval.py: Hungarian matching on template cosine, then `detect score` at one bin
# after mapping discovered ids and lags to the planted ones). The supervised line trains on the
# training raster's labels and scores on the test raster.
set -eu
BUILD=${1:-build}
WORK=${2:-$(mktemp -d)}
E=$BUILD/evspike
HERE=$(dirname "$0")
DATA=$HERE/../data
PY=/usr/bin/python3

# case NAME BASE_CONFIG SED_EXPR MOTIFS DURATION_MS SUPERVISED_DELAYS
run_case() {
    name=$1; base=$2; edit=$3; k=$4; dur=$5; sdel=$6
    for s in 1 2; do
        sed "s/^seed = 1/seed = $s/; $edit" "$base" > "$WORK/$name$s.toml"
        $E generate motifs "$WORK/$name$s.toml" -o "$WORK/$name$s.h5" -q
    done
    echo "== $name: $($E info "$WORK/${name}1.h5" | grep -E 'spikes ' | head -1 | tr -s ' ')"
    /usr/bin/time -f "discover: %U s user, %e s wall" \
        $E detect discover "$WORK/${name}1.h5" -o "$WORK/$name.model.h5" --motifs "$k" --duration "$dur" -q
    $E detect run "$WORK/$name.model.h5" "$WORK/${name}2.h5" -o "$WORK/$name.det.h5" -q > /dev/null
    $PY "$HERE/discover_eval.py" "$WORK/${name}1.h5" "$WORK/$name.model.h5" --quiet \
        --detections "$WORK/$name.det.h5" --test "$WORK/${name}2.h5" --evspike "$E" | grep -E "cosine|precision|recall|F1"
    $E detect train "$WORK/${name}1.h5" -o "$WORK/$name.sup.h5" --delays "$sdel" -q > /dev/null
    $E detect run "$WORK/$name.sup.h5" "$WORK/${name}2.h5" -o "$WORK/$name.supdet.h5" -q > /dev/null
    echo "supervised (detect train --delays $sdel): $($E detect score "$WORK/$name.supdet.h5" "$WORK/${name}2.h5" | grep F1 | tr -s ' ')"
}

J='s/^t_stop = .*/t_stop = 200000.0/'
run_case jit5 "$DATA/motifs_jittered.toml" "$J" 5 60 51
run_case jit50 "$DATA/motifs_jittered.toml" "$J; s/^motifs = .*/motifs = 50/; s/^neurons = .*/neurons = 128/; s/^background_rate = .*/background_rate = 8.0/" 50 60 51
run_case hd20 "$DATA/motifs_hdsnn.toml" "s/^motifs = .*/motifs = 20/; s/^trials = .*/trials = 200/; s/^p_background = .*/p_background = 0.01/" 20 31 31

# Speed: 128 neurons x 1e6 bins (jittered, 1000 s at 1 ms, 10 motifs, background 8 Hz).
sed "s/^t_stop = .*/t_stop = 1000000.0/; s/^motifs = .*/motifs = 10/; s/^neurons = .*/neurons = 128/; s/^background_rate = .*/background_rate = 8.0/" \
    "$DATA/motifs_jittered.toml" > "$WORK/speed.toml"
$E generate motifs "$WORK/speed.toml" -o "$WORK/speed.h5" -q
echo "== speed: 128 neurons x 1e6 bins, $($E info "$WORK/speed.h5" | grep -E 'spikes ' | head -1 | tr -s ' ')"
/usr/bin/time -f "discover: %U s user, %e s wall" \
    $E detect discover "$WORK/speed.h5" -o "$WORK/speed.model.h5" --motifs 10 --duration 60 -q
$PY "$HERE/discover_eval.py" "$WORK/speed.h5" "$WORK/speed.model.h5" --quiet
