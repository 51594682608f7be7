#pragma once
// The connectivity of a simulation, compressed by source (CSR) and sorted by delay (SPEC §3.3).
//
// Nodes have global ids (uint32): the neurons of every population in config order, then the
// nodes of every spike source in config order. Synapses are stored once, grouped by source node
// (`offsets[n] .. offsets[n + 1]`), and within a source sorted by delay (ties: creation order),
// so the engine walks one source's fan-out with a single queue entry, delivering each group of
// equal delays at once.
//
// Memory: 16 bytes per synapse (target uint32, weight float32, delay float64) plus 8 bytes per
// node for the offsets. Delays stay float64 because they are added to spike times exactly
// (SPEC §1: 1e-9 ms resolution); weights are float32 (7 significant digits).
#include <cstdint>
#include <string>
#include <vector>

namespace evspike {

struct synapse {
    std::uint32_t target;  // global id of a neuron
    float weight;          // mV (lif_delta) or pA (lif_exp)
    double delay_ms;       // > 0
};
static_assert(sizeof(synapse) == 16);

// A population or a source: a contiguous range of global ids.
struct node_group {
    std::string name;
    std::uint32_t first = 0;  // global id of node 0
    std::uint32_t size = 0;
    bool is_source = false;
    std::size_t spec_index = 0;  // index in simulation_spec::populations or ::sources
};

struct network {
    std::vector<node_group> groups;      // populations first, then sources (config order)
    std::uint32_t neuron_count = 0;      // global ids [0, neuron_count) are neurons
    std::uint32_t node_count = 0;        // neurons and source nodes
    std::vector<std::uint64_t> offsets;  // node_count + 1
    std::vector<synapse> synapses;
    double min_delay_ms = 0.0;  // over all synapses; 0 if there are none
    double max_delay_ms = 0.0;

    std::size_t synapse_count() const { return synapses.size(); }
    // Bytes held by the connectivity (synapses and offsets), per synapse.
    double bytes_per_synapse() const;
    // The group holding global id `gid`.
    const node_group& group_of(std::uint32_t gid) const;
    const node_group* find(const std::string& name) const;
};

}  // namespace evspike
