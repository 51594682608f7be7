#include "motifs/jittered.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <string>

#include "../stats.hpp"
#include "core/error.hpp"
#include "support.hpp"

using namespace evspike;

namespace {

jittered_params params() {
    jittered_params p;
    p.neurons = 50;
    p.motifs = 4;
    p.t_stop_ms = 200'000.0;
    p.duration_ms = 40.0;
    p.synapses = 10;
    p.participation = 0.7;
    p.jitter_ms = 1.5;
    p.motif_rate_hz = 2.0;
    p.background_rate_hz = 3.0;
    p.seed = 8;
    p.template_seed = 9;
    return p;
}

}  // namespace

TEST_SUITE("motifs") {

TEST_CASE("jittered: templates have `synapses` distinct neurons per motif, delays in [0, duration), from template_seed") {
    const auto p = params();
    const auto t = make_jittered_templates(p);
    REQUIRE(t.motif_ids.size() == p.motifs * p.synapses);
    for (std::uint64_t b = 0; b < p.motifs; ++b) {
        std::set<std::uint64_t> nodes;
        for (std::size_t i = 0; i < t.motif_ids.size(); ++i)
            if (t.motif_ids[i] == b) {
                nodes.insert(t.node_ids[i]);
                CHECK(t.delays_ms[i] >= 0.0);
                CHECK(t.delays_ms[i] < p.duration_ms);
                CHECK(t.node_ids[i] < p.neurons);
            }
        CHECK(nodes.size() == p.synapses);
    }
    auto q = p;
    q.seed = 1234;
    CHECK(make_jittered_templates(q).delays_ms == t.delays_ms);
    q.template_seed = 1;
    CHECK(make_jittered_templates(q).delays_ms != t.delays_ms);
    // delays uniform on [0, duration)
    auto r = p;
    r.motifs = 400;
    const auto many = make_jittered_templates(r);
    CHECK(test::ks_p_value(many.delays_ms, [&](double x) { return std::clamp(x / p.duration_ms, 0.0, 1.0); }) > 1e-3);
}

TEST_CASE("jittered: occurrences and background are Poisson at their rates; output sorted and inside [0, t_stop)") {
    auto p = params();
    const auto t = make_jittered_templates(p);
    const auto r = generate_jittered(p, t);
    const double expected_occurrences = p.motif_rate_hz * p.t_stop_ms / 1000.0 * static_cast<double>(p.motifs);
    const double z_occ = (static_cast<double>(r.occurrence_times_ms.size()) - expected_occurrences) / std::sqrt(expected_occurrences);
    CAPTURE(z_occ);
    CHECK(std::abs(z_occ) < 3.89);
    for (std::size_t i = 1; i < r.spike_times_ms.size(); ++i)
        CHECK((r.spike_times_ms[i - 1] < r.spike_times_ms[i] ||
               (r.spike_times_ms[i - 1] == r.spike_times_ms[i] && r.spike_neurons[i - 1] < r.spike_neurons[i])));
    CHECK(r.spike_times_ms.front() >= 0.0);
    CHECK(r.spike_times_ms.back() < p.t_stop_ms);
    for (std::size_t i = 1; i < r.occurrence_times_ms.size(); ++i) CHECK(r.occurrence_times_ms[i - 1] <= r.occurrence_times_ms[i]);

    p.motif_rate_hz = 0.0;
    const auto bg = generate_jittered(p, t);
    CHECK(bg.occurrence_times_ms.empty());
    const double expected = p.background_rate_hz * p.t_stop_ms / 1000.0 * static_cast<double>(p.neurons);
    const double z_bg = (static_cast<double>(bg.spike_times_ms.size()) - expected) / std::sqrt(expected);
    CAPTURE(z_bg);
    CHECK(std::abs(z_bg) < 3.89);
}

TEST_CASE("jittered: entries fire with probability `participation`, displaced by N(0, jitter) (z-test and KS)") {
    auto p = params();
    p.background_rate_hz = 0.0;
    p.motif_rate_hz = 0.5;
    const auto t = make_jittered_templates(p);
    const auto r = generate_jittered(p, t);
    // Match each expected spike to the nearest spike of its neuron (occurrences rarely overlap).
    std::vector<std::vector<double>> by_neuron(p.neurons);
    for (std::size_t i = 0; i < r.spike_times_ms.size(); ++i) by_neuron[r.spike_neurons[i]].push_back(r.spike_times_ms[i]);
    double entries = 0.0;
    std::vector<double> residuals;
    for (std::size_t o = 0; o < r.occurrence_times_ms.size(); ++o) {
        const double s = r.occurrence_times_ms[o];
        if (s < 20.0 || s + p.duration_ms + 20.0 > p.t_stop_ms) continue;
        for (std::size_t i = 0; i < t.motif_ids.size(); ++i) {
            if (t.motif_ids[i] != r.occurrence_motifs[o]) continue;
            entries += 1.0;
            const double expected = s + t.delays_ms[i];
            const auto& v = by_neuron[t.node_ids[i]];
            auto it = std::lower_bound(v.begin(), v.end(), expected - 8.0);
            if (it != v.end() && *it < expected + 8.0) residuals.push_back(*it - expected);
        }
    }
    REQUIRE(entries > 1000.0);
    const double fired = static_cast<double>(residuals.size());
    const double z = test::binomial_z(fired, entries, p.participation);
    CAPTURE(z);
    CHECK(std::abs(z) < 3.89);
    CHECK(test::ks_p_value(residuals, [&](double x) { return 0.5 * std::erfc(-x / (p.jitter_ms * std::sqrt(2.0))); }) > 1e-3);
}

TEST_CASE("jittered: same seeds give identical rasters") {
    const auto p = params();
    const auto a = generate_jittered(p, make_jittered_templates(p));
    const auto b = generate_jittered(p, make_jittered_templates(p));
    CHECK(a.spike_times_ms == b.spike_times_ms);
    CHECK(a.spike_neurons == b.spike_neurons);
    CHECK(a.occurrence_times_ms == b.occurrence_times_ms);
}

TEST_CASE("jittered: bad parameters name their key") {
    const auto p = params();
    auto q = p;
    q.synapses = p.neurons + 1;
    test::check_rejected_key(q, "synapses");
    q = p;
    q.participation = 0.0;
    test::check_rejected_key(q, "participation");
    q = p;
    q.jitter_ms = -1.0;
    test::check_rejected_key(q, "jitter");
    q = p;
    q.duration_ms = 0.0;
    test::check_rejected_key(q, "duration");
    q = p;
    q.motif_rate_hz = -2.0;
    test::check_rejected_key(q, "motif_rate");
    q = p;
    q.background_rate_hz = NAN;
    test::check_rejected_key(q, "background_rate");
    q = p;
    q.t_stop_ms = -1.0;
    test::check_rejected_key(q, "t_stop");
}

}  // TEST_SUITE
