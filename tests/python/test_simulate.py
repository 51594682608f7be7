"""evspike.simulate: the same spikes and voltages as `evspike simulate`, bit for bit; errors with
the command line's messages; Ctrl-C stops it cleanly; repeated runs do not leak."""

import gc
import os
import re
import signal
import sys
import threading
import time

import h5py
import numpy as np
import pytest

import evspike
from conftest import h5_contents, run_cli, temporaries

PARAMS = {"tau_m": 20.0, "E_L": -49.0, "V_th": -50.0, "V_reset": -60.0, "t_ref": 5.0}


def small_network(t_stop=200.0):
    """A 100-neuron Benchmark 4 (self-sustained, lif_delta) with a Poisson source and a probe."""
    return {
        "seed": 3,
        "t_stop": t_stop,
        "population": [
            {"name": "exc", "size": 80, "model": "lif_delta", "params": PARAMS, "V_m": {"uniform": [-60.0, -50.0]}},
            {"name": "inh", "size": 20, "model": "lif_delta", "params": PARAMS, "V_m": -55.5},
        ],
        "source": [{"name": "stim", "kind": "poisson", "size": 10, "rate": 50.0, "stop": 100.0}],
        "connection": [
            {"source": "exc", "target": "exc", "rule": {"fixed_indegree": 8}, "weight": 0.25,
             "delay": {"uniform": [0.1, 0.3]}},
            {"source": "inh", "target": "exc", "rule": {"probability": 0.2}, "weight": -2.25, "delay": 0.125},
            {"source": "exc", "target": "inh", "rule": "all_to_all", "weight": 0.05, "delay": 1.0 / 3.0},
            {"source": "stim", "target": "exc", "rule": {"fixed_outdegree": 8}, "weight": 1.5, "delay": 0.5},
        ],
        "output": {"record": ["exc", "inh", "stim"],
                   "voltage": [{"population": "exc", "node_ids": [0, 7], "interval": 0.25, "dtype": "float64"},
                               {"population": "inh", "node_ids": [3], "interval": 1.0}]},
    }


def test_simulate_from_a_dict_equals_the_command_line_bit_for_bit(tmp_path, evspike_bin):
    config = small_network()
    toml_file = tmp_path / "net.toml"
    toml_file.write_text(evspike.to_toml(config))
    run_cli(evspike_bin, "simulate", toml_file, "-o", tmp_path / "cli.h5")
    r = evspike.simulate(config, output=tmp_path / "py.h5")

    # Every dataset and attribute (config text and seed included) but evspike_command.
    assert h5_contents(tmp_path / "cli.h5") == h5_contents(tmp_path / "py.h5")
    assert h5_contents(tmp_path / "cli.h5.voltage.h5") == h5_contents(tmp_path / "py.h5.voltage.h5")
    with h5py.File(tmp_path / "py.h5", "r") as f:
        assert f.attrs["evspike_command"].startswith("python: evspike.simulate('<dict>'")
        assert f.attrs["evspike_config"] == toml_file.read_text()

    # The arrays returned are the file's contents.
    assert sorted(r.spikes) == ["exc", "inh", "stim"]
    for pop, (t, ids) in r.spikes.items():
        ft, fids = evspike.read_spikes(tmp_path / "cli.h5", pop)
        assert t.tobytes() == ft.tobytes() and ids.tobytes() == fids.tobytes()
        assert t.size > 0
    exc_v = evspike.read_voltages(tmp_path / "cli.h5.voltage.h5", "exc")
    assert r.voltages[0].values.tobytes() == exc_v.values.tobytes()  # float64 on request: exact
    assert r.voltages[0].times.tolist() == [0.25 * k for k in range(800)]
    inh_v = evspike.read_voltages(tmp_path / "cli.h5.voltage.h5", "inh")
    assert inh_v.dtype == "float32" and r.voltages[1].values.astype(np.float32).tobytes() == \
        inh_v.values.astype(np.float32).tobytes()
    assert r.voltages[1].values[0, 0] == -55.5  # V_m at t = 0
    assert r.output == str(tmp_path / "py.h5") and r.t_stop == 200.0 and r.seed == 3
    assert r.stats["spikes"] >= sum(t.size for t, _ in r.spikes.values())


def test_simulate_from_a_path_or_toml_text_with_overrides_equals_the_command_line(tmp_path, evspike_bin, data_dir):
    run_cli(evspike_bin, "simulate", data_dir / "bench4.toml", "--t-stop", 50, "--seed", 5, "-o", tmp_path / "c.h5")
    r = evspike.simulate(data_dir / "bench4.toml", t_stop=50.0, seed=5, write=False)
    assert r.output is None and not (data_dir / "bench4.h5").exists()
    for pop in ("exc", "inh"):
        assert r.spikes[pop].times.tobytes() == evspike.read_spikes(tmp_path / "c.h5", pop).times.tobytes()
        assert r.spikes[pop].node_ids.tobytes() == evspike.read_spikes(tmp_path / "c.h5", pop).node_ids.tobytes()
    text = (data_dir / "bench4.toml").read_text()
    s = evspike.simulate(text, t_stop=50.0, seed=5, write=False)
    assert all(np.array_equal(s.spikes[p].times, r.spikes[p].times) for p in ("exc", "inh"))


