#!/usr/bin/python3
"""Checks the exact SONATA layout of a file written by evspike, with h5py (independent of our reader).

Usage:
  check_sonata.py spikes FILE POP=COUNT [POP=COUNT ...]
  check_sonata.py report FILE POP=NODES,SAMPLES,DTYPE [...]
Exit 0 if everything matches, 1 with the reasons otherwise, 3 if h5py cannot be imported.
"""
import sys

try:
    import h5py
    import numpy as np
except ImportError as e:  # the doctest case skips on this exit code
    print("h5py unavailable:", e)
    sys.exit(3)

problems = []


def expect(condition, what):
    if not condition:
        problems.append(what)
    return condition


def check_provenance(f):
    for name in ("evspike_version", "evspike_command", "evspike_config"):
        if expect(name in f.attrs, f"root attribute {name} missing"):
            tid = f.attrs.get_id(name).get_type()
            expect(isinstance(tid, h5py.h5t.TypeStringID), f"{name} is not a string")
    if expect("evspike_seed" in f.attrs, "root attribute evspike_seed missing"):
        expect(f.attrs.get_id("evspike_seed").dtype == np.dtype("<u8"), "evspike_seed is not uint64")


def check_spikes(f, expected):
    magic = f.attrs.get_id("magic") if "magic" in f.attrs else None
    if expect(magic is not None, "root attribute magic missing"):
        expect(magic.dtype == np.dtype("<u4"), f"magic dtype {magic.dtype}, expected uint32")
        expect(magic.shape == (), "magic is not a scalar")
        expect(int(f.attrs["magic"]) == 0x0A7A, f"magic = {f.attrs['magic']!r}")
    version = f.attrs.get_id("version") if "version" in f.attrs else None
    if expect(version is not None, "root attribute version missing"):
        expect(version.dtype == np.dtype("<u4"), f"version dtype {version.dtype}")
        expect(list(f.attrs["version"]) == [0, 1], f"version = {f.attrs['version']!r}")
    check_provenance(f)
    if not expect("spikes" in f and isinstance(f["spikes"], h5py.Group), "/spikes missing"):
        return
    expect(sorted(f["spikes"].keys()) == sorted(expected), f"populations {sorted(f['spikes'].keys())} != {sorted(expected)}")
    for pop, count in expected.items():
        g = f["spikes"].get(pop)
        if not expect(isinstance(g, h5py.Group), f"/spikes/{pop} missing"):
            continue
        if expect("sorting" in g.attrs, f"/spikes/{pop}: sorting missing"):
            a = g.attrs.get_id("sorting")
            mapping = h5py.check_enum_dtype(a.dtype)
            expect(mapping == {"none": 0, "by_id": 1, "by_time": 2}, f"/spikes/{pop}: sorting enum {mapping}")
            expect(a.dtype == np.dtype("u1"), f"/spikes/{pop}: sorting base {a.dtype}, expected uint8")
            expect(int(g.attrs["sorting"]) == 2, f"/spikes/{pop}: sorting = {g.attrs['sorting']}, expected by_time")
        ts, ids = g.get("timestamps"), g.get("node_ids")
        if not (expect(isinstance(ts, h5py.Dataset), f"/spikes/{pop}/timestamps missing")
                and expect(isinstance(ids, h5py.Dataset), f"/spikes/{pop}/node_ids missing")):
            continue
        expect(ts.dtype == np.dtype("<f8"), f"/spikes/{pop}/timestamps dtype {ts.dtype}")
        expect(ids.dtype == np.dtype("<u8"), f"/spikes/{pop}/node_ids dtype {ids.dtype}")
        expect(ts.shape == (count,), f"/spikes/{pop}/timestamps shape {ts.shape}, expected ({count},)")
        expect(ids.shape == (count,), f"/spikes/{pop}/node_ids shape {ids.shape}, expected ({count},)")
        expect(ts.attrs.get("units") == "ms", f"/spikes/{pop}/timestamps units {ts.attrs.get('units')!r}")
        for d in (ts, ids):
            expect(d.chunks is not None and d.compression == "gzip" and d.shuffle,
                   f"{d.name}: chunks {d.chunks}, compression {d.compression}, shuffle {d.shuffle}")
            if d.chunks:
                expect(2**15 <= d.chunks[0] <= 2**17, f"{d.name}: chunk {d.chunks[0]} outside 2^15..2^17")
        t = ts[...]
        expect(np.all(np.isfinite(t)) and np.all(t >= 0), f"/spikes/{pop}/timestamps: invalid times")
        expect(np.all(np.diff(t) >= 0), f"/spikes/{pop}/timestamps: not sorted by time")
        if pop == "ramp":  # known values: spike i at i * 0.25 ms on node i % 1000
            i = np.arange(count)
            expect(np.array_equal(t, i * 0.25), "/spikes/ramp/timestamps: values differ")
            expect(np.array_equal(ids[...], (i % 1000).astype("<u8")), "/spikes/ramp/node_ids: values differ")


def check_report(f, expected):
    check_provenance(f)
    if not expect("report" in f, "/report missing"):
        return
    expect(sorted(f["report"].keys()) == sorted(expected), f"report populations {sorted(f['report'].keys())}")
    for pop, (nodes, samples, dtype) in expected.items():
        g = f["report"].get(pop)
        if not expect(isinstance(g, h5py.Group), f"/report/{pop} missing"):
            continue
        data = g["data"]
        expect(data.dtype == np.dtype(dtype), f"/report/{pop}/data dtype {data.dtype}, expected {dtype}")
        expect(data.shape == (samples, nodes), f"/report/{pop}/data shape {data.shape}")
        expect(data.attrs.get("units") == "mV", f"/report/{pop}/data units {data.attrs.get('units')!r}")
        m = g["mapping"]
        expect(m["node_ids"].dtype == np.dtype("<u8") and m["node_ids"].shape == (nodes,), "mapping/node_ids")
        expect(m["element_ids"].dtype == np.dtype("<u4") and not np.any(m["element_ids"][...]), "mapping/element_ids")
        expect(list(m["index_pointers"][...]) == list(range(nodes + 1)), "mapping/index_pointers")
        expect(m["time"].dtype == np.dtype("<f8") and m["time"].shape == (3,), "mapping/time")
        expect(m["time"].attrs.get("units") == "ms", "mapping/time units")


def main(argv):
    if len(argv) < 3 or argv[1] not in ("spikes", "report"):
        print(__doc__)
        return 2
    with h5py.File(argv[2], "r") as f:
        if argv[1] == "spikes":
            check_spikes(f, {k: int(v) for k, v in (a.split("=") for a in argv[3:])})
        else:
            expected = {}
            for a in argv[3:]:
                k, v = a.split("=")
                nodes, samples, dtype = v.split(",")
                expected[k] = (int(nodes), int(samples), dtype)
            check_report(f, expected)
    for p in problems:
        print("FAIL:", p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
