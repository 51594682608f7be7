#include "motifs/detector.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <sstream>

#include "core/error.hpp"
#include "core/random.hpp"
#include "motifs/inference.hpp"

namespace evspike {

namespace {

double logit(double p) { return std::log(p) - std::log1p(-p); }
double sigmoid(double z) { return 1.0 / (1.0 + std::exp(-z)); }
// log(1 + e^z) without overflow.
double softplus(double z) { return z > 0 ? z + std::log1p(std::exp(-z)) : std::log1p(std::exp(z)); }

std::string text(double x) {
    std::ostringstream out;
    out.precision(17);
    out << x;
    return out.str();
}

// Positive bins of the training target: (detection bin, motif), sorted.
struct label {
    std::int64_t bin;
    std::uint32_t motif;
    friend bool operator<(const label& x, const label& y) {
        return x.bin != y.bin ? x.bin < y.bin : x.motif < y.motif;
    }
};

std::vector<label> make_labels(const motif_events& occurrences, std::size_t motifs, std::size_t delays,
                               double bin_ms) {
    if (occurrences.motif_ids.size() != occurrences.timestamps.size())
        throw error("train: occurrences: timestamps and motif_ids differ in length");
    std::vector<label> labels;
    labels.reserve(occurrences.size());
    for (std::size_t k = 0; k < occurrences.size(); ++k) {
        if (occurrences.motif_ids[k] >= motifs)
            throw error("train: occurrence " + std::to_string(k) + " has motif id " +
                        std::to_string(occurrences.motif_ids[k]) + " >= motifs (" + std::to_string(motifs) +
                        ")");
        const std::int64_t start = time_to_bin(occurrences.timestamps[k], bin_ms);
        labels.push_back({start + static_cast<std::int64_t>(delays) - 1,
                          static_cast<std::uint32_t>(occurrences.motif_ids[k])});
    }
    std::sort(labels.begin(), labels.end());
    labels.erase(
        std::unique(labels.begin(), labels.end(),
                    [](const label& x, const label& y) { return x.bin == y.bin && x.motif == y.motif; }),
        labels.end());
    return labels;
}

// Index of the first spike at bin >= t.
std::size_t first_spike_at(const binned_raster& r, std::int64_t t) {
    return static_cast<std::size_t>(std::lower_bound(r.spike_bins.begin(), r.spike_bins.end(), t) -
                                    r.spike_bins.begin());
}

}  // namespace

std::int64_t time_to_bin(double t_ms, double bin_ms) {
    return static_cast<std::int64_t>(std::floor(t_ms / bin_ms + 1e-9));
}

binned_raster bin_raster(std::span<const double> timestamps_ms, std::span<const std::uint64_t> node_ids,
                         double bin_ms, std::size_t neurons, std::int64_t bins) {
    if (timestamps_ms.size() != node_ids.size())
        throw error("raster: timestamps and node_ids differ in length");
    if (!(bin_ms > 0) || !std::isfinite(bin_ms))
        throw error("raster: bin must be > 0 ms, got " + text(bin_ms));
    std::uint64_t max_id = 0;
    for (std::size_t k = 0; k < node_ids.size(); ++k) {
        if (!std::isfinite(timestamps_ms[k]) || timestamps_ms[k] < 0)
            throw error("raster: spike " + std::to_string(k) + " has an invalid time " +
                        text(timestamps_ms[k]));
        max_id = std::max(max_id, node_ids[k]);
    }
    binned_raster r;
    r.neurons = neurons != 0 ? neurons : (node_ids.empty() ? 0 : static_cast<std::size_t>(max_id) + 1);
    if (!node_ids.empty() && max_id >= r.neurons)
        throw error("raster: node id " + std::to_string(max_id) + " >= neurons (" +
                    std::to_string(r.neurons) + ")");
    std::vector<std::pair<std::int64_t, std::uint32_t>> events(node_ids.size());
    for (std::size_t k = 0; k < node_ids.size(); ++k)
        events[k] = {time_to_bin(timestamps_ms[k], bin_ms), static_cast<std::uint32_t>(node_ids[k])};
    std::sort(events.begin(), events.end());
    events.erase(std::unique(events.begin(), events.end()), events.end());
    r.spike_bins.reserve(events.size());
    r.spike_neurons.reserve(events.size());
    for (const auto& [b, a] : events) {
        r.spike_bins.push_back(b);
        r.spike_neurons.push_back(a);
    }
    r.bins = std::max(bins, events.empty() ? std::int64_t{0} : events.back().first + 1);
    return r;
}

const char* to_string(detection_rule_kind kind) {
    return kind == detection_rule_kind::peak ? "peak" : "first-crossing";
}

detection_rule_kind parse_detection_rule(const std::string& text) {
    if (text == "peak") return detection_rule_kind::peak;
    if (text == "first-crossing") return detection_rule_kind::first_crossing;
    throw model_error("detector: unknown detection rule '" + text + "' (peak or first-crossing)");
}

void detector_model::validate() const {
    if (motifs == 0 || neurons == 0 || delays == 0)
        throw model_error("detector: motifs, neurons and delays must be > 0 (got " + std::to_string(motifs) +
                          " x " + std::to_string(neurons) + " x " + std::to_string(delays) + ")");
    if (weights.size() != motifs * neurons * delays)
        throw model_error("detector: weights has " + std::to_string(weights.size()) + " values, expected " +
                          std::to_string(motifs * neurons * delays) + " (motifs x neurons x delays)");
    if (bias.size() != motifs)
        throw model_error("detector: bias has " + std::to_string(bias.size()) + " values, expected " +
                          std::to_string(motifs));
    if (!(bin_ms > 0) || !std::isfinite(bin_ms)) throw model_error("detector: bin must be > 0 ms");
    if (std::isnan(threshold)) throw model_error("detector: threshold is NaN");
    for (float w : weights)
        if (!std::isfinite(w)) throw model_error("detector: non-finite weight");
    for (float b : bias)
        if (!std::isfinite(b)) throw model_error("detector: non-finite bias");
    if (!unit_ids.empty()) {
        if (unit_ids.size() != neurons)
            throw model_error("detector: unit_ids has " + std::to_string(unit_ids.size()) + " values, expected " +
                              std::to_string(neurons) + " (one per neuron)");
        std::vector<std::uint64_t> sorted = unit_ids;
        std::sort(sorted.begin(), sorted.end());
        if (const auto dup = std::adjacent_find(sorted.begin(), sorted.end()); dup != sorted.end())
            throw model_error("detector: unit id " + std::to_string(*dup) + " appears twice in unit_ids");
    }
}

detector_model detector_from_templates(std::span<const motif_template_entry> entries,
                                       const template_model_options& o) {
    if (!(o.p_background > 0 && o.p_background < 1))
        throw model_error("templates: p_background must be in (0, 1)");
    if (!(o.p_motif > 0 && o.p_motif < 1)) throw model_error("templates: p_motif must be in (0, 1)");
    detector_model m;
    m.motifs = o.motifs;
    m.neurons = o.neurons;
    m.delays = o.delays;
    m.bin_ms = o.bin_ms;
    m.weights.assign(o.motifs * o.neurons * o.delays, 0.0f);
    const double logit0 = logit(o.p_background);
    std::vector<double> bias(o.motifs, logit(o.p_motif));
    for (const auto& e : entries) {
        if (e.motif >= o.motifs || e.node >= o.neurons)
            throw model_error("templates: entry (motif " + std::to_string(e.motif) + ", node " +
                              std::to_string(e.node) + ") out of range");
        const std::int64_t delay_bins = std::llround(e.delay_ms / o.bin_ms);
        if (delay_bins < 0 || delay_bins >= static_cast<std::int64_t>(o.delays))
            throw model_error("templates: entry (motif " + std::to_string(e.motif) + ", node " +
                              std::to_string(e.node) + ") has delay " + text(e.delay_ms) +
                              " ms outside the " + std::to_string(o.delays) + " delays of " + text(o.bin_ms) +
                              " ms");
        const auto lag = static_cast<std::size_t>(static_cast<std::int64_t>(o.delays) - 1 - delay_bins);
        m.weight(e.motif, e.node, lag) += static_cast<float>(e.weight);
    }
    // The absent-spike terms need the summed K per (motif, neuron, lag), hence a second pass.
    const double log_not0 = std::log1p(-o.p_background);
    for (std::size_t b = 0; b < o.motifs; ++b)
        for (std::size_t k = b * o.neurons * o.delays; k < (b + 1) * o.neurons * o.delays; ++k)
            if (m.weights[k] != 0.0f) bias[b] += std::log1p(-sigmoid(logit0 + m.weights[k])) - log_not0;
    m.bias.assign(bias.begin(), bias.end());
    m.threshold = 0.0;
    m.settings = {
        {"method", "templates"}, {"p_background", text(o.p_background)}, {"p_motif", text(o.p_motif)}};
    m.validate();
    return m;
}

namespace {

// Count-based init: per motif, the log-odds of each (neuron, lag) firing in the window of an
// occurrence vs its overall rate, shrunk towards the rate (pseudo-counts = prior_strength x
// occurrences, so an entry never seen firing stays near 0 instead of strongly negative).
void naive_bayes_init(const binned_raster& raster, const std::vector<label>& labels, std::size_t M,
                      std::size_t D, std::int64_t bins, double prior_strength, std::vector<float>& wt,
                      std::vector<float>& bias) {
    const std::size_t N = raster.neurons;
    std::vector<double> rate(N, 0.0);
    for (auto a : raster.spike_neurons) rate[a] += 1.0;
    const double floor_rate = 1.0 / static_cast<double>(bins);
    for (auto& r : rate) r = std::clamp(r / static_cast<double>(bins), floor_rate, 0.5);
    std::vector<std::uint32_t> count(N * D * M, 0);  // [a][d][b], like wt
    std::vector<double> occurrences(M, 0.0);
    for (const auto& l : labels) {
        occurrences[l.motif] += 1;
        const auto D64 = static_cast<std::int64_t>(D);
        for (std::size_t k = first_spike_at(raster, l.bin - D64 + 1);
             k < raster.size() && raster.spike_bins[k] <= l.bin; ++k) {
            const auto d = static_cast<std::size_t>(l.bin - raster.spike_bins[k]);
            ++count[(raster.spike_neurons[k] * D + d) * M + l.motif];
        }
    }
    for (std::size_t b = 0; b < M; ++b) {
        const double n = occurrences[b];
        double sum_absent = 0.0;
        const double k_prior = std::max(1.0, prior_strength * n);
        for (std::size_t a = 0; a < N; ++a)
            for (std::size_t d = 0; d < D; ++d) {
                const std::size_t idx = (a * D + d) * M + b;
                const double p1 = (count[idx] + k_prior * rate[a]) / (n + k_prior);
                wt[idx] = static_cast<float>(logit(p1) - logit(rate[a]));
                sum_absent += std::log1p(-p1) - std::log1p(-rate[a]);
            }
        bias[b] = static_cast<float>(logit(std::max(n, 0.5) / static_cast<double>(bins)) + sum_absent);
    }
}

}  // namespace

detector_model train_detector(const binned_raster& raster, const motif_events& occurrences,
                              std::size_t motifs, const train_options& o,
                              const std::function<void(const train_progress&)>& progress) {
    if (motifs == 0) throw model_error("train: motifs must be > 0");
    if (o.delays == 0) throw model_error("train: delays must be > 0");
    if (o.trial_bins <= 0 || o.batch_trials == 0)
        throw model_error("train: trial bins and batch size must be > 0");
    if (!(o.learning_rate > 0)) throw model_error("train: learning rate must be > 0");
    if (!(o.pos_weight > 0)) throw model_error("train: positive weight must be > 0");
    if (!(o.l1 >= 0)) throw model_error("train: l1 must be >= 0");
    if (raster.neurons == 0) throw model_error("train: the raster has no neurons");
    const std::size_t M = motifs;
    const std::size_t N = raster.neurons;
    const std::size_t D = o.delays;
    const auto D64 = static_cast<std::int64_t>(D);
    const auto labels = make_labels(occurrences, M, D, o.bin_ms);
    const std::int64_t bins = std::max(raster.bins, labels.empty() ? std::int64_t{0} : labels.back().bin + 1);
    if (bins == 0) throw model_error("train: the raster is empty");

    // Weights as [neuron][lag][motif] so that one spike updates contiguous motif rows.
    std::vector<float> wt(N * D * M, 0.0f);
    std::vector<float> bias(M, static_cast<float>(logit(0.001)));
    if (o.naive_bayes_init) naive_bayes_init(raster, labels, M, D, bins, o.prior_strength, wt, bias);

    std::vector<std::int64_t> trial_starts;
    for (std::int64_t t = 0; t < bins; t += o.trial_bins) trial_starts.push_back(t);
    const std::size_t steps_per_epoch = (trial_starts.size() + o.batch_trials - 1) / o.batch_trials;
    auto rng = make_stream(o.seed, "detect.train.order");

    // Gradient and Adam moments, same layout as wt.
    std::vector<float> gwt = wt, mw = wt, vw = wt;
    std::fill(mw.begin(), mw.end(), 0.0f);
    std::fill(vw.begin(), vw.end(), 0.0f);
    std::vector<double> gbias(M);
    std::vector<double> mb(M, 0.0), vb(M, 0.0);
    std::vector<float> z;
    std::vector<std::pair<std::size_t, float>> positive_logits;
    const double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
    std::size_t step = 0;

    if (progress) progress({0, o.epochs, 0.0, 0.0, 0.0});
    for (std::size_t epoch = 1; epoch <= o.epochs; ++epoch) {
        for (std::size_t k = trial_starts.size(); k > 1; --k)
            std::swap(trial_starts[k - 1], trial_starts[static_cast<std::size_t>(rng() % k)]);
        double epoch_loss = 0.0, epoch_cells = 0.0, hits = 0.0, positives = 0.0;
        for (std::size_t first = 0; first < trial_starts.size(); first += o.batch_trials) {
            std::fill(gwt.begin(), gwt.end(), 0.0f);
            std::fill(gbias.begin(), gbias.end(), 0.0);
            const std::size_t last = std::min(trial_starts.size(), first + o.batch_trials);
            double cells = 0.0;
            for (std::size_t i = first; i < last; ++i)
                cells += static_cast<double>(std::min(o.trial_bins, bins - trial_starts[i]));
            cells *= static_cast<double>(M);
            double batch_loss = 0.0;
            for (std::size_t i = first; i < last; ++i) {
                const std::int64_t t0 = trial_starts[i];
                const std::int64_t t1 = std::min(bins, t0 + o.trial_bins);
                const auto L = static_cast<std::size_t>(t1 - t0);
                z.assign(L * M, 0.0f);
                for (std::size_t t = 0; t < L; ++t)
                    std::copy(bias.begin(), bias.end(), z.begin() + static_cast<std::ptrdiff_t>(t * M));
                const std::size_t s_begin = first_spike_at(raster, t0 - D64 + 1);
                const std::size_t s_end = first_spike_at(raster, t1);
                // Forward: each spike adds its kernel rows to the D bins it reaches.
                for (std::size_t s = s_begin; s < s_end; ++s) {
                    const std::int64_t sb = raster.spike_bins[s];
                    const std::size_t a = raster.spike_neurons[s];
                    for (std::size_t d = 0; d < D; ++d) {
                        const std::int64_t t = sb + static_cast<std::int64_t>(d);
                        if (t < t0) continue;
                        if (t >= t1) break;
                        float* __restrict zr = z.data() + static_cast<std::size_t>(t - t0) * M;
                        const float* __restrict wr = wt.data() + (a * D + d) * M;
                        for (std::size_t b = 0; b < M; ++b) zr[b] += wr[b];
                    }
                }
                // Loss and dL/dz in place (z becomes the gradient).
                const auto l_begin = std::lower_bound(labels.begin(), labels.end(), label{t0, 0});
                const auto l_end = std::lower_bound(labels.begin(), labels.end(), label{t1, 0});
                positive_logits.clear();
                for (auto it = l_begin; it != l_end; ++it) {
                    const std::size_t idx = static_cast<std::size_t>(it->bin - t0) * M + it->motif;
                    positive_logits.emplace_back(idx, z[idx]);
                }
                const double scale = 1.0 / cells;
                for (std::size_t idx = 0; idx < L * M; ++idx) {
                    const double zz = z[idx];
                    batch_loss += softplus(zz);
                    z[idx] = static_cast<float>(sigmoid(zz) * scale);
                }
                for (const auto& [idx, zz] : positive_logits) {
                    batch_loss += -softplus(zz) + o.pos_weight * softplus(-zz);
                    z[idx] = static_cast<float>(o.pos_weight * (sigmoid(zz) - 1.0) * scale);
                    positives += 1;
                    hits += zz >= 0 ? 1 : 0;
                }
                // Backward: the same walk accumulates dL/dK.
                for (std::size_t t = 0; t < L; ++t)
                    for (std::size_t b = 0; b < M; ++b) gbias[b] += z[t * M + b];
                for (std::size_t s = s_begin; s < s_end; ++s) {
                    const std::int64_t sb = raster.spike_bins[s];
                    const std::size_t a = raster.spike_neurons[s];
                    for (std::size_t d = 0; d < D; ++d) {
                        const std::int64_t t = sb + static_cast<std::int64_t>(d);
                        if (t < t0) continue;
                        if (t >= t1) break;
                        const float* __restrict gr = z.data() + static_cast<std::size_t>(t - t0) * M;
                        float* __restrict gw = gwt.data() + (a * D + d) * M;
                        for (std::size_t b = 0; b < M; ++b) gw[b] += gr[b];
                    }
                }
            }
            // Adam step, then the L1 proximal step (soft threshold).
            ++step;
            const double c1 = 1.0 - std::pow(beta1, static_cast<double>(step));
            const double c2 = 1.0 - std::pow(beta2, static_cast<double>(step));
            const auto lr = static_cast<float>(o.learning_rate * std::sqrt(c2) / c1);
            const auto shrink = static_cast<float>(o.learning_rate * o.l1);
            const auto b1 = static_cast<float>(beta1), b2 = static_cast<float>(beta2);
            for (std::size_t k = 0; k < wt.size(); ++k) {
                const float g = gwt[k];
                mw[k] = b1 * mw[k] + (1 - b1) * g;
                vw[k] = b2 * vw[k] + (1 - b2) * g * g;
                float w = wt[k] - lr * mw[k] / (std::sqrt(vw[k]) + static_cast<float>(eps));
                if (shrink > 0) w = std::copysign(std::max(0.0f, std::fabs(w) - shrink), w);
                wt[k] = w;
            }
            for (std::size_t b = 0; b < M; ++b) {
                mb[b] = beta1 * mb[b] + (1 - beta1) * gbias[b];
                vb[b] = beta2 * vb[b] + (1 - beta2) * gbias[b] * gbias[b];
                bias[b] -= static_cast<float>(o.learning_rate * std::sqrt(c2) / c1 * mb[b] /
                                              (std::sqrt(vb[b]) + eps));
            }
            epoch_loss += batch_loss;
            epoch_cells += cells;
            if (progress) {
                const double done =
                    static_cast<double>((epoch - 1) * steps_per_epoch + first / o.batch_trials + 1);
                progress({epoch, o.epochs, done / static_cast<double>(o.epochs * steps_per_epoch),
                          epoch_loss / epoch_cells, positives > 0 ? hits / positives : 1.0});
            }
        }
    }

    detector_model m;
    m.motifs = M;
    m.neurons = N;
    m.delays = D;
    m.bin_ms = o.bin_ms;
    m.refractory_bins = o.refractory_bins;
    m.rule = o.rule;
    m.bias = bias;
    m.weights.assign(M * N * D, 0.0f);
    for (std::size_t a = 0; a < N; ++a)
        for (std::size_t d = 0; d < D; ++d)
            for (std::size_t b = 0; b < M; ++b) m.weight(b, a, d) = wt[(a * D + d) * M + b];
    m.settings = {{"method", "learned"},
                  {"epochs", std::to_string(o.epochs)},
                  {"trial_bins", std::to_string(o.trial_bins)},
                  {"batch_trials", std::to_string(o.batch_trials)},
                  {"learning_rate", text(o.learning_rate)},
                  {"l1", text(o.l1)},
                  {"pos_weight", text(o.pos_weight)},
                  {"naive_bayes_init", o.naive_bayes_init ? "true" : "false"},
                  {"prior_strength", text(o.prior_strength)},
                  {"seed", std::to_string(o.seed)}};
    m.validate();
    calibrate_f1(m, raster, occurrences, o.calibration_tolerance_ms);
    return m;
}

score_result calibrate_f1(detector_model& model, const binned_raster& raster, const motif_events& occurrences,
                          double tolerance_ms) {
    const compiled_detector det(model);
    const auto refractory = model.refractory();
    const auto rule = model.rule;
    // Collect candidates above a floor low enough to hold the best threshold, yet bounded in memory.
    const std::size_t cap = std::max<std::size_t>(1'000'000, 20 * occurrences.size());
    std::vector<candidate> candidates;
    for (float floor = -8.0f;; floor += 4.0f) {
        // A scan that passes the cap stops collecting (memory stays ~cap candidates) and the floor rises.
        candidates.clear();
        bool over = false;
        evidence_scanner scanner(det, floor, [&](const candidate& c) {
            if (over) return;
            candidates.push_back(c);
            over = candidates.size() > cap;
        });
        for (std::size_t k = 0; k < raster.size(); ++k)
            scanner.push(raster.spike_bins[k], raster.spike_neurons[k]);
        scanner.finish();
        if (!over) break;
    }
    std::vector<float> levels;
    for (const auto& c : candidates) levels.push_back(c.score);
    std::sort(levels.begin(), levels.end());
    levels.erase(std::unique(levels.begin(), levels.end()), levels.end());
    score_options so;
    so.tolerance_ms = tolerance_ms;
    score_result best;
    best.f1 = -1;
    float best_threshold = levels.empty() ? 0.0f : levels.back();
    const auto evaluate = [&](float threshold) {
        const auto found = apply_rule(candidates, model.motifs, refractory, threshold, rule);
        const auto r = score_detections(occurrences, to_motif_events(found, model.delays, model.bin_ms), so);
        if (r.f1 > best.f1 || (r.f1 == best.f1 && threshold > best_threshold)) {
            best = r;
            best_threshold = threshold;
        }
    };
    // A coarse pass over quantiles of the candidate scores, then up to 128 levels near the best,
    // replayed on the candidates above the lower end only (much fewer than all).
    constexpr std::size_t coarse = 64;
    std::size_t best_index = 0;
    for (std::size_t q = 0; q < coarse && !levels.empty(); ++q) {
        const std::size_t k = q * (levels.size() - 1) / (coarse - 1);
        const float before = best_threshold;
        evaluate(levels[k]);
        if (best_threshold != before) best_index = k;
    }
    if (!levels.empty()) {
        const std::size_t step = std::max<std::size_t>(1, levels.size() / (coarse - 1));
        const std::size_t lo = best_index > step ? best_index - step : 0;
        const std::size_t hi = std::min(levels.size() - 1, best_index + step);
        std::erase_if(candidates, [&](const candidate& c) { return c.score < levels[lo]; });
        const std::size_t stride = std::max<std::size_t>(1, (hi - lo) / 128);
        for (std::size_t k = lo; k <= hi; k += stride) evaluate(levels[k]);
    }
    model.threshold = best_threshold;
    return best;
}

}  // namespace evspike
