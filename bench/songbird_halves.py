#!/usr/bin/python3
"""Replication of discovered songbird sequences across halves (bench/README.md, "Motif discovery").

    bench/songbird_halves.py MODEL_FIRST.h5 MODEL_SECOND.h5 RUN_SECOND.h5 OCC_SECOND.h5

MODEL_FIRST was discovered on the first 11 s, MODEL_SECOND on the second 11 s; RUN_SECOND is
`detect run MODEL_FIRST` on the second half and OCC_SECOND the second half's own discovered
occurrences. Prints, per motif of the first half: its best match in the second (cosine of the
weights at the best lag), the Spearman rank correlation of the neuron order (delay of each shared
neuron's largest weight), and how many of its detections in the second half coincide (within 2
bins, after the lag) with the second half's own occurrences of the matched motif.
"""
import sys
import h5py
import numpy as np
from scipy.stats import spearmanr


def load(path):
    with h5py.File(path, "r") as f:
        return f["detector/weights"][:].astype(float)[:, :, ::-1], float(f["detector"].attrs["bin"])


def events(path):
    with h5py.File(path, "r") as f:
        return f["detections/timestamps"][:], f["detections/motif_ids"][:]


a, bin_ms = load(sys.argv[1])
b, _ = load(sys.argv[2])
rt, rm = events(sys.argv[3])
ot, om = events(sys.argv[4])
N = min(a.shape[1], b.shape[1])
a, b = a[:, :N], b[:, :N]
D = a.shape[2]
for k in range(a.shape[0]):
    best = (-1, 0, 0)
    for j in range(b.shape[0]):
        for lag in range(-(D - 1), D):
            x = a[k][:, max(0, -lag):D - max(0, lag)]
            y = b[j][:, max(0, lag):D - max(0, -lag)]
            den = np.linalg.norm(a[k]) * np.linalg.norm(b[j])
            c = (x * y).sum() / den if den > 0 else 0
            if c > best[0]:
                best = (c, j, lag)
    c, j, lag = best
    shared = [n for n in range(N) if a[k][n].max() > 0 and b[j][n].max() > 0]
    da = [int(np.argmax(a[k][n])) for n in shared]
    db = [int(np.argmax(b[j][n])) for n in shared]
    rho = spearmanr(da, db).correlation if len(shared) > 2 else float("nan")
    mine = rt[rm == k] - lag * bin_ms
    theirs = ot[om == j]
    hits = sum(1 for t in mine if len(theirs) and np.min(np.abs(theirs - t)) <= 2 * bin_ms)
    print(f"first-half motif {k}: {int((a[k].max(axis=1) > 0).sum())} neurons; best second-half motif {j} "
          f"(cosine {c:.2f}, lag {lag} bins); {len(shared)} shared neurons, order Spearman {rho:.2f}; "
          f"{len(mine)} detections in the second half, {hits} at the second half's own occurrences "
          f"({len(theirs)})")
