#include "motifs/inference.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

#include "core/error.hpp"

namespace evspike {

namespace {

// Indices of the weights kept by pruning, as a mask over model.weights.
std::vector<char> kept_mask(const detector_model& model, double keep_fraction) {
    if (!(keep_fraction > 0.0 && keep_fraction <= 1.0))
        throw model_error("prune: the kept fraction must be in (0, 1], got " + std::to_string(keep_fraction));
    const auto& w = model.weights;
    std::vector<char> mask(w.size(), 0);
    std::vector<std::uint32_t> nonzero;
    for (std::size_t k = 0; k < w.size(); ++k)
        if (w[k] != 0.0f) nonzero.push_back(static_cast<std::uint32_t>(k));
    const auto keep =
        std::min(nonzero.size(),
                 static_cast<std::size_t>(std::llround(keep_fraction * static_cast<double>(w.size()))));
    // Larger |w| first; equal |w|: lower index first, so the kept set is deterministic.
    const auto before = [&](std::uint32_t x, std::uint32_t y) {
        const float ax = std::fabs(w[x]);
        const float ay = std::fabs(w[y]);
        return ax != ay ? ax > ay : x < y;
    };
    if (keep < nonzero.size())
        std::nth_element(nonzero.begin(), nonzero.begin() + static_cast<std::ptrdiff_t>(keep), nonzero.end(),
                         before);
    for (std::size_t k = 0; k < keep; ++k) mask[nonzero[k]] = 1;
    return mask;
}

// target[b] += w[b]: one add per element in index order, so the sums are the same bits whatever
// the instruction set; compiled for AVX2 too and chosen at load time (dense learned models).
__attribute__((target_clones("avx2", "default"))) void add_row(float* __restrict target,
                                                               const float* __restrict w, std::size_t n) {
    for (std::size_t b = 0; b < n; ++b) target[b] += w[b];
}

}  // namespace

void prune_weights(detector_model& model, double keep_fraction) {
    const auto mask = kept_mask(model, keep_fraction);
    for (std::size_t k = 0; k < mask.size(); ++k)
        if (mask[k] == 0) model.weights[k] = 0.0f;
}

compiled_detector::compiled_detector(const detector_model& model, double keep_fraction, double dense_fraction)
    : motifs_(model.motifs),
      neurons_(model.neurons),
      delays_(model.delays),
      bin_ms_(model.bin_ms),
      threshold_(model.threshold),
      refractory_(model.refractory()),
      rule_(model.rule),
      bias_(model.bias) {
    model.validate();
    if (!(dense_fraction >= 0.0 && dense_fraction <= 1.0))
        throw model_error("detect: the dense-row fraction must be in [0, 1]");
    if (delays_ * motifs_ > std::numeric_limits<std::uint32_t>::max())
        throw model_error("detect: delays x motifs must fit in 32 bits");
    const auto mask = kept_mask(model, keep_fraction);
    entry_offsets_.assign(neurons_ + 1, 0);
    dense_offsets_.assign(neurons_ + 1, 0);
    // A (neuron, lag) with many kept motifs is added as a contiguous row (vectorised, AVX2 when
    // available); sparse ones as (cell, weight) entries, all lags of a neuron in one list so that
    // a spike runs one loop. Crossover at 1/4 of the motifs (bench/detect_bench speed dense=...:
    // 0.1 to 0.25 were within the noise of this shared machine; all-dense rows run the
    // 13 %-dense templates model ~20 % slower).
    const auto dense_from = std::max<std::size_t>(
        1, static_cast<std::size_t>(std::ceil(dense_fraction * static_cast<double>(motifs_))));
    for (std::size_t a = 0; a < neurons_; ++a) {
        for (std::size_t d = 0; d < delays_; ++d) {
            std::size_t count = 0;
            for (std::size_t b = 0; b < motifs_; ++b) count += mask[(b * neurons_ + a) * delays_ + d];
            kept_ += count;
            if (count >= dense_from) {
                dense_rows_.push_back(
                    {static_cast<std::uint32_t>(d), static_cast<std::uint32_t>(dense_.size())});
                for (std::size_t b = 0; b < motifs_; ++b) {
                    const std::size_t k = (b * neurons_ + a) * delays_ + d;
                    dense_.push_back(mask[k] != 0 ? model.weights[k] : 0.0f);
                }
            } else {
                for (std::size_t b = 0; b < motifs_; ++b) {
                    const std::size_t k = (b * neurons_ + a) * delays_ + d;
                    if (mask[k] == 0) continue;
                    entries_.push_back({static_cast<std::uint32_t>(d * motifs_ + b), model.weights[k]});
                }
            }
        }
        entry_offsets_[a + 1] = entries_.size();
        dense_offsets_[a + 1] = dense_rows_.size();
    }
    build_prefilter(model, mask);
}

void compiled_detector::build_prefilter(const detector_model& model, const std::vector<char>& mask) {
    std::size_t positives = 0;
    for (const auto& e : entries_) positives += e.weight > 0 ? 1 : 0;
    if (!dense_rows_.empty() || 2 * positives > entries_.size()) return;
    positive_offsets_.assign(neurons_ + 1, 0);
    for (std::size_t a = 0; a < neurons_; ++a) {
        for (std::size_t k = entry_offsets_[a]; k < entry_offsets_[a + 1]; ++k)
            if (entries_[k].weight > 0) positive_.push_back(entries_[k]);
        positive_offsets_[a + 1] = positive_.size();
    }
    kept_table_.assign(model.weights.size(), 0.0f);
    for (std::size_t k = 0; k < mask.size(); ++k)
        if (mask[k] != 0) kept_table_[k] = model.weights[k];
    // Rounding slack (Higham, recursive summation: |fl(sum) - sum| <= gamma_n sum |x|, gamma_n =
    // n u / (1 - n u)), n <= neurons x delays terms per (bin, motif). The exact sum E <= the positive
    // sum P in real arithmetic; in floats fl(bias + E) - fl(bias + P) <= gamma_n (|P| + |N|) +
    // gamma_n |P| + u (|bias| + |P| + |N|) twice, plus the rounding of the test itself. Bounded with
    // the motif's totals of positive (|P|) and negative (|N|) kept weights, doubled for safety.
    const double u = std::ldexp(1.0, -24);
    const double n = static_cast<double>(neurons_ * delays_ + 2);
    const double gamma = n * u / (1.0 - n * u);
    slack_.assign(motifs_, 0.0f);
    for (std::size_t b = 0; b < motifs_; ++b) {
        double pos = 0.0, neg = 0.0;
        for (std::size_t k = b * neurons_ * delays_; k < (b + 1) * neurons_ * delays_; ++k)
            (kept_table_[k] > 0 ? pos : neg) += std::fabs(kept_table_[k]);
        const double total = std::fabs(static_cast<double>(bias_[b])) + pos + neg;
        slack_[b] = static_cast<float>(2.0 * (gamma * (2.0 * pos + neg) + 4.0 * u * total) + 1e-6);
    }
}

void compiled_detector::add_spike_positive(std::uint32_t a, float* rows) const {
    float* __restrict r = rows;
    const entry* e = positive_.data() + positive_offsets_[a];
    const entry* const end = positive_.data() + positive_offsets_[a + 1];
    for (; e != end; ++e) r[e->cell] += e->weight;
}

void compiled_detector::add_spike(std::uint32_t a, float* rows) const {
    float* __restrict r = rows;
    const entry* e = entries_.data() + entry_offsets_[a];
    const entry* const end = entries_.data() + entry_offsets_[a + 1];
    for (; e != end; ++e) r[e->cell] += e->weight;
    for (std::size_t k = dense_offsets_[a]; k < dense_offsets_[a + 1]; ++k)
        add_row(r + static_cast<std::size_t>(dense_rows_[k].lag) * motifs_,
                dense_.data() + dense_rows_[k].offset, motifs_);
}

evidence_scanner::evidence_scanner(const compiled_detector& detector, float floor,
                                   std::function<void(const candidate&)> sink, bool prefilter)
    : det_(detector),
      floor_(floor),
      sink_(std::move(sink)),
      window_(2 * detector.delays() * detector.motifs(), 0.0f),
      last_bin_of_neuron_(detector.neurons(), std::numeric_limits<std::int64_t>::min()),
      prefilter_(prefilter && detector.has_prefilter()) {
    for (float b : detector.bias()) bias_reaches_floor_ = bias_reaches_floor_ || b >= floor;
}

void evidence_scanner::finalize_until(std::int64_t end_bin) {
    const std::size_t M = det_.motifs();
    const auto bias = det_.bias();
    const std::vector<float> zeros(bias_reaches_floor_ ? M : 0, 0.0f);
    for (std::int64_t t = next_bin_; t < end_bin; ++t) {
        // Bins from pending_end_ on hold no evidence (and may lie past the window).
        const bool evidence = t < pending_end_;
        if (!evidence && !bias_reaches_floor_) break;  // and bias alone stays below the floor
        const float* __restrict row =
            evidence ? window_.data() + static_cast<std::size_t>(t - window_start_) * M : zeros.data();
        const float* __restrict bias_row = bias.data();
        // Most bins hold no candidate: a branch-free (vectorised) test first, the emitting loop
        // only when needed. Same scores, same order as one combined loop.
        int any = 0;
        if (prefilter_) {
            const float* __restrict slack = det_.bound_slack().data();
            for (std::size_t b = 0; b < M; ++b)
                any |= static_cast<int>(bias_row[b] + row[b] + slack[b] >= floor_);
            if (any != 0) {
                // The spikes that reach bin t: bins t - D + 1 .. t (all pushed spikes are <= t).
                const auto D = static_cast<std::int64_t>(det_.delays());
                while (history_head_ < history_.size() && history_[history_head_].first <= t - D)
                    ++history_head_;
                for (std::size_t b = 0; b < M; ++b) {
                    if (!(bias_row[b] + row[b] + slack[b] >= floor_)) continue;
                    ++recomputed_;
                    // The full scan's cell: the same adds, in input order. Adding the +0.0 of an
                    // unkept weight changes nothing (the sum starts at +0.0 and so is never -0.0),
                    // so the loop needs no branch.
                    float evidence = 0.0f;
                    for (std::size_t k = history_head_; k < history_.size(); ++k)
                        evidence += det_.kept_weight(b, history_[k].second,
                                                     static_cast<std::size_t>(t - history_[k].first));
                    const float score = bias_row[b] + evidence;
                    if (score >= floor_) sink_(candidate{t, static_cast<std::uint32_t>(b), score});
                }
            }
        } else {
            for (std::size_t b = 0; b < M; ++b) any |= static_cast<int>(bias_row[b] + row[b] >= floor_);
            if (any != 0)
                for (std::size_t b = 0; b < M; ++b) {
                    const float score = bias_row[b] + row[b];
                    if (score >= floor_) sink_(candidate{t, static_cast<std::uint32_t>(b), score});
                }
        }
        if (evidence) {
            float* used = window_.data() + static_cast<std::size_t>(t - window_start_) * M;
            std::fill(used, used + M, 0.0f);
        }
    }
    next_bin_ = std::max(next_bin_, end_bin);
}

void evidence_scanner::push(std::int64_t bin, std::uint32_t neuron) {
    if (neuron >= det_.neurons())
        throw error("detect: neuron id " + std::to_string(neuron) + " out of range (the model has " +
                    std::to_string(det_.neurons()) + " neurons)");
    if (bin < next_bin_)
        throw error("detect: spikes must come in time order (bin " + std::to_string(bin) + " after bin " +
                    std::to_string(next_bin_) + ")");
    if (bin > next_bin_) finalize_until(bin);
    if (last_bin_of_neuron_[neuron] == bin) return;  // A is binary: one spike per neuron and bin
    last_bin_of_neuron_[neuron] = bin;
    ++spikes_;
    const auto D = static_cast<std::int64_t>(det_.delays());
    if (bin + D > window_start_ + 2 * D) {
        // Slide the window to start at `bin` (bins before it are tested and zeroed): the pending
        // rows [bin, pending_end_) move to the front. Once per D bins at most.
        const std::size_t M = det_.motifs();
        const auto shift = static_cast<std::size_t>(bin - window_start_) * M;
        const auto live = static_cast<std::size_t>(std::max<std::int64_t>(0, pending_end_ - bin)) * M;
        std::copy(window_.begin() + static_cast<std::ptrdiff_t>(shift),
                  window_.begin() + static_cast<std::ptrdiff_t>(shift + live), window_.begin());
        std::fill(window_.begin() + static_cast<std::ptrdiff_t>(live),
                  window_.begin() + static_cast<std::ptrdiff_t>(std::min(window_.size(), shift + live)),
                  0.0f);
        window_start_ = bin;
    }
    float* rows = window_.data() + static_cast<std::size_t>(bin - window_start_) * det_.motifs();
    if (prefilter_) {
        det_.add_spike_positive(neuron, rows);
        // Bins from `bin` on are still to test: they need the spikes of bins > bin - D only.
        while (history_head_ < history_.size() && history_[history_head_].first <= bin - D) ++history_head_;
        if (history_head_ > 4096 && 2 * history_head_ > history_.size()) {  // drop spikes out of reach
            history_.erase(history_.begin(), history_.begin() + static_cast<std::ptrdiff_t>(history_head_));
            history_head_ = 0;
        }
        history_.emplace_back(bin, neuron);
    } else {
        det_.add_spike(neuron, rows);
    }
    pending_end_ = std::max(pending_end_, bin + D);
}

void evidence_scanner::finish() { finalize_until(pending_end_); }

detection_rule::detection_rule(std::size_t motifs, std::int64_t refractory_bins, float threshold,
                               detection_rule_kind kind)
    : next_allowed_(motifs, none),
      pending_(motifs, candidate{none, 0, 0.0f}),
      refractory_(refractory_bins),
      threshold_(threshold),
      kind_(kind) {
    if (refractory_bins < 1) throw model_error("detect: the refractory period must be >= 1 bin");
}

std::vector<candidate> apply_rule(std::span<const candidate> candidates, std::size_t motifs,
                                  std::int64_t refractory_bins, float threshold, detection_rule_kind kind) {
    detection_rule rule(motifs, refractory_bins, threshold, kind);
    std::vector<candidate> out;
    const auto keep = [&](const candidate& c) { out.push_back(c); };
    for (const auto& c : candidates) rule.push(c, keep);
    rule.finish(keep);
    return out;
}

motif_events to_motif_events(std::span<const candidate> detections, std::size_t delays, double bin_ms) {
    motif_events events;
    events.timestamps.reserve(detections.size());
    for (const auto& c : detections) {
        events.timestamps.push_back(static_cast<double>(c.bin - static_cast<std::int64_t>(delays) + 1) *
                                    bin_ms);
        events.motif_ids.push_back(c.motif);
        events.scores.push_back(c.score);
    }
    return events;
}

std::vector<candidate> scan_candidates(const compiled_detector& detector, const binned_raster& raster,
                                       float floor, bool prefilter) {
    std::vector<candidate> out;
    evidence_scanner scanner(
        detector, floor, [&](const candidate& c) { out.push_back(c); }, prefilter);
    for (std::size_t k = 0; k < raster.size(); ++k)
        scanner.push(raster.spike_bins[k], raster.spike_neurons[k]);
    scanner.finish();
    return out;
}

motif_events detect(const compiled_detector& detector, const binned_raster& raster) {
    const auto threshold = static_cast<float>(detector.threshold());
    const auto candidates = scan_candidates(detector, raster, threshold, true);
    const auto found =
        apply_rule(candidates, detector.motifs(), detector.refractory(), threshold, detector.rule());
    return to_motif_events(found, detector.delays(), detector.bin_ms());
}

bool threshold_for_count(std::span<const candidate> candidates, std::size_t motifs,
                         std::int64_t refractory_bins, detection_rule_kind kind, std::size_t count,
                         float& threshold) {
    std::vector<float> levels;
    levels.reserve(candidates.size());
    for (const auto& c : candidates) levels.push_back(c.score);
    std::sort(levels.begin(), levels.end(), std::greater<>());
    levels.erase(std::unique(levels.begin(), levels.end()), levels.end());
    if (levels.empty()) {
        threshold = std::numeric_limits<float>::infinity();
        return count == 0;
    }
    const auto count_at = [&](std::size_t k) {
        return apply_rule(candidates, motifs, refractory_bins, levels[k], kind).size();
    };
    // First level (from the top) whose count reaches `count`; counts grow as the level drops.
    std::size_t lo = 0;
    std::size_t hi = levels.size();
    while (lo < hi) {
        const std::size_t mid = lo + (hi - lo) / 2;
        if (count_at(mid) >= count)
            hi = mid;
        else
            lo = mid + 1;
    }
    if (lo == levels.size()) {
        threshold = levels.back();
        return false;
    }
    threshold = levels[lo];
    if (lo > 0) {
        const std::size_t above = count_at(lo - 1);
        const std::size_t at = count_at(lo);
        if (count - above <= at - count) threshold = levels[lo - 1];
    }
    return true;
}

}  // namespace evspike
