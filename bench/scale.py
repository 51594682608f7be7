#!/usr/bin/python3
"""Scale series (issue 12 item 3, issue 13 figures): Benchmark 4's network (data/bench4.toml,
data/bench4_hetero.toml: 80 % excitatory lif_delta neurons, in-degree 64 + 16, weights 0.25 and
-2.25 mV) scaled to N neurons with the in-degree and the weights kept, so the activity stays
Benchmark 4's. Each run simulates long enough for about --events synaptic events and reports:
synaptic events/s of the run, the build's synapses/s (CPU time of the build phase, rank 0), the
peak RSS per synapse (the largest rank's peak RSS / its synapses), and with --ranks K > 1 the
time in exchange (collectives, waiting included). With --brian, Brian2 cpp_standalone runs the
same-size network (its own draws of the same rules, as bench/bench4.py) up to --brian-max
neurons: its simulation time and the wall time of its whole binary (synapse creation included).

    /usr/bin/python3 bench/scale.py [--build-dir build] [--sizes 4e3,4e4,4e5,4e6]
        [--variants constant,hetero] [--events 3e7] [--ranks 1] [--brian] [--brian-max 4e5]
        [--build-only] [--pairs N] [--t-stop MS]

With --brian --pairs N, after the first run of each, evspike and Brian2's compiled binary run
alternately N more times and the medians of the paired ratios (whole process, run phase) are
printed: on a shared machine, pairs cancel slow drifts of its speed.
--t-stop MS simulates the same window at every size instead (overrides --events): each run then
starts with the same transient (Benchmark 4's V_m is uniform below threshold and every neuron
drifts up to it, so the first ~50 ms are one synchronous wave), which weighs on a short run (4e5
neurons reach 3e7 events in ~124 ms) and not on a long one (4e3 neurons: ~12.4 s).
--build-only runs t_stop = 0.001 ms (network build and engine set-up; --t-stop must be > 0). Prints one line per run
and a Markdown table at the end. Every run is a fresh process; on a shared machine repeat and
compare paired runs (the load average is printed).
"""
import argparse
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
RATE_HZ = 9.8  # Benchmark 4's mean rate (data/bench4.toml, 1 s): sets t_stop for --events


def scaled_config(variant, n, tmp):
    src = "bench4.toml" if variant == "constant" else "bench4_hetero.toml"
    with open(os.path.join(ROOT, "data", src)) as f:
        text = f.read()
    n_exc, n_inh = n * 4 // 5, n - n * 4 // 5
    text = text.replace("size = 3200", f"size = {n_exc}").replace("size = 800", f"size = {n_inh}")
    path = os.path.join(tmp, f"{variant}_{n}.toml")
    with open(path, "w") as f:
        f.write(text)
    return path


def run_evspike(binary, config, t_stop, ranks, tmp):
    out_path = os.path.join(tmp, "out.h5")
    cmd = [binary, "simulate", config, "--t-stop", repr(t_stop), "-o", out_path]
    if ranks > 1:
        cmd = ["mpirun", "--oversubscribe", "--allow-run-as-root", "--mca", "btl", "self,vader",
               "-n", str(ranks)] + cmd
    cmd = ["/usr/bin/time", "-f", "peak_rss_kb %M"] + cmd
    start = time.monotonic()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.monotonic() - start
    if proc.returncode != 0:
        sys.exit(f"evspike failed:\n{proc.stderr[-2000:]}")
    out = proc.stdout
    m = re.search(r"simulated .* ms: (\d+) spikes, (\d+) synaptic events, (\d+) synapses "
                  r"\(([\d.]+) B/synapse\); build ([\d.]+) s, run ([\d.]+) s", out)
    c = re.search(r"cpu: build ([\d.]+) s, run ([\d.]+) s", out)
    x = re.search(r"time in exchange ([\d.]+) s \(rank 0\), ([\d.]+) s", out)
    rss = re.search(r"peak_rss_kb (\d+)", proc.stderr)
    if not (m and c and rss):
        sys.exit("cannot parse evspike output:\n" + out + proc.stderr)
    synapses = int(m.group(3))
    # With mpirun, /usr/bin/time sees mpirun and (through wait4) the largest rank's peak.
    return {"spikes": int(m.group(1)), "events": int(m.group(2)), "synapses": synapses,
            "build_s": float(m.group(5)), "run_s": float(m.group(6)), "build_cpu_s": float(c.group(1)),
            "run_cpu_s": float(c.group(2)), "peak_rss": int(rss.group(1)) * 1024,
            "rss_per_synapse": int(rss.group(1)) * 1024 / (synapses / ranks),
            "exchange_s": float(x.group(1)) if x else 0.0, "exchange_max_s": float(x.group(2)) if x else 0.0,
            "wall_s": wall}


