// Randomized (fixed-seed) stress of the lif_delta engine's order-free epochs (invariant 8), the
// re-queue of neurons whose crossing moved before their queued time (requeue_if_stale) and the
// early ring entries settled at an epoch's start (requeue_early), against a closed form computed
// event by event in long double: random tau_m, drive (most populations drifting up, v_inf > V_th,
// some not), t_ref including 0, hard and soft reset, mixed-sign inputs at real-valued times,
// delays giving epochs from 0.1 ms to 20+ ms (long against tau_m: std::exp in epoch_factor), t_stop
// anywhere in an epoch; one to three one-neuron populations per run (several tau_m classes; a
// population with v_inf <= V_th switches the engine's all-drift-up fast path off). Each run with one
// input list and with target blocks of 64, with and without a voltage probe.
#include "sim/engine.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <tuple>
#include <vector>

#include "core/error.hpp"
#include "engine_fixtures.hpp"
#include "sim/connect.hpp"

using namespace evspike;
using namespace engine_fixtures;

namespace {

struct neuron_params {
    double tau, E_L, V_th, V_reset, I_e, t_ref, V0;
    bool soft;
    double C_m = 250.0;
    // As the engine computes it (exp_time_of).
    double v_inf() const { return E_L + tau * I_e / C_m; }
};

// drifting_reference generalized: any V_m at 0, v_inf above or below V_th, soft reset
// (docs/models.md: V := V - (V_th - V_reset), held through t_ref; held at or above V_th it fires
// again when free if t_ref > 0; with t_ref = 0 it does not fire by itself while at or above V_th,
// only at an input that leaves it there). Inputs at or after t_stop must be left out.
std::vector<double> closed_form(const neuron_params& q, std::vector<std::pair<double, double>> inputs, double t_stop) {
    const long double v_inf = q.v_inf(), V_th = q.V_th, tau = q.tau;
    const auto reset = [&](long double V) { return q.soft ? V - (V_th - static_cast<long double>(q.V_reset)) : static_cast<long double>(q.V_reset); };
    std::sort(inputs.begin(), inputs.end());
    inputs.emplace_back(t_stop, 0.0);
    std::vector<double> spikes;
    long double V = q.V0, t = 0.0L, free_at = 0.0L, held_V = 0.0L;
    bool held = false;
    if (V >= V_th) {  // fires at 0
        spikes.push_back(0.0);
        held = true;
        held_V = reset(V);
        free_at = q.t_ref;
    }
    for (const auto& [ta, w] : inputs) {
        for (;;) {
            if (held) {
                if (free_at > ta) break;  // still refractory at ta: the input is lost
                held = false;
                t = free_at;
                V = held_V;
                if (V >= V_th && q.t_ref > 0) {  // fires again when free
                    if (!(free_at < t_stop)) break;
                    spikes.push_back(static_cast<double>(free_at));
                    held = true;
                    held_V = reset(V);
                    free_at = t + q.t_ref;
                    continue;
                }
            }
            if (V < V_th && v_inf > V_th) {
                const long double tc = t + tau * std::log((v_inf - V) / (v_inf - V_th));
                if (tc < ta) {
                    spikes.push_back(static_cast<double>(tc));
                    held = true;
                    held_V = static_cast<long double>(q.V_reset);  // (soft: V_th - (V_th - V_reset))
                    free_at = tc + q.t_ref;
                    continue;
                }
            }
            V = v_inf + (V - v_inf) * std::exp(-(ta - t) / tau);
            t = ta;
            break;
        }
        if (held || ta >= t_stop) continue;
        V += w;
        if (V >= V_th) {
            spikes.push_back(ta);
            held = true;
            held_V = reset(V);
            free_at = ta + q.t_ref;
        }
    }
    return spikes;
}

population_spec population(const std::string& name, const neuron_params& q) {
    population_spec p;
    p.name = name;
    p.size = 1;
    p.model = model_kind::lif_delta;
    p.params.tau_m = q.tau;
    p.params.C_m = q.C_m;
    p.params.E_L = q.E_L;
    p.params.V_th = q.V_th;
    p.params.V_reset = q.V_reset;
    p.params.I_e = q.I_e;
    p.params.t_ref = q.t_ref;
    p.params.reset = q.soft ? reset_kind::soft : reset_kind::hard;
    p.V_m = constant_dist{q.V0};
    return p;
}

// A portable uniform draw (the standard distributions differ between libraries).
struct draws {
    std::mt19937_64 rng;
    explicit draws(std::uint64_t seed) : rng(seed) {}
    double uniform(double a, double b) { return a + (b - a) * static_cast<double>(rng() >> 11) * 0x1.0p-53; }
    double log_uniform(double a, double b) { return std::exp(uniform(std::log(a), std::log(b))); }
    bool chance(double p) { return uniform(0.0, 1.0) < p; }
    std::size_t below(std::size_t n) { return static_cast<std::size_t>(rng() % n); }
};

struct scenario {
    std::vector<neuron_params> neurons;        // population p: one neuron, its parameters
    std::vector<std::vector<double>> trains;   // source s's emission times
    std::vector<std::vector<double>> w, d;     // [s][p]: weight and delay of s -> p
    double t_stop = 0.0;
    double epoch = 0.0;                        // the smallest delay

