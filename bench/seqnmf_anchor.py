#!/usr/bin/python3
"""seqNMF's cost per iteration on a dense raster: the anchor `detect discover` is compared with
(bench/README.md, "Motif discovery", issue 11 "anchors to beat").

    OPENBLAS_NUM_THREADS=1 bench/seqnmf_anchor.py [T ...]

seqNMF (Mackevicius et al. 2019, seqNMF.m) is MATLAB; MATLAB is not available here, so this is its
update written out in NumPy (float64, one BLAS thread): per iteration, the reconstruction
Xhat = sum_l W_l H shifted by l, the H update with the x-ortho penalty (lambda), then one W_l
update per lag with its penalty term. Same shapes as the speed target: N = 128 neurons, K = 10
motifs, L = 51 lags, T bins. The work is dense, O(N K L T) per iteration whatever the spike
count, so the time per iteration grows linearly with T; seqNMF's default is 100 iterations.
Prints CPU seconds per iteration for each T and the extrapolation to T = 1e6 x 100 iterations.
"""
import sys
import time

import numpy as np

N, K, L, lam = 128, 10, 51, 0.001
Ts = [int(float(a)) for a in sys.argv[1:]] or [10000, 30000]
rng = np.random.default_rng(1)
per_bin = []
for T in Ts:
    X = (rng.random((N, T)) < 0.01).astype(float)  # 10 Hz at 1 ms bins
    X = np.pad(X, ((0, 0), (L, L)))  # seqNMF pads with L zeros on both sides
    Tp = X.shape[1]
    W = rng.random((N, K, L))
    H = rng.random((K, Tp)) / np.sqrt(Tp)
    off = 1 - np.eye(K)

    def shift(M, l):  # M shifted right by l columns, zero-filled (seqNMF's circshift on padded data)
        out = np.zeros_like(M)
        if l >= 0:
            out[:, l:] = M[:, :M.shape[1] - l]
        else:
            out[:, :l] = M[:, -l:]
        return out

    def smooth(M):  # conv2(M, ones(1, 2L - 1), 'same')
        c = np.cumsum(np.pad(M, ((0, 0), (L, L - 1))), axis=1)
        return c[:, 2 * L - 1:] - c[:, :-(2 * L - 1)]

    XS = smooth(X)
    t0 = time.process_time()
    iters = 2
    for _ in range(iters):
        Xhat = sum(W[:, :, l] @ shift(H, l) for l in range(L))
        WTX = sum(W[:, :, l].T @ shift(X, -l) for l in range(L))
        WTXhat = sum(W[:, :, l].T @ shift(Xhat, -l) for l in range(L))
        dRdH = lam * off @ smooth(WTX)
        H = H * WTX / (WTXhat + dRdH + np.finfo(float).eps)
        Xhat = sum(W[:, :, l] @ shift(H, l) for l in range(L))
        for l in range(L):
            HS = shift(H, l)
            XHT, XhatHT = X @ HS.T, Xhat @ HS.T
            dRdW = lam * (XS @ HS.T) @ off
            W[:, :, l] = W[:, :, l] * XHT / (XhatHT + dRdW + np.finfo(float).eps)
    s = (time.process_time() - t0) / iters
    per_bin.append(s / T)
    print(f"T = {T:.0e} bins: {s:.2f} s CPU per iteration ({s / T * 1e6:.1f} us per bin)")
print(f"extrapolated to T = 1e6 bins: {np.mean(per_bin) * 1e6:.0f} s per iteration, "
      f"{np.mean(per_bin) * 1e8 / 3600:.1f} h for seqNMF's default 100 iterations")
