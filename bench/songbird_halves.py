#!/usr/bin/python3
"""Do the songbird sequences replicate across halves, and are they more than chance?
(bench/README.md, "Motif discovery", issue 11.)

    bench/songbird_halves.py build/evspike [SEEDS] [SURROGATES]

1. Reference: `detect discover` on the whole 22.2 s (the README's settings: 2 motifs, 1000 ms,
   bin 1/30 s, --significance 0.1, seed 1): sequences S0 and S1 and their occurrences.
2. Halves: discover on the first 11.1 s (seeds 1..SEEDS, --significance 0.1 and 0.5); each
   first-half motif is matched to S0/S1 by the cosine of the weights over unit ids (best lag).
   `detect run` of the first-half model on the second half (neurons matched by unit id): its
   detections at S-occurrences of the second half (within 2 bins), and the order test: for each
   neuron of the first-half motif, its mean spike latency in the second half's detected windows
   against its delay in the template (Spearman). The second half is also discovered on its own.
3. Controls (SURROGATES each): every neuron's train circularly shifted by its own random offset
   (keeps rates and ISIs, destroys cross-neuron timing), and every spike jittered by +-500 ms
   (keeps slow co-activation, destroys order within 1 s). Discover on each; run the reference
   model on each. A real sequence is larger, and detected more often, than on surrogates.
"""
import os
import subprocess
import sys
import tempfile

import h5py
import numpy as np
from scipy.stats import spearmanr

EV = sys.argv[1]
SEEDS = int(sys.argv[2]) if len(sys.argv) > 2 else 10
SURR = int(sys.argv[3]) if len(sys.argv) > 3 else 100
SRC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "songbird", "songbird_spikes.txt")
BIN = 1000.0 / 30
ARGS = ["--motifs", "2", "--duration", "1000", "--bin", "33.333333333333336", "--quiet"]
CUT = 11100.0  # ms, 333 bins: the halves keep the bin grid
tmp = tempfile.mkdtemp()
raw = np.loadtxt(SRC)
units_all, t_all = raw[:, 0].astype(int), raw[:, 1] * 1000.0


def ev(*args):
    subprocess.run([EV, *args], check=True, capture_output=True)


def convert(name, u, t):
    o = np.lexsort((u, t))
    txt, h5 = os.path.join(tmp, name + ".txt"), os.path.join(tmp, name + ".h5")
    np.savetxt(txt, np.c_[u[o], t[o] / 1000.0], fmt="%d\t%.17g")  # full precision: spikes sit on bin edges
    ev("convert", txt, h5, "--time-unit", "s")
    return h5


def discover(h5, tag, seed=1, significance="0.1"):
    m, occ = os.path.join(tmp, tag + "_m.h5"), os.path.join(tmp, tag + "_occ.h5")
    ev("detect", "discover", h5, "-o", m, "--occurrences", occ, "--seed", str(seed), "--significance", significance, *ARGS)
    return m, events(occ)


def model(path):
    """{unit: weights over delays after the start} per motif."""
    with h5py.File(path, "r") as f:
        w = f["detector/weights"][:][:, :, ::-1]
        ids = f["detector/unit_ids"][:]
    return [{int(ids[a]): w[k, a] for a in range(w.shape[1]) if w[k, a].max() > 0} for k in range(w.shape[0])]


def events(path):
    with h5py.File(path, "r") as f:
        return f["detections/timestamps"][:], f["detections/motif_ids"][:]


def cosine(a, b):
    """Best cosine of two motifs ({unit: weights}) over lags, and the lag (bins, b later)."""
    if not a or not b:
        return 0.0, 0
    na = np.sqrt(sum((v ** 2).sum() for v in a.values()))
    nb = np.sqrt(sum((v ** 2).sum() for v in b.values()))
    D = len(next(iter(a.values())))
    best = (0.0, 0)
    for lag in range(-(D - 1), D):
        s = 0.0
        for u in set(a) & set(b):
            x, y = a[u], b[u]
            s += (x[max(0, -lag):D - max(0, lag)] * y[max(0, lag):D - max(0, -lag)]).sum()
        if s / (na * nb) > best[0]:
            best = (s / (na * nb), lag)
    return best


def hits(times, truth, tol=2 * BIN):
    return sum(1 for t in times if len(truth) and np.min(np.abs(truth - t)) <= tol + 1e-9)


def order_test(motif, det_starts, u, t):
    """Spearman of each neuron's template delay vs the peak of its spike histogram (bins after
    the start, ties averaged) over the detected windows of the other half."""
    D = len(next(iter(motif.values())))
    tmpl, meas = [], []
    for unit, w in motif.items():
        sp = t[u == unit]
        offs = [int(np.floor((s - d) / BIN + 1e-9)) for d in det_starts for s in sp if 0 <= s - d < D * BIN]
        if offs:
            h = np.bincount(offs, minlength=D)
            tmpl.append(int(np.argmax(w)))
            meas.append(np.mean(np.nonzero(h == h.max())[0]))
    if len(tmpl) < 3:
        return float("nan"), len(tmpl)
    return spearmanr(tmpl, meas).correlation, len(tmpl)