def brian_child(variant, n, t_stop_ms, seed):
    import numpy as np
    from brian2 import (NeuronGroup, Synapses, SpikeMonitor, defaultclock, device, ms, mV, prefs,
                        run, set_device, seed as brian_seed)
    workdir = tempfile.mkdtemp(prefix="scale-brian-")
    set_device("cpp_standalone", directory=workdir, build_on_run=False)
    prefs.devices.cpp_standalone.openmp_threads = 0
    defaultclock.dt = 0.125 * ms
    brian_seed(seed)
    n_exc = n * 4 // 5
    G = NeuronGroup(n, "dv/dt = (-49*mV - v) / (20*ms) : volt (unless refractory)",
                    threshold="v > -50*mV", reset="v = -60*mV", refractory=5 * ms, method="exact")
    G.v = "-60*mV + 10*mV*rand()"
    # Fixed in-degree without autapses, drawn with numpy as bench/bench4.py does (not the same draws
    # as evspike's streams; the same rule and weights). Brian2's generator syntax cannot express a
    # fixed in-degree: an earlier `connect(j="k for k in sample(...) if k != j")` here created no
    # synapse at all (checked: 0 synapses, 19 Hz free firing), so every Brian2 figure of this
    # script before this fix was of an unconnected network.
    rng = np.random.default_rng(seed)

    def indegree(first, size, k):
        # k sources per target from [first, first + size), never the target itself; int32 ids.
        targets = np.arange(n, dtype=np.int32)
        src = rng.integers(0, size - 1, size=(n, k), dtype=np.int32) + np.int32(first)
        own = (targets >= first) & (targets < first + size)
        src += (own[:, None] & (src >= targets[:, None])).astype(np.int32)  # skip the target's own id
        src[~own] = rng.integers(first, first + size, size=(int((~own).sum()), k), dtype=np.int32)
        return src.ravel(), np.repeat(targets, k)

    synapses = 0
    groups = []
    for first, size, k, w in ((0, n_exc, 64, 0.25), (n_exc, n - n_exc, 16, -2.25)):
        i, j = indegree(first, size, k)
        S = Synapses(G, G, "w : volt (shared, constant)", on_pre="v_post += w * int(not_refractory_post)")
        S.connect(i=i, j=j)
        S.w = w * mV
        if variant == "constant":
            S.delay = 0.125 * ms
        else:
            S.delay = rng.uniform(1.0, 3.0, size=i.size) * ms
        synapses += int(i.size)
        groups.append(S)
        del i, j
    Se, Si = groups  # Brian2's run() collects the objects it sees as local variables, not in lists
    M = SpikeMonitor(G, record=False)
    run(t_stop_ms * ms)
    device.build(directory=workdir, compile=True, run=False, clean=True)
    # The binary runs from the parent, once this process (and its copies of the arrays: 15 GB at
    # 4e6 neurons) is gone.
    print(json.dumps({"synapses": synapses, "workdir": workdir}))


def rerun_brian(workdir):
    """Runs a built Brian2 project's binary: (simulation s, whole binary wall s, peak RSS bytes)."""
    start = time.monotonic()
    proc = subprocess.run(["/usr/bin/time", "-f", "peak_rss_kb %M", "./main"], cwd=workdir, capture_output=True,
                          text=True)
    whole = time.monotonic() - start
    if proc.returncode != 0:
        raise RuntimeError(f"brian2's binary failed (exit {proc.returncode}): {proc.stderr[-500:]}")
    with open(os.path.join(workdir, "results", "last_run_info.txt")) as f:
        run_s = float(f.read().split()[0])
    rss = int(re.search(r"peak_rss_kb (\d+)", proc.stderr).group(1)) * 1024
    return run_s, whole, rss


def brian_spikes(workdir):
    import numpy as np
    path = glob.glob(os.path.join(workdir, "results", "_array_spikemonitor_N_*"))[0]
    return int(np.fromfile(path, dtype=np.int32)[0])


