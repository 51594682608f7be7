#include "motifs/detector.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>

#include "core/error.hpp"
#include "core/random.hpp"
#include "motifs/inference.hpp"

using namespace evspike;

namespace {

// A tiny separable problem: 10 neurons of background at 2 % per bin, 2 motifs of 4 spikes over
// D = 6 bins planted at random starts (spikes of a motif are always present).
struct tiny_problem {
    binned_raster raster;
    motif_events truth;
};

tiny_problem make_problem(std::uint64_t seed, std::int64_t bins) {
    auto rng = make_stream(seed, "tiny");
    const std::vector<std::vector<std::pair<std::uint64_t, int>>> motifs{{{0, 0}, {3, 2}, {5, 4}, {7, 5}},
                                                                         {{1, 0}, {2, 1}, {3, 3}, {9, 5}}};
    std::vector<double> t;
    std::vector<std::uint64_t> a;
    for (std::int64_t k = 0; k < bins; ++k)
        for (std::uint64_t n = 0; n < 10; ++n)
            if (uniform01(rng) < 0.02) {
                t.push_back(static_cast<double>(k));
                a.push_back(n);
            }
    tiny_problem p;
    for (std::int64_t start = 5; start + 20 < bins; start += 12 + static_cast<std::int64_t>(rng() % 12)) {
        const auto m = static_cast<std::uint64_t>(rng() % 2);
        p.truth.timestamps.push_back(static_cast<double>(start));
        p.truth.motif_ids.push_back(m);
        for (auto [n, delay] : motifs[m]) {
            t.push_back(static_cast<double>(start + delay));
            a.push_back(n);
        }
    }
    p.raster = bin_raster(t, a, 1.0, 10);
    return p;
}

}  // namespace

TEST_SUITE("motifs") {
    TEST_CASE("detector: binning puts k * bin in bin k and merges duplicate spikes") {
        CHECK(time_to_bin(0.3 * 3, 0.3) == 3);
        CHECK(time_to_bin(2.99, 1.0) == 2);
        const std::vector<double> t{3.0, 1.0, 1.5, 1.0};
        const std::vector<std::uint64_t> a{2, 0, 0, 1};
        const auto r = bin_raster(t, a, 1.0);
        CHECK(r.neurons == 3);
        CHECK(r.bins == 4);
        CHECK(r.spike_bins == std::vector<std::int64_t>{1, 1, 3});
        CHECK(r.spike_neurons == std::vector<std::uint32_t>{0, 1, 2});
        CHECK_THROWS_AS(bin_raster(std::vector<double>{-1.0}, std::vector<std::uint64_t>{0}, 1.0), error);
        CHECK_THROWS_AS(bin_raster(std::vector<double>{1.0}, std::vector<std::uint64_t>{5}, 1.0, 3), error);
    }

    TEST_CASE("detector: templates give weights K at lag D - 1 - delay and the generator's log-odds bias") {
        const std::vector<motif_template_entry> entries{{0, 1, 2.0, 3.0}, {1, 0, 0.0, -1.0}};
        template_model_options o;
        o.motifs = 2;
        o.neurons = 2;
        o.delays = 4;
        o.p_background = 0.01;
        o.p_motif = 0.002;
        const auto m = detector_from_templates(entries, o);
        CHECK(m.weight(0, 1, 1) == 3.0f);
        CHECK(m.weight(1, 0, 3) == -1.0f);
        const auto logit = [](double p) { return std::log(p / (1 - p)); };
        const auto p1 = 1 / (1 + std::exp(-(logit(0.01) + 3.0)));
        CHECK(m.bias[0] == doctest::Approx(logit(0.002) + std::log((1 - p1) / 0.99)));
        CHECK_THROWS_AS(detector_from_templates(std::vector<motif_template_entry>{{0, 0, 4.0, 1.0}}, o),
                        model_error);
        CHECK_THROWS_AS(detector_from_templates(std::vector<motif_template_entry>{{2, 0, 0.0, 1.0}}, o),
                        model_error);
    }

    TEST_CASE("detector: training on a tiny separable problem lowers the loss and finds the motifs") {
        const auto train = make_problem(1, 6000);
        train_options o;
        o.delays = 6;
        o.epochs = 15;
        o.trial_bins = 200;
        o.batch_trials = 2;
        o.learning_rate = 0.05;
        o.naive_bayes_init = false;  // plain BCE from zero weights
        std::vector<double> losses;
        const auto m = train_detector(train.raster, train.truth, 2, o, [&](const train_progress& p) {
            if (p.epoch > 0) losses.push_back(p.loss);
        });
        REQUIRE(losses.size() > 2);
        CHECK(losses.back() < 0.5 * losses.front());
        // The largest weights of motif 0 sit at its template: neuron n at lag D - 1 - delay.
        std::vector<std::pair<float, std::size_t>> w0;
        for (std::size_t a = 0; a < 10; ++a)
            for (std::size_t d = 0; d < 6; ++d) w0.emplace_back(m.weight(0, a, d), a * 6 + d);
        std::sort(w0.rbegin(), w0.rend());
        std::vector<std::size_t> top{w0[0].second, w0[1].second, w0[2].second, w0[3].second};
        std::sort(top.begin(), top.end());
        CHECK(top == std::vector<std::size_t>{0 * 6 + 5, 3 * 6 + 3, 5 * 6 + 1, 7 * 6 + 0});
        // Calibrated on train, it generalises to a fresh raster of the same motifs.
        const auto test = make_problem(2, 3000);
        const auto r = score_detections(test.truth, detect(compiled_detector(m), test.raster), {1.0, 1e-6});
        CHECK(r.f1 > 0.95);
        CHECK(r.exact_hit_rate > 0.9);
    }

    TEST_CASE("detector: the naive-Bayes start alone already detects the tiny motifs") {
        const auto train = make_problem(3, 6000);
        train_options o;
        o.delays = 6;
        o.epochs = 0;
        const auto m = train_detector(train.raster, train.truth, 2, o);
        const auto test = make_problem(4, 3000);
        CHECK(score_detections(test.truth, detect(compiled_detector(m), test.raster)).f1 > 0.9);
    }

    TEST_CASE("detector: bad training inputs are refused") {
        const auto p = make_problem(1, 500);
        train_options o;
        o.delays = 6;
        CHECK_THROWS_WITH_AS(train_detector(p.raster, p.truth, 1, o), doctest::Contains("motif id"), error);
        o.learning_rate = 0;
        CHECK_THROWS_AS(train_detector(p.raster, p.truth, 2, o), model_error);
        detector_model m;
        CHECK_THROWS_AS(m.validate(), model_error);
    }
}
