#include "motifs/inference.hpp"

#include <doctest/doctest.h>

#include <cmath>

#include "core/error.hpp"
#include "core/random.hpp"

using namespace evspike;

namespace {

// Motif 0: neuron 0 at 0 ms, neuron 1 at 2 ms, neuron 2 at 4 ms. Motif 1: neuron 3 at 1 ms,
// neuron 2 at 3 ms, neuron 1 at 4 ms. Five delays of 1 ms. With these priors, all three spikes
// of a motif are needed to reach posterior 1/2.
detector_model tiny_model() {
    const std::vector<motif_template_entry> entries{{0, 0, 0.0, 5.0}, {0, 1, 2.0, 5.0}, {0, 2, 4.0, 5.0},
                                                    {1, 3, 1.0, 5.0}, {1, 2, 3.0, 5.0}, {1, 1, 4.0, 5.0}};
    template_model_options o;
    o.motifs = 2;
    o.neurons = 4;
    o.delays = 5;
    o.p_background = 0.01;
    o.p_motif = 1e-4;
    return detector_from_templates(entries, o);
}

binned_raster raster_of(std::vector<std::pair<double, std::uint64_t>> spikes, std::size_t neurons) {
    std::vector<double> t;
    std::vector<std::uint64_t> a;
    for (auto [time, id] : spikes) {
        t.push_back(time);
        a.push_back(id);
    }
    return bin_raster(t, a, 1.0, neurons);
}

}  // namespace

TEST_SUITE("motifs") {
    TEST_CASE("inference: a planted motif is detected once, at its start time") {
        const compiled_detector det(tiny_model());
        const auto raster = raster_of({{10.0, 0}, {12.0, 1}, {14.0, 2}, {3.0, 3}}, 4);
        const auto found = detect(det, raster);
        REQUIRE(found.size() == 1);
        CHECK(found.timestamps[0] == 10.0);
        CHECK(found.motif_ids[0] == 0);
        CHECK(found.scores[0] > 0.0f);
    }

    TEST_CASE("inference: a motif with one spike missing or shifted by a bin is not detected") {
        const compiled_detector det(tiny_model());
        CHECK(detect(det, raster_of({{10.0, 0}, {12.0, 1}}, 4)).size() == 0);
        CHECK(detect(det, raster_of({{10.0, 0}, {13.0, 1}, {14.0, 2}}, 4)).size() == 0);
    }

    TEST_CASE("inference: two motifs sharing a neuron are both found; refractoriness suppresses a repeat") {
        const compiled_detector det(tiny_model());
        // Motif 1 from 20: neuron 3 at 21, neuron 2 at 23, neuron 1 at 24. Motif 0 from 19: 19, 21, 23
        // (neuron 2 at 23 is shared).
        auto found = detect(det, raster_of({{19.0, 0}, {21.0, 1}, {21.0, 3}, {23.0, 2}, {24.0, 1}}, 4));
        REQUIRE(found.size() == 2);
        CHECK(found.timestamps[0] == 19.0);
        CHECK(found.motif_ids[0] == 0);
        CHECK(found.timestamps[1] == 20.0);
        CHECK(found.motif_ids[1] == 1);
        // Motif 0 at 30 and again at 32 (within D = 5 bins): the second is refractory.
        found = detect(det, raster_of({{30.0, 0}, {32.0, 0}, {32.0, 1}, {34.0, 1}, {34.0, 2}, {36.0, 2}}, 4));
        REQUIRE(found.size() == 1);
        CHECK(found.timestamps[0] == 30.0);
    }

    TEST_CASE("inference: evidence equals the definition p(b, t) = bias + sum A(a, t - d) K_b(a, d)") {
        // A random dense model and raster, with dense and sparse rows mixed; every bin is a candidate.
        auto rng = make_stream(3, "test");
        detector_model m;
        m.motifs = 20;
        m.neurons = 6;
        m.delays = 4;
        m.weights.resize(m.motifs * m.neurons * m.delays);
        for (std::size_t k = 0; k < m.weights.size(); ++k)
            m.weights[k] = (k % 3 == 0) ? static_cast<float>(uniform01(rng) - 0.5) : 0.0f;
        for (std::size_t b = 0; b < m.motifs; ++b) m.bias.push_back(static_cast<float>(b) * 0.01f);
        std::vector<double> t;
        std::vector<std::uint64_t> a;
        for (int k = 0; k < 60; ++k) {
            t.push_back(std::floor(uniform01(rng) * 30.0));
            a.push_back(rng() % m.neurons);
        }
        const auto raster = bin_raster(t, a, 1.0, m.neurons);
        const compiled_detector det(m);
        const auto candidates = scan_candidates(det, raster, -1e30f);
        std::size_t checked = 0;
        for (const auto& c : candidates) {
            double expected = m.bias[c.motif];
            for (std::size_t k = 0; k < raster.size(); ++k) {
                const auto d = c.bin - raster.spike_bins[k];
                if (d >= 0 && d < static_cast<std::int64_t>(m.delays))
                    expected += m.weight(c.motif, raster.spike_neurons[k], static_cast<std::size_t>(d));
            }
            CHECK(c.score == doctest::Approx(expected).epsilon(1e-5));
            ++checked;
        }
        // Every bin from 0 to the last spike's reach, for every motif.
        CHECK(checked == static_cast<std::size_t>(raster.spike_bins.back() + 4) * m.motifs);
    }

    TEST_CASE("inference: pruning keeps the top weights by magnitude") {
        detector_model m;
        m.motifs = 1;
        m.neurons = 2;
        m.delays = 2;
        m.weights = {0.1f, -3.0f, 2.0f, 0.5f};
        m.bias = {0.0f};
        prune_weights(m, 0.5);
        CHECK(m.weights == std::vector<float>{0.0f, -3.0f, 2.0f, 0.0f});
        const compiled_detector kept(m, 0.25);
        CHECK(kept.kept_weights() == 1);
        CHECK_THROWS_AS(prune_weights(m, 0.0), model_error);
        CHECK_THROWS_AS(compiled_detector(m, 1.5), model_error);
    }

    TEST_CASE("inference: the expected-count threshold gives that many detections") {
        const std::vector<candidate> candidates{
            {5, 0, 1.0f}, {6, 0, 2.0f}, {20, 0, 0.5f}, {7, 1, 3.0f}, {40, 1, -1.0f}};
        float threshold = 0;
        REQUIRE(threshold_for_count(candidates, 2, 5, detection_rule_kind::first_crossing, 3, threshold));
        CHECK(apply_rule(candidates, 2, 5, threshold, detection_rule_kind::first_crossing).size() == 3);
        REQUIRE(threshold_for_count(candidates, 2, 5, detection_rule_kind::first_crossing, 1, threshold));
        CHECK(threshold == 3.0f);
        CHECK_FALSE(threshold_for_count(candidates, 2, 5, detection_rule_kind::first_crossing, 10, threshold));
    }

    TEST_CASE("inference: bad inputs give clear errors") {
        const compiled_detector det(tiny_model());
        evidence_scanner scanner(det, 0.0f, [](const candidate&) {});
        scanner.push(10, 1);
        CHECK_THROWS_WITH_AS(scanner.push(9, 1), doctest::Contains("time order"), error);
        CHECK_THROWS_WITH_AS(scanner.push(11, 4), doctest::Contains("out of range"), error);
        detector_model bad = tiny_model();
        bad.weights.pop_back();
        CHECK_THROWS_WITH_AS(compiled_detector{bad}, doctest::Contains("weights"), model_error);
    }
}
