#!/usr/bin/python3
"""Writes the spike-file fixtures of tests/io/bad_files_test.cpp into OUTDIR (run by the test).

Bad files (the reader must refuse each with an io_error naming file and dataset) and files in the
shapes other tools write (h5py by hand, BMTK), which the reader must accept.
Usage: make_bad_files.py OUTDIR. Exit 3 if h5py cannot be imported.
"""
import os
import sys

try:
    import h5py
    import numpy as np
except ImportError as e:
    print("h5py unavailable:", e)
    sys.exit(3)

SORTING = h5py.enum_dtype({"none": 0, "by_id": 1, "by_time": 2}, basetype="u1")


def spikes(path, times, ids, tdtype="<f8", idtype="<u8", pop="exc", sorting="enum", units="ms", extra=None):
    with h5py.File(path, "w") as f:
        f.attrs["magic"] = np.uint32(0x0A7A)
        f.attrs["version"] = np.array([0, 1], dtype="<u4")
        g = f.create_group(f"spikes/{pop}")
        if sorting == "enum" or isinstance(sorting, int):
            g.attrs.create("sorting", 2 if sorting == "enum" else sorting, dtype=SORTING)
        elif sorting is not None:
            g.attrs["sorting"] = sorting
        if times is not None:
            d = g.create_dataset("timestamps", data=np.asarray(times, dtype=tdtype))
            if units is not None:
                d.attrs["units"] = units
        if ids is not None:
            g.create_dataset("node_ids", data=np.asarray(ids, dtype=idtype))
        if extra:
            extra(f)


def compressed(path):
    """5000 spikes (t = 0.5 i ms, node i % 13) in chunks of 1000, shuffle + gzip as h5py does it."""
    i = np.arange(5000)
    with h5py.File(path, "w") as f:
        g = f.create_group("spikes/exc")
        g.attrs.create("sorting", 2, dtype=SORTING)
        d = g.create_dataset("timestamps", data=i * 0.5, chunks=(1000,), shuffle=True, compression="gzip")
        d.attrs["units"] = "ms"
        g.create_dataset("node_ids", data=(i % 13).astype("<u8"), chunks=(1000,), shuffle=True,
                         compression="gzip", compression_opts=6)


def main(out):
    j = lambda name: os.path.join(out, name)
    # Refused.
    with open(j("not_hdf5.h5"), "w") as f:
        f.write("time,node\n1.0,0\n")
    big = j("truncated.h5")
    spikes(big, np.arange(50000) * 0.1, np.arange(50000) % 7)
    size = os.path.getsize(big)
    with open(big, "r+b") as f:
        f.truncate(size // 2)
    with h5py.File(j("no_spikes.h5"), "w") as f:
        f.create_group("something_else")
    spikes(j("missing_timestamps.h5"), None, [0, 1])
    spikes(j("missing_node_ids.h5"), [0.5, 1.0], None)
    spikes(j("mismatched_lengths.h5"), [0.5, 1.0, 2.0], [0, 1])
    spikes(j("int_timestamps.h5"), [1, 2, 3], [0, 1, 2], tdtype="<i8")
    spikes(j("float_node_ids.h5"), [1.0, 2.0], [0.0, 1.0], idtype="<f8")
    spikes(j("nan_time.h5"), [1.0, float("nan"), 3.0], [0, 1, 2], sorting="none")
    spikes(j("inf_time.h5"), [1.0, 2.0, float("inf")], [0, 1, 2])
    spikes(j("negative_time.h5"), [-1.0, 2.0], [0, 1])
    spikes(j("negative_node_id.h5"), [1.0, 2.0], [0, -4], idtype="<i4")
    spikes(j("bad_sorting.h5"), [1.0], [0], sorting="sideways")
    spikes(j("bad_units.h5"), [1.0], [0], units="hours")
    spikes(j("unsorted_by_time.h5"), [1.0, 3.0, 2.0], [0, 1, 2])
    spikes(j("two_d_timestamps.h5"), [[1.0, 2.0], [3.0, 4.0]], [0, 1, 2, 3])
    spikes(j("two_d_node_ids.h5"), [1.0, 2.0], [[0], [1]])
    spikes(j("scalar_timestamps.h5"), 1.0, 0)
    spikes(j("string_node_ids.h5"), [1.0], None,
           extra=lambda f: f["spikes/exc"].create_dataset("node_ids", data=np.array([b"a"])))
    # A compressed file whose first chunk of timestamps has damaged bytes.
    corrupt = j("corrupt_chunk.h5")
    compressed(corrupt)
    with h5py.File(corrupt, "r") as f:
        info = f["spikes/exc/timestamps"].id.get_chunk_info(0)
    with open(corrupt, "r+b") as f:
        f.seek(info.byte_offset + info.size // 2)
        f.write(b"\xff\x00\xff\x00\xff\x00\xff\x00")
    # A voltage report whose node ids declare 2^50 values (chunked, nothing written: a few KB).
    with h5py.File(j("huge_declared_report.h5"), "w") as f:
        f.create_dataset("report/v/mapping/node_ids", shape=(2**50,), dtype="<u8", chunks=(1024,))
    # Accepted.
    compressed(j("h5py_gzip.h5"))
    spikes(j("bmtk_string_sorting.h5"), [0.5, 1.5, 1.5, 9.0], [3, 1, 2, 0], sorting="by_time")
    spikes(j("h5py_minimal.h5"), [2.0, 1.0], [5, 6], tdtype="<f4", idtype="<i4", sorting=None, units=None)
    spikes(j("seconds.h5"), [0.001, 0.0025], [0, 1], units="s")
    spikes(j("enum_by_id.h5"), [3.0, 1.0], [0, 1], sorting=1)
    spikes(j("integer_sorting.h5"), [1.0, 2.0], [0, 1], sorting=np.uint8(2))
    # Fixed-length NULLPAD strings that fill their size exactly (h5py's np.bytes_): no terminator.
    spikes(j("nullpad_strings.h5"), [1.0, 2.0], [0, 1], sorting=np.bytes_("by_time"), units=np.bytes_("ms"),
           extra=lambda f: f.attrs.create("evspike_command", np.bytes_("abc")))
    with h5py.File(j("old_gids_layout.h5"), "w") as f:
        f.create_dataset("spikes/gids", data=np.array([10, 11], dtype="<u4"))
        f.create_dataset("spikes/timestamps", data=np.array([0.25, 0.75]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
