#include "motifs/hdsnn.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/error.hpp"
#include "core/random.hpp"
#include "models/variates.hpp"

namespace evspike {

namespace {

// The paper's spike shape, convolved along delays: a positive weight is followed by a
// refractory dip.
constexpr double spike_shape[] = {1.0, -0.8, -0.2};

// Geometric skipping over a grid of Bernoulli(p) cells: returns the gap to the next success
// (0 = the very next cell). Exact: P(gap = k) = (1 - p)^k p.
class bernoulli_skipper {
public:
    explicit bernoulli_skipper(double p) : p_(p), log_q_(std::log1p(-p)) {}
    std::uint64_t gap(random_stream& rng) const {
        if (p_ >= 1.0) return 0;
        if (p_ <= 0.0) return never;
        const double g = std::floor(std::log(uniform_open0(rng)) / log_q_);
        return g >= 1e18 ? never : static_cast<std::uint64_t>(g);
    }
    static constexpr std::uint64_t never = std::uint64_t{1} << 60;  // beyond any grid, no overflow when added

private:
    double p_;
    double log_q_;
};

}  // namespace

void hdsnn_params::validate() const {
    auto at_least_one = [](const char* key, std::uint64_t v) {
        if (v < 1) throw config_error(key, "must be >= 1");
    };
    at_least_one("neurons", neurons);
    at_least_one("motifs", motifs);
    at_least_one("delays", delays);
    at_least_one("bins", bins);
    at_least_one("trials", trials);
    if (bins < delays) throw config_error("bins", "must be >= delays (" + std::to_string(delays) + ") so a motif fits in a trial");
    if (!(std::isfinite(bin_ms) && bin_ms > 0.0)) throw config_error("bin", "must be finite and > 0 ms");
    if (!(p_background > 0.0 && p_background < 1.0)) throw config_error("p_background", "must be in (0, 1)");
    if (!(p_motif >= 0.0 && p_motif <= 1.0)) throw config_error("p_motif", "must be in [0, 1]");
    if (!(std::isfinite(weight_scale) && weight_scale >= 0.0)) throw config_error("weight_scale", "must be finite and >= 0");
    if (!(sparsity > 0.0 && sparsity <= 1.0)) throw config_error("sparsity", "must be in (0, 1]");
    if (!(std::isfinite(tau_rise) && tau_rise > 0.0)) throw config_error("tau_rise", "must be finite and > 0");
    if (!(std::isfinite(tau_decay) && tau_decay > 0.0)) throw config_error("tau_decay", "must be finite and > 0");
    const double total_bins = static_cast<double>(trials) * static_cast<double>(bins + delays);
    if (total_bins * bin_ms > 1e15) throw config_error("trials", "the raster would exceed 1e15 ms");
    if (static_cast<double>(neurons) * static_cast<double>(motifs) * static_cast<double>(delays) > 2e9)
        throw config_error("motifs", "neurons x motifs x delays exceeds 2e9 kernel entries");
}

hdsnn_kernel make_hdsnn_kernel(const hdsnn_params& p) {
    p.validate();
    hdsnn_kernel k;
    k.neurons = p.neurons;
    k.motifs = p.motifs;
    k.delays = p.delays;
    const std::uint64_t n = p.neurons, m = p.motifs, d = p.delays;
    k.weights.assign(n * m * d, 0.0);

    // Keep entries of weight_scale * N(0, 1) above its (1 - sparsity) quantile.
    const double threshold = p.sparsity >= 1.0 ? -INFINITY : p.weight_scale * normal_quantile(1.0 - p.sparsity);
    std::vector<double> envelope(d);
    for (std::uint64_t j = 0; j < d; ++j) {
        const double s = d > 1 ? static_cast<double>(j) / static_cast<double>(d - 1) : 0.0;  // linspace(0, 1, D)
        envelope[j] = std::exp(-s / p.tau_decay) * (1.0 - std::exp(-s / p.tau_rise));
    }
    auto rng = make_stream(p.template_seed, "hdsnn.templates");
    std::vector<double> row(d);
    for (std::uint64_t b = 0; b < m; ++b)
        for (std::uint64_t a = 0; a < n; ++a) {
            for (std::uint64_t j = 0; j < d; ++j) {
                const double w = p.weight_scale * standard_normal(rng);
                row[j] = w > threshold ? w * envelope[j] : 0.0;
            }
            double* out = &k.weights[(b * n + a) * d];
            for (std::uint64_t j = 0; j < d; ++j) {
                double sum = 0.0;
                for (std::uint64_t s = 0; s < std::size(spike_shape) && s <= j; ++s) sum += spike_shape[s] * row[j - s];
                out[j] = sum;
            }
        }
    return k;
}

std::vector<template_entry> template_entries(const hdsnn_kernel& kernel) {
    std::vector<template_entry> entries;
    for (std::uint64_t b = 0; b < kernel.motifs; ++b)
        for (std::uint64_t a = 0; a < kernel.neurons; ++a)
            for (std::uint64_t j = 0; j < kernel.delays; ++j) {
                const double w = kernel.weight(b, a, j);
                if (w != 0.0) entries.push_back({b, a, j, w});
            }
    return entries;
}

hdsnn_raster generate_hdsnn(const hdsnn_params& p, const hdsnn_kernel& kernel) {
    return generate_hdsnn(p, kernel, 0, p.trials);
}

hdsnn_raster generate_hdsnn(const hdsnn_params& p, const hdsnn_kernel& kernel, std::uint64_t first_trial,
                            std::uint64_t count) {
    p.validate();
    if (first_trial > p.trials || count > p.trials - first_trial)
        throw model_error("hdsnn: trials [" + std::to_string(first_trial) + ", " + std::to_string(first_trial + count) +
                          ") outside the " + std::to_string(p.trials) + " trials");
    if (kernel.neurons != p.neurons || kernel.motifs != p.motifs || kernel.delays != p.delays ||
        kernel.weights.size() != p.neurons * p.motifs * p.delays)
        throw model_error("hdsnn: the kernel's shape does not match neurons x motifs x delays");
    const std::uint64_t n = p.neurons, m = p.motifs, d = p.delays, t_bins = p.bins;

    // Per motif, its non-zero entries as (offset from the motif's first cell, weight), ordered by
    // delay then neuron so that adding an occurrence walks the evidence array forwards.
    struct entry {
        std::uint64_t offset;  // delay * N + neuron
        double weight;
    };
    std::vector<std::vector<entry>> entries(m);
    for (std::uint64_t b = 0; b < m; ++b)
        for (std::uint64_t j = 0; j < d; ++j)
            for (std::uint64_t a = 0; a < n; ++a) {
                const double w = kernel.weight(b, a, j);
                if (w != 0.0) entries[b].push_back({j * n + a, w});
            }

    const std::uint64_t half = d / 2;
    const std::uint64_t starts = t_bins > 2 * half ? t_bins - 2 * half : 0;  // centres in [D/2, T - D/2)
    const double logit_background = std::log(p.p_background) - std::log1p(-p.p_background);
    const bernoulli_skipper occurrence_skip(p.p_motif), background_skip(p.p_background);

    hdsnn_raster out;
    out.total_bins = p.trials * (t_bins + d);
    const std::uint64_t cells = t_bins * n;
    std::vector<double> evidence(cells, 0.0);
    std::vector<std::uint8_t> touched(cells, 0);
    std::vector<std::uint64_t> background, driven;

    for (std::uint64_t trial = first_trial; trial < first_trial + count; ++trial) {
        auto rng = make_stream(p.seed, "hdsnn.trial." + std::to_string(trial));
        const std::uint64_t offset_bins = trial * (t_bins + d);

        // 1. Occurrences: Bernoulli(p_motif) on the (start, motif) grid, visited in that order.
        const std::uint64_t occurrence_cells = p.p_motif > 0.0 ? starts * m : 0;
        for (std::uint64_t g = occurrence_skip.gap(rng); g < occurrence_cells; g += 1 + occurrence_skip.gap(rng)) {
            const std::uint64_t s = g / m, b = g % m;
            out.occurrence_bins.push_back(offset_bins + s);
            out.occurrence_motifs.push_back(b);
            const std::uint64_t base = s * n;
            for (const auto& e : entries[b]) {
                evidence[base + e.offset] += e.weight;
                touched[base + e.offset] = 1;
            }
        }

        // 2. Cells no occurrence reaches fire with p_background: geometric skipping.
        background.clear();
        for (std::uint64_t c = background_skip.gap(rng); c < cells; c += 1 + background_skip.gap(rng))
            if (!touched[c]) background.push_back(c);

        // 3. Cells some occurrence reaches: the full logistic model.
        driven.clear();
        for (std::uint64_t c = 0; c < cells; ++c) {
            if (!touched[c]) continue;
            const double x = logit_background + evidence[c];
            const double probability = 1.0 / (1.0 + std::exp(-x));
            if (uniform01(rng) < probability) driven.push_back(c);
            evidence[c] = 0.0;
            touched[c] = 0;
        }

        // Cells are numbered bin-major, so merging gives (bin, neuron) order.
        std::size_t i = 0, j = 0;
        while (i < background.size() || j < driven.size()) {
            const bool take_background = j == driven.size() || (i < background.size() && background[i] < driven[j]);
            const std::uint64_t c = take_background ? background[i++] : driven[j++];
            out.spike_bins.push_back(offset_bins + c / n);
            out.spike_neurons.push_back(c % n);
        }
    }
    return out;
}

}  // namespace evspike
