// Fixtures of the engine tests (tests/sim/engine_test.cpp, order_free_stress_test.cpp): a recorder of spikes and samples, small
// populations, sources and explicit connections, one call that builds and runs a network, and
// drifting_reference, the closed form of one lif_delta neuron with v_inf > V_th.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "sim/connect.hpp"
#include "sim/engine.hpp"

namespace engine_fixtures {

using namespace evspike;

struct spike_record {
    std::size_t group;
    std::uint64_t node;
    double t;
    auto operator<=>(const spike_record&) const = default;
};

struct recorder : spike_sink, voltage_sink {
    std::vector<spike_record> spikes;
    std::vector<std::tuple<std::size_t, double, std::vector<double>>> samples;
    void on_spike(std::size_t g, std::uint64_t n, double t) override { spikes.push_back({g, n, t}); }
    void on_sample(std::size_t p, double t, std::span<const double> V) override {
        samples.emplace_back(p, t, std::vector<double>(V.begin(), V.end()));
    }
};

inline population_spec pop(const std::string& name, std::uint64_t size, model_kind model = model_kind::lif_delta) {
    population_spec p;
    p.name = name;
    p.size = size;
    p.model = model;
    p.V_m = constant_dist{p.params.E_L};
    return p;
}

inline source_spec times_source(const std::string& name, std::vector<std::vector<double>> times) {
    source_spec s;
    s.name = name;
    s.kind = source_kind::spike_times;
    s.size = times.size();
    s.times = std::move(times);
    return s;
}

inline connection_spec pairs(const std::string& src, const std::string& tgt, std::vector<std::uint64_t> s,
                      std::vector<std::uint64_t> t, std::vector<double> w, std::vector<double> d) {
    connection_spec c;
    c.source = src;
    c.target = tgt;
    c.rule = pairs_rule{std::move(s), std::move(t)};
    c.weight = std::move(w);
    c.delay = std::move(d);
    c.autapses = true;
    return c;
}

struct run_result {
    recorder rec;
    run_stats stats;
};

inline std::unique_ptr<run_result> run(const simulation_spec& spec, std::vector<voltage_probe> probes = {},
                                queue_kind q = default_queue, std::uint32_t delivery_block = 0,
                                std::uint64_t delivery_slice = 0) {
    auto r = std::make_unique<run_result>();
    const auto net = build_network(spec);
    engine_outputs out;
    out.record.assign(net.groups.size(), true);
    out.spikes = &r->rec;
    out.probes = std::move(probes);
    out.voltages = &r->rec;
    out.delivery_block = delivery_block;
    out.delivery_slice = delivery_slice;
    r->stats = simulate(spec, net, out, q);
    return r;
}

// A lif_delta population that fires on any input of 1 mV or more.
// One neuron driven by I_e alone from V = E_L = V_reset = 0 to V_th = 15 mV (NEST's DC setup:
// C_m 250 pF; I_e = 1000 pA with tau_m = 10 ms gives v_inf = 40 mV).
inline population_spec dc_neuron(double tau_m, double I_e, double t_ref, model_kind model = model_kind::lif_delta) {
    auto p = pop("n", 1, model);
    p.params.E_L = 0.0;
    p.params.I_e = I_e;
    p.params.tau_m = tau_m;
    p.params.C_m = 250.0;
    p.params.V_th = 15.0;
    p.params.V_reset = 0.0;
    p.params.t_ref = t_ref;
    p.V_m = constant_dist{0.0};
    return p;
}

// A one-neuron lif_delta population starting at rest (V_m = E_L), hard reset unless changed.
inline population_spec at_rest(const std::string& name, double E_L, double V_th, double V_reset, double t_ref) {
    auto p = pop(name, 1);
    p.params.E_L = E_L;
    p.params.V_th = V_th;
    p.params.V_reset = V_reset;
    p.params.t_ref = t_ref;
    p.V_m = constant_dist{E_L};
    return p;
}

inline population_spec hair_trigger(const std::string& name, std::uint64_t size) {
    auto p = pop(name, size);
    p.params.E_L = -70.0;
    p.params.V_th = -69.5;
    p.V_m = constant_dist{-70.0};
    return p;
}


// A lif_delta neuron with v_inf > V_th (never probed, so the engine may absorb its inputs)
// simulated here in closed form, event by event: its spike times.
inline std::vector<double> drifting_reference(double tau, double v_inf, double V_th, double V_reset, double t_ref,
                                       std::vector<std::pair<double, double>> inputs, double t_stop) {
    std::sort(inputs.begin(), inputs.end());
    inputs.emplace_back(t_stop, 0.0);
    std::vector<double> spikes;
    long double V = 0.0L, t = 0.0L, free_at = 0.0L;
    bool held = false;
    for (const auto& [ta, w] : inputs) {
        for (;;) {
            if (held) {
                if (free_at > ta) break;  // still refractory at ta: the input is lost
                held = false;
                t = free_at;
                V = V_reset;
            }
            const long double tc = t + tau * std::log((v_inf - V) / static_cast<long double>(v_inf - V_th));
            if (tc < ta) {
                spikes.push_back(static_cast<double>(tc));
                held = true;
                free_at = tc + t_ref;
                continue;
            }
            V = v_inf + (V - v_inf) * std::exp(-(ta - t) / static_cast<long double>(tau));
            t = ta;
            break;
        }
        if (held || ta >= t_stop) continue;
        V += w;
        if (V >= V_th) {
            spikes.push_back(ta);
            held = true;
            free_at = ta + t_ref;
        }
    }
    return spikes;
}

}  // namespace engine_fixtures
