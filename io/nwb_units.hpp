#pragma once
// The Units table of an NWB 2.x file (SPEC §9.1), read through HDF5: /units/spike_times (float,
// seconds, every unit's spikes concatenated), /units/spike_times_index (integer: the end offset of
// each unit's slice, so unit k owns spike_times[index[k-1] : index[k]]) and /units/id (integer,
// one per unit). Held to the SONATA reader's rules: an io_error naming file and dataset for a
// missing or wrongly typed dataset, an index that decreases or runs past spike_times, lengths that
// disagree, negative or duplicate ids, and non-finite times (with their index). Other columns
// (obs_intervals, electrodes, ...) are ignored. Times stay relative to the session's reference
// time; a negative one is refused unless time_offset_ms lifts it (io/recording.hpp).
#include <string>

#include "io/recording.hpp"

namespace evspike {

unit_spikes read_nwb_units(const std::string& path, double time_offset_ms = 0.0);

// What an HDF5 file holds, by its top-level groups (for `convert` to pick a reader). Throws the
// HDF5 wrapper's io_error for a missing, non-HDF5 or corrupt file.
enum class hdf5_content { spikes, nwb_units, detections, other };
hdf5_content hdf5_content_of(const std::string& path);

}  // namespace evspike
