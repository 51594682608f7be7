#pragma once
// Recordings from other tools (SPEC §9.1): spike sorters and lab formats name neurons by sparse
// unit (cluster) ids and may use any time unit and origin. Every importer (io/text_spikes.hpp,
// io/kilosort.hpp, io/nwb_units.hpp) returns a unit_spikes in ms; densify() turns it into one
// SONATA population with dense node ids 0..n-1 (sorted by original id) and the original ids kept
// (written as /spikes/<pop>/unit_ids, docs/files.md).
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "io/spike_file.hpp"

namespace evspike {

struct unit_spikes {
    std::vector<std::uint64_t> units;  // original unit id of each spike
    std::vector<double> times_ms;      // same length, in file order
    // Units the source lists even when they have no spike (the NWB Units table's /units/id);
    // they still get a node id. May be empty.
    std::vector<std::uint64_t> known_units;
    std::size_t size() const { return times_ms.size(); }
};

struct dense_population {
    spike_table spikes;                   // sorted by time, ties by node id; node ids 0..n-1
    std::vector<std::uint64_t> unit_ids;  // unit_ids[node id] = original id, strictly increasing
};

// Maps unit ids to node ids (rank among the sorted distinct ids, silent known units included)
// and sorts the spikes by (time, node id). Memory O(spikes).
dense_population densify(const unit_spikes& in);

// The one rule for every spike file (SPEC §3.2, docs/files.md): a node spikes at most once per
// instant. Removes exact repeats (same node id, same time) from a table sorted by (time, node id),
// keeping the first; returns how many were removed and, through `first`, the first one removed.
// `evspike convert` drops them with a notice; a simulation's spike_file source refuses them.
struct duplicate_spikes {
    std::size_t count = 0;
    double time_ms = 0;
    std::uint64_t node_id = 0;
};
duplicate_spikes drop_duplicate_spikes(spike_table& spikes);

// Adds `offset_ms` to every time, then refuses a time < 0 (SONATA and SPEC §7.1 keep times >= 0):
// io_error(file, "", where(i) + ": ...") naming the first negative spike, the earliest time and
// the --time-offset that would make them all >= 0. Nothing is dropped silently.
void apply_time_offset(std::vector<double>& times_ms, double offset_ms, const std::string& file,
                       const std::function<std::string(std::size_t)>& where);

// Shortest text that reads back to the same double (std::to_chars).
std::string format_double(double v);

}  // namespace evspike
