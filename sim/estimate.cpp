// estimate_synapses (sim/connect.hpp): kept apart from the build code in connect.cpp.
#include <algorithm>
#include <variant>

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
