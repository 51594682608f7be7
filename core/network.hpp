#pragma once
// The connectivity of a simulation, compressed by source (CSR) and sorted by delay (SPEC §3.3).
//
// Nodes have global ids (uint32): the neurons of every population in config order, then the
// nodes of every spike source in config order. Synapses are stored once, grouped by source node
// (`offsets[n] .. offsets[n + 1]`), and within a source sorted by delay (ties: creation order),
// so the engine walks one source's fan-out with a single queue entry, delivering each group of
// equal delays at once.
//
// Memory: stored as arrays (delay float64, target uint32, weight float64) plus 8 bytes per node
// for the offsets: 20 bytes per synapse. When the network has at most 256 distinct weights and
// fewer than 2^24 nodes (Benchmark 4 has two weights), the weight is an 8-bit index into a
// palette of doubles packed into the target's top byte: 12 bytes per synapse (NEST's "hom_w"
// synapses make the same saving for one shared weight). Delays stay float64 because they are
// added to spike times exactly (SPEC §1: 1e-9 ms resolution); a weight is the double the config
// gave, unless the config opts into float32 weights (`weight_dtype`, docs/config.md): then every
// weight is rounded to float32 (palette included, so the palette never changes a result) and a
// per-synapse weight takes 4 bytes (16 bytes per synapse).
#include <cstdint>
#include <string>
#include <vector>

#include "core/big_vector.hpp"

namespace evspike {

// One synapse, as built and as read back (network::at); not the stored layout.
struct synapse {
    std::uint32_t target;  // global id of a neuron
    double weight;         // mV (lif_delta) or pA (lif_exp)
    double delay_ms;       // > 0
};

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
    big_vector<std::uint64_t> offsets;   // node_count + 1
    // Synapse k of the CSR: delays[k]; targets[k] (with the palette index in bits 24-31 when
    // weight_palette is not empty); weights[k], or weights32[k] with float32 weights (both empty
    // when the palette is used).
    big_vector<double> delays;
    big_vector<std::uint32_t> targets;
    big_vector<double> weights;
    big_vector<float> weights32;
    std::vector<double> weight_palette;
    bool float32_weights = false;  // weight_dtype = "float32": every weight rounded to float32
    double min_delay_ms = 0.0;  // over all synapses; 0 if there are none
    double max_delay_ms = 0.0;
    // The share built by this process (sim/connect.hpp, partition): rank `rank` of `ranks` holds
    // the synapses onto its neurons [owned_begin, owned_end) only, and emits the source nodes
    // whose index among the sources is rank modulo ranks. min/max_delay_ms are over its synapses.
    std::uint32_t rank = 0, ranks = 1;
    std::uint32_t owned_begin = 0, owned_end = 0;
    bool owns_neuron(std::uint32_t gid) const { return gid >= owned_begin && gid < owned_end; }
    bool owns_source(std::uint32_t gid) const { return (gid - neuron_count) % ranks == rank; }
    // First neuron of rank r's block: floor(neuron_count r / ranks).
    std::uint32_t block_begin(std::uint32_t r) const {
        return static_cast<std::uint32_t>(std::uint64_t{neuron_count} * r / ranks);
    }
    // The rank that owns neuron gid.
    std::uint32_t neuron_owner(std::uint32_t gid) const {
        std::uint32_t r = neuron_count == 0 ? 0 : static_cast<std::uint32_t>(std::uint64_t{gid} * ranks / neuron_count);
        if (r >= ranks) r = ranks - 1;
        while (r + 1 < ranks && block_begin(r + 1) <= gid) ++r;
        while (r > 0 && block_begin(r) > gid) --r;
        return r;
    }

    static constexpr std::uint32_t target_mask = 0x00FF'FFFF;
    bool uses_palette() const { return !weight_palette.empty(); }
    std::uint32_t target(std::uint64_t k) const {
        return uses_palette() ? targets[k] & target_mask : targets[k];
    }
    double weight(std::uint64_t k) const {
        if (uses_palette()) return weight_palette[targets[k] >> 24];
        return float32_weights ? static_cast<double>(weights32[k]) : weights[k];
    }
    // The value a synapse of weight w holds: w, or w rounded to float32 with float32 weights.
    double stored_weight(double w) const { return float32_weights ? static_cast<double>(static_cast<float>(w)) : w; }
    synapse at(std::uint64_t k) const { return {target(k), weight(k), delays[k]}; }
    // Stores `s` (grouped by source, sorted by delay within a source, offsets set), with a
    // palette when the weights and node count allow it; float32_weights must be set before.
    void store(const std::vector<synapse>& s);

    std::size_t synapse_count() const { return delays.size(); }
    // Bytes held by the connectivity (synapses and offsets), per synapse.
    double bytes_per_synapse() const;
    // The group holding global id `gid`.
    const node_group& group_of(std::uint32_t gid) const;
    const node_group* find(const std::string& name) const;
};

}  // namespace evspike
