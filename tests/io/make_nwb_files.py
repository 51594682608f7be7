#!/usr/bin/python3
"""Writes NWB-like Units tables for tests/io/import_test.cpp into OUTDIR (run by the test).

Only the datasets evspike reads (/units/id, /units/spike_times in s, /units/spike_times_index),
as pynwb lays them out; the bad files each break one rule the reader must enforce.
Usage: make_nwb_files.py OUTDIR. Exit 3 if h5py cannot be imported (the test then fails).
"""
import os
import sys

try:
    import h5py
    import numpy as np
except ImportError as e:
    print("h5py unavailable:", e)
    sys.exit(3)


def units(path, ids, index, times, index_dtype="<u8", id_dtype="<i8", skip=()):
    with h5py.File(path, "w") as f:
        f.attrs["neurodata_type"] = "NWBFile"
        g = f.create_group("units")
        if "id" not in skip:
            g.create_dataset("id", data=np.array(ids, dtype=id_dtype))
        if "spike_times" not in skip:
            g.create_dataset("spike_times", data=np.array(times, dtype="<f8"))
        if "spike_times_index" not in skip:
            g.create_dataset("spike_times_index", data=np.array(index, dtype=index_dtype))


out = sys.argv[1]
p = lambda name: os.path.join(out, name)
# Unit 7 owns times[0:2], unit 3 none (silent), unit 12 times[2:5].
units(p("good.nwb"), [7, 3, 12], [2, 2, 5], [0.5, 0.1, 2.0, 0.25, 1.5])
units(p("negative.nwb"), [1], [2], [-0.5, 1.0])
units(p("index_past_end.nwb"), [7, 3, 12], [2, 2, 9], [0.5, 0.1, 2.0, 0.25, 1.5])
units(p("index_decreasing.nwb"), [7, 3, 12], [2, 1, 5], [0.5, 0.1, 2.0, 0.25, 1.5])
units(p("index_short.nwb"), [7, 3, 12], [2, 2, 4], [0.5, 0.1, 2.0, 0.25, 1.5])
units(p("nan_time.nwb"), [7, 3, 12], [2, 2, 5], [0.5, 0.1, float("nan"), 0.25, 1.5])
units(p("ids_mismatch.nwb"), [7, 3], [2, 2, 5], [0.5, 0.1, 2.0, 0.25, 1.5])
units(p("duplicate_id.nwb"), [7, 7, 12], [2, 2, 5], [0.5, 0.1, 2.0, 0.25, 1.5])
units(p("negative_index.nwb"), [7, 3, 12], [2, -1, 5], [0.5, 0.1, 2.0, 0.25, 1.5], index_dtype="<i8")
units(p("float_ids.nwb"), [7, 3, 12], [2, 2, 5], [0.5, 0.1, 2.0, 0.25, 1.5], id_dtype="<f8")
units(p("no_index.nwb"), [7], [1], [0.5], skip=("spike_times_index",))
with h5py.File(p("no_units.nwb"), "w") as f:
    f.create_group("acquisition")
print("ok")