full = convert("full", units_all, t_all)
ref_path, (ref_t, ref_m) = discover(full, "full")
ref = model(ref_path)
for k, m in enumerate(ref):
    print(f"reference S{k}: {len(m)} neurons, {(ref_m == k).sum()} occurrences at "
          f"{np.round(ref_t[ref_m == k] / 1000, 2).tolist()} s")

first = t_all < CUT
h1 = convert("h1", units_all[first], t_all[first])
h2 = convert("h2", units_all[~first], t_all[~first] - CUT)
u2, t2 = units_all[~first], t_all[~first] - CUT
for significance in ("0.1", "0.5"):
    found = {0: [], 1: []}
    for seed in range(1, SEEDS + 1):
        m1_path, _ = discover(h1, f"h1_{seed}", seed, significance)
        m1 = model(m1_path)
        run = os.path.join(tmp, "run.h5")
        ev("detect", "run", m1_path, h2, "-o", run, "--quiet")
        rt, rm = events(run)
        m2_path, _ = discover(h2, f"h2_{seed}", seed, significance)
        m2 = model(m2_path)
        for k, m in enumerate(m1):
            j = max(range(len(ref)), key=lambda j: cosine(ref[j], m)[0])
            c, lag = cosine(ref[j], m)
            if c < 0.3:
                continue
            det = rt[rm == k]
            truth = ref_t[(ref_m == j) & (ref_t >= CUT)] - CUT - lag * BIN  # m starts lag bins before S_j
            rho, n = order_test(m, det, u2, t2)
            # The second half's own best match, and the order of the units both motifs have.
            c2, lag2, x = max((cosine(m, x) + (i,) for i, x in enumerate(m2)), key=lambda v: v[0])
            shared = sorted(set(m) & set(m2[x]))
            rho2 = spearmanr([np.argmax(m[v]) for v in shared], [np.argmax(m2[x][v]) for v in shared]).correlation \
                if len(shared) > 2 else float("nan")
            found[j].append((seed, len(m), c, len(det), hits(det, truth), len(truth), rho, n, c2, len(shared), rho2))
    for j in (0, 1):
        rows = found[j]
        print(f"significance {significance}: S{j} found in the first half by {len(rows)} of {SEEDS} seeds (cosine >= 0.3)")
        for seed, n_neurons, c, nd, nh, nt, rho, n, c2, ns, rho2 in rows:
            print(f"  seed {seed}: {n_neurons} neurons, cosine to S{j} {c:.2f}; run on the second half: {nd} detections, "
                  f"{nh} at S{j}'s {nt} occurrences there, order Spearman {rho:.2f} over {n} neurons; second half's own "
                  f"best match: cosine {c2:.2f}, order Spearman {rho2:.2f} over {ns} shared units")

if SURR == 0:
    sys.exit(0)
rng = np.random.default_rng(2026)
T = 22200.0
for kind in ("circular shift", "jitter +-500 ms"):
    sizes, dets = [], []
    for s in range(SURR):
        if kind == "circular shift":
            t = np.mod(t_all + rng.uniform(0, T, size=units_all.max() + 1)[units_all], T)
        else:
            t = np.abs(t_all + rng.uniform(-500, 500, size=t_all.size))
            t = np.where(t > T, 2 * T - t, t)
        h5 = convert("s", units_all, np.maximum(t, 1.0))
        mp, (ot, om) = discover(h5, "s")
        sizes.append(sorted(((len(m), int((om == k).sum())) for k, m in enumerate(model(mp))), reverse=True))
        run = os.path.join(tmp, "srun.h5")
        ev("detect", "run", ref_path, h5, "-o", run, "--quiet")
        rt, rm = events(run)
        dets.append([int((rm == k).sum()) for k in range(len(ref))])
    dets = np.array(dets)
    largest = np.array([s[0][0] if s else 0 for s in sizes])
    for k, m in enumerate(ref):
        n, o = len(m), int((ref_m == k).sum())
        ge = np.mean([any(a >= n and b >= o for a, b in s) for s in sizes])
        print(f"{kind} ({SURR} surrogates): S{k} ({n} neurons, {o} occurrences): surrogates with a motif at least as "
              f"large {ge:.2f}; S{k}'s detections on surrogates: median {np.median(dets[:, k]):.0f}, max "
              f"{dets[:, k].max()} (real {o})")
    print(f"{kind}: largest surrogate motif: median {np.median(largest):.0f} neurons, max {largest.max()}")
