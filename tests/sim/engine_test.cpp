#include "sim/engine.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <tuple>
#include <vector>

#include "core/error.hpp"
#include "sim/connect.hpp"
#include "engine_fixtures.hpp"

using namespace evspike;
using namespace engine_fixtures;

TEST_SUITE("core") {
    TEST_CASE("heterogeneous delays: targets spike at exactly t0 + d") {
        const double t0 = 3.3;
        simulation_spec spec;
        spec.t_stop_ms = 10.0;
        spec.populations = {hair_trigger("n", 3)};
        spec.sources = {times_source("s", {{t0}})};
        const std::vector<double> d = {0.1234567, 1.7, 2.0000001};
        spec.connections = {pairs("s", "n", {0, 0, 0}, {0, 1, 2}, {5.0, 5.0, 5.0}, d)};
        const auto r = run(spec);
        std::vector<spike_record> neuron_spikes;
        for (const auto& s : r->rec.spikes)
            if (s.group == 0) neuron_spikes.push_back(s);
        REQUIRE(neuron_spikes.size() == 3);
        for (std::size_t k = 0; k < 3; ++k) {
            CHECK(neuron_spikes[k].node == k);
            CHECK(neuron_spikes[k].t == (sim_time::from_ms(t0) + d[k]).ms());
            CHECK(std::abs(neuron_spikes[k].t - (t0 + d[k])) <= 1e-12);
        }
        CHECK(r->stats.deliveries == 3);
    }

    TEST_CASE("one delay for every synapse (none read): targets spike at exactly t0 + d, with or without target blocks") {
        // min = max delay: walks and spikes take it from the network instead of the CSR; two
        // spikes of a source, 300 targets in one input list or in blocks of 64.
        const std::vector<double> t0 = {3.3, 9.123456789};
        const double d = 0.7000000001;
        simulation_spec spec;
        spec.t_stop_ms = 20.0;
        spec.populations = {hair_trigger("n", 300)};
        spec.sources = {times_source("s", {t0})};
        connection_spec all;
        all.source = "s";
        all.target = "n";
        all.rule = all_to_all_rule{};
        all.weight = distribution{constant_dist{5.0}};
        all.delay = distribution{constant_dist{d}};
        spec.connections = {all};
        for (const std::uint32_t block : {1u, 64u}) {
            const auto r = run(spec, {}, default_queue, block);
            std::vector<spike_record> neuron_spikes;
            for (const auto& s : r->rec.spikes)
                if (s.group == 0) neuron_spikes.push_back(s);
            REQUIRE(neuron_spikes.size() == 600);
            for (std::size_t k = 0; k < 600; ++k) {
                CHECK(neuron_spikes[k].node == k % 300);
                CHECK(neuron_spikes[k].t == (sim_time::from_ms(t0[k / 300]) + d).ms());
            }
            CHECK(r->stats.deliveries == 600);
        }
    }

    TEST_CASE("delays 1e-9 ms apart stay distinct late in a 24 h run") {
        const double t0 = 86'000'000.123456789;  // about 24 h: a double alone resolves only 1.5e-8 ms
        simulation_spec spec;
        spec.t_stop_ms = t0 + 10.0;
        spec.populations = {hair_trigger("n", 2)};
        spec.sources = {times_source("s", {{t0}})};
        spec.connections = {pairs("s", "n", {0, 0}, {1, 0}, {5.0, 5.0}, {1.0, 1.0 + 1e-9})};
        const auto r = run(spec);
        REQUIRE(r->rec.spikes.size() == 3);  // the source's and two neurons'
        // Three distinct instants: the emission and two deliveries 1e-9 ms apart (the file's float64
        // times cannot show the difference, the engine's order does: node 1 first).
        CHECK(r->stats.instants == 3);
        CHECK(r->rec.spikes[1].node == 1);
        CHECK(r->rec.spikes[2].node == 0);
        CHECK(std::abs(r->rec.spikes[2].t - (t0 + 1.0)) < 2e-8);
    }

    TEST_CASE("same-time rule, lif_delta: +w and -w at one instant leave V unchanged and give no spike") {
        simulation_spec spec;
        spec.t_stop_ms = 3.0;
        auto p = pop("n", 1);
        p.params.E_L = -70.0;
        p.params.V_th = -55.0;
        p.V_m = constant_dist{-60.123456789};  // relaxing towards E_L
        spec.populations = {p};
        spec.sources = {times_source("s", {{1.0}, {1.0}})};
        // +20 mV alone would cross threshold.
        spec.connections = {pairs("s", "n", {0, 1}, {0, 0}, {20.0, -20.0}, {0.5, 0.5})};
        const auto with_inputs = run(spec, {{0, {0}, 0.25}});
        simulation_spec quiet = spec;
        quiet.connections.clear();
        const auto without = run(quiet, {{0, {0}, 0.25}});
        for (const auto& s : with_inputs->rec.spikes) CHECK(s.group == 1);  // only the sources spike
        REQUIRE(with_inputs->rec.samples.size() == 12);
        REQUIRE(without->rec.samples.size() == 12);
        for (std::size_t k = 0; k < 12; ++k)
            CHECK(std::get<2>(with_inputs->rec.samples[k])[0] ==
                  doctest::Approx(std::get<2>(without->rec.samples[k])[0]).epsilon(1e-14));
    }

    TEST_CASE(
        "same-time rule, lif_exp (NEST #368): +w and -w at one instant give no spike, tau_ex equal or not") {
        for (const double tau_in : {2.0, 5.0}) {
            CAPTURE(tau_in);
            simulation_spec spec;
            spec.t_stop_ms = 20.0;
            auto p = pop("n", 1, model_kind::lif_exp);
            p.params.tau_syn_ex = 2.0;
            p.params.tau_syn_in = tau_in;
            p.V_m = constant_dist{-60.0};
            spec.populations = {p};
            spec.sources = {times_source("s", {{1.0}, {1.0}})};
            // 5000 pA alone fires within a millisecond.
            spec.connections = {pairs("s", "n", {0, 1}, {0, 0}, {5000.0, -5000.0}, {0.5, 0.5})};
            const auto r = run(spec, {{0, {0}, 0.5}});
            for (const auto& s : r->rec.spikes) CHECK(s.group == 1);
            simulation_spec alone = spec;
            std::get<pairs_rule>(alone.connections[0].rule) = pairs_rule{{0}, {0}};
            alone.connections[0].weight = std::vector<double>{5000.0};
            alone.connections[0].delay = std::vector<double>{0.5};
            const auto fires = run(alone);
            CHECK(fires->rec.spikes.size() == 3);  // both sources and the neuron
            // At the input instant (sample 3 at 1.5 ms) V is exactly what it was going to be.
            simulation_spec none = spec;
            none.connections.clear();
            const auto base = run(none, {{0, {0}, 0.5}});
            CHECK(std::get<2>(r->rec.samples[3])[0] ==
                  doctest::Approx(std::get<2>(base->rec.samples[3])[0]).epsilon(1e-14));
            if (tau_in == 2.0)
                for (std::size_t k = 0; k < r->rec.samples.size(); ++k)
                    CHECK(std::get<2>(r->rec.samples[k])[0] ==
                          doctest::Approx(std::get<2>(base->rec.samples[k])[0]).epsilon(1e-14));
        }
    }

    TEST_CASE("DC-driven lif_delta spikes at the closed-form times, V(5 ms) matches NEST's value") {
        simulation_spec spec;
        spec.t_stop_ms = 50.0;
        spec.populations = {dc_neuron(10.0, 1000.0, 2.0)};
        const auto r = run(spec);
        const double t1 = -10.0 * std::log(0.625);  // 4.70003629245736
        REQUIRE(r->rec.spikes.size() == 7);         // t1 + k (t1 + 2) < 50
        for (std::size_t k = 0; k < r->rec.spikes.size(); ++k)
            CHECK(std::abs(r->rec.spikes[k].t - (t1 + static_cast<double>(k) * (t1 + 2.0))) < 1e-12);

        spec.populations[0].params.V_th = 2000.0;
        const auto v = run(spec, {{0, {0}, 5.0}});
        REQUIRE(v->rec.samples.size() == 10);
        CHECK(std::get<1>(v->rec.samples[1]) == 5.0);
        CHECK(std::abs(std::get<2>(v->rec.samples[1])[0] - 15.7387736114947) < 1e-12);
    }

    TEST_CASE("DC-driven lif_exp spikes at the closed-form time") {
        simulation_spec spec;
        spec.t_stop_ms = 6.0;
        spec.populations = {dc_neuron(10.0, 1000.0, 2.0, model_kind::lif_exp)};
        const auto r = run(spec);
        REQUIRE(r->rec.spikes.size() == 1);
        CHECK(std::abs(r->rec.spikes[0].t - 4.70003629245736) < 1e-12);
    }

    TEST_CASE("spikes of one instant are reported by node id; each neuron once") {
        simulation_spec spec;
        spec.t_stop_ms = 5.0;
        spec.populations = {hair_trigger("n", 4)};
        spec.sources = {times_source("s", {{1.0}, {1.0}})};
        // Node 3 gets two inputs at the same instant: still one spike.
        spec.connections = {
            pairs("s", "n", {0, 0, 0, 1, 1}, {3, 1, 2, 3, 0}, {5, 5, 5, 5, 5}, {1, 1, 1, 1, 1})};
        const auto r = run(spec);
        REQUIRE(r->rec.spikes.size() == 6);
        CHECK(r->rec.spikes[0].group == 1);
        CHECK(r->rec.spikes[1].group == 1);
        for (std::uint64_t k = 0; k < 4; ++k) {
            CHECK(r->rec.spikes[2 + k].group == 0);
            CHECK(r->rec.spikes[2 + k].node == k);
            CHECK(r->rec.spikes[2 + k].t == 2.0);
        }
    }

    TEST_CASE("events at t >= t_stop are neither executed nor reported; samples stop before t_stop") {
        simulation_spec spec;
        spec.t_stop_ms = 2.0;
        spec.populations = {hair_trigger("n", 2)};
        spec.sources = {times_source("s", {{0.5, 2.0}})};
        spec.connections = {pairs("s", "n", {0, 0}, {0, 1}, {5, 5}, {1.5, 1.0})};
        const auto r = run(spec, {{0, {0, 1}, 0.3}});
        // Source at 0.5 (reported), n1 at 1.5 (reported), n0 at 2.0 (not), source at 2.0 (not).
        REQUIRE(r->rec.spikes.size() == 2);
        CHECK(r->rec.spikes[1].node == 1);
        REQUIRE(r->rec.samples.size() == 7);  // 0, 0.3, ..., 1.8
        CHECK(std::get<1>(r->rec.samples.back()) == doctest::Approx(1.8));
    }

    namespace {
    simulation_spec random_network(std::uint64_t seed) {
        simulation_spec spec;
        spec.seed = seed;
        spec.t_stop_ms = 200.0;
        auto exc = pop("exc", 160);
        exc.params.tau_m = 20.0;
        exc.params.E_L = -49.0;
        exc.params.V_th = -50.0;
        exc.params.V_reset = -60.0;
        exc.params.t_ref = 5.0;
        exc.V_m = uniform_dist{-60.0, -50.0};
        auto inh = exc;
        inh.name = "inh";
        inh.size = 40;
        auto syn = pop("syn", 30, model_kind::lif_exp);
        syn.params.I_e = 300.0;
        spec.populations = {exc, inh, syn};
        source_spec stim;
        stim.name = "stim";
        stim.kind = source_kind::poisson;
        stim.size = 10;
        stim.rate_hz = 200.0;
        stim.dead_time_ms = 1.0;
        spec.sources = {stim};
        auto c = [](std::string s, std::string t, std::uint64_t k, double w, distribution d) {
            connection_spec x;
            x.source = s;
            x.target = t;
            x.rule = fixed_indegree_rule{k};
            x.weight = distribution{constant_dist{w}};
            x.delay = d;
            return x;
        };
        spec.connections = {c("exc", "exc", 16, 0.25, uniform_dist{1.0, 3.0}),
                            c("inh", "exc", 4, -2.25, constant_dist{0.5}),
                            c("exc", "inh", 16, 0.25, uniform_dist{1.0, 3.0}),
                            c("inh", "inh", 4, -2.25, constant_dist{0.5}),
                            c("stim", "syn", 3, 400.0, normal_dist{1.0, 0.5}),
                            c("exc", "syn", 5, -100.0, constant_dist{0.7})};
        return spec;
    }
    }  // namespace

    TEST_CASE("whole runs are deterministic and identical with every queue implementation") {
        const auto spec = random_network(5);
        const auto a = run(spec, {{2, {0, 7}, 0.37}}, queue_kind::lazy_d_ary);
        const auto b = run(spec, {{2, {0, 7}, 0.37}}, queue_kind::lazy_d_ary);
        const auto c = run(spec, {{2, {0, 7}, 0.37}}, queue_kind::mutable_d_ary);
        const auto d = run(spec, {{2, {0, 7}, 0.37}}, queue_kind::pairing);
        const auto e = run(spec, {{2, {0, 7}, 0.37}}, queue_kind::indexed_d_ary);
        CHECK(a->rec.spikes == e->rec.spikes);
        CHECK(a->rec.samples == e->rec.samples);
        CHECK(a->rec.spikes.size() > 1000);
        CHECK(a->rec.spikes == b->rec.spikes);
        CHECK(a->rec.spikes == c->rec.spikes);
        CHECK(a->rec.spikes == d->rec.spikes);
        CHECK(a->rec.samples == c->rec.samples);
        CHECK(a->rec.samples == d->rec.samples);
        CHECK(a->stats.deliveries == d->stats.deliveries);
        bool sorted = true;
        for (std::size_t k = 1; k < a->rec.spikes.size(); ++k) {
            const auto& p = a->rec.spikes[k - 1];
            const auto& q = a->rec.spikes[k];
            if (q.t < p.t || (q.t == p.t && q.group == p.group && q.node <= p.node)) sorted = false;
        }
        CHECK(sorted);
        const auto other = run(random_network(6));
        CHECK(other->rec.spikes != a->rec.spikes);
    }

    TEST_CASE("partitioned delivery (target blocks) gives the spikes and voltages of one input list") {
        // Both delivery paths (palette weights of one lif_delta class; any model and weight), and a
        // burst of 12 x 160 inputs in one epoch, so that a block's inputs fill several chunks.
        auto mixed = random_network(5);
        source_spec burst = times_source("burst", std::vector<std::vector<double>>(12, {20.0, 20.0 + 1e-3}));
        mixed.sources.push_back(burst);
        connection_spec all;
        all.source = "burst";
        all.target = "exc";
        all.rule = all_to_all_rule{};
        all.weight = distribution{uniform_dist{-0.2, 0.3}};
        all.delay = distribution{constant_dist{0.5}};
        mixed.connections.push_back(all);
        auto palette = random_network(7);
        palette.populations.pop_back();     // lif_delta only, two weights
        palette.connections.resize(4);
        palette.connections[0].delay = distribution{constant_dist{0.125}};
        for (const auto& spec : {mixed, palette}) {
            const auto one = run(spec, {{0, {3, 100}, 0.37}}, default_queue, 1);
            REQUIRE(one->rec.spikes.size() > 500);
            for (const std::uint32_t block : {64u, 128u, 4096u}) {
                const auto blocks = run(spec, {{0, {3, 100}, 0.37}}, default_queue, block);
                CHECK(blocks->rec.spikes == one->rec.spikes);
                CHECK(blocks->rec.samples == one->rec.samples);
                CHECK(blocks->stats.deliveries == one->stats.deliveries);
                CHECK(blocks->stats.instants == one->stats.instants);
            }
            // Epochs of more than 100 inputs in slices of blocks (up to one block each).
            const auto sliced = run(spec, {{0, {3, 100}, 0.37}}, default_queue, 64, 100);
            CHECK(sliced->rec.spikes == one->rec.spikes);
            CHECK(sliced->rec.samples == one->rec.samples);
            CHECK(sliced->stats.deliveries == one->stats.deliveries);
        }
        CHECK_THROWS_AS(run(mixed, {}, default_queue, 100), internal_error);
    }

    TEST_CASE("default target blocks shrink with in-degree x epoch length, and the spikes do not change") {
        // 20,000 neurons (over the 16,384 that partition by default), in-degree 10: 8192-neuron
        // blocks up to 10 synapse-ms per neuron, one halving per doubling beyond, down to 1024.
        auto spec = random_network(3);
        spec.populations.resize(2);
        spec.populations[0].size = 16000;
        spec.populations[1].size = 4000;
        spec.sources.clear();
        spec.t_stop_ms = 150.0;
        spec.connections.resize(4);
        for (std::size_t i = 0; i < 4; ++i)
            spec.connections[i].rule = fixed_indegree_rule{i % 2 == 0 ? 8u : 2u};
        const auto with_delays = [&](distribution d) {
            auto s = spec;
            for (auto& c : s.connections) c.delay = d;
            return s;
        };
        const std::pair<distribution, std::uint32_t> cases[] = {
            {constant_dist{0.5}, 8192}, {constant_dist{1.0}, 8192}, {constant_dist{2.0}, 4096},
            {uniform_dist{4.0, 6.0}, 2048}, {uniform_dist{8.0, 9.0}, 1024}, {constant_dist{50.0}, 1024}};
        for (const auto& [delay, block] : cases) {
            const auto s = with_delays(delay);
            const auto chosen = run(s);
            CHECK(chosen->stats.delivery_block == block);
            if (block == 2048) {
                const auto one = run(s, {}, default_queue, 1);
                CHECK(one->stats.delivery_block == 1);
                REQUIRE(one->rec.spikes.size() > 40000);
                CHECK(chosen->rec.spikes == one->rec.spikes);
                CHECK(chosen->stats.instants == one->stats.instants);
            }
        }
        // Forced sizes are kept; under 16,385 neurons nothing is partitioned.
        CHECK(run(with_delays(constant_dist{8.0}), {}, default_queue, 256)->stats.delivery_block == 256);
        CHECK(run(random_network(3))->stats.delivery_block == 1);
    }

    TEST_CASE("a probed neuron's order-free epoch is sampled in time order, on the closed form to 1e-12 mV") {
        // Inputs +6 mV at 1.3, -3 at 1.55, +8 at 1.8, all in the epoch [1, 2) (delay >= 1 ms) and
        // delivered in the order 1.55, 1.3, 1.8 (walks by emission time); nothing can fire it
        // (V_th -40), so they are summed order-free, and the samples every 0.05 ms see them one
        // by one: V(s) = -70 + sum over t_i <= s of w_i e^{-(s - t_i)/10}.
        auto a = at_rest("a", -70.0, -40.0, -70.0, 2.0);
        a.params.tau_m = 10.0;
        simulation_spec spec;
        spec.t_stop_ms = 3.0;
        spec.populations = {a};
        spec.sources = {times_source("s", {{0.8}, {0.05}, {0.3}})};
        spec.connections = {pairs("s", "a", {0, 1, 2}, {0, 0, 0}, {8.0, -3.0, 6.0}, {1.0, 1.5, 1.0})};
        for (const std::uint32_t block : {1u, 64u}) {
            const auto r = run(spec, {{0, {0}, 0.05}}, default_queue, block);
            REQUIRE(r->rec.samples.size() == 60);
            double worst = 0.0;
            for (const auto& [probe, s, V] : r->rec.samples) {
                double expected = -70.0;
                for (const auto& [t_i, w] : {std::pair{1.3, 6.0}, std::pair{1.55, -3.0}, std::pair{1.8, 8.0}})
                    if (t_i <= s + 1e-12) expected += w * std::exp(-(s - t_i) / 10.0);
                worst = std::max(worst, std::abs(V[0] - expected));
            }
            CHECK(worst < 1e-12);
        }
    }

    TEST_CASE("voltage probes do not change the simulation: the same spikes with and without them") {
        // A probed lif_delta neuron takes its order-free inputs as their sum, as an unprobed one
        // (invariant 8): only its samples are computed from them in time order. (Before, probed
        // neurons summed in time order: the last bits of V differed, and the network's chaos
        // amplified them into other spike trains.) Both delivery paths, both delay variants.
        auto palette = random_network(7);
        palette.populations.pop_back();  // lif_delta only, two weights
        palette.connections.resize(4);
        palette.t_stop_ms = 400.0;
        auto constant = palette;
        for (auto& c : constant.connections) c.delay = distribution{constant_dist{0.125}};
        for (const auto& spec : {palette, constant, random_network(5)}) {
            for (const std::uint32_t block : {1u, 64u}) {
                CAPTURE(block);
                const auto plain = run(spec, {}, default_queue, block);
                const auto probed = run(spec, {{0, {0, 3, 17, 100, 159}, 0.1}, {1, {5}, 0.25}}, default_queue, block);
                REQUIRE(plain->rec.spikes.size() > 1000);
                CHECK(probed->rec.spikes == plain->rec.spikes);
                CHECK(probed->stats.instants == plain->stats.instants);
                CHECK(probed->rec.samples.size() > 1000);
            }
        }
    }

    TEST_CASE("a poisson source emits at its rate, only inside [start, stop)") {
        simulation_spec spec;
        spec.t_stop_ms = 1000.0;
        source_spec s;
        s.name = "stim";
        s.kind = source_kind::poisson;
        s.size = 20;
        s.rate_hz = 50.0;
        s.start_ms = 100.0;
        s.stop_ms = 600.0;
        spec.sources = {s};
        const auto r = run(spec);
        const double expected = 20 * 50.0 * 0.5;
        CHECK(std::abs(static_cast<double>(r->rec.spikes.size()) - expected) < 3.89 * std::sqrt(expected));
        for (const auto& x : r->rec.spikes) {
            CHECK(x.t >= 100.0);
            CHECK(x.t < 600.0);
        }
    }

    TEST_CASE("bad model parameters and probes are config errors naming the key") {
        simulation_spec spec;
        spec.populations = {pop("n", 2)};
        spec.populations[0].params.tau_m = -1.0;
        CHECK_THROWS_WITH_AS(run(spec), doctest::Contains("population[0].params"), config_error);
        spec.populations[0].params.tau_m = 10.0;
        CHECK_THROWS_WITH_AS(run(spec, {{0, {5}, 0.1}}), doctest::Contains("output.voltage[0].node_ids[0]"),
                             config_error);
    }

    TEST_CASE("more than 65536 populations is a config error naming the key") {
        simulation_spec spec;
        spec.populations.assign(65537, pop("n", 1));
        const network net;
        engine_outputs out;
        CHECK_THROWS_WITH_AS(simulate(spec, net, out), doctest::Contains("population"), config_error);
        CHECK_THROWS_WITH_AS(simulate(spec, net, out), doctest::Contains("65537"), config_error);
    }

}  // TEST_SUITE

