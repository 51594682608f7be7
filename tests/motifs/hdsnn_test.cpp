#include "motifs/hdsnn.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <map>
#include <set>
#include <string>

#include "core/error.hpp"
#include "stats.hpp"
#include "support.hpp"

using namespace evspike;

namespace {

hdsnn_params small_params() {
    hdsnn_params p;
    p.neurons = 32;
    p.motifs = 8;
    p.delays = 11;
    p.bins = 200;
    p.trials = 50;
    p.p_background = 0.01;
    p.p_motif = 0.01;
    p.seed = 3;
    p.template_seed = 4;
    return p;
}

}  // namespace

TEST_SUITE("motifs") {

TEST_CASE("hdsnn: defaults are those of the paper's code") {
    hdsnn_params p;
    CHECK(p.neurons == 128);
    CHECK(p.motifs == 233);
    CHECK(p.delays == 31);
    CHECK(p.bins == 1024);
    CHECK(p.bin_ms == 1.0);
    CHECK(p.p_background == 0.001);
    CHECK(p.p_motif == 0.001);
    CHECK(p.weight_scale == 4.0);
    CHECK(p.sparsity == 0.05);
    CHECK(p.tau_rise == 0.05);
    CHECK(p.tau_decay == 0.4);
}

TEST_CASE("hdsnn: the kernel keeps a `sparsity` fraction of weights, shaped by the envelope and the spike shape") {
    auto p = small_params();
    p.neurons = 64;
    p.motifs = 20;
    p.delays = 31;
    const auto k = make_hdsnn_kernel(p);
    // Undo the convolution with [1, -0.8, -0.2] to recover the kept (enveloped) weights.
    double kept = 0.0, candidates = 0.0;
    for (std::uint64_t b = 0; b < p.motifs; ++b)
        for (std::uint64_t a = 0; a < p.neurons; ++a) {
            std::vector<double> row(p.delays);
            for (std::uint64_t j = 0; j < p.delays; ++j) {
                row[j] = k.weight(b, a, j) + (j >= 1 ? 0.8 * row[j - 1] : 0.0) + (j >= 2 ? 0.2 * row[j - 2] : 0.0);
                if (j == 0) CHECK(row[j] == 0.0);  // the envelope is 0 at s = 0
                if (j >= 1) {
                    candidates += 1.0;
                    if (std::abs(row[j]) > 1e-9) {
                        kept += 1.0;
                        CHECK(row[j] > 0.0);  // only entries above a positive quantile are kept
                    }
                }
            }
        }
    const double z = test::binomial_z(kept, candidates, p.sparsity);
    CAPTURE(z);
    CHECK(std::abs(z) < 3.89);
    const auto entries = template_entries(k);
    CHECK(entries.size() > static_cast<std::size_t>(kept));  // the refractory dips add negative entries
    for (std::size_t i = 1; i < entries.size(); ++i) {
        const auto& x = entries[i - 1];
        const auto& y = entries[i];
        CHECK((x.motif < y.motif || (x.motif == y.motif && (x.neuron < y.neuron || (x.neuron == y.neuron && x.delay_bins < y.delay_bins)))));
    }
}

TEST_CASE("hdsnn: template_seed fixes the templates while seed changes occurrences and spikes") {
    auto p = small_params();
    const auto k1 = make_hdsnn_kernel(p);
    auto q = p;
    q.seed = 99;
    const auto k2 = make_hdsnn_kernel(q);
    CHECK(k1.weights == k2.weights);
    const auto r1 = generate_hdsnn(p, k1);
    const auto r2 = generate_hdsnn(q, k2);
    CHECK(r1.occurrence_bins != r2.occurrence_bins);
    CHECK(r1.spike_bins != r2.spike_bins);
    q.template_seed = 5;
    CHECK(make_hdsnn_kernel(q).weights != k1.weights);
    // determinism
    const auto r3 = generate_hdsnn(p, make_hdsnn_kernel(p));
    CHECK(r3.spike_bins == r1.spike_bins);
    CHECK(r3.spike_neurons == r1.spike_neurons);
    CHECK(r3.occurrence_bins == r1.occurrence_bins);
    CHECK(r3.occurrence_motifs == r1.occurrence_motifs);
}

TEST_CASE("hdsnn: trials are independent: the first trials do not change when more are added") {
    auto p = small_params();
    p.trials = 2;
    const auto k = make_hdsnn_kernel(p);
    const auto two = generate_hdsnn(p, k);
    p.trials = 3;
    const auto three = generate_hdsnn(p, k);
    REQUIRE(three.spike_bins.size() >= two.spike_bins.size());
    CHECK(std::vector<std::uint64_t>(three.spike_bins.begin(), three.spike_bins.begin() + static_cast<std::ptrdiff_t>(two.spike_bins.size())) == two.spike_bins);
    CHECK(two.total_bins == 2 * (p.bins + p.delays));
}

TEST_CASE("hdsnn: occurrences are Bernoulli(p_motif) per motif and candidate bin, inside the borders, sorted") {
    auto p = small_params();
    p.trials = 200;
    const auto r = generate_hdsnn(p, make_hdsnn_kernel(p));
    const double half = static_cast<double>(p.delays / 2);
    const double candidates = static_cast<double>(p.trials * p.motifs) * (static_cast<double>(p.bins) - 2 * half);
    const double n = static_cast<double>(r.occurrence_bins.size());
    const double z = test::binomial_z(n, candidates, p.p_motif);
    CAPTURE(z);
    CHECK(std::abs(z) < 3.89);
    for (std::size_t i = 0; i < r.occurrence_bins.size(); ++i) {
        const std::uint64_t local = r.occurrence_bins[i] % (p.bins + p.delays);
        CHECK(local + p.delays <= p.bins);  // the whole motif inside its trial
        if (i > 0)
            CHECK((r.occurrence_bins[i - 1] < r.occurrence_bins[i] ||
                   (r.occurrence_bins[i - 1] == r.occurrence_bins[i] && r.occurrence_motifs[i - 1] < r.occurrence_motifs[i])));
    }
}

TEST_CASE("hdsnn: without motifs the spike rate is p_background per neuron and bin, and gaps stay silent") {
    auto p = small_params();
    p.p_motif = 0.0;
    p.trials = 100;
    const auto r = generate_hdsnn(p, make_hdsnn_kernel(p));
    CHECK(r.occurrence_bins.empty());
    const double cells = static_cast<double>(p.trials * p.bins * p.neurons);
    const double n = static_cast<double>(r.spike_bins.size());
    const double z = test::binomial_z(n, cells, p.p_background);
    CAPTURE(z);
    CHECK(std::abs(z) < 3.89);
    for (std::size_t i = 0; i < r.spike_bins.size(); ++i) {
        CHECK(r.spike_bins[i] % (p.bins + p.delays) < p.bins);
        if (i > 0)
            CHECK((r.spike_bins[i - 1] < r.spike_bins[i] ||
                   (r.spike_bins[i - 1] == r.spike_bins[i] && r.spike_neurons[i - 1] < r.spike_neurons[i])));
    }
}

TEST_CASE("hdsnn: with motifs, spikes follow sigmoid(logit(p_background) + evidence) in reached and unreached cells") {
    auto p = small_params();
    p.trials = 100;
    const auto k = make_hdsnn_kernel(p);
    const auto r = generate_hdsnn(p, k);
    std::set<std::pair<std::uint64_t, std::uint64_t>> spikes;
    for (std::size_t i = 0; i < r.spike_bins.size(); ++i) spikes.insert({r.spike_bins[i], r.spike_neurons[i]});
    // Evidence per reached cell, recomputed here from the occurrences and the kernel.
    std::map<std::pair<std::uint64_t, std::uint64_t>, double> evidence;
    for (std::size_t o = 0; o < r.occurrence_bins.size(); ++o)
        for (std::uint64_t a = 0; a < p.neurons; ++a)
            for (std::uint64_t d = 0; d < p.delays; ++d) {
                const double w = k.weight(r.occurrence_motifs[o], a, d);
                if (w != 0.0) evidence[{r.occurrence_bins[o] + d, a}] += w;
            }
    REQUIRE(evidence.size() > 1000);
    const double logit = std::log(p.p_background / (1 - p.p_background));
    double expected = 0.0, variance = 0.0, observed = 0.0;
    for (const auto& [cell, e] : evidence) {
        const double q = 1.0 / (1.0 + std::exp(-(logit + e)));
        expected += q;
        variance += q * (1 - q);
        observed += spikes.count(cell) ? 1.0 : 0.0;
    }
    const double z_reached = (observed - expected) / std::sqrt(variance);
    CAPTURE(z_reached);
    CHECK(std::abs(z_reached) < 3.89);
    double background_spikes = 0.0;
    for (const auto& s : spikes)
        if (!evidence.count(s)) background_spikes += 1.0;
    const double cells = static_cast<double>(p.trials * p.bins * p.neurons) - static_cast<double>(evidence.size());
    const double z = test::binomial_z(background_spikes, cells, p.p_background);
    CAPTURE(z);
    CHECK(std::abs(z) < 3.89);
}

TEST_CASE("hdsnn: bad parameters name their key") {
    const auto p = small_params();
    auto q = p;
    q.sparsity = 0.0;
    test::check_rejected_key(q, "sparsity");
    q.sparsity = 1.5;
    test::check_rejected_key(q, "sparsity");
    q = p;
    q.p_background = 0.0;
    test::check_rejected_key(q, "p_background");
    q = p;
    q.p_motif = -0.1;
    test::check_rejected_key(q, "p_motif");
    q = p;
    q.bins = 5;
    test::check_rejected_key(q, "bins");
    q = p;
    q.neurons = 0;
    test::check_rejected_key(q, "neurons");
    q = p;
    q.bin_ms = 0.0;
    test::check_rejected_key(q, "bin");
    q = p;
    q.tau_rise = -1.0;
    test::check_rejected_key(q, "tau_rise");
    q = p;
    q.sparsity = 1.0;
    CHECK_NOTHROW(q.validate());
}

}  // TEST_SUITE