    simulation_spec spec() const {
        simulation_spec s;
        s.t_stop_ms = t_stop;
        s.sources = {times_source("s", trains)};
        std::vector<std::uint64_t> from(trains.size());
        for (std::size_t i = 0; i < from.size(); ++i) from[i] = i;
        for (std::size_t p = 0; p < neurons.size(); ++p) {
            const std::string name = "p" + std::to_string(p);
            s.populations.push_back(population(name, neurons[p]));
            std::vector<double> wp, dp;
            for (std::size_t i = 0; i < trains.size(); ++i) {
                wp.push_back(w[i][p]);
                dp.push_back(d[i][p]);
            }
            s.connections.push_back(pairs("s", name, from, std::vector<std::uint64_t>(from.size(), 0), wp, dp));
        }
        return s;
    }

    // Population p's inputs (arrival, weight) before t_stop, arrivals as the engine adds them.
    std::vector<std::pair<double, double>> inputs_of(std::size_t p) const {
        std::vector<std::pair<double, double>> in;
        for (std::size_t i = 0; i < trains.size(); ++i)
            for (const double e : trains[i]) {
                const double a = (sim_time::from_ms(e) + d[i][p]).ms();
                if (a < t_stop) in.emplace_back(a, w[i][p]);
            }
        return in;
    }
};

neuron_params random_neuron(draws& r, bool drift_up) {
    neuron_params q{};
    q.tau = r.log_uniform(1.0, 40.0);
    q.E_L = r.uniform(-70.0, 0.0);
    q.V_th = q.E_L + r.uniform(3.0, 20.0);
    const double v_inf = drift_up ? q.V_th + r.log_uniform(0.05, 30.0) : q.V_th - r.uniform(0.0, 10.0);
    q.I_e = (v_inf - q.E_L) * q.C_m / q.tau;
    if (drift_up && !(q.v_inf() > q.V_th)) q.I_e *= 1.001;
    q.V_reset = q.V_th - r.log_uniform(0.3, 20.0);
    const double u = r.uniform(0.0, 1.0);
    q.t_ref = u < 0.25 ? 0.0 : u < 0.35 ? r.log_uniform(1e-3, 0.1) : r.uniform(0.1, 5.0);
    q.soft = r.chance(0.35);
    q.V0 = r.chance(0.05) ? q.V_th + r.uniform(0.0, 3.0) : q.V_th - r.log_uniform(0.05, 20.0);
    return q;
}

scenario random_scenario(draws& r) {
    scenario sc;
    const std::size_t pops = r.chance(0.5) ? 1 : 2 + r.below(2);
    for (std::size_t p = 0; p < pops; ++p) sc.neurons.push_back(random_neuron(r, p == 0 || r.chance(0.7)));
    if (r.chance(0.25)) {  // drifting_reference's setting: from V = E_L = 0, hard reset
        neuron_params& q = sc.neurons[0];
        const double v_inf = q.v_inf() - q.E_L;
        q.V_th -= q.E_L;
        q.V_reset = std::min(q.V_reset - q.E_L, 0.0);
        q.E_L = 0.0;
        q.I_e = v_inf * q.C_m / q.tau;
        if (!(q.v_inf() > q.V_th)) q.I_e *= 1.001;
        q.V0 = 0.0;
        q.soft = false;
    }
    if (pops > 1 && r.chance(0.3)) sc.neurons[1].tau = sc.neurons[0].tau;  // one tau_m class, other parameters
    constexpr double epochs[] = {0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0};
    sc.epoch = epochs[r.chance(0.5) ? r.below(3) : r.below(std::size(epochs))] * r.uniform(1.0, 1.3);
    // (Now and then beyond the ring's ~128 ms: far predictions wait in the prediction queue.)
    sc.t_stop = std::max(sc.epoch * r.uniform(1.5, 12.0), r.chance(0.15) ? r.uniform(150.0, 400.0) : r.uniform(5.0, 120.0));
    const double spread = r.chance(0.3) ? 1.0 : r.uniform(1.0, 3.0);  // 1: one delay (deliver_at_once)
    const std::size_t sources = 2 + r.below(7);
    sc.trains.resize(sources);
    sc.w.assign(sources, std::vector<double>(pops));
    sc.d.assign(sources, std::vector<double>(pops));
    for (std::size_t i = 0; i < sources; ++i) {
        const double rate = r.log_uniform(0.02, 0.6);  // per ms
        const std::size_t count = std::min<std::size_t>(static_cast<std::size_t>(rate * sc.t_stop), 150) + r.below(3);
        for (std::size_t k = 0; k < count; ++k) sc.trains[i].push_back(r.uniform(0.0, sc.t_stop));
        // Bursts: a few emissions close together (several inputs of mixed sign in one epoch).
        if (r.chance(0.3)) {
            const double at = r.uniform(0.0, sc.t_stop);
            for (int k = 0; k < 4; ++k) sc.trains[i].push_back(std::min(at + r.uniform(0.0, 0.3 * sc.epoch), sc.t_stop * 0.999));
        }
        std::sort(sc.trains[i].begin(), sc.trains[i].end());
        sc.trains[i].erase(std::unique(sc.trains[i].begin(), sc.trains[i].end()), sc.trains[i].end());
        for (std::size_t p = 0; p < pops; ++p) {
            const double m = r.chance(0.5) ? r.log_uniform(0.005, 1.0) : r.log_uniform(1.0, 12.0);
            sc.w[i][p] = r.chance(0.5) ? m : -m;
            sc.d[i][p] = i == 0 && p == 0 ? sc.epoch : sc.epoch * r.uniform(1.0, spread);
        }
    }
    return sc;
}

std::vector<std::vector<double>> spikes_by_population(const run_result& r, std::size_t pops) {
    std::vector<std::vector<double>> t(pops);
    for (const auto& sp : r.rec.spikes)
        if (sp.group < pops) t[sp.group].push_back(sp.t);
    return t;
}

}  // namespace

