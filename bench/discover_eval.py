#!/usr/bin/python3
"""Compares motifs found by `evspike detect discover` with the planted ones of a ground-truth file.

    bench/discover_eval.py TRUTH.h5 MODEL.h5 [--detections D.h5 --test TEST.h5 --evspike BIN]

Templates are compared as maps of *excess spike probability per bin* (neuron x delay after the
motif's start):
- planted, from the generator's parameters: hdsnn: sigmoid(logit p_background + K) - p_background
  at the entry's bin; jittered: participation x the mass of N(delay, jitter) in each bin;
- discovered, from the model: sigmoid(logit r_a + w) - r_a, with r_a the neuron's spikes per bin
  in TRUTH and w the weight at the detector lag D - 1 - delay (zero weights: no excess).
Each pair's similarity is the largest cosine over relative lags (a discovered window may start
anywhere before the motif); motifs are matched one to one by the Hungarian algorithm on those
cosines. With --detections (a `detect run` of the discovered model on TEST), each detection is
relabelled with its planted motif and moved by the matched lag, written to a temporary
detections file and scored with `evspike detect score` against TEST at one bin.
Prints one line per motif and the mean cosine; with --detections, the score.
"""
import argparse
import os
import subprocess
import sys
import tempfile

import h5py
import numpy as np
from math import erf, sqrt
from scipy.optimize import linear_sum_assignment


def attr(g, name):
    v = g.attrs[name]
    if isinstance(v, bytes):
        return v.decode()
    if isinstance(v, np.ndarray) and v.shape == ():
        return v.item()
    return v.decode() if hasattr(v, "decode") else v


def planted_maps(f, bin_ms, neurons):
    m = f["motifs"]
    model = attr(m, "model")
    t = m["templates"]
    ids, nodes, delays = t["motif_ids"][:], t["node_ids"][:], t["delays"][:]
    K = int(ids.max()) + 1
    if model == "jittered":
        jitter, part = float(attr(m, "jitter")), float(attr(m, "participation"))
        span = float(attr(m, "duration")) + 4 * jitter
        D = int(np.ceil(span / bin_ms)) + 1
        P = np.zeros((K, neurons, D))
        edges = np.arange(D + 1) * bin_ms
        cdf = np.vectorize(lambda x: 0.5 * (1 + erf(x / sqrt(2))))
        for k, a, d in zip(ids, nodes, delays):
            if jitter > 0:
                mass = np.diff(cdf((edges - d) / jitter))
            else:
                mass = np.zeros(D)
                mass[int(np.floor(d / bin_ms + 1e-9))] = 1
            P[k, a] += part * mass
    else:
        p0 = float(attr(m, "p_background"))
        D = int(attr(m, "delays"))
        P = np.zeros((K, neurons, D))
        w = t["weights"][:]
        lp0 = np.log(p0 / (1 - p0))
        for k, a, d, x in zip(ids, nodes, delays, w):
            P[k, a, int(round(d / bin_ms))] = 1 / (1 + np.exp(-(lp0 + x))) - p0
    return P


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("truth")
    ap.add_argument("model")
    ap.add_argument("--detections")
    ap.add_argument("--test")
    ap.add_argument("--evspike", default="build/evspike")
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args()

    with h5py.File(args.model, "r") as f:
        W = f["detector/weights"][:].astype(np.float64)
        bin_ms = float(attr(f["detector"], "bin"))
    Kd, N, D = W.shape
    with h5py.File(args.truth, "r") as f:
        pop = [k for k in f["spikes"].keys()][0]
        nodes = f["spikes"][pop]["node_ids"][:]
        times = f["spikes"][pop]["timestamps"][:]
        bins = np.floor(times / bin_ms + 1e-9).astype(np.int64)
        nbins = int(bins.max()) + 1
        # binary raster: count distinct (bin, neuron)
        key = np.unique(bins * (N + 1) + nodes)
        per = np.bincount((key % (N + 1)).astype(np.int64), minlength=N)[:N]
        r = np.clip(per / nbins, 0.5 / nbins, 0.5)
        P = planted_maps(f, bin_ms, N)
    Kp, _, Dp = P.shape
    lr = np.log(r / (1 - r))[None, :, None]
    Q = W[:, :, ::-1]  # delay after the start
    Q = np.where(Q != 0, 1 / (1 + np.exp(-(lr + Q))) - r[None, :, None], 0.0)
    nP = np.sqrt((P ** 2).sum(axis=(1, 2)))
    nQ = np.sqrt((Q ** 2).sum(axis=(1, 2)))
    # cos[k, j, lag]: planted delay = discovered delay + lag
    best = np.full((Kp, Kd), -1.0)
    best_lag = np.zeros((Kp, Kd), dtype=np.int64)
    for lag in range(-(D - 1), Dp):
        q0, q1 = max(0, -lag), min(D, Dp - lag)
        if q1 <= q0:
            continue
        dots = np.einsum("kna,jna->kj", P[:, :, q0 + lag:q1 + lag], Q[:, :, q0:q1])
        c = dots / np.maximum(np.outer(nP, nQ), 1e-300)
        better = c > best
        best[better] = c[better]
        best_lag[better] = lag
    rows, cols = linear_sum_assignment(-best)
    cos = best[rows, cols]
    if not args.quiet:
        for k, j in zip(rows, cols):
            print(f"planted {k:3d} <- discovered {j:3d}: cosine {best[k, j]:.3f}, lag {best_lag[k, j]} bins")
    print(f"mean cosine {cos.mean():.4f} (min {cos.min():.4f}) over {len(cos)} matched motifs "
          f"({Kp} planted, {Kd} discovered)")
    if args.detections:
        to_planted = {j: (k, best_lag[k, j]) for k, j in zip(rows, cols)}
        with h5py.File(args.detections, "r") as f:
            t = f["detections/timestamps"][:]
            m = f["detections/motif_ids"][:]
            s = f["detections/scores"][:]
            attrs = {k: f["detections"].attrs[k] for k in f["detections"].attrs}
        keep = np.array([int(x) in to_planted for x in m], dtype=bool)
        t, m, s = t[keep], m[keep], s[keep]
        nt = np.array([ti - to_planted[int(mi)][1] * bin_ms for ti, mi in zip(t, m)])
        nm = np.array([to_planted[int(mi)][0] for mi in m], dtype=np.uint64)
        order = np.lexsort((nm, nt))
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "mapped.h5")
            with h5py.File(out, "w") as f:
                g = f.create_group("detections")
                g.create_dataset("timestamps", data=nt[order].astype(np.float64))
                g.create_dataset("motif_ids", data=nm[order])
                g.create_dataset("scores", data=s[order].astype(np.float32))
                for k, v in attrs.items():
                    g.attrs[k] = v
            res = subprocess.run([args.evspike, "detect", "score", out, args.test or args.truth],
                                 capture_output=True, text=True)
            sys.stdout.write(res.stdout)
            sys.stderr.write(res.stderr)
            return res.returncode
    return 0


if __name__ == "__main__":
    sys.exit(main())
