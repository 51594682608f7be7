#pragma once
// The event-driven engine (SPEC §3): exact, continuous time, no grid. See sim/engine.cpp for
// the event order and the same-time rule, docs/engine.md for the design.
//
//   const network net = build_network(spec);
//   engine_outputs out{.record = ..., .spikes = &my_sink};
//   const run_stats stats = simulate(spec, net, out);
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "core/comm.hpp"
#include "core/network.hpp"
#include "sim/spec.hpp"
#include "queue/event_queue.hpp"

namespace evspike {

// Receives the spikes of recorded groups, in time order, ties by global id (so per group: by
// time, ties by node id, as SPEC §7.1's by_time sorting requires).
class spike_sink {
public:
    virtual ~spike_sink() = default;
    // `group` indexes network::groups; `node` is the id within the group.
    virtual void on_spike(std::size_t group, std::uint64_t node, double t_ms) = 0;
};

// Receives exact membrane potentials at sample times k * interval < t_stop, k = 0, 1, ...
class voltage_sink {
public:
    virtual ~voltage_sink() = default;
    // `probe` indexes engine_outputs::probes; `V_mV` has one value per probed node, in order.
    virtual void on_sample(std::size_t probe, double t_ms, std::span<const double> V_mV) = 0;
};

struct voltage_probe {
    std::size_t group = 0;  // a population's index in network::groups
    std::vector<std::uint64_t> node_ids;
    double interval_ms = 0.1;
};

struct engine_outputs {
    std::vector<bool> record;  // per network group: report its spikes to `spikes`
    spike_sink* spikes = nullptr;
    std::vector<voltage_probe> probes;
    voltage_sink* voltages = nullptr;
    // Called now and then with the simulated time reached (ms), e.g. for a progress bar.
    std::function<void(double)> progress;
    // Neurons per target block of the partitioned delivery (sim/engine.cpp, invariant 10): 0
    // chooses (when a rank owns more than 16384 neurons: 1024-8192 by its synapses per neuron x
    // the epoch length), 1 never partitions, a power of 2 >= 64 forces that block size. Results
    // do not depend on it (tests vary it).
    std::uint32_t delivery_block = 0;
    // Inputs held at once by the partitioned delivery (a larger epoch goes in slices of blocks):
    // 0 means 2^20 (40 MB). Results do not depend on it (tests vary it).
    std::uint64_t delivery_slice = 0;
};

// The queue for threshold-crossing predictions beyond the calendar's horizon (sim/engine.cpp;
// nearer ones wait in the calendar's ring). Found by bench/queue_choice.cpp and Benchmark 4
// (bench/README.md, "Which event queue?"): the indexed 4-ary heap ties Boost's mutable d-ary heap
// on the hold model and was 10-15 % faster in the engine when it held every prediction.
inline constexpr queue_kind default_queue = queue_kind::indexed_d_ary;

struct run_stats {
    std::uint64_t spikes = 0;      // emitted by neurons and sources (recorded or not)
    std::uint64_t deliveries = 0;  // synaptic events
    std::uint64_t events = 0;      // deliveries + emissions + queued predictions taken out
    std::uint64_t stale = 0;       // queued predictions taken out that had been superseded
    std::uint64_t instants = 0;    // neuron updates (a neuron at one time) + source emissions
    std::size_t peak_queue = 0;    // queued predictions + spikes in flight, at epoch ends
    std::uint32_t delivery_block = 1;  // neurons per target block on this rank (1: not partitioned)
};

// Runs spec over [0, spec.t_stop_ms) on `net` (built from the same spec). Throws config_error
// for model parameters or sources the loader let through, naming the key path.
// With several ranks (`comm`, core/comm.hpp), each runs its share of `net` (built with its
// partition), every collective call is made by all of them, the spikes and samples go to
// rank 0's sinks (the others' may be null) and the stats returned are the sums over ranks.
run_stats simulate(const simulation_spec& spec, const network& net, const engine_outputs& outputs,
                   queue_kind queue = default_queue, communicator& comm = serial_communicator());

}  // namespace evspike