def test_simulate_refuses_a_network_beyond_memory_before_building_it():
    # 80 neurons x 1e10 inputs each = 8e11 synapses x 16 B = 12.8 TB: refused from the config alone.
    config = small_network()
    config["connection"][0]["rule"] = {"fixed_indegree": 10_000_000_000}
    config["connection"][0]["multapses"] = True
    start = time.monotonic()
    with pytest.raises(MemoryError, match=r"<dict>: the network needs about 13 TB of memory \(8e\+11 synapses "
                                          r"x 16 B, 110 neurons x 160 B, 3 recorded x 24 B\), more than the .* of this machine; "
                                          r"nothing was started"):
        evspike.simulate(config, write=False)
    assert time.monotonic() - start < 30.0  # (it did not build: that would take hours)
    # A small network runs within a limit it fits and is refused below it; bad limits are refused.
    assert evspike.simulate(small_network(t_stop=10.0), write=False, max_memory=1 << 30).stats["synapses"] > 0
    with pytest.raises(MemoryError, match=r"more than max_memory 1.0 kB; nothing was started"):
        evspike.simulate(small_network(), write=False, max_memory=1000)
    for bad in (0, -5, 1.5, True):
        with pytest.raises(evspike.ConfigError, match="max_memory: expected a positive number of bytes"):
            evspike.simulate(small_network(), write=False, max_memory=bad)


def test_simulate_never_writes_over_its_config(tmp_path, data_dir):
    config = tmp_path / "net.toml"
    config.write_bytes((data_dir / "bench4.toml").read_bytes())
    before = config.read_bytes()
    with pytest.raises(evspike.ConfigError, match="the output is the same file as the config") as e:
        evspike.simulate(str(config), t_stop=5.0, output=str(config))
    assert e.value.key == "output"
    assert config.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["net.toml"]


def test_simulate_reports_config_errors_with_key_paths():
    config = small_network()
    config["connection"][1]["delay"] = 0.0
    with pytest.raises(evspike.ConfigError) as e:
        evspike.simulate(config, write=False)
    assert isinstance(e.value, ValueError)
    # The dict's TOML text (evspike.to_toml) gives the line number.
    assert re.match(r"<dict>:\d+: connection\[1\]\.delay: a delay must be > 0 ms", str(e.value))
    assert e.value.key == "connection[1].delay"

    config = small_network()
    config["population"][0]["colour"] = "red"
    with pytest.raises(evspike.ConfigError, match=r"population\[0\]\.colour"):
        evspike.simulate(config, write=False)
    with pytest.raises(evspike.ConfigError, match="t_stop: must be a finite number of ms >= 0"):
        evspike.simulate(small_network(), t_stop=-1.0, write=False)
    with pytest.raises(evspike.ConfigError, match="queue: expected lazy, mutable, pairing or indexed"):
        evspike.simulate(small_network(), queue="fast", write=False)
    with pytest.raises(evspike.ConfigError, match="t_stop: NoneType has no TOML form"):
        evspike.simulate({"t_stop": None})
    with pytest.raises(evspike.Error, match="no-such.toml"):
        evspike.simulate("no-such.toml")


def test_ctrl_c_interrupts_a_long_simulation_and_leaves_no_file(tmp_path, data_dir):
    out = tmp_path / "long.h5"
    timer = threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGINT))
    started = time.monotonic()
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            evspike.simulate(data_dir / "bench4.toml", t_stop=1e7, output=out)  # hours of work
    finally:
        timer.cancel()
    assert time.monotonic() - started < 10
    assert not out.exists() and temporaries(tmp_path) == []
    assert evspike.simulate(small_network(20.0), write=False).t_stop == 20.0  # still usable


def test_ctrl_c_interrupts_a_generator_and_leaves_no_file(tmp_path):
    out = tmp_path / "long.h5"
    timer = threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            evspike.generate_poisson(neurons=1000, rate=50.0, t_stop=1e9, output=out)
    finally:
        timer.cancel()
    assert not out.exists() and temporaries(tmp_path) == []


def test_repeated_simulations_do_not_leak(tmp_path):
    config = small_network(50.0)
    for _ in range(3):
        evspike.simulate(config, write=False)
    gc.collect()
    with open("/proc/self/statm") as f:
        before = int(f.read().split()[1])
    r = None
    for _ in range(30):
        r = evspike.simulate(config, write=False)
    refs = sys.getrefcount(r.spikes["exc"].times)
    del r
    gc.collect()
    with open("/proc/self/statm") as f:
        grown = (int(f.read().split()[1]) - before) * os.sysconf("SC_PAGE_SIZE")
    assert refs == 2  # the tuple's reference and getrefcount's argument
    assert grown < 8_000_000, grown


def test_to_toml_writes_the_shapes_of_the_config():
    text = evspike.to_toml({"seed": 2, "t_stop": 1e-5, "population": [{"name": "a b", "params": {"x": 1}}],
                            "output": {"spikes": 'o"ut.h5', "record": ["a b"]}, "flag": True,
                            "v": float("inf"), "n": np.int64(4), "f": np.float64(2)})
    assert text == ('seed = 2\nt_stop = 1e-05\nflag = true\nv = inf\nn = 4\nf = 2.0\n\n[[population]]\n'
                    'name = "a b"\nparams = { x = 1 }\n\n[output]\nspikes = "o\\"ut.h5"\nrecord = ["a b"]\n')
