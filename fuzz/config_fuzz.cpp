// The simulation config loader (io/config.cpp: TOML, validation), the up-front synapse estimate
// and the network build of sim/connect.cpp on what it accepts, for networks small enough to build
// in well under the 1 s timeout (the caps below: the harness looks for crashes and wrong answers,
// not for slow builds of big networks, which the commands' up-front estimates refuse). Also the
// generator configs (hawkes, motifs).
#include <algorithm>
#include <string>
#include <variant>

#include "sim/connect.hpp"
#include "fuzz/fuzz_support.hpp"
#include "io/config.hpp"
#include "io/generator_config.hpp"

namespace {

constexpr double max_nodes = 2000;
constexpr double max_pair_draws = 2e5;  // candidate pairs a rule looks at

std::uint64_t group_size(const evspike::simulation_spec& spec, const std::string& name) {
    for (const auto& p : spec.populations)
        if (p.name == name) return p.size;
    for (const auto& s : spec.sources)
        if (s.name == name) return s.size;
    return 0;
}

bool small_enough(const evspike::simulation_spec& spec) {
    double nodes = 0;
    for (const auto& p : spec.populations) nodes += static_cast<double>(p.size);
    for (const auto& s : spec.sources) nodes += static_cast<double>(s.size);
    if (nodes > max_nodes) return false;
    double draws = 0;
    for (const auto& c : spec.connections) {
        const double n_s = static_cast<double>(group_size(spec, c.source));
        const double n_t = static_cast<double>(group_size(spec, c.target));
        if (const auto* in = std::get_if<evspike::fixed_indegree_rule>(&c.rule))
            draws += static_cast<double>(in->k) * std::max(n_t, 1.0) + n_s * n_t;
        else if (const auto* out = std::get_if<evspike::fixed_outdegree_rule>(&c.rule))
            draws += static_cast<double>(out->k) * std::max(n_s, 1.0) + n_s * n_t;
        else
            draws += n_s * n_t + 1;
    }
    return draws <= max_pair_draws;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    // A folder that does not exist: relative spike_file and rate_file paths resolve to nothing.
    const std::string path = "/fuzz-input/config.toml";
    try {
        evspike::simulation_spec spec = evspike::parse_simulation_config(text, path);
        const double estimate = evspike::estimate_synapses(spec);
        if (!(estimate >= 0)) __builtin_trap();  // NaN or negative: the memory check would pass anything
        if (small_enough(spec)) {
            const evspike::network net = evspike::build_network(spec);
            // The CSR's invariants (core/network.hpp): the engine indexes with these unchecked.
            if (net.offsets.size() != std::size_t{net.node_count} + 1 || net.offsets.back() != net.synapse_count())
                __builtin_trap();
            for (std::uint64_t k = 0; k < net.synapse_count(); ++k)
                if (net.target(k) >= net.neuron_count || !(net.delays[k] >= evspike::min_delay_ms)) __builtin_trap();
        }
    } catch (const evspike::error&) {
    }
    try {
        (void)evspike::parse_hawkes_config(text, path);
    } catch (const evspike::error&) {
    }
    try {
        (void)evspike::parse_motifs_config(text, path);
    } catch (const evspike::error&) {
    }
    return 0;
}