TEST_SUITE("core") {
    TEST_CASE("order-free stress: 1500 random lif_delta scenarios on the closed form, one list = blocks, probed = on the form") {
        draws r(20240601);
        constexpr int count = 1500;
        double worst = 0.0;
        std::size_t spikes = 0, by_drifting_reference = 0, drifting_runs = 0, mixed_runs = 0, long_epochs = 0, soft = 0, no_ref = 0;
        for (int n = 0; n < count; ++n) {
            const scenario sc = random_scenario(r);
            const simulation_spec spec = sc.spec();
            const std::size_t pops = sc.neurons.size();
            CAPTURE(n);
            std::vector<std::vector<double>> expected(pops);
            bool all_up = true;
            for (std::size_t p = 0; p < pops; ++p) {
                expected[p] = closed_form(sc.neurons[p], sc.inputs_of(p), sc.t_stop);
                all_up = all_up && sc.neurons[p].v_inf() > sc.neurons[p].V_th;
                soft += sc.neurons[p].soft;
                no_ref += sc.neurons[p].t_ref == 0.0;
            }
            (all_up ? drifting_runs : mixed_runs) += 1;
            long_epochs += sc.epoch > sc.neurons[0].tau / 16;
            // The generalized form is drifting_reference's where that applies.
            const neuron_params& q0 = sc.neurons[0];
            if (!q0.soft && q0.V0 == 0.0 && q0.E_L == 0.0 && q0.v_inf() > q0.V_th) {
                ++by_drifting_reference;
                // (It rounds v_inf - V_th in double: equal within far less than 1e-9.)
                const auto dr = drifting_reference(q0.tau, q0.v_inf(), q0.V_th, q0.V_reset, q0.t_ref, sc.inputs_of(0), sc.t_stop);
                REQUIRE(dr.size() == expected[0].size());
                for (std::size_t k = 0; k < dr.size(); ++k) CHECK(std::abs(dr[k] - expected[0][k]) < 1e-12);
            }
            const std::size_t probed = r.below(pops);
            const double interval = r.log_uniform(0.05, 3.0);
            constexpr queue_kind queues[] = {queue_kind::lazy_d_ary, queue_kind::mutable_d_ary, queue_kind::pairing,
                                             queue_kind::indexed_d_ary};
            const queue_kind queue = queues[r.below(4)];
            // One input list, target blocks of 64, blocks in slices of 3 inputs with another
            // queue; each without and with a probe (except the slices).
            struct config {
                std::uint32_t block;
                std::uint64_t slice;
                queue_kind queue;
                bool probe;
            };
            const config configs[] = {{0, 0, default_queue, false}, {0, 0, default_queue, true}, {64, 0, default_queue, false},
                                      {64, 0, default_queue, true}, {64, 3, queue, false}};
            std::vector<std::vector<double>> one_list, one_list_probed;
            for (const config& c : configs) {
                CAPTURE(c.block);
                CAPTURE(c.slice);
                CAPTURE(c.probe);
                const auto res = run(spec, c.probe ? std::vector<voltage_probe>{{probed, {0}, interval}} : std::vector<voltage_probe>{},
                                     c.queue, c.block, c.slice);
                const auto got = spikes_by_population(*res, pops);
                for (std::size_t p = 0; p < pops; ++p) {
                    CAPTURE(p);
                    REQUIRE(got[p].size() == expected[p].size());
                    for (std::size_t k = 0; k < got[p].size(); ++k) {
                        const double e = std::abs(got[p][k] - expected[p][k]);
                        worst = std::max(worst, e);
                        if (!(e <= 1e-9)) {
                            CAPTURE(k);
                            CHECK(got[p][k] == expected[p][k]);  // (fails: shows both)
                        }
                    }
                    if (c.block == 0 && !c.probe) spikes += got[p].size();
                }
                // Target blocks (in slices, with any queue): bit for bit the spikes of one input
                // list (invariants 4 and 10), with or without the probe. (Probed against unprobed
                // only within 1e-9 of the closed form: a probe can shorten the epochs, and see
                // the test case below.)
                if (c.block == 0) (c.probe ? one_list_probed : one_list) = got;
                else CHECK(got == (c.probe ? one_list_probed : one_list));
            }
        }
        MESSAGE("order-free stress: ", count, " scenarios, ", spikes, " spikes (x2 with probes), ", drifting_runs,
                " all drifting up, ", mixed_runs, " mixed, ", long_epochs, " with epochs > tau_m/16, ", soft, " soft, ",
                no_ref, " t_ref = 0 neurons, ", by_drifting_reference, " checked against drifting_reference; worst |t - closed form| = ", worst, " ms");
        CHECK(worst <= 1e-9);
        CHECK(spikes > 3000);
        CHECK(drifting_runs > 50);
        CHECK(mixed_runs > 50);
        CHECK(by_drifting_reference > 30);
    }
}


