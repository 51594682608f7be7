#pragma once
// Summary statistics of one population's spikes, computed from streamed chunks in one pass
// (SPEC §8 `evspike info`). Memory is O(number of neurons), never O(number of spikes).
//
// Definitions (also in docs/cli.md):
//   spikes          number of spikes
//   active_neurons  neurons with at least one spike
//   neurons         max node id + 1 (SONATA files do not store the population size)
//   t_first/t_last  earliest and latest spike time, ms
//   duration        the window the rate is measured over, ms: [t_start, t_stop) if the caller
//                   knows the recording window (set_window), otherwise [0, t_last] since runs
//                   start at 0 (SPEC §1); so a single spike at 0 gives no rate
//   mean_rate       spikes / (neurons * duration), Hz
//   mean_cv         mean over neurons with >= 3 spikes (>= 2 intervals) of std(ISI) / mean(ISI),
//                   std with divisor n (as Elephant's cv); per-neuron running mean and M2
//                   (Welford), so regular trains keep their precision
//
// ISIs need each neuron's spikes in time order: true for files sorted by_time, and for by_id
// files whose spikes are time-ordered within each neuron. If a neuron's spike comes before its
// previous one, time_ordered() turns false and the CV is not meaningful; callers then re-read the
// population sorted (see apps/cmd_info.cpp).
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <unordered_map>
#include <vector>

namespace evspike {

struct spike_summary {
    std::uint64_t spikes = 0;
    std::uint64_t active_neurons = 0;
    std::uint64_t neurons = 0;          // max id + 1, 0 if no spikes
    double t_first_ms = 0.0;            // meaningful only if spikes > 0
    double t_last_ms = 0.0;
    double duration_ms = 0.0;           // rate window length
    std::optional<double> mean_rate_hz; // absent if no spikes or duration 0
    std::optional<double> mean_cv;      // absent if no neuron has >= 3 spikes
    std::uint64_t cv_neurons = 0;       // neurons that entered mean_cv
};

class spike_stats {
public:
    // Optional known recording window (ms) for the rate; default [0, t_last].
    void set_window(double t_start_ms, double t_stop_ms);

    // Known population size (e.g. the unit count of an imported recording, silent units
    // included); neurons is then max(n, max id + 1).
    void set_neurons(std::uint64_t n) { known_neurons_ = n; }

    // Adds spikes in per-neuron time order (see above). Spans have the same length.
    void add(std::span<const double> timestamps_ms, std::span<const std::uint64_t> node_ids);
    void add(double timestamp_ms, std::uint64_t node_id);

    bool time_ordered() const { return time_ordered_; }
    spike_summary summary() const;

private:
    struct neuron {
        double last_ms = 0.0;
        std::uint64_t spikes = 0;
        double isi_mean = 0.0;
        double isi_m2 = 0.0;
    };
    neuron& at(std::uint64_t id);

    // Dense by id up to a limit, then a hash map, so a file with a huge sparse id does not
    // allocate gigabytes.
    static constexpr std::uint64_t dense_limit = std::uint64_t{1} << 24;
    std::vector<neuron> dense_;
    std::unordered_map<std::uint64_t, neuron> sparse_;
    std::uint64_t spikes_ = 0;
    std::uint64_t max_id_ = 0;
    std::uint64_t known_neurons_ = 0;
    double t_first_ = std::numeric_limits<double>::infinity();
    double t_last_ = -std::numeric_limits<double>::infinity();
    std::optional<double> window_start_, window_stop_;
    bool time_ordered_ = true;
};

}  // namespace evspike
