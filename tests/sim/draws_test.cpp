// Promises of the simulation spec that no other test checked: drawn weights, delays and initial
// potentials have the configured range, mean and sd (z-tests and KS with fixed seeds); delays
// below 1e-9 ms are refused (constant, uniform) or redrawn (normal); a neuron starting at or above
// threshold fires at t = 0; a voltage sample at a spike time shows the reset value.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <vector>

#include "core/error.hpp"
#include "sim/connect.hpp"
#include "sim/engine.hpp"
#include "stats.hpp"

using namespace evspike;
using evspike::test::ks_critical_1e3;
using evspike::test::ks_statistic;

namespace {

double normal_cdf_ref(double x) { return 0.5 * std::erfc(-x / std::numbers::sqrt2); }
double normal_sf_ref(double x) { return 0.5 * std::erfc(x / std::numbers::sqrt2); }

population_spec population(const std::string& name, std::uint64_t size, distribution V_m = constant_dist{-70.0}) {
    population_spec p;
    p.name = name;
    p.size = size;
    p.V_m = V_m;
    return p;
}

// 2,000 targets x 20 inputs = 40,000 synapses with the given weight and delay distributions.
network wired(const distribution& weight, const distribution& delay, std::uint64_t seed = 5) {
    simulation_spec spec;
    spec.seed = seed;
    spec.populations = {population("a", 2000)};
    connection_spec c;
    c.source = "a";
    c.target = "a";
    c.rule = fixed_indegree_rule{20};
    c.weight = weight;
    c.delay = delay;
    spec.connections = {c};
    return build_network(spec);
}

struct moments {
    double mean = 0, sd = 0, min = INFINITY, max = -INFINITY;
    std::size_t n = 0;
};
moments moments_of(const std::vector<double>& x) {
    moments m;
    m.n = x.size();
    for (double v : x) {
        m.mean += v;
        m.min = std::min(m.min, v);
        m.max = std::max(m.max, v);
    }
    m.mean /= static_cast<double>(m.n);
    for (double v : x) m.sd += (v - m.mean) * (v - m.mean);
    m.sd = std::sqrt(m.sd / static_cast<double>(m.n - 1));
    return m;
}

// |sample mean - mu| and |sample sd - sigma| within 4.5 standard errors (sd's error for a
// distribution of kurtosis excess k: sigma sqrt((2 + k) / (4 n))).
void check_moments(const moments& m, double mu, double sigma, double kurtosis_excess) {
    const double n = static_cast<double>(m.n);
    CHECK(std::abs(m.mean - mu) < 4.5 * sigma / std::sqrt(n));
    CHECK(std::abs(m.sd - sigma) < 4.5 * sigma * std::sqrt((2.0 + kurtosis_excess) / (4.0 * n)));
}

struct sample_recorder : spike_sink, voltage_sink {
    std::vector<double> spike_t;
    std::vector<std::uint64_t> spike_node;
    std::vector<double> sample_t;
    std::vector<std::vector<double>> sample_V;
    void on_spike(std::size_t, std::uint64_t n, double t) override {
        spike_t.push_back(t);
        spike_node.push_back(n);
    }
    void on_sample(std::size_t, double t, std::span<const double> V) override {
        sample_t.push_back(t);
        sample_V.emplace_back(V.begin(), V.end());
    }
};

// Runs `spec` recording every population and probing population 0's nodes `probe` at `interval`.
sample_recorder run(const simulation_spec& spec, std::vector<std::uint64_t> probe, double interval_ms) {
    const network net = build_network(spec);
    sample_recorder rec;
    engine_outputs out;
    out.record.assign(net.groups.size(), true);
    out.spikes = &rec;
    out.voltages = &rec;
    out.probes = {{0, std::move(probe), interval_ms}};
    simulate(spec, net, out);
    return rec;
}

}  // namespace