// lif_delta runs in exponential time inside the engine (docs/engine.md): these check it against
// closed forms where its reference time moves many times, and its reset and refractoriness.
TEST_SUITE("core") {
    TEST_CASE("lif_delta over 2 s (the exponential-time reference moves ~12 times) stays on the closed form") {
        simulation_spec spec;
        spec.t_stop_ms = 2000.0;
        spec.populations = {dc_neuron(10.0, 1000.0, 2.0)};  // v_inf = 40 mV
        const auto r = run(spec, {{0, {0}, 0.7}});
        const double t1 = -10.0 * std::log(0.625);  // from V_reset = 0 to V_th = 15
        const double period = t1 + 2.0;
        REQUIRE(r->rec.spikes.size() == 298);  // t1 + k period < 2000
        double worst = 0.0;
        for (std::size_t k = 0; k < r->rec.spikes.size(); ++k)
            worst = std::max(worst, std::abs(r->rec.spikes[k].t - (t1 + static_cast<double>(k) * period)));
        CHECK(worst < 1e-12);
        // Every sample against V(s) = 40 (1 - e^{-(s - free)/10}) since the last release (at
        // 0, then at k period, the end of t_ref), or V_reset = 0 from a spike to its release.
        REQUIRE(r->rec.samples.size() == 2858);  // 0.7 k < 2000
        double worst_V = 0.0;
        for (const auto& [probe, s, V] : r->rec.samples) {
            const double free = std::floor(s / period) * period;
            const double expected = s >= free + t1 ? 0.0 : 40.0 * -std::expm1(-(s - free) / 10.0);
            worst_V = std::max(worst_V, std::abs(V[0] - expected));
        }
        // Spike times drift by < 1e-12 ms over 298 periods and V moves ~4 mV/ms after release:
        // measured 1.9e-12 mV (the closed form's own k * period carries part of it).
        CHECK(worst_V < 5e-12);
    }

    TEST_CASE("lif_delta with a refractory period of 1000 tau_m (exponential time must not overflow)") {
        simulation_spec spec;
        spec.t_stop_ms = 2000.0;
        spec.populations = {dc_neuron(0.5, 20000.0, 500.0)};  // v_inf = 40 mV
        const auto r = run(spec, {{0, {0}, 250.0}});
        const double t1 = -0.5 * std::log(0.625);
        REQUIRE(r->rec.spikes.size() == 4);
        for (std::size_t k = 0; k < 4; ++k)
            CHECK(std::abs(r->rec.spikes[k].t - (t1 + static_cast<double>(k) * (t1 + 500.0))) < 1e-12);
        for (const auto& [probe, s, V] : r->rec.samples) CHECK(std::isfinite(V[0]));
    }

    TEST_CASE("walks beyond the calendar and predictions beyond its horizon keep exact times") {
        // Delays 0.001 .. 150 ms: the calendar's ring (65,536 epochs of ~0.001 ms) spans ~65 ms,
        // so the 150 ms walk waits in the overflow list and the slow neuron's crossing (~92 ms
        // ahead) in the prediction queue, with every queue implementation.
        simulation_spec spec;
        spec.t_stop_ms = 200.0;
        auto slow = pop("slow", 1);
        slow.params.E_L = 0.0;
        slow.params.tau_m = 10.0;
        slow.params.C_m = 250.0;
        slow.params.I_e = 250.025;  // v_inf = 10.001 mV, just above V_th = 10
        slow.params.V_th = 10.0;
        slow.params.V_reset = 0.0;
        slow.params.t_ref = 150.0;
        slow.V_m = constant_dist{0.0};
        spec.populations = {hair_trigger("n", 3), slow};
        spec.sources = {times_source("s", {{2.5}})};
        const std::vector<double> d = {0.001, 50.0, 150.0};
        spec.connections = {pairs("s", "n", {0, 0, 0}, {0, 1, 2}, {5.0, 5.0, 5.0}, d)};
        const double v_inf = 0.0 + 10.0 * 250.025 / 250.0;
        const double t_slow = 10.0 * std::log((0.0 - v_inf) / (10.0 - v_inf));  // ~92.1 ms
        for (const queue_kind q : {queue_kind::indexed_d_ary, queue_kind::lazy_d_ary, queue_kind::pairing}) {
            const auto r = run(spec, {}, q);
            std::vector<double> n_times(3, -1.0);
            double slow_time = -1.0;
            std::size_t slow_spikes = 0;
            for (const auto& sp : r->rec.spikes) {
                if (sp.group == 0) n_times[sp.node] = sp.t;
                if (sp.group == 1) {
                    slow_time = sp.t;
                    ++slow_spikes;
                }
            }
            for (std::size_t k = 0; k < 3; ++k) CHECK(n_times[k] == (sim_time::from_ms(2.5) + d[k]).ms());
            CHECK(slow_spikes == 1);  // refractory for the rest of the run
            CHECK(std::abs(slow_time - t_slow) < 1e-9);
        }
    }

    TEST_CASE("lif_delta soft reset subtracts V_th - V_reset from the potential it fired at") {
        simulation_spec spec;
        spec.t_stop_ms = 5.0;
        auto p = at_rest("n", -70.0, -55.0, -70.0, 2.0);
        p.params.reset = reset_kind::soft;
        spec.populations = {p};
        spec.sources = {times_source("s", {{1.0}})};
        spec.connections = {pairs("s", "n", {0}, {0}, {20.0}, {0.25})};  // V jumps to -50 at 1.25
        const auto r = run(spec, {{0, {0}, 0.5}});
        REQUIRE(r->rec.spikes.size() == 2);  // source, neuron
        CHECK(r->rec.spikes[1].t == 1.25);
        // Held at -50 - 15 = -65 during [1.25, 3.25), then relaxing to E_L = -70.
        CHECK(std::abs(std::get<2>(r->rec.samples[3])[0] - (-65.0)) < 1e-12);  // 1.5
        CHECK(std::abs(std::get<2>(r->rec.samples[6])[0] - (-65.0)) < 1e-12);  // 3.0
        const double V4 = -70.0 + 5.0 * std::exp(-(4.0 - 3.25) / 10.0);
        CHECK(std::abs(std::get<2>(r->rec.samples[8])[0] - V4) < 1e-12);  // 4.0
    }

    TEST_CASE("lif_delta discards inputs while refractory and takes them from the end of t_ref") {
        simulation_spec spec;
        spec.t_stop_ms = 6.0;
        const auto p = at_rest("n", -60.0, -55.0, -70.0, 2.0);
        spec.populations = {p};
        // Fires at 1.0; +3 mV at 2.0 (refractory: lost); +3 mV at 3.0 (t_ref just over: kept).
        spec.sources = {times_source("s", {{0.5}, {1.5}, {2.5}})};
        spec.connections = {pairs("s", "n", {0, 1, 2}, {0, 0, 0}, {10.0, 3.0, 3.0}, {0.5, 0.5, 0.5})};
        const auto r = run(spec, {{0, {0}, 0.5}});
        std::size_t neuron_spikes = 0;
        for (const auto& s : r->rec.spikes) neuron_spikes += s.group == 0;
        CHECK(neuron_spikes == 1);
        CHECK(std::get<2>(r->rec.samples[5])[0] == -70.0);  // 2.5: held, the 2.0 input lost
        // 4.0: released at 3.0 at -70, +3 mV at 3.0, then 1 ms towards -60.
        const double V4 = -60.0 - 7.0 * std::exp(-1.0 / 10.0);
        CHECK(std::abs(std::get<2>(r->rec.samples[8])[0] - V4) < 1e-12);
    }
}