def median(xs):
    xs = sorted(xs)
    return 0.5 * (xs[(len(xs) - 1) // 2] + xs[len(xs) // 2])


def run_brian(variant, n, t_stop, seed):
    proc = subprocess.run([sys.executable, os.path.abspath(__file__), "--brian-child", variant,
                           "--sizes", str(n), "--t-stop-child", repr(t_stop), "--seed", str(seed)],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        print("brian2 failed:\n" + proc.stderr[-2000:], file=sys.stderr)
        return None
    b = json.loads(proc.stdout.strip().splitlines()[-1])
    try:
        b["run_s"], b["whole_s"], b["peak_rss"] = rerun_brian(b["workdir"])
    except RuntimeError as e:
        print(e, file=sys.stderr)
        shutil.rmtree(b["workdir"], ignore_errors=True)
        return None
    b["spikes"] = brian_spikes(b["workdir"])
    return b


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build-dir", default=os.path.join(ROOT, "build"))
    parser.add_argument("--sizes", default="4e3,4e4,4e5,4e6")
    parser.add_argument("--variants", default="constant,hetero")
    parser.add_argument("--events", type=float, default=3e7, help="synaptic events to aim for")
    parser.add_argument("--ranks", type=int, default=1)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--brian", action="store_true")
    parser.add_argument("--brian-max", type=float, default=4e5)
    parser.add_argument("--build-only", action="store_true")
    parser.add_argument("--t-stop", type=float, default=0.0, help="the same window (ms) at every size")
    parser.add_argument("--pairs", type=int, default=0,
                        help="with --brian: then N alternated runs of evspike and Brian2's binary, median ratios")
    parser.add_argument("--brian-child", choices=["constant", "hetero"], help=argparse.SUPPRESS)
    parser.add_argument("--t-stop-child", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args()
    sizes = [int(float(s)) for s in args.sizes.split(",")]
    if args.brian_child:
        brian_child(args.brian_child, sizes[0], args.t_stop_child, args.seed)
        return
    binary = os.path.join(args.build_dir, "evspike")
    print(f"scale series, {args.ranks} rank(s); load average before: {os.getloadavg()[0]:.2f}")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for variant in args.variants.split(","):
            for n in sizes:
                t_stop = (0.001 if args.build_only else args.t_stop if args.t_stop > 0
                          else round(1.3 * args.events / (n * 80 * RATE_HZ / 1000), 3))
                r = run_evspike(binary, scaled_config(variant, n, tmp), t_stop, args.ranks, tmp)
                r.update(variant=variant, n=n, t_stop=t_stop)
                ev_rate = r["events"] / r["run_s"] if r["run_s"] > 0 else 0.0
                print(f"[{variant} N={n:g}] {r['synapses']} synapses, t_stop {t_stop:g} ms: {r['events']} "
                      f"events in {r['run_s']:.3f} s ({ev_rate:.3g}/s; run CPU {r['run_cpu_s']:.3f} s); build "
                      f"{r['build_s']:.3f} s wall, {r['build_cpu_s']:.3f} s CPU "
                      f"({r['synapses'] / max(r['build_cpu_s'], 1e-9):.3g} synapses/s); peak RSS "
                      f"{r['peak_rss'] / 2**20:.0f} MiB ({r['rss_per_synapse']:.1f} B/synapse"
                      + (" per rank" if args.ranks > 1 else "") + ")"
                      + (f"; exchange {r['exchange_s']:.3f} s (rank 0), {r['exchange_max_s']:.3f} s (max)"
                         if args.ranks > 1 else ""), flush=True)
                if args.brian and not args.build_only and n <= args.brian_max:
                    b = run_brian(variant, n, t_stop, args.seed)
                    if b:
                        r["brian_run_s"], r["brian_whole_s"] = b["run_s"], b["whole_s"]
                        print(f"[{variant} N={n:g}] brian2 cpp_standalone: {b['synapses']} synapses, {b['spikes']} "
                              f"spikes (evspike {r['spikes']}); run {b['run_s']:.3f} s, whole binary "
                              f"{b['whole_s']:.3f} s, peak RSS {b['peak_rss'] / 2**20:.0f} MiB; evspike whole "
                              f"process {r['wall_s']:.3f} s", flush=True)
                        whole_ratios, run_ratios = [], []
                        for p in range(args.pairs):
                            e = run_evspike(binary, scaled_config(variant, n, tmp), t_stop, args.ranks, tmp)
                            b_run, b_whole, _ = rerun_brian(b["workdir"])
                            whole_ratios.append(e["wall_s"] / b_whole)
                            run_ratios.append(e["run_s"] / b_run)
                            print(f"[{variant} N={n:g}] pair {p + 1}: evspike whole {e['wall_s']:.3f} s (run "
                                  f"{e['run_s']:.3f}), Brian2 whole {b_whole:.3f} s (run {b_run:.3f}); load "
                                  f"{os.getloadavg()[0]:.2f}", flush=True)
                        if args.pairs:
                            r["whole_ratio"], r["run_ratio"] = median(whole_ratios), median(run_ratios)
                            print(f"[{variant} N={n:g}] median paired ratio evspike / Brian2: whole process "
                                  f"{r['whole_ratio']:.3f} ({min(whole_ratios):.3f}-{max(whole_ratios):.3f}), run "
                                  f"{r['run_ratio']:.3f} ({min(run_ratios):.3f}-{max(run_ratios):.3f})", flush=True)
                        shutil.rmtree(b["workdir"], ignore_errors=True)
                rows.append(r)
    print(f"load average after: {os.getloadavg()[0]:.2f}\n")
    print("| variant | neurons | synapses | t_stop ms | events | run s | events/s | build s (CPU) | "
          "synapses/s (CPU) | peak RSS B/synapse | evspike whole s | Brian2 run s | Brian2 whole s | "
          "paired whole ratio | paired run ratio |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        ev_rate = r["events"] / r["run_s"] if r["run_s"] > 0 else 0.0
        print(f"| {r['variant']} | {r['n']:.0e} | {r['synapses']:.2e} | {r['t_stop']:g} | {r['events']:.2e} | "
              f"{r['run_s']:.2f} | {ev_rate:.3g} | {r['build_cpu_s']:.2f} | "
              f"{r['synapses'] / max(r['build_cpu_s'], 1e-9):.3g} | {r['rss_per_synapse']:.1f} | {r['wall_s']:.1f} | "
              f"{r.get('brian_run_s', float('nan')):.2f} | {r.get('brian_whole_s', float('nan')):.2f} | "
              f"{r.get('whole_ratio', float('nan')):.3f} | {r.get('run_ratio', float('nan')):.3f} |")


if __name__ == "__main__":
    main()
