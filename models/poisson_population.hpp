#pragma once
// N independent Poisson trains with dead time (poisson_process, one named stream per neuron),
// merged into one time-ordered stream (ties by node id) and produced window by window, so memory
// is O(N + spikes per window) whatever the duration. Used by `evspike generate poisson`; pure
// computation, no I/O.
//
// Windows hold about 4 N spikes, at least 2^13 and at most 2^28; each is sorted by a bucket sort
// on time (~0.5 spikes per bucket, then one stable insertion sort over the window). The order is
// total (time, then id), so the output does not depend on the window size.
#include <cstdint>
#include <string>
#include <vector>

#include "models/poisson_process.hpp"

namespace evspike {

class poisson_population {
public:
    // params.start_ms/stop_ms bound every train; neuron i draws from
    // make_stream(seed, poisson_stream_name(name, i)). Throws model_error on bad params.
    poisson_population(const poisson_params& params, std::uint64_t neurons, std::uint64_t seed,
                       const std::string& name);

    // Replaces the contents of times/ids with the next window's spikes in (time, id) order.
    // Returns false, with empty vectors, once all trains have ended.
    bool next_window(std::vector<double>& times_ms, std::vector<std::uint64_t>& node_ids);

    // End of the last window produced, ms (for progress).
    double time_reached() const { return t_reached_; }

private:
    void sort_window(std::vector<double>& out_t, std::vector<std::uint64_t>& out_id);

    poisson_params params_;
    std::vector<poisson_process> processes_;
    std::vector<double> pending_;  // each neuron's next spike, +inf when ended
    double window_ms_;
    double t_reached_;
    std::uint64_t window_ = 0;
    std::vector<double> raw_t_;  // the window's spikes as drawn: raw_size_ of them (grown, never shrunk)
    std::size_t raw_size_ = 0;
    std::vector<std::uint64_t> raw_id_;
    std::size_t buckets_ = 1;
    std::vector<std::uint32_t> raw_bucket_;
    std::vector<std::uint32_t> starts_;  // bucket counts, then cursors (a window holds < 2^32 spikes)
};

}  // namespace evspike
