"""Spike files and voltage reports from Python: round trips against h5py, windows, errors,
zero-copy arrays, no leaks."""

import gc
import os
import sys
import tracemalloc

import h5py
import numpy as np
import pytest

import evspike


def h5py_spike_file(path, populations, sorting=2):
    with h5py.File(path, "w") as f:
        f.attrs["magic"] = np.uint32(0x0A7A)
        f.attrs["version"] = np.array([0, 1], dtype=np.uint32)
        for name, (t, ids) in populations.items():
            g = f.create_group(f"spikes/{name}")
            g.attrs["sorting"] = np.uint8(sorting)
            g.create_dataset("timestamps", data=np.asarray(t, dtype=np.float64)).attrs["units"] = "ms"
            g.create_dataset("node_ids", data=np.asarray(ids, dtype=np.uint64))


def test_write_spikes_reads_back_in_h5py_exactly(tmp_path):
    rng = np.random.default_rng(3)
    t = np.sort(rng.uniform(0, 1000, 5000))
    ids = rng.integers(0, 50, 5000).astype(np.uint64)
    path = tmp_path / "out.h5"
    evspike.write_spikes(path, t, ids, population="exc", seed=9)
    with h5py.File(path, "r") as f:
        assert f["spikes/exc/timestamps"].dtype == np.float64
        assert f["spikes/exc/node_ids"].dtype == np.uint64
        assert f["spikes/exc/timestamps"][()].tobytes() == t.tobytes()
        assert np.array_equal(f["spikes/exc/node_ids"][()], ids)
        assert f["spikes/exc"].attrs["sorting"] == 2
        assert f.attrs["evspike_seed"] == 9
        assert f.attrs["evspike_command"].startswith("python: evspike.write_spikes(")


def test_read_spikes_reads_an_h5py_file_exactly(tmp_path):
    t = np.array([0.0, 0.1, 0.1, 2.5, 1e6 + 1e-9])
    ids = np.array([3, 1, 2, 0, 7], dtype=np.uint64)
    path = tmp_path / "in.h5"
    h5py_spike_file(path, {"a": (t, ids), "b": ([1.0], [4])})
    times, nodes = evspike.read_spikes(path, "a")
    assert times.dtype == np.float64 and nodes.dtype == np.uint64
    assert times.tobytes() == t.tobytes() and np.array_equal(nodes, ids)
    assert evspike.populations(path) == ["a", "b"]


def test_read_spikes_selects_a_half_open_window_and_nodes(tmp_path):
    t = np.arange(10, dtype=np.float64)
    ids = np.arange(10, dtype=np.uint64) % 3
    path = tmp_path / "w.h5"
    evspike.write_spikes(path, t, ids, population="p")
    times, nodes = evspike.read_spikes(path, t_start=2.0, t_stop=5.0)
    assert times.tolist() == [2.0, 3.0, 4.0]
    times, nodes = evspike.read_spikes(path, node_ids=[0])
    assert times.tolist() == [0.0, 3.0, 6.0, 9.0] and nodes.tolist() == [0, 0, 0, 0]


def test_write_spikes_sorts_by_time_then_id_and_keeps_several_populations(tmp_path):
    path = tmp_path / "s.h5"
    evspike.write_spikes(path, {"x": ([3.0, 1.0, 1.0], [0, 5, 2]), "y": (np.array([]), np.array([], dtype=int))})
    t, ids = evspike.read_spikes(path, "x")
    assert t.tolist() == [1.0, 1.0, 3.0] and ids.tolist() == [2, 5, 0]
    assert evspike.read_spikes(path, "y").times.size == 0


def test_arrays_own_the_cpp_vectors_without_copying(tmp_path):
    path = tmp_path / "z.h5"
    evspike.write_spikes(path, np.arange(1000.0), np.zeros(1000, dtype=np.uint64))
    t, ids = evspike.read_spikes(path)
    # The array does not own its memory: a capsule holding the C++ vector does.
    assert not t.flags.owndata and t.base is not None and type(t.base).__name__ == "PyCapsule"
    assert t.flags.writeable and t.flags.c_contiguous


def test_errors_carry_the_command_lines_messages(tmp_path):
    with pytest.raises(evspike.IOError) as e:
        evspike.read_spikes(tmp_path / "missing.h5")
    assert isinstance(e.value, OSError) and isinstance(e.value, evspike.Error)
    assert "missing.h5" in str(e.value) and e.value.path.endswith("missing.h5")

    path = tmp_path / "two.h5"
    evspike.write_spikes(path, {"a": ([1.0], [0]), "b": ([1.0], [0])})
    with pytest.raises(evspike.IOError, match="several populations: choose one with population="):
        evspike.read_spikes(path)
    with pytest.raises(evspike.IOError, match="/spikes/c: no such population"):
        evspike.read_spikes(path, "c")

    bad = tmp_path / "bad.h5"
    h5py_spike_file(bad, {"p": ([1.0, -2.0], [0, 1])}, sorting=0)
    with pytest.raises(evspike.IOError, match="/spikes/p/timestamps") as e:
        evspike.read_spikes(bad)
    assert e.value.dataset == "/spikes/p/timestamps"

    with pytest.raises(evspike.ConfigError, match="node_ids must be >= 0"):
        evspike.write_spikes(tmp_path / "n.h5", [1.0], [-1])
    with pytest.raises(evspike.ConfigError, match="same length"):
        evspike.write_spikes(tmp_path / "n.h5", [1.0, 2.0], [1])
    with pytest.raises(evspike.IOError, match="not a finite time >= 0"):
        evspike.write_spikes(tmp_path / "n.h5", [np.inf], [1])
    assert not (tmp_path / "n.h5").exists() and not [p for p in tmp_path.iterdir() if ".tmp" in p.name]


def rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def test_repeated_reads_do_not_leak(tmp_path):
    path = tmp_path / "leak.h5"
    n = 100_000  # 1.6 MB of arrays per read
    evspike.write_spikes(path, np.arange(float(n)), np.arange(n, dtype=np.uint64))
    for _ in range(5):  # warm up caches and the allocator
        evspike.read_spikes(path)
    t, _ = evspike.read_spikes(path)
    refs = sys.getrefcount(t)
    gc.collect()
    tracemalloc.start()
    before_py = tracemalloc.get_traced_memory()[0]
    before_rss = rss_bytes()
    for _ in range(100):
        a, b = evspike.read_spikes(path)
        del a, b
    gc.collect()
    grown_py = tracemalloc.get_traced_memory()[0] - before_py
    tracemalloc.stop()
    grown_rss = rss_bytes() - before_rss
    assert sys.getrefcount(t) == refs
    # Kept vectors (C++ heap, invisible to tracemalloc) would add 160 MB of RSS; Python objects
    # kept would show in tracemalloc.
    assert grown_rss < 16_000_000, grown_rss
    assert grown_py < 100_000, grown_py
