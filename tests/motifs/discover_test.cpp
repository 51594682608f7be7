#include "motifs/discover.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "core/error.hpp"
#include "motifs/inference.hpp"
#include "motifs/jittered.hpp"

using namespace evspike;

namespace {

// Planted motifs of the jittered generator: 3 motifs of 12 entries on 40 neurons, 1 ms jitter,
// background 5 Hz (denser than the motif spikes: 3 x 12 x 0.9 x 2 Hz / 40 = 1.6 Hz per neuron).
jittered_params small_params(std::uint64_t seed) {
    jittered_params p;
    p.neurons = 40;
    p.motifs = 3;
    p.t_stop_ms = 60000;
    p.duration_ms = 30;
    p.synapses = 12;
    p.participation = 0.9;
    p.jitter_ms = 1.0;
    p.motif_rate_hz = 2.0;
    p.background_rate_hz = 5.0;
    p.seed = seed;
    p.template_seed = 7;
    return p;
}

// Expected excess spike probability per (neuron, 1 ms bin after the start) of planted motif m.
std::vector<double> planted_map(const jittered_params& p, const jittered_templates& t, std::uint64_t m,
                                std::size_t D) {
    std::vector<double> map(p.neurons * D, 0.0);
    const auto cdf = [](double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); };
    for (std::size_t k = 0; k < t.motif_ids.size(); ++k) {
        if (t.motif_ids[k] != m) continue;
        for (std::size_t d = 0; d < D; ++d)
            map[t.node_ids[k] * D + d] += p.participation * (cdf((static_cast<double>(d) + 1 - t.delays_ms[k]) / p.jitter_ms) -
                                                             cdf((static_cast<double>(d) - t.delays_ms[k]) / p.jitter_ms));
    }
    return map;
}

// Largest cosine over relative lags between a planted map (N x Dp) and a discovered template
// (N x D, from discover_result::templates).
double best_cosine(const std::vector<double>& planted, std::size_t Dp, const float* found, std::size_t N,
                   std::size_t D) {
    double np = 0, nf = 0;
    for (double v : planted) np += v * v;
    for (std::size_t i = 0; i < N * D; ++i) nf += static_cast<double>(found[i]) * found[i];
    if (np == 0 || nf == 0) return 0;
    double best = 0;
    for (long lag = -static_cast<long>(D); lag <= static_cast<long>(Dp); ++lag) {
        double dot = 0;
        for (std::size_t a = 0; a < N; ++a)
            for (std::size_t d = 0; d < D; ++d) {
                const long dp = static_cast<long>(d) + lag;
                if (dp < 0 || dp >= static_cast<long>(Dp)) continue;
                dot += planted[a * Dp + static_cast<std::size_t>(dp)] * found[a * D + d];
            }
        best = std::max(best, dot / std::sqrt(np * nf));
    }
    return best;
}

binned_raster raster_of(const jittered_raster& r, std::size_t neurons) {
    return bin_raster(r.spike_times_ms, r.spike_neurons, 1.0, neurons);
}

discover_options options_for(std::size_t motifs) {
    discover_options o;
    o.motifs = motifs;
    o.delays = 40;
    o.bin_ms = 1.0;
    o.seed = 3;
    return o;
}

}  // namespace

