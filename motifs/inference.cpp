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

}  // namespace

void prune_weights(detector_model& model, double keep_fraction) {
    const auto mask = kept_mask(model, keep_fraction);
    for (std::size_t k = 0; k < mask.size(); ++k)
        if (mask[k] == 0) model.weights[k] = 0.0f;
}

compiled_detector::compiled_detector(const detector_model& model, double keep_fraction)
    : motifs_(model.motifs),
      neurons_(model.neurons),
      delays_(model.delays),
      bin_ms_(model.bin_ms),
      threshold_(model.threshold),
      refractory_(model.refractory()),
      bias_(model.bias) {
    model.validate();
    const auto mask = kept_mask(model, keep_fraction);
    const std::size_t pairs = neurons_ * delays_;
    offsets_.assign(pairs + 1, 0);
    dense_index_.assign(pairs, -1);
    // A (neuron, lag) with many kept motifs is added as a contiguous row (vectorised); sparse
    // ones as (motif, weight) lists. Crossover at 1/4 of the motifs (bench/detect_bench speed: between
    // 1/1 and 1/8 the differences were within the noise of this shared machine).
    const std::size_t dense_from = std::max<std::size_t>(1, motifs_ / 4);
    for (std::size_t a = 0; a < neurons_; ++a) {
        for (std::size_t d = 0; d < delays_; ++d) {
            const std::size_t pair = a * delays_ + d;
            std::size_t count = 0;
            for (std::size_t b = 0; b < motifs_; ++b) count += mask[(b * neurons_ + a) * delays_ + d];
            kept_ += count;
            if (count >= dense_from) {
                dense_index_[pair] = static_cast<std::int32_t>(dense_.size() / motifs_);
                for (std::size_t b = 0; b < motifs_; ++b) {
                    const std::size_t k = (b * neurons_ + a) * delays_ + d;
                    dense_.push_back(mask[k] != 0 ? model.weights[k] : 0.0f);
                }
            } else {
                for (std::size_t b = 0; b < motifs_; ++b) {
                    const std::size_t k = (b * neurons_ + a) * delays_ + d;
                    if (mask[k] == 0) continue;
                    entries_.push_back({static_cast<std::uint32_t>(b), model.weights[k]});
                }
            }
            offsets_[pair + 1] = static_cast<std::uint32_t>(entries_.size());
        }
    }
}

void compiled_detector::add_spike(std::uint32_t a, std::int64_t s, float* ring) const {
    const std::size_t M = motifs_;
    std::size_t row = static_cast<std::size_t>(s % static_cast<std::int64_t>(delays_));
    const std::size_t base = static_cast<std::size_t>(a) * delays_;
    for (std::size_t d = 0; d < delays_; ++d) {
        float* __restrict target = ring + row * M;
        const std::int32_t dense = dense_index_[base + d];
        if (dense >= 0) {
            const float* __restrict w = dense_.data() + static_cast<std::size_t>(dense) * M;
            for (std::size_t b = 0; b < M; ++b) target[b] += w[b];
        } else {
            const entry* e = entries_.data() + offsets_[base + d];
            const entry* end = entries_.data() + offsets_[base + d + 1];
            for (; e != end; ++e) target[e->motif] += e->weight;
        }
        if (++row == delays_) row = 0;
    }
}

evidence_scanner::evidence_scanner(const compiled_detector& detector, float floor,
                                   std::function<void(const candidate&)> sink)
    : det_(detector),
      floor_(floor),
      sink_(std::move(sink)),
      ring_(detector.delays() * detector.motifs(), 0.0f),
      last_bin_of_neuron_(detector.neurons(), std::numeric_limits<std::int64_t>::min()) {
    for (float b : detector.bias()) bias_reaches_floor_ = bias_reaches_floor_ || b >= floor;
}

void evidence_scanner::finalize_until(std::int64_t end_bin) {
    const std::size_t M = det_.motifs();
    const auto D = static_cast<std::int64_t>(det_.delays());
    const auto bias = det_.bias();
    for (std::int64_t t = next_bin_; t < end_bin; ++t) {
        if (t >= pending_end_) {
            if (!bias_reaches_floor_) break;  // the rest holds no evidence and bias alone stays below
        }
        float* row = ring_.data() + static_cast<std::size_t>(t % D) * M;
        for (std::size_t b = 0; b < M; ++b) {
            const float score = bias[b] + row[b];
            if (score >= floor_) sink_(candidate{t, static_cast<std::uint32_t>(b), score});
            row[b] = 0.0f;
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
    det_.add_spike(neuron, bin, ring_.data());
    pending_end_ = std::max(pending_end_, bin + static_cast<std::int64_t>(det_.delays()));
}

void evidence_scanner::finish() { finalize_until(pending_end_); }

std::vector<candidate> apply_rule(std::span<const candidate> candidates, std::size_t motifs,
                                  std::int64_t refractory_bins, float threshold) {
    detection_rule rule(motifs, refractory_bins, threshold);
    std::vector<candidate> out;
    for (const auto& c : candidates)
        if (rule.accept(c)) out.push_back(c);
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
                                       float floor) {
    std::vector<candidate> out;
    evidence_scanner scanner(detector, floor, [&](const candidate& c) { out.push_back(c); });
    for (std::size_t k = 0; k < raster.size(); ++k)
        scanner.push(raster.spike_bins[k], raster.spike_neurons[k]);
    scanner.finish();
    return out;
}

motif_events detect(const compiled_detector& detector, const binned_raster& raster) {
    const auto threshold = static_cast<float>(detector.threshold());
    const auto candidates = scan_candidates(detector, raster, threshold);
    const auto found = apply_rule(candidates, detector.motifs(), detector.refractory(), threshold);
    return to_motif_events(found, detector.delays(), detector.bin_ms());
}

bool threshold_for_count(std::span<const candidate> candidates, std::size_t motifs,
                         std::int64_t refractory_bins, std::size_t count, float& threshold) {
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
        return apply_rule(candidates, motifs, refractory_bins, levels[k]).size();
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