TEST_SUITE("sim") {
    TEST_CASE("draws: uniform and normal weights have the configured range, mean and sd") {
        {
            const network net = wired(uniform_dist{-1.0, 3.0}, constant_dist{1.0});
            std::vector<double> w;
            for (std::uint64_t k = 0; k < net.synapse_count(); ++k) w.push_back(net.weight(k));
            REQUIRE(w.size() == 40000);
            const auto m = moments_of(w);
            CHECK(m.min >= -1.0);
            CHECK(m.max < 3.0);
            check_moments(m, 1.0, 4.0 / std::sqrt(12.0), -1.2);
            CHECK(ks_statistic(w, [](double x) { return std::clamp((x + 1.0) / 4.0, 0.0, 1.0); }) <
                  ks_critical_1e3(w.size()));
        }
        {
            const network net = wired(normal_dist{0.5, 0.2}, constant_dist{1.0});
            std::vector<double> w;
            for (std::uint64_t k = 0; k < net.synapse_count(); ++k) w.push_back(net.weight(k));
            check_moments(moments_of(w), 0.5, 0.2, 0.0);
            CHECK(ks_statistic(w, [](double x) { return normal_cdf_ref((x - 0.5) / 0.2); }) < ks_critical_1e3(w.size()));
        }
    }

    TEST_CASE("draws: uniform delays lie in [lo, hi) with the right mean and sd") {
        const network net = wired(constant_dist{1.0}, uniform_dist{1.0, 3.0});
        const auto m = moments_of({net.delays.begin(), net.delays.end()});
        CHECK(m.min >= 1.0);
        CHECK(m.max < 3.0);
        check_moments(m, 2.0, 2.0 / std::sqrt(12.0), -1.2);
    }

    TEST_CASE("draws: normal delays are redrawn until >= 1e-9 ms: a normal truncated there") {
        // mean 0.5, sd 1: 31 % of the raw draws are below 1e-9 ms and must be redrawn.
        const network net = wired(constant_dist{1.0}, normal_dist{0.5, 1.0});
        const std::vector<double> delays(net.delays.begin(), net.delays.end());
        const auto m = moments_of(delays);
        CHECK(m.min >= min_delay_ms);
        const double a = (min_delay_ms - 0.5) / 1.0;  // truncation point in sd units
        const double tail = normal_sf_ref(a);
        const double lambda = std::exp(-0.5 * a * a) / std::sqrt(2.0 * std::numbers::pi) / tail;
        const double mean = 0.5 + lambda, sd = std::sqrt(1.0 + a * lambda - lambda * lambda);
        CHECK(std::abs(m.mean - mean) < 4.5 * sd / std::sqrt(static_cast<double>(m.n)));
        CHECK(ks_statistic(delays, [&](double x) {
                  return x < min_delay_ms ? 0.0 : 1.0 - normal_sf_ref(x - 0.5) / tail;
              }) < ks_critical_1e3(delays.size()));
    }

    TEST_CASE("draws: delays below 1e-9 ms are refused, constant or uniform; 1e-9 ms itself is accepted") {
        for (const distribution& d : {distribution{constant_dist{1e-10}}, distribution{constant_dist{0.0}},
                                      distribution{uniform_dist{5e-10, 1.0}}}) {
            try {
                wired(constant_dist{1.0}, d);
                FAIL("accepted");
            } catch (const config_error& e) {
                CHECK(e.key == "connection[0].delay");
                CHECK(std::string(e.what()).find("1e-9 ms") != std::string::npos);
            }
        }
        const network net = wired(constant_dist{1.0}, constant_dist{1e-9});
        CHECK(net.min_delay_ms == 1e-9);
    }

    TEST_CASE("draws: initial potentials V_m (uniform, normal) have the configured range, mean and sd") {
        // One sample at t = 0 of every neuron shows its drawn V_m (threshold far above, no input).
        for (const distribution& d : {distribution{uniform_dist{-60.0, -50.0}}, distribution{normal_dist{-65.0, 2.0}}}) {
            simulation_spec spec;
            spec.t_stop_ms = 1.0;
            spec.populations = {population("a", 3000, d)};
            spec.populations[0].params.V_th = 100.0;
            std::vector<std::uint64_t> all(3000);
            for (std::uint64_t i = 0; i < all.size(); ++i) all[i] = i;
            const auto rec = run(spec, all, 1.0);
            REQUIRE(rec.sample_t == std::vector<double>{0.0});
            const auto m = moments_of(rec.sample_V[0]);
            if (std::holds_alternative<uniform_dist>(d)) {
                CHECK(m.min >= -60.0);
                CHECK(m.max < -50.0);
                check_moments(m, -55.0, 10.0 / std::sqrt(12.0), -1.2);
            } else {
                check_moments(m, -65.0, 2.0, 0.0);
            }
        }
    }

    TEST_CASE("engine: a neuron starting at or above threshold fires at t = 0, lif_delta and lif_exp") {
        for (model_kind model : {model_kind::lif_delta, model_kind::lif_exp}) {
            simulation_spec spec;
            spec.t_stop_ms = 1.0;
            auto at = population("at", 1, constant_dist{-55.0});  // V_th = -55: exactly at threshold
            auto above = population("above", 1, constant_dist{-40.0});
            auto below = population("below", 1, constant_dist{std::nextafter(-55.0, -100.0)});
            for (auto* p : {&at, &above, &below}) p->model = model;
            spec.populations = {at, above, below};
            const auto rec = run(spec, {0}, 0.5);
            CHECK(rec.spike_t == std::vector<double>{0.0, 0.0});  // "at" and "above"; "below" never
            // The sample at 0 already shows the reset (t_ref = 2 ms holds V_reset = -70).
            CHECK(rec.sample_V.front() == std::vector<double>{-70.0});
        }
    }

    TEST_CASE("engine: a voltage sample at a spike time shows the reset value") {
        // A 20 mV input at 1.5 ms (spike at 1.0 + delay 0.5) lifts a resting neuron from -70 past
        // V_th = -55 at once: it spikes at 1.5 ms, the time of sample 3 (interval 0.5).
        simulation_spec spec;
        spec.t_stop_ms = 3.0;
        auto n = population("n", 1, constant_dist{-70.0});
        n.params.V_reset = -65.0;  // distinct from E_L, so the sample shows the reset, not the rest
        n.params.t_ref = 0.0;
        spec.populations = {n};
        source_spec s;
        s.name = "s";
        s.kind = source_kind::spike_times;
        s.size = 1;
        s.times = {{1.0}};
        spec.sources = {s};
        connection_spec c;
        c.source = "s";
        c.target = "n";
        c.rule = one_to_one_rule{};
        c.weight = distribution{constant_dist{20.0}};
        c.delay = distribution{constant_dist{0.5}};
        spec.connections = {c};
        const auto rec = run(spec, {0}, 0.5);
        std::vector<double> neuron_spikes;
        for (std::size_t k = 0; k < rec.spike_t.size(); ++k)
            if (rec.spike_t[k] == 1.5) neuron_spikes.push_back(rec.spike_t[k]);
        CHECK(neuron_spikes.size() == 1);
        REQUIRE(rec.sample_t.size() == 6);
        CHECK(rec.sample_t[3] == 1.5);
        CHECK(rec.sample_V[2][0] == -70.0);
        CHECK(rec.sample_V[3][0] == -65.0);  // after the spike at its own time (V is right-continuous)
    }
}
