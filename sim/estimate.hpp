#pragma once
// Up-front size of a simulation (SPEC §8), from the spec alone (nothing built or drawn,
// microseconds): what apps/ compares with the machine's memory before building, and the size of
// the voltage reports it will write. The synapse count is estimate_synapses (sim/connect.hpp).
#include <map>
#include <string>

#include "sim/spec.hpp"

namespace evspike {

// Peak bytes per synapse while building and running, measured (max RSS, /usr/bin/time, lif_exp,
// fixed_indegree 200, delay 1 ms, main at 2026-12-07): 4e6 synapses 69 MB, 2e7 synapses 269 MB,
// about 12.5 B each beyond the neurons; rounded up to 16 B for the growth of the build's lists.
inline constexpr double bytes_per_synapse = 16.0;
// Bytes per neuron or source node of a built network and its engine state, measured: 1e6
// lif_exp neurons without synapses peak at 160 MB (max RSS, /usr/bin/time).
inline constexpr double bytes_per_node = 160.0;
// Bytes held per recorded node of a voltage report: its id, its value in the engine's row and in
// the writer's buffer (at least one chunk of 2^16 values per report).
inline constexpr double report_bytes_per_node = 24.0;

struct simulation_estimate {
    double nodes = 0;         // neurons and source nodes
    double synapses = 0;      // estimate_synapses
    double recorded = 0;      // voltage-recorded nodes, over all reports
    double memory_bytes = 0;  // peak while building and running
    // Bytes of voltage samples per report file (the default path is "<spikes>.voltage.h5").
    std::map<std::string, double> report_bytes;
    // "3.2e+05 synapses x 16 B, 4e+03 neurons x 160 B, 0 recorded x 24 B": for check_memory.
    std::string detail() const;
};

simulation_estimate estimate_simulation(const simulation_spec& spec);

}  // namespace evspike
