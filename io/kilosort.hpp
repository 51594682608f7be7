#pragma once
// Kilosort / Phy output folders (SPEC §9.1): spike_times.npy (sample index of each spike,
// uint64 or int64), spike_clusters.npy (cluster id per spike, after curation) or else
// spike_templates.npy (template id per spike, before curation), params.py (`sample_rate = 30000.`)
// and optionally cluster_group.tsv / cluster_info.tsv (tab-separated, columns cluster_id (or id)
// and group: good, mua, noise, unsorted). Units are the cluster (or template) ids.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "io/recording.hpp"

namespace evspike {

struct kilosort_options {
    bool good_only = false;                // keep only clusters labelled "good"
    std::optional<double> sample_rate_hz;  // overrides params.py
    double time_offset_ms = 0.0;           // added to every time
};

// Errors name the folder's file at fault (io_error).
unit_spikes read_kilosort(const std::string& folder, const kilosort_options& options);

// `sample_rate` from the text of params.py (Python assignments, one per line); nullopt if absent.
std::optional<double> parse_params_sample_rate(std::string_view text, const std::string& name);

// Cluster ids labelled "good" in a cluster_group.tsv / cluster_info.tsv text (header with
// cluster_id or id, and group), sorted.
std::vector<std::uint64_t> parse_good_clusters(std::string_view text, const std::string& name);

}  // namespace evspike
