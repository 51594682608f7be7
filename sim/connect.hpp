#pragma once
// Building the network from a simulation_spec: node layout, connection rules (SPEC §5) and the
// delay-sorted CSR of core/network.hpp.
//
// Random streams (SPEC §1). A connection's draws never depend on any other population, source
// or connection of the config. Its streams are named after what it connects, not its position:
//     "connection/<source>-><target>#<k>/rule"    which pairs are connected
//     "connection/<source>-><target>#<k>/weight"  their weights
//     "connection/<source>-><target>#<k>/delay"   their delays
// where k counts earlier connections between the same two groups (0 for the first), so adding
// or removing a population, a source or a connection between other groups leaves every
// existing connection's synapses bit-identical. Each stream is further split per target neuron
// (fixed_indegree, probability, one_to_one, all_to_all) or per source node (fixed_outdegree),
// substream i seeded from mix64(stream seed ^ mix64(i)): the synapses onto one target are
// drawn without looking at any other target, which is what a later partitioned (MPI) build
// needs, and changing the weight distribution never changes which pairs are connected.
#include <cstdint>
#include <string>

#include "core/network.hpp"
#include "core/random.hpp"
#include "sim/spec.hpp"

namespace evspike {

// The smallest delay accepted: SPEC §1's time resolution. A delay must be > 0 (SPEC §3.3); one
// below 1e-9 ms could vanish when added to a spike time late in a long run, and the engine's
// epochs (min delay long) must make progress.
inline constexpr double min_delay_ms = 1e-9;

// A value drawn from a distribution (constant, uniform [lo, hi), normal by Box-Muller).
double draw_value(const distribution& d, random_stream& rng);

// Which share of the network a process builds: rank `rank` of `ranks` owns the neurons
// [N rank / ranks, N (rank + 1) / ranks) (contiguous blocks, N = neurons of all populations) and
// the source nodes whose index among the sources is rank modulo ranks (docs/engine.md, "Running
// on many processes"), and stores only the synapses onto its neurons.
struct partition {
    std::uint32_t rank = 0;
    std::uint32_t ranks = 1;
};

// Lays out the global ids (populations then sources) and builds every connection (the synapses
// onto the neurons `part` owns: all of them by default).
// Throws config_error naming the key path (e.g. "connection[2].delay") for anything the config
// loader did not already refuse: unknown group names, delays <= 0, infeasible rules.
network build_network(const simulation_spec& spec, const partition& part = {});

// The batches of the fill pass (sim/connect.cpp, synapse_writer; docs/engine.md, "Building the
// network"). Only tests change them, to run the sorted writes on small networks: the network
// built is the same for any values.
struct build_tuning {
    std::uint64_t batch = std::uint64_t{1} << 20;       // synapses held before they are written (sorted batches)
    std::uint64_t sort_above = std::uint64_t{1} << 23;  // batches sorted by source block beyond this many synapses
    int block_bits = 10;                                // into at most ~2^block_bits blocks of sources
    bool staged = true;                                 // large networks staged by source block when the bits allow
    int stream_bits = 10;                               // into ~2^stream_bits blocks of sources (more if bits lack)
    std::uint64_t max_stretch = std::uint64_t{1} << 22;  // synapses of a staged block, at most
    int word_bits = 32;                                 // a target word's bits (tests take fewer: fewer spare bits)
};
network build_network(const simulation_spec& spec, const partition& part, const build_tuning& tuning);

// Up-front size of a network, from the rules alone (nothing drawn, microseconds): the synapses
// build_network will create, exactly for the deterministic rules and in expectation for
// `probability`. Unknown group names count 0 (the build reports them). apps/ compares the bytes
// with the machine's memory before building (SPEC §8). Implemented in sim/estimate.cpp.
double estimate_synapses(const simulation_spec& spec);

// The stream-name stem of connection `index` of `spec` ("connection/exc->inh#0").
std::string connection_stream_name(const simulation_spec& spec, std::size_t index);

// Substream `index` of the stream seeded with `stream_seed_value`.
inline random_stream substream(std::uint64_t stream_seed_value, std::uint64_t index) {
    return random_stream(mix64(stream_seed_value ^ mix64(index)));
}

// Unbiased integer in [0, n), n > 0 (Lemire 2019, "Fast random integer generation in an
// interval": multiply-shift with rejection). Inline: the build draws one per synapse, twice.
inline std::uint64_t uniform_index(random_stream& rng, std::uint64_t n) {
    __extension__ using uint128 = unsigned __int128;
    uint128 m = static_cast<uint128>(rng()) * n;
    auto low = static_cast<std::uint64_t>(m);
    if (low < n) [[unlikely]] {
        const std::uint64_t threshold = (0 - n) % n;
        while (low < threshold) {
            m = static_cast<uint128>(rng()) * n;
            low = static_cast<std::uint64_t>(m);
        }
    }
    return static_cast<std::uint64_t>(m >> 64);
}

}  // namespace evspike