TEST_SUITE("core") {
    // A bug found in review (077a88e, fixed in the next commit): requeue_early skipped probed
    // neurons, so an unprobed neuron drifting up whose early ring entry came due in an epoch its
    // crossing is after was re-queued at the epoch's start (its inputs of the epoch absorbed
    // order-free: u + their sum in delivery order), while a probed one was made due and took them
    // one instant at a time in time order: another rounding of u, so of every later crossing.
    // Both stayed within ~1e-14 ms of the closed form; what broke was invariant 8's "a probe
    // does not change the simulation" (absorb's comment).
    TEST_CASE("requeue_early treats a probed neuron as an unprobed one: the probe does not change the spikes") {
        // 50 neurons d_j (v_inf 40 > V_th 15, tau_m 10, t_ref 2, from 0 mV) cross at 4.70 ms on
        // their own; the first prediction is queued 1 ms early (3.70). Delays 0.5 to 0.9 ms:
        // epochs of ~0.5 ms, so the entry comes due in [3.5, 4.0), which the crossing is after.
        // Three inhibitory inputs per neuron land in that epoch, delivered in emission order
        // (3.0, 3.05, 3.1) but arriving in the reverse one (3.9, 3.65, 3.6). Weights differ per
        // neuron, so that some of the 50 sums round differently in the two orders.
        const std::size_t N = 50;
        population_spec d;
        d.name = "d";
        d.size = N;
        d.model = model_kind::lif_delta;
        d.params.E_L = 0.0;
        d.params.I_e = 1000.0;
        d.params.tau_m = 10.0;
        d.params.C_m = 250.0;
        d.params.V_th = 15.0;
        d.params.V_reset = 0.0;
        d.params.t_ref = 2.0;
        d.V_m = constant_dist{0.0};
        simulation_spec spec;
        spec.t_stop_ms = 30.0;
        spec.populations = {d};
        spec.sources = {times_source("s", {{3.0}, {3.05}, {3.1}})};
        std::vector<std::uint64_t> from, to, all;
        std::vector<double> w, delay;
        std::vector<std::vector<std::pair<double, double>>> inputs(N);
        for (std::uint64_t j = 0; j < N; ++j) {
            all.push_back(j);
            for (std::uint64_t s = 0; s < 3; ++s) {
                from.push_back(s);
                to.push_back(j);
                w.push_back(-0.1 - 0.0137 * static_cast<double>(j) - 0.00311 * static_cast<double>(s * s + j % 7));
                delay.push_back(s == 0 ? 0.9 : s == 1 ? 0.6 : 0.5);
                inputs[j].emplace_back((sim_time::from_ms(3.0 + 0.05 * static_cast<double>(s)) + delay.back()).ms(), w.back());
            }
        }
        spec.connections = {pairs("s", "d", from, to, w, delay)};
        for (const std::uint32_t block : {0u, 64u}) {
            CAPTURE(block);
            const auto plain = run(spec, {}, default_queue, block);
            // (64 x 0.5 ms: the probe does not shorten the epochs.)
            const auto probed = run(spec, {{0, all, 0.5}}, default_queue, block);
            const auto t_plain = spikes_by_population(*plain, 1), t_probed = spikes_by_population(*probed, 1);
            REQUIRE(t_plain[0].size() > 100);
            // Both on the closed form (per neuron; spikes come by time, ties by id).
            std::vector<double> expected;
            for (std::size_t j = 0; j < N; ++j) {
                const auto e = closed_form({10.0, 0.0, 15.0, 0.0, 1000.0, 2.0, 0.0, false}, inputs[j], spec.t_stop_ms);
                expected.insert(expected.end(), e.begin(), e.end());
            }
            std::sort(expected.begin(), expected.end());
            auto sorted_plain = t_plain[0], sorted_probed = t_probed[0];
            std::sort(sorted_plain.begin(), sorted_plain.end());
            std::sort(sorted_probed.begin(), sorted_probed.end());
            REQUIRE(sorted_plain.size() == expected.size());
            REQUIRE(sorted_probed.size() == expected.size());
            for (std::size_t k = 0; k < expected.size(); ++k) {
                CHECK(std::abs(sorted_plain[k] - expected[k]) < 1e-12);
                CHECK(std::abs(sorted_probed[k] - expected[k]) < 1e-12);
            }
            // (At 077a88e: 28 of 203 spikes differed in the last bits; none at 661fd6e.)
            CHECK(probed->rec.spikes == plain->rec.spikes);
        }
    }
}
