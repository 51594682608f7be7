#pragma once
// Spike sources (SPEC §5 [[source]]): nodes that only emit. Each node's train is produced lazily,
// one spike at a time, so a long Poisson source costs memory per node, not per spike.
//   spike_times  the config's lists (and spike_file: a SONATA file the config loader has read
//                into the same lists); sorted here, a repeated time is emitted once (a node
//                emits at most one spike per instant, SPEC §3.2)
//   poisson      models/poisson_process.hpp, one process and one random stream per node, named
//                poisson_stream_name(source, node) ("<source>/<node>") so that
//                `evspike generate poisson --population <source>` with the same seed draws the
//                same trains, and adding a source or population changes no other train
#include <cstdint>
#include <string>
#include <vector>

#include "sim/spec.hpp"
#include "models/inhomogeneous_poisson.hpp"
#include "models/poisson_process.hpp"

namespace evspike {

class source_group {
public:
    // `key` names the source in errors ("source[1]"). Spikes at t >= t_stop are never emitted.
    source_group(const source_spec& spec, std::uint64_t seed, double t_stop_ms, const std::string& key);

    std::uint32_t size() const { return size_; }
    // The next spike time of `node` in ms (strictly increasing per node), +infinity when done.
    double next(std::uint32_t node);

private:
    source_kind kind_;
    std::uint32_t size_ = 0;
    double stop_ms_;
    std::vector<std::vector<double>> times_;  // spike_times, spike_file
    std::vector<std::size_t> cursor_;
    std::vector<poisson_process> poisson_;
    std::vector<inhomogeneous_poisson_process> inhomogeneous_;  // poisson with rate_file
};

}  // namespace evspike