// Invariant 8 of sim/engine.cpp: a lif_delta neuron that nothing can fire in an epoch takes the
// sum of its inputs unsorted; one input that can fire it sends it through the time-ordered path.
TEST_SUITE("core") {
    TEST_CASE("order-free epochs: summed inputs keep the exact crossing; a firing input is never outvoted") {
        // tau_m 20: epochs of ~1 ms are <= tau_m / 16, so input factors come from the engine's
        // polynomial; tau_m 10: from std::exp. Both with v_inf = 40 mV, V_th = 15, V from 0.
        for (const double tau : {20.0, 10.0}) {
            CAPTURE(tau);
            simulation_spec spec;
            spec.t_stop_ms = 25.0;
            auto n = dc_neuron(tau, 40.0 * 250.0 / tau, 2.0);
            n.size = 3;
            spec.populations = {n};
            // Every delay >= 1 ms, so epochs are ~1 ms long and [1, 2) holds all of neuron 0's
            // inputs. Neuron 0: -2 mV at 1.3, +0.5 at 1.55, -1 at 1.8 (delivered in walk order,
            // not time order). Neuron 1: the source emitting first (delivered first) brings
            // -30 mV at 1.9, the later one +20 mV at 1.5: summed, they would not fire it; in time
            // order +20 fires it at 1.5. Then +20 mV at 2.7 while it is refractory until 3.5 (its
            // whole epoch): lost. Neuron 2: no input, the DC train alone.
            spec.sources = {times_source("s", {{0.05}, {0.3}, {0.8}, {0.1}, {0.2}, {1.2}})};
            spec.connections = {pairs("s", "n", {0, 1, 2, 3, 4, 5}, {0, 0, 0, 1, 1, 1},
                                      {0.5, -2.0, -1.0, -30.0, 20.0, 20.0}, {1.5, 1.0, 1.0, 1.8, 1.3, 1.5})};
            const auto r = run(spec);
            std::vector<std::vector<double>> t(3);
            for (const auto& sp : r->rec.spikes)
                if (sp.group == 0) t[sp.node].push_back(sp.t);
            const double t1 = -tau * std::log(0.625);  // DC alone, from 0 to V_th = 15
            // Neuron 0: V(t) = 40 + e^{-t/tau} (-40 + sum_i w_i e^{t_i/tau}) reaches 15 at t*.
            const double inputs = 0.5 * std::exp(1.55 / tau) - 2.0 * std::exp(1.3 / tau) - std::exp(1.8 / tau);
            const double t_star = tau * std::log((-40.0 + inputs) / (15.0 - 40.0));
            REQUIRE(t[0].size() >= 1);
            CHECK(std::abs(t[0][0] - t_star) < 1e-12);
            REQUIRE(t[1].size() >= 2);
            CHECK(t[1][0] == (sim_time::from_ms(0.2) + 1.3).ms());
            CHECK(std::abs(t[1][1] - (1.5 + 2.0 + t1)) < 1e-12);  // released at 3.5 from V_reset = 0
            REQUIRE(t[2].size() >= 1);
            CHECK(std::abs(t[2][0] - t1) < 1e-12);
        }
    }

    TEST_CASE("order-free epochs without drive (v_inf < V_th): the summed state fires to 1e-9 mV") {
        // Weights are the config's doubles (docs/config.md): the 1e-9 mV margins are on the
        // weight itself (float32 would round them away: its spacing near 10 is ~1e-6).
        const double tau = 10.0;
        const double V5 = -70.0 + 6.0 * std::exp(-(5.0 - 1.3) / tau) - 3.0 * std::exp(-(5.0 - 1.55) / tau) +
                          8.0 * std::exp(-(5.0 - 1.8) / tau);
        const double jump = -55.0 - V5;
        const auto neuron = [&](const std::string& name, double V_th) {
            auto p = at_rest(name, -70.0, V_th, -70.0, 2.0);
            p.params.tau_m = tau;
            return p;
        };
        simulation_spec spec;
        spec.t_stop_ms = 8.0;
        // a and b: +6 mV at 1.3, -3 at 1.55, +8 at 1.8, all in the epoch [1, 2), where no partial
        // sum reaches V_th (so they are summed unsorted), then at 5.0 a jump that takes V to
        // V_th + 1e-9 (a: fires) or V_th - 1e-9 (b: does not).
        // c: -30 mV at 1.9 delivered first, +20 mV at 1.5 fires it (time order); +20 at 2.7 is lost
        // (refractory until 3.5, its whole epoch); at 5.0, V = V_reset exactly, and a jump of
        // 14.5 mV leaves it 1e-9 mV below its threshold.
        spec.populations = {neuron("a", -55.0), neuron("b", -55.0), neuron("c", -70.0 + 14.5 + 1e-9)};
        spec.sources = {times_source("s", {{0.3}, {0.55}, {0.8}, {4.0}, {0.1}, {0.2}, {1.2}})};
        spec.connections = {
            pairs("s", "a", {0, 1, 2, 3}, {0, 0, 0, 0}, {6.0, -3.0, 8.0, jump + 1e-9}, {1.0, 1.0, 1.0, 1.0}),
            pairs("s", "b", {0, 1, 2, 3}, {0, 0, 0, 0}, {6.0, -3.0, 8.0, jump - 1e-9}, {1.0, 1.0, 1.0, 1.0}),
            pairs("s", "c", {4, 5, 6, 3}, {0, 0, 0, 0}, {-30.0, 20.0, 20.0, 14.5}, {1.8, 1.3, 1.5, 1.0})};
        const auto r = run(spec);
        std::vector<std::vector<double>> t(3);
        for (const auto& sp : r->rec.spikes)
            if (sp.group < 3) t[sp.group].push_back(sp.t);
        REQUIRE(t[0].size() == 1);
        CHECK(t[0][0] == 5.0);
        CHECK(t[1].empty());
        REQUIRE(t[2].size() == 1);
        CHECK(t[2][0] == (sim_time::from_ms(0.2) + 1.3).ms());
    }
}

