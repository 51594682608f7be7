#include "motifs/inference.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <limits>

#include "core/error.hpp"
#include "core/random.hpp"
#include "motif_fixtures.hpp"

using namespace evspike;

namespace {

using test::tiny_model;

binned_raster raster_of(std::vector<std::pair<double, std::uint64_t>> spikes, std::size_t neurons) {
    std::vector<double> t;
    std::vector<std::uint64_t> a;
    for (auto [time, id] : spikes) {
        t.push_back(time);
        a.push_back(id);
    }
    return bin_raster(t, a, 1.0, neurons);
}

// A model whose weights are each non-zero with probability 0.3, then uniform in [low, low + 4).
detector_model random_model(random_stream& rng, std::size_t motifs, std::size_t neurons, std::size_t delays,
                            double low, float bias) {
    detector_model m;
    m.motifs = motifs;
    m.neurons = neurons;
    m.delays = delays;
    m.weights.resize(m.motifs * m.neurons * m.delays);
    for (auto& w : m.weights) w = uniform01(rng) < 0.3 ? static_cast<float>(uniform01(rng) * 4 + low) : 0.0f;
    m.bias.assign(m.motifs, bias);
    return m;
}

// `count` spikes at whole milliseconds in [0, span), each from a random neuron, binned at 1 ms.
binned_raster random_raster(random_stream& rng, int count, double span, std::size_t neurons) {
    std::vector<double> t;
    std::vector<std::uint64_t> a;
    for (int k = 0; k < count; ++k) {
        t.push_back(std::floor(uniform01(rng) * span));
        a.push_back(rng() % neurons);
    }
    return bin_raster(t, a, 1.0, neurons);
}

// The peak rule straight from its definition, motif by motif: among candidates >= threshold,
// the first allowed one opens a window; a strictly higher score within R bins after the current
// best replaces it (and the window follows it); the best is detected, and the next window may
// open R bins after it. Detections merged in (bin, motif) order.
std::vector<candidate> peak_rule_reference(const std::vector<candidate>& all, std::size_t motifs,
                                           std::int64_t R, float threshold) {
    std::vector<candidate> out;
    for (std::uint32_t b = 0; b < motifs; ++b) {
        std::vector<candidate> mine;
        for (const auto& c : all)
            if (c.motif == b && c.score >= threshold) mine.push_back(c);
        std::int64_t allowed = std::numeric_limits<std::int64_t>::min();
        for (std::size_t i = 0; i < mine.size();) {
            if (mine[i].bin < allowed) {
                ++i;
                continue;
            }
            candidate best = mine[i];
            std::size_t j = i + 1;
            for (; j < mine.size() && mine[j].bin < best.bin + R; ++j)
                if (mine[j].score > best.score) best = mine[j];
            out.push_back(best);
            allowed = best.bin + R;
            i = j;
        }
    }
    std::sort(out.begin(), out.end(), [](const candidate& x, const candidate& y) {
        return x.bin < y.bin || (x.bin == y.bin && x.motif < y.motif);
    });
    return out;
}

// Candidates against the definition score(b, t) = bias_b + sum over spikes (a, s) with
// 0 <= t - s < D of K_b(a, t - s), summed directly (O(bins x motifs x spikes)) in double: every
// bin of [0, last spike + D) whose score clears the floor by 1e-4 must be there with that score,
// and none below floor - 1e-4 (floats may fall either way in between).
void check_against_definition(const detector_model& m, const binned_raster& raster,
                              const std::vector<candidate>& got, float floor) {
    std::size_t missing = 0, extra = 0, wrong = 0, k = 0;
    const std::int64_t end = raster.spike_bins.back() + static_cast<std::int64_t>(m.delays);
    for (std::int64_t t = 0; t < end; ++t) {
        for (std::uint32_t b = 0; b < m.motifs; ++b) {
            double score = m.bias[b];
            for (std::size_t s = 0; s < raster.size(); ++s) {
                const auto d = t - raster.spike_bins[s];
                if (d >= 0 && d < static_cast<std::int64_t>(m.delays))
                    score += m.weight(b, raster.spike_neurons[s], static_cast<std::size_t>(d));
            }
            const bool present = k < got.size() && got[k].bin == t && got[k].motif == b;
            if (present) {
                wrong += std::abs(got[k].score - score) > 1e-4;
                extra += score < floor - 1e-4;
                ++k;
            } else {
                missing += score >= floor + 1e-4;
            }
        }
    }
    CHECK(k == got.size());  // every candidate was in range, in (bin, motif) order
    CHECK(missing == 0);
    CHECK(extra == 0);
    CHECK(wrong == 0);
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

    TEST_CASE("inference: the peak rule finds the true peak one bin after an early partial match") {
        // Motif 0: neurons 0, 1, 2 at 0, 2, 4 ms (weight 5) and neuron 3 at 3 ms (weight 2). The
        // raster holds the motif from 10 ms and a shifted copy of its first three entries from 9 ms:
        // the evidence is 15 at bin 13 (start 9, a partial match) and 17 at bin 14 (start 10).
        auto m = test::template_detector({{0, 0, 0.0, 5.0}, {0, 1, 2.0, 5.0}, {0, 2, 4.0, 5.0}, {0, 3, 3.0, 2.0}}, 1);
        m.threshold = m.bias[0] + 14.0;  // both bins reach it
        const auto raster =
            raster_of({{9.0, 0}, {10.0, 0}, {11.0, 1}, {12.0, 1}, {13.0, 2}, {13.0, 3}, {14.0, 2}}, 4);
        const auto scores = scan_candidates(compiled_detector(m), raster, static_cast<float>(m.threshold));
        REQUIRE(scores.size() == 2);
        CHECK(scores[0].bin == 13);
        CHECK(scores[1].bin == 14);
        CHECK(scores[1].score > scores[0].score);

        // First crossing: the partial match at start 9 fires and blocks the peak (refractory D = 5).
        m.rule = detection_rule_kind::first_crossing;
        auto found = detect(compiled_detector(m), raster);
        REQUIRE(found.size() == 1);
        CHECK(found.timestamps[0] == 9.0);
        // Peak: the higher score one bin later wins; still one detection within the refractory period.
        m.rule = detection_rule_kind::peak;
        found = detect(compiled_detector(m), raster);
        REQUIRE(found.size() == 1);
        CHECK(found.timestamps[0] == 10.0);
    }

    TEST_CASE(
        "inference: the peak rule keeps the refractory period, breaks ties by the earlier bin, and "
        "replays like an online run") {
        const auto peak = detection_rule_kind::peak;
        // Motif 0, R = 5: 10 (1.0) opens, 11 (3.0) takes over, 13 (2.0) and 15 (0.9) are within 5
        // bins of 11 and lower; 16 is the first bin allowed after 11. Motif 1: equal scores at 20
        // and 22: the earlier wins. Motif 0 at 30 (below threshold) is ignored.
        const std::vector<candidate> candidates{{10, 0, 1.0f}, {11, 0, 3.0f}, {13, 0, 2.0f}, {15, 0, 0.9f},
                                                {16, 0, 1.0f}, {20, 1, 2.0f}, {22, 1, 2.0f}, {30, 0, 0.1f}};
        const auto found = apply_rule(candidates, 2, 5, 0.5f, peak);
        REQUIRE(found.size() == 3);
        CHECK(found[0].bin == 11);
        CHECK(found[0].score == 3.0f);
        CHECK(found[1].bin == 16);
        CHECK(found[2].bin == 20);
        CHECK(found[2].motif == 1);
        const auto first = apply_rule(candidates, 2, 5, 0.5f, detection_rule_kind::first_crossing);
        REQUIRE(first.size() == 3);
        CHECK(first[0].bin == 10);
        CHECK(first[1].bin == 15);  // 10 + 5, the first bin allowed after 10

        // Random candidates: detections are >= R apart per motif, none has a higher candidate within
        // R bins after it, they come out in (bin, motif) order, and a second run gives the same.
        auto rng = make_stream(11, "test.peak");
        std::vector<candidate> many;
        for (std::int64_t t = 0; t < 2000; ++t)
            for (std::uint32_t b = 0; b < 3; ++b)
                if (uniform01(rng) < 0.3)
                    many.push_back({t, b, static_cast<float>(std::floor(uniform01(rng) * 8.0))});
        const std::int64_t R = 7;
        const auto det = apply_rule(many, 3, R, 2.0f, peak);
        REQUIRE(det.size() > 50);
        CHECK(det == peak_rule_reference(many, 3, R, 2.0f));
        std::vector<std::int64_t> last(3, -1000);
        for (std::size_t k = 0; k < det.size(); ++k) {
            CHECK(det[k].score >= 2.0f);
            CHECK(det[k].bin - last[det[k].motif] >= R);
            last[det[k].motif] = det[k].bin;
            if (k > 0)
                CHECK((det[k - 1].bin < det[k].bin ||
                       (det[k - 1].bin == det[k].bin && det[k - 1].motif < det[k].motif)));
            for (const auto& c : many)
                if (c.motif == det[k].motif && c.bin > det[k].bin && c.bin < det[k].bin + R)
                    CHECK(c.score <= det[k].score);
        }
        // Online, candidates streamed one by one with detections as they are decided: the same list.
        detection_rule rule(3, R, 2.0f, peak);
        std::vector<candidate> online;
        const auto keep = [&](const candidate& c) { online.push_back(c); };
        for (const auto& c : many) rule.push(c, keep);
        rule.finish(keep);
        CHECK(online == det);
    }

    TEST_CASE(
        "inference: at refractory 1 bin both rules emit every candidate at or above the threshold "
        "(the paper's thresholded map)") {
        REQUIRE(expected_count_refractory_bins == 1);
        // Motif 0 above threshold in consecutive bins 10, 11, 12 (rising then falling) and at 14;
        // motif 1 at 11 and 12 with equal scores. Every one of them is a detection.
        const std::vector<candidate> candidates{{10, 0, 1.0f}, {11, 0, 3.0f}, {11, 1, 2.0f}, {12, 0, 2.0f},
                                                {12, 1, 2.0f}, {13, 0, 0.1f}, {14, 0, 0.6f}, {15, 1, 0.4f}};
        std::vector<candidate> above;
        for (const auto& c : candidates)
            if (c.score >= 0.5f) above.push_back(c);
        REQUIRE(above.size() == 6);
        CHECK(apply_rule(candidates, 2, 1, 0.5f, detection_rule_kind::first_crossing) == above);
        CHECK(apply_rule(candidates, 2, 1, 0.5f, detection_rule_kind::peak) == above);
        // At R = 2 they differ: first-crossing keeps 10, 12, 14 of motif 0; peak keeps 11 (3.0 > 1.0)
        // and then 14 (13 is below threshold, 12 is within 2 bins of 11).
        const auto first2 = apply_rule(candidates, 2, 2, 0.5f, detection_rule_kind::first_crossing);
        const auto peak2 = apply_rule(candidates, 2, 2, 0.5f, detection_rule_kind::peak);
        CHECK(first2.size() == 4);
        CHECK(first2[0].bin == 10);
        CHECK(peak2.size() == 3);
        CHECK(peak2[0].bin == 11);

        // On random candidates too, and the expected-count threshold at R = 1 is the score of the
        // N-th best candidate.
        auto rng = make_stream(12, "test.r1");
        std::vector<candidate> many;
        for (std::int64_t t = 0; t < 1000; ++t)
            for (std::uint32_t b = 0; b < 3; ++b)
                if (uniform01(rng) < 0.5) many.push_back({t, b, static_cast<float>(uniform01(rng))});
        std::vector<candidate> many_above;
        for (const auto& c : many)
            if (c.score >= 0.7f) many_above.push_back(c);
        for (auto kind : {detection_rule_kind::first_crossing, detection_rule_kind::peak})
            CHECK(apply_rule(many, 3, 1, 0.7f, kind) == many_above);
        float threshold = 0;
        REQUIRE(threshold_for_count(many, 3, 1, detection_rule_kind::peak, 100, threshold));
        std::vector<float> scores;
        for (const auto& c : many) scores.push_back(c.score);
        std::sort(scores.begin(), scores.end(), std::greater<>());
        REQUIRE(scores[99] > scores[100]);
        CHECK(threshold == scores[99]);  // exactly 100 at or above it
        CHECK(apply_rule(many, 3, 1, threshold, detection_rule_kind::first_crossing).size() == 100);
    }

    TEST_CASE("inference: dense and sparse weight storage give the same score bits") {
        auto rng = make_stream(5, "test.dense");
        const auto m = random_model(rng, 37, 9, 6, -2.0, -1.0f);
        const auto raster = random_raster(rng, 400, 300.0, m.neurons);  // spans many window slides
        const auto sparse = scan_candidates(compiled_detector(m, 1.0, 1.0), raster, -1e30f);
        const auto dense = scan_candidates(compiled_detector(m, 1.0, 0.0), raster, -1e30f);
        REQUIRE(sparse.size() == dense.size());
        bool same = true;
        for (std::size_t k = 0; k < sparse.size(); ++k)
            same = same && sparse[k].bin == dense[k].bin && sparse[k].motif == dense[k].motif &&
                   std::memcmp(&sparse[k].score, &dense[k].score, sizeof(float)) == 0;
        CHECK(same);
    }

    TEST_CASE("inference: the positive-bound prefilter gives the same candidates, bit for bit") {
        auto rng = make_stream(9, "test.prefilter");
        const auto m = random_model(rng, 23, 12, 7, -2.5, -0.5f);  // ~3/8 of the weights positive
        const auto raster = random_raster(rng, 3000, 2000.0, m.neurons);
        const compiled_detector det(m, 1.0, 1.0);
        REQUIRE(det.has_prefilter());
        for (float floor : {-1e30f, 0.0f, 2.0f, 4.0f}) {
            const auto full = scan_candidates(det, raster, floor, false);
            const auto bound = scan_candidates(det, raster, floor, true);
            REQUIRE(full.size() == bound.size());
            bool same = true;
            for (std::size_t k = 0; k < full.size(); ++k)
                same = same && full[k].bin == bound[k].bin && full[k].motif == bound[k].motif &&
                       std::memcmp(&full[k].score, &bound[k].score, sizeof(float)) == 0;
            CHECK_MESSAGE(same, "floor " << floor);
            if (floor == 4.0f) CHECK(full.size() > 0);
        }
        // A detector with dense rows has no prefilter; asking for it falls back to the full scan.
        const compiled_detector dense(m, 1.0, 0.0);
        CHECK_FALSE(dense.has_prefilter());
        const auto fallback = scan_candidates(dense, raster, 2.0f, true);
        REQUIRE(fallback.size() > 0);
        check_against_definition(m, raster, fallback, 2.0f);
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
        const auto raster = random_raster(rng, 60, 30.0, m.neurons);
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
        CHECK_FALSE(
            threshold_for_count(candidates, 2, 5, detection_rule_kind::first_crossing, 10, threshold));
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
