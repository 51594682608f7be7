// estimate_synapses (sim/connect.hpp) and estimate_simulation (sim/estimate.hpp): kept apart from
// the build code in connect.cpp.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <variant>

#include "sim/estimate.hpp"

#include "sim/connect.hpp"

namespace evspike {

namespace {

double group_size(const simulation_spec& spec, const std::string& name) {
    for (const auto& p : spec.populations)
        if (p.name == name) return static_cast<double>(p.size);
    for (const auto& s : spec.sources)
        if (s.name == name) return static_cast<double>(s.size);
    return 0.0;
}

}  // namespace

double estimate_synapses(const simulation_spec& spec) {
    double total = 0.0;
    for (const auto& c : spec.connections) {
        const double from = group_size(spec, c.source), to = group_size(spec, c.target);
        // Pairs excluded as autapses when a group connects to itself.
        const double self = c.source == c.target && !c.autapses ? std::min(from, to) : 0.0;
        total += std::visit(
            [&](const auto& rule) -> double {
                using rule_type = std::decay_t<decltype(rule)>;
                if constexpr (std::is_same_v<rule_type, one_to_one_rule>) return std::min(from, to) - self;
                else if constexpr (std::is_same_v<rule_type, all_to_all_rule>) return from * to - self;
                else if constexpr (std::is_same_v<rule_type, fixed_indegree_rule>) return to * static_cast<double>(rule.k);
                else if constexpr (std::is_same_v<rule_type, fixed_outdegree_rule>) return from * static_cast<double>(rule.k);
                else if constexpr (std::is_same_v<rule_type, probability_rule>) return rule.p * (from * to - self);
                else return static_cast<double>(rule.sources.size());
            },
            c.rule);
    }
    return total;
}

}  // namespace evspike

namespace evspike {

std::string simulation_estimate::detail() const {
    char text[200];
    std::snprintf(text, sizeof text, "%.3g synapses x %g B, %.3g neurons x %g B, %.3g recorded x %g B", synapses,
                  bytes_per_synapse, nodes, bytes_per_node, recorded, report_bytes_per_node);
    return text;
}

simulation_estimate estimate_simulation(const simulation_spec& spec) {
    simulation_estimate e;
    for (const auto& p : spec.populations) e.nodes += static_cast<double>(p.size);
    for (const auto& s : spec.sources) e.nodes += static_cast<double>(s.size);
    e.synapses = estimate_synapses(spec);
    for (const auto& v : spec.output.voltage) {
        double nodes = static_cast<double>(v.node_ids.size());
        if (v.node_ids.empty())
            for (const auto& p : spec.populations)
                if (p.name == v.population) nodes = static_cast<double>(p.size);
        e.recorded += nodes;
        // Rows: #{k : k * interval < t_stop}, as the writer counts them (to within one).
        const double samples = v.interval_ms > 0 ? std::ceil(spec.t_stop_ms / v.interval_ms) : 0.0;
        e.report_bytes[spec.output.report_path(v)] +=
            samples * nodes * (v.float64 ? 8.0 : 4.0);
    }
    e.memory_bytes = e.synapses * bytes_per_synapse + e.nodes * bytes_per_node +
                     e.recorded * report_bytes_per_node +
                     static_cast<double>(e.report_bytes.size()) * 65536.0 * 8.0;
    return e;
}

}  // namespace evspike