// Absorbed inputs wait in the neuron (their pending sum) until it is next touched: a later
// epoch's input, its own crossing, or the reference time moving (every 16 tau_m).
TEST_SUITE("core") {

    // The spike times of population 0, with one input list (block 0) or target blocks of 64.
    std::vector<double> spikes_of(const simulation_spec& spec, std::uint32_t block) {
        const auto r = run(spec, {}, default_queue, block);
        std::vector<double> t;
        for (const auto& sp : r->rec.spikes)
            if (sp.group == 0) t.push_back(sp.t);
        return t;
    }

    TEST_CASE("absorbed inputs wait in the neuron across epochs and reference moves: spikes on the closed form") {
        // Neuron d: v_inf = 40 mV > V_th = 15, tau_m 10, t_ref 2, fires every ~4.7 ms on its own
        // and receives +0.05 mV at 1.1 + 0.37 k and -0.04 mV at 1.2 + 0.37 k (delay 1 ms: epochs of
        // ~1 ms, ~5 inputs each); most are absorbed (inhibition always, excitation while the
        // queued crossing is a slack early), the others move its crossing. 400 ms: the reference
        // moves at 160 and 320 ms. Neurons a and b: at rest (-70 mV, V_th -55), never firing on
        // their own (v_inf < V_th: every small input absorbed), then at 390 ms a jump to V_th
        // + 1e-9 mV (a fires) or V_th - 1e-9 mV (b does not): a pending sum lost or counted twice
        // would flip both.
        const double tau = 10.0, t_stop = 400.0;
        std::vector<double> up, down;
        for (int k = 0; 0.2 + 0.37 * k < 380.0; ++k) {
            up.push_back(0.1 + 0.37 * k);
            down.push_back(0.2 + 0.37 * k);
        }
        std::vector<std::pair<double, double>> arrivals;
        for (const double t : up) arrivals.emplace_back((sim_time::from_ms(t) + 1.0).ms(), 0.05);
        for (const double t : down) arrivals.emplace_back((sim_time::from_ms(t) + 1.0).ms(), -0.04);
        double V_end = -70.0;  // a's and b's V at 390 before the jump
        for (const auto& [ta, w] : arrivals) V_end += w * std::exp(-(390.0 - ta) / tau);
        const double jump = -55.0 - V_end;
        auto d = dc_neuron(tau, 1000.0, 2.0);
        d.name = "d";
        const auto rest = [&](const std::string& name) {
            auto p = at_rest(name, -70.0, -55.0, -70.0, 2.0);
            p.params.tau_m = tau;
            return p;
        };
        const auto spec_with = [&](std::vector<population_spec> pops) {
            simulation_spec spec;
            spec.t_stop_ms = t_stop;
            spec.sources = {times_source("s", {up, down, {389.0}, {389.0}})};
            for (const auto& p : pops) {
                spec.connections.push_back(pairs("s", p.name, {0, 1}, {0, 0}, {0.05, -0.04}, {1.0, 1.0}));
                if (p.name == "a") spec.connections.push_back(pairs("s", "a", {2}, {0}, {jump + 1e-9}, {1.0}));
                if (p.name == "b") spec.connections.push_back(pairs("s", "b", {3}, {0}, {jump - 1e-9}, {1.0}));
            }
            spec.populations = std::move(pops);
            return spec;
        };
        const auto expected = drifting_reference(tau, 40.0, 15.0, 0.0, 2.0, arrivals, t_stop);
        REQUIRE(expected.size() > 50);
        // d alone (every population drifts up: the engine's fast path), and with a and b; each
        // with one list of inputs and with partitioned delivery (blocks of 64 neurons).
        for (const bool with_rest : {false, true}) {
            for (const std::uint32_t block : {0u, 64u}) {
                CAPTURE(with_rest);
                CAPTURE(block);
                const auto spec = with_rest ? spec_with({d, rest("a"), rest("b")}) : spec_with({d});
                const auto r = run(spec, {}, default_queue, block);
                std::vector<std::vector<double>> t(3);
                for (const auto& sp : r->rec.spikes)
                    if (sp.group < spec.populations.size()) t[sp.group].push_back(sp.t);
                REQUIRE(t[0].size() == expected.size());
                double worst = 0.0;
                for (std::size_t k = 0; k < expected.size(); ++k) worst = std::max(worst, std::abs(t[0][k] - expected[k]));
                CHECK(worst < 1e-9);
                if (with_rest) {
                    REQUIRE(t[1].size() == 1);
                    CHECK(t[1][0] == 390.0);
                    CHECK(t[2].empty());
                }
            }
        }
    }

    TEST_CASE("an input absorbed after an exact prediction makes it stale: the spike moves, on the closed form") {
        // Neuron d (v_inf 40 > V_th 15, tau_m 10) from 0 mV crosses at 10 ln(40/25) = 4.70 ms on
        // its own; its prediction is queued a slack early, then at ~3.7 exactly. -1 mV at 4.3
        // (a's) or +0.2 mV at 4.3 (b's; delay 0.2 ms: epochs of 0.2 ms, so the input's holds no
        // crossing) is absorbed order-free; the queued time is then no longer the crossing.
        for (const double w : {-1.0, 0.2}) {
            CAPTURE(w);
            auto d = dc_neuron(10.0, 1000.0, 2.0);
            d.name = "d";
            simulation_spec spec;
            spec.t_stop_ms = 6.0;
            spec.populations = {d};
            spec.sources = {times_source("s", {{4.1}})};
            spec.connections = {pairs("s", "d", {0}, {0}, {w}, {0.2})};
            const double ta = (sim_time::from_ms(4.1) + 0.2).ms();
            const auto expected = drifting_reference(10.0, 40.0, 15.0, 0.0, 2.0, {{ta, w}}, 6.0);
            REQUIRE(expected.size() == 1);
            for (const std::uint32_t block : {0u, 64u}) {
                CAPTURE(block);
                const std::vector<double> t = spikes_of(spec, block);
                REQUIRE(t.size() == 1);
                CHECK(std::abs(t[0] - expected[0]) < 1e-12);
            }
        }
    }

    TEST_CASE("inputs taken order-free that move the crossing before its queued time re-queue it: spikes on the closed form") {
        // Neuron d (v_inf 40 > V_th 15, tau_m 10) from 0 mV crosses at 10 ln(40/25) = 4.70 ms; its
        // prediction is queued 1 ms early (3.70). Delay 0.2 ms: epochs of 0.2 ms. +5 mV at 1.1
        // moves the crossing to ~3.20, before the queued time, but cannot fire d in [1.0, 1.2):
        // taken order-free (invariant 8), and d is queued again after the epoch (invariant 4).
        // With -5 mV at 1.15 in the same epoch the sum moves the crossing later instead: the
        // entry stays. One list, target blocks, and a voltage probe on d (swept, not re-queued
        // by the same code).
        struct scenario {
            std::vector<double> emit, w;
        };
        for (const scenario& sc : {scenario{{0.9}, {5.0}}, scenario{{0.9, 0.95}, {5.0, -5.0}}, scenario{{0.9, 2.6}, {5.0, 0.5}}}) {
            CAPTURE(sc.w.size());
            simulation_spec spec;
            spec.t_stop_ms = 12.0;
            spec.populations = {dc_neuron(10.0, 1000.0, 2.0)};  // "n": d
            std::vector<std::vector<double>> trains;
            std::vector<std::uint64_t> sources;
            std::vector<std::pair<double, double>> arrivals;
            for (std::size_t i = 0; i < sc.emit.size(); ++i) {
                trains.push_back({sc.emit[i]});
                sources.push_back(i);
                arrivals.emplace_back((sim_time::from_ms(sc.emit[i]) + 0.2).ms(), sc.w[i]);
            }
            spec.sources = {times_source("s", trains)};
            spec.connections = {pairs("s", "n", sources, std::vector<std::uint64_t>(sources.size(), 0), sc.w,
                                      std::vector<double>(sources.size(), 0.2))};
            const auto expected = drifting_reference(10.0, 40.0, 15.0, 0.0, 2.0, arrivals, spec.t_stop_ms);
            REQUIRE(expected.size() >= 2);
            if (sc.w.size() == 1) CHECK(expected[0] < 3.5);  // before the first queued time, 3.70
            for (const std::uint32_t block : {0u, 64u}) {
                for (const bool probed : {false, true}) {
                    CAPTURE(block);
                    CAPTURE(probed);
                    const auto r = run(spec, probed ? std::vector<voltage_probe>{{0, {0}, 0.5}} : std::vector<voltage_probe>{},
                                       default_queue, block);
                    std::vector<double> t;
                    for (const auto& sp : r->rec.spikes)
                        if (sp.group == 0) t.push_back(sp.t);
                    REQUIRE(t.size() == expected.size());
                    for (std::size_t k = 0; k < t.size(); ++k) CHECK(std::abs(t[k] - expected[k]) < 1e-12);
                }
            }
        }
    }

    // The unpartitioned delivery records only the inputs of targets that go through the epoch in
    // time order; a target that takes an input and then refuses a later one (delivered later,
    // arriving earlier) has the one it took recorded afterwards (replay_late).
    TEST_CASE("an input taken before the target refuses a later one is still applied in time order") {
        // Neuron d (v_inf 40 > V_th 15, tau_m 10, t_ref 2) fires every ~4.7 ms on its own. Source
        // 0 (k even, +0.5 mV) or 1 (k odd, -0.5 mV) emits at 0.1 + 1.73 k with delay 1.6, source 2
        // at 0.4 + 1.73 k with delay 1.0 (+5 mV): about half of the pairs land in one ~1 ms epoch,
        // where the first walk is delivered first (earlier emission) but arrives 0.3 ms later.
        // Its input is taken; when d is within ~5 mV of V_th, +5 mV can then make it reach V_th in
        // the epoch, so the neuron is refused and brought through the epoch in time order, with
        // both inputs (the first lost when the second fires it: it arrives in the refractory time).
        const double tau = 10.0, t_stop = 300.0;
        std::vector<double> late_plus, late_minus, early;
        std::vector<std::pair<double, double>> arrivals;
        for (int k = 0; 0.4 + 1.73 * k < 290.0; ++k) {
            const double e = 0.1 + 1.73 * k;
            (k % 2 ? late_minus : late_plus).push_back(e);
            early.push_back(e + 0.3);
            arrivals.emplace_back((sim_time::from_ms(e) + 1.6).ms(), k % 2 ? -0.5 : 0.5);
            arrivals.emplace_back((sim_time::from_ms(e + 0.3) + 1.0).ms(), 5.0);
        }
        auto d = dc_neuron(tau, 1000.0, 2.0);
        d.name = "d";
        simulation_spec spec;
        spec.t_stop_ms = t_stop;
        spec.populations = {d};
        spec.sources = {times_source("s", {late_plus, late_minus, early})};
        spec.connections = {pairs("s", "d", {0, 1, 2}, {0, 0, 0}, {0.5, -0.5, 5.0}, {1.6, 1.6, 1.0})};
        const auto expected = drifting_reference(tau, 40.0, 15.0, 0.0, 2.0, arrivals, t_stop);
        REQUIRE(expected.size() > 40);
        // spread: sources 0 and 1 also reach a second neuron 2 ms later, so their input to d is
        // delivered by the spread-delay loop (not with the rest of a fan-out at once).
        for (const bool spread : {false, true}) {
            if (spread) {
                auto z = dc_neuron(tau, 1000.0, 2.0);
                z.name = "z";
                spec.populations.push_back(z);
                spec.connections.push_back(pairs("s", "z", {0, 1}, {0, 0}, {0.5, -0.5}, {3.6, 3.6}));
            }
            for (const std::uint32_t block : {0u, 64u}) {
                CAPTURE(spread);
                CAPTURE(block);
                const std::vector<double> t = spikes_of(spec, block);
                REQUIRE(t.size() == expected.size());
                double worst = 0.0;
                for (std::size_t k = 0; k < expected.size(); ++k) worst = std::max(worst, std::abs(t[k] - expected[k]));
                CHECK(worst < 1e-9);
            }
        }
    }
}

