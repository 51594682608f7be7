#!/usr/bin/python3
"""Benchmark 4 (Brette et al. 2007) for 10 s simulated: evspike (exact, event-driven,
single thread) against Brian2's cpp_standalone device (clock-driven, dt = 0.125 ms, one thread),
for the constant-delay (data/bench4.toml) and heterogeneous-delay (data/bench4_hetero.toml)
variants. Prints wall times of the simulation alone (after network construction and, for Brian2,
after code generation and compilation), their ratio, synaptic events per second and evspike's
bytes per synapse.

    /usr/bin/python3 bench/bench4.py [--build-dir build] [--t-stop 10000] [--repeat N] [--pairs N]
                                     [--no-brian]

With --repeat N each simulator runs N times per variant (Brian2's compiled binary is re-run, not
rebuilt) and the fastest run of each is reported: on a shared machine the minimum is the figure
least disturbed by other processes. With --pairs N, after that, evspike and Brian2's binary run
alternately N more times per variant and the median of the N paired ratios is reported: each
pair runs within seconds, so slow drifts of the machine's speed cancel.

Brian2 runs only if python3-brian is installed (apt-get install python3-brian). The Brian2
network is the same model: 3200 + 800 LIF neurons, tau_m 20 ms, E_L -49, V_th -50, V_reset -60 mV,
t_ref 5 ms with inputs discarded while refractory, V_m uniform in [-60, -50), fixed in-degree
64 excitatory (+0.25 mV) and 16 inhibitory (-2.25 mV) without autapses, delays 0.125 ms or
uniform in [1, 3) ms (Brian2 rounds them to its 0.125 ms grid). Its connectivity is drawn with
numpy from the same rules (not the same draws as evspike's streams).
"""
import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def run_evspike(binary, config, t_stop, queue):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run([binary, "simulate", config, "--t-stop", str(t_stop), "-o",
                              os.path.join(tmp, "out.h5"), "--queue", queue],
                             check=True, capture_output=True, text=True).stdout
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_s = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    m = re.search(r"simulated .* ms: (\d+) spikes, (\d+) synaptic events, (\d+) synapses "
                  r"\(([\d.]+) B/synapse\); build ([\d.]+) s, run ([\d.]+) s", out)
    if not m:
        sys.exit("cannot parse evspike output:\n" + out)
    return {"spikes": int(m.group(1)), "events": int(m.group(2)), "synapses": int(m.group(3)),
            "bytes_per_synapse": float(m.group(4)), "build_s": float(m.group(5)),
            "run_s": float(m.group(6)), "process_cpu_s": cpu_s}


def brian_child(variant, t_stop_ms, seed, repeat):
    """Runs in a fresh process: one standalone build per variant."""
    import numpy as np
    from brian2 import (NeuronGroup, Synapses, SpikeMonitor, defaultclock, device, ms, mV, prefs,
                        run, set_device, seed as brian_seed)
    workdir = tempfile.mkdtemp(prefix="bench4-brian-")
    set_device("cpp_standalone", directory=workdir, build_on_run=False)
    prefs.devices.cpp_standalone.openmp_threads = 0
    defaultclock.dt = 0.125 * ms
    brian_seed(seed)
    n, n_exc = 4000, 3200
    G = NeuronGroup(n, "dv/dt = (-49*mV - v) / (20*ms) : volt (unless refractory)",
                    threshold="v > -50*mV", reset="v = -60*mV", refractory=5 * ms, method="exact")
    G.v = "-60*mV + 10*mV*rand()"
    rng = np.random.default_rng(seed)
    targets = np.arange(n)

    def indegree(first, size, k):
        # k sources per target from [first, first + size), never the target itself.
        src = rng.integers(0, size - 1, size=(n, k)) + first
        own = (targets >= first) & (targets < first + size)
        shift = own[:, None] & (src >= targets[:, None])
        src = src + shift  # skip the target's own id
        src[~own] = rng.integers(first, first + size, size=(int((~own).sum()), k))
        return src.ravel(), np.repeat(targets, k)

    se, te = indegree(0, n_exc, 64)
    si, ti = indegree(n_exc, n - n_exc, 16)
    S = Synapses(G, G, "w : volt", on_pre="v_post += w * int(not_refractory_post)")
    S.connect(i=np.concatenate([se, si]), j=np.concatenate([te, ti]))
    S.w = np.concatenate([np.full(se.size, 0.25), np.full(si.size, -2.25)]) * mV
    if variant == "constant":
        S.delay = 0.125 * ms
    else:
        S.delay = rng.uniform(1.0, 3.0, size=se.size + si.size) * ms
    M = SpikeMonitor(G, record=False)
    run(t_stop_ms * ms)
    device.build(directory=workdir, compile=True, run=True, clean=True)
    spikes = int(M.num_spikes)
    times = [device._last_run_time]
    for _ in range(repeat - 1):
        device.run(workdir, False, [])
        times.append(device._last_run_time)
    print(json.dumps({"run_s": min(times), "runs_s": times, "spikes": spikes, "events": spikes * 80,
                      "synapses": int(se.size + si.size), "workdir": workdir}))