TEST_SUITE("motifs") {
    TEST_CASE("discover: recovers planted jittered motifs without labels (cosine >= 0.9 each)") {
        const auto p = small_params(1);
        const auto t = make_jittered_templates(p);
        const auto data = generate_jittered(p, t);
        const auto raster = raster_of(data, p.neurons);
        const auto r = discover_motifs(raster, options_for(3));
        REQUIRE(r.model.motifs == 3);
        const std::size_t N = p.neurons, D = 40, Dp = 40;
        // Greedy one-to-one matching on cosine (3 x 3).
        std::vector<std::vector<double>> cos(3, std::vector<double>(3));
        for (std::uint64_t m = 0; m < 3; ++m) {
            const auto map = planted_map(p, t, m, Dp);
            for (std::size_t k = 0; k < 3; ++k) cos[m][k] = best_cosine(map, Dp, r.templates.data() + k * N * D, N, D);
        }
        std::vector<int> used(3, 0);
        double total = 0;
        for (std::uint64_t m = 0; m < 3; ++m) {
            std::size_t best = 3;
            for (std::size_t k = 0; k < 3; ++k)
                if (!used[k] && (best == 3 || cos[m][k] > cos[m][best])) best = k;
            used[best] = 1;
            CHECK(cos[m][best] >= 0.9);
            total += cos[m][best];
        }
        CHECK(total / 3 >= 0.9);
        // Each discovered motif occurs about as often as the planted ones (2 Hz x 60 s = 120).
        for (auto c : r.counts) {
            CHECK(c >= 90);
            CHECK(c <= 150);
        }
    }

    TEST_CASE("discover: the model's own detections are the occurrences it reports") {
        const auto p = small_params(2);
        const auto data = generate_jittered(p, make_jittered_templates(p));
        const auto raster = raster_of(data, p.neurons);
        const auto r = discover_motifs(raster, options_for(3));
        const compiled_detector det(r.model);
        const auto again = detect(det, raster);
        CHECK(again.timestamps == r.occurrences.timestamps);
        CHECK(again.motif_ids == r.occurrences.motif_ids);
        CHECK(r.model.threshold == 0.0);
        CHECK(r.model.rule == detection_rule_kind::peak);
        // Motifs are numbered by decreasing count.
        CHECK(std::is_sorted(r.counts.begin(), r.counts.end(), std::greater<>()));
        CHECK(std::accumulate(r.counts.begin(), r.counts.end(), std::size_t{0}) == r.occurrences.size());
    }

    TEST_CASE("discover: the same seed gives the same model, another seed starts elsewhere") {
        const auto p = small_params(3);
        const auto data = generate_jittered(p, make_jittered_templates(p));
        const auto raster = raster_of(data, p.neurons);
        auto o = options_for(3);
        o.iterations = 6;
        const auto a = discover_motifs(raster, o);
        const auto b = discover_motifs(raster, o);
        CHECK(a.model.weights == b.model.weights);
        CHECK(a.model.bias == b.model.bias);
        CHECK(a.occurrences.timestamps == b.occurrences.timestamps);
        o.seed = 4;
        o.iterations = 1;
        auto o1 = o;
        o1.seed = 3;
        // After one iteration the motifs still reflect their seeds: different seeds, different models.
        CHECK(discover_motifs(raster, o).model.weights != discover_motifs(raster, o1).model.weights);
    }

    TEST_CASE("discover: bad options and rasters are refused, naming what is wrong") {
        const auto p = small_params(4);
        const auto raster = raster_of(generate_jittered(p, make_jittered_templates(p)), p.neurons);
        auto o = options_for(0);
        CHECK_THROWS_WITH_AS(discover_motifs(raster, o), doctest::Contains("motifs"), model_error);
        o = options_for(2);
        o.delays = 1;
        CHECK_THROWS_WITH_AS(discover_motifs(raster, o), doctest::Contains("duration"), model_error);
        o = options_for(2);
        o.iterations = 0;
        CHECK_THROWS_WITH_AS(discover_motifs(raster, o), doctest::Contains("iterations"), model_error);
        o = options_for(2);
        o.significance = 0;
        CHECK_THROWS_WITH_AS(discover_motifs(raster, o), doctest::Contains("significance"), model_error);
        o = options_for(2);
        o.delays = static_cast<std::size_t>(raster.bins) + 1;
        CHECK_THROWS_WITH_AS(discover_motifs(raster, o), doctest::Contains("longer than the raster"), model_error);
        binned_raster empty;
        empty.neurons = 4;
        empty.bins = 100;
        CHECK_THROWS_WITH_AS(discover_motifs(empty, options_for(2)), doctest::Contains("no spikes"), model_error);
        binned_raster huge = raster;
        huge.neurons = std::size_t{1} << 30;
        o = options_for(1000);
        CHECK_THROWS_WITH_AS(discover_motifs(huge, o), doctest::Contains("exceeds 2^32"), model_error);
    }
}