TEST_SUITE("core") {
    TEST_CASE("a far walk arriving in the first epoch after a calendar skip is delivered in it") {
        // Delays 0.01 and 1000 ms: the ring (65,536 epochs) spans ~655 ms, the 1000 ms walk waits
        // in far_, nothing else is in flight, so the calendar restarts at its arrival 1001.
        auto n = at_rest("n", -70.0, -55.0, -70.0, 2.0);  // +15.01 mV at 1001 fires it
        simulation_spec spec;
        spec.t_stop_ms = 1010.0;
        spec.sources = {times_source("s", {{1.0}, {}})};
        spec.connections = {pairs("s", "n", {0, 1}, {0, 0}, {15.01, 1.0}, {1000.0, 0.01})};
        spec.populations = {n};
        auto r = run(spec);
        REQUIRE(r->rec.spikes.size() == 2);  // source, neuron
        CHECK(r->rec.spikes[1].t == 1001.0);
        // Driven (v_inf -50): spikes at t1 = 10 ln 4, then at 1001.005 unless -100 mV at 1001 comes first.
        spec.populations[0].params.I_e = 500.0;
        spec.populations[0].params.t_ref = 1001.005 - 20.0 * std::log(4.0);
        spec.connections[0].weight = std::vector<double>{-100.0, 1.0};
        r = run(spec);
        REQUIRE(r->rec.spikes.size() == 2);
        CHECK(std::abs(r->rec.spikes[1].t - 10.0 * std::log(4.0)) < 1e-12);
    }

    // One soft-reset lif_delta neuron driven towards v_inf = -50 mV > V_th = -55 from -70 mV,
    // receiving the source spikes `times` (each after 0.5 ms) with weights `w`: its spike times.
    const auto soft_reset_run = [](double V_reset, double t_ref, double t_stop, std::vector<std::vector<double>> times,
                                   std::vector<double> w) {
        simulation_spec spec;
        spec.t_stop_ms = t_stop;
        auto n = at_rest("n", -70.0, -55.0, V_reset, t_ref);
        n.params.I_e = 500.0;
        n.params.reset = reset_kind::soft;
        spec.populations = {n};
        std::vector<std::uint64_t> sources(times.size()), targets(times.size(), 0);
        for (std::size_t i = 0; i < times.size(); ++i) sources[i] = i;
        spec.sources = {times_source("s", std::move(times))};
        spec.connections = {pairs("s", "n", sources, targets, std::move(w), std::vector<double>(sources.size(), 0.5))};
        const auto r = run(spec);
        std::vector<double> t;
        for (const auto& sp : r->rec.spikes)
            if (sp.group == 0) t.push_back(sp.t);
        return t;
    };

    TEST_CASE("lif_delta left at or above V_th without refractoriness fires at its next input, never in the past") {
        // t_ref = 0: +20 mV at 1.0 fires it and the soft reset (-5 mV) leaves V = -53.1 >= V_th,
        // where it stays (docs/models.md: no second spike by itself); +0.1 mV at 3.0 finds
        // V >= V_th and fires it.
        const auto t = soft_reset_run(-60.0, 0.0, 3.5, {{0.5}, {2.5}}, {20.0, 0.1});
        REQUIRE(t.size() == 2);
        CHECK(t[0] == 1.0);
        CHECK(t[1] == 3.0);
    }

    TEST_CASE("lif_delta held above V_th fires at the first instant it is free, within the tolerance of free_at") {
        // Soft reset (-1 mV) to -52.1 mV, above V_th, held for t_ref = 2 from 1.0; an input of
        // -0.5 mV arrives 5e-13 ms before free_at = 3.0, inside the 1e-12 ms tolerance, so the
        // neuron is free at that instant, still above V_th: it fires there, then every t_ref.
        const auto t = soft_reset_run(-56.0, 2.0, 6.0, {{0.5}, {2.4999999999995}}, {17.0, -0.5});
        const sim_time free = sim_time::from_ms(2.4999999999995) + 0.5;
        REQUIRE(t.size() == 3);
        CHECK(t[0] == 1.0);
        CHECK(t[1] == free.ms());
        CHECK(t[2] == (free + 2.0).ms());
    }
}