def rerun_brian(workdir):
    """Runs a built Brian2 standalone project again; its simulation time in seconds."""
    subprocess.run(["./main"], cwd=workdir, check=True, capture_output=True)
    with open(os.path.join(workdir, "results", "last_run_info.txt")) as f:
        return float(f.read().split()[0])


def run_brian(variant, t_stop, seed, repeat):
    proc = subprocess.run([sys.executable, os.path.abspath(__file__), "--brian-child", variant,
                           "--t-stop", str(t_stop), "--seed", str(seed), "--repeat", str(repeat)],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        print("brian2 failed:\n" + proc.stderr[-2000:], file=sys.stderr)
        return None
    return json.loads(proc.stdout.strip().splitlines()[-1])


def brian_available():
    try:
        import brian2  # noqa: F401
        return True
    except ImportError:
        return False


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build-dir", default=os.path.join(ROOT, "build"))
    parser.add_argument("--t-stop", type=float, default=10000.0, help="ms")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--queue", default="indexed")
    parser.add_argument("--repeat", type=int, default=1, help="runs per simulator and variant (fastest kept)")
    parser.add_argument("--pairs", type=int, default=0, help="alternate runs, median paired ratio")
    parser.add_argument("--no-brian", action="store_true")
    parser.add_argument("--brian-child", choices=["constant", "hetero"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.brian_child:
        brian_child(args.brian_child, args.t_stop, args.seed, args.repeat)
        return
    binary = os.path.join(args.build_dir, "evspike")
    with_brian = not args.no_brian and brian_available()
    print(f"Benchmark 4, {args.t_stop:g} ms simulated; load average before: {os.getloadavg()[0]:.2f}")
    variants = [("constant", "bench4.toml"), ("hetero", "bench4_hetero.toml")]
    for variant, config in variants:
        runs = [run_evspike(binary, os.path.join(ROOT, "data", config), args.t_stop, args.queue)
                for _ in range(max(1, args.repeat))]
        e = min(runs, key=lambda r: r["run_s"])
        run_times = [r["run_s"] for r in runs]
        rate = e["spikes"] / 4000 / (args.t_stop / 1000)
        print(f"[{variant}] evspike: run {e['run_s']:.3f} s (build {e['build_s']:.3f} s), "
              f"{e['spikes']} spikes ({rate:.2f} Hz), {e['events']} synaptic events, "
              f"{e['events'] / e['run_s']:.3g} events/s, {e['bytes_per_synapse']:.2f} B/synapse; "
              f"whole process CPU {e['process_cpu_s']:.3f} s (build, run and file output)"
              + (f"; runs {', '.join(f'{t:.3f}' for t in run_times)} s" if len(runs) > 1 else ""))
        if with_brian:
            b = run_brian(variant, args.t_stop, args.seed, max(1, args.repeat))
            if b:
                brate = b["spikes"] / 4000 / (args.t_stop / 1000)
                print(f"[{variant}] brian2 cpp_standalone: run {b['run_s']:.3f} s, {b['spikes']} spikes "
                      f"({brate:.2f} Hz), {b['events'] / b['run_s']:.3g} events/s"
                      + (f"; runs {', '.join(f'{t:.3f}' for t in b['runs_s'])} s" if len(b["runs_s"]) > 1 else ""))
                print(f"[{variant}] ratio evspike / brian2 = {e['run_s'] / b['run_s']:.2f}")
                if args.pairs > 0:
                    config_path = os.path.join(ROOT, "data", config)
                    ratios = []
                    for _ in range(args.pairs):
                        ev = run_evspike(binary, config_path, args.t_stop, args.queue)["run_s"]
                        ratios.append(ev / rerun_brian(b["workdir"]))
                    ratios.sort()
                    median = ratios[len(ratios) // 2] if len(ratios) % 2 else \
                        (ratios[len(ratios) // 2 - 1] + ratios[len(ratios) // 2]) / 2
                    print(f"[{variant}] paired ratio evspike / brian2: median {median:.2f} over {len(ratios)} "
                          f"pairs (range {ratios[0]:.2f}-{ratios[-1]:.2f})")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
