#pragma once
// Event-driven inference of the HD-SNN detector (`evspike detect run`).
//
// Each input spike (bin s, neuron a) adds K_b(a, d) to detector b at bin s + d for every kept
// (non-zero, not pruned) weight. Pending evidence lives in a ring of D bins x motifs: a calendar
// of short buckets (SPEC §3.3), one per bin, which comes due in time order. When the input moves
// past bin t, bin t has received every contribution (all spikes at bins <= t were applied: the
// same-time rule), and each detector tests bias + evidence >= threshold. A detector that fires
// is refractory for D bins (one motif length). Cost: spikes x kept weights + bins x motifs.
//
// The scan emits "candidates" (bins whose score reaches a floor); the detection rule (threshold
// + refractoriness) then runs on them in time order. Online, the floor is the threshold; for
// --expected-count and calibration the floor is lower and the rule is replayed at several
// thresholds on the stored candidates, with identical results to an online run at that threshold.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <span>
#include <vector>

#include "motifs/detector.hpp"

namespace evspike {

// A detector model in the form inference uses: per (neuron, lag), the kept weights as a sparse
// list of (motif, weight), or as a dense row of all motifs when most are kept.
class compiled_detector {
public:
    // keep_fraction in (0, 1]: keeps the top keep_fraction of all weights by |w| (ties broken by
    // position, so the count is exact and deterministic); zero weights are never kept.
    explicit compiled_detector(const detector_model& model, double keep_fraction = 1.0);

    std::size_t motifs() const { return motifs_; }
    std::size_t neurons() const { return neurons_; }
    std::size_t delays() const { return delays_; }
    double bin_ms() const { return bin_ms_; }
    double threshold() const { return threshold_; }
    std::int64_t refractory() const { return refractory_; }
    std::size_t kept_weights() const { return kept_; }
    std::span<const float> bias() const { return bias_; }

    // Adds neuron a's contributions for one spike at bin s to the ring (row of bin s + d is
    // (s + d) mod D).
    void add_spike(std::uint32_t a, std::int64_t s, float* ring) const;

private:
    std::size_t motifs_, neurons_, delays_;
    double bin_ms_, threshold_;
    std::int64_t refractory_;
    std::size_t kept_ = 0;
    std::vector<float> bias_;
    struct entry {
        std::uint32_t motif;
        float weight;
    };
    std::vector<std::uint32_t> offsets_;  // [neurons * delays + 1] into entries_
    std::vector<entry> entries_;
    std::vector<std::int32_t> dense_index_;  // [neurons * delays]: row in dense_ or -1
    std::vector<float> dense_;
};

// Keeps the top keep_fraction of weights by |w| in a model (the others set to 0).
void prune_weights(detector_model& model, double keep_fraction);

struct candidate {
    std::int64_t bin;  // detection bin (motif start + D - 1)
    std::uint32_t motif;
    float score;  // bias + evidence, logit units
};

// The streaming scan: push spikes in non-decreasing bin order, then finish().
class evidence_scanner {
public:
    evidence_scanner(const compiled_detector& detector, float floor,
                     std::function<void(const candidate&)> sink);
    // Throws error if bins go backwards or the neuron is out of range.
    void push(std::int64_t bin, std::uint32_t neuron);
    // Tests every bin still pending (up to the last spike's bin + D - 1).
    void finish();
    std::uint64_t spikes() const { return spikes_; }

private:
    void finalize_until(std::int64_t end_bin);
    const compiled_detector& det_;
    float floor_;
    bool bias_reaches_floor_ = false;
    std::function<void(const candidate&)> sink_;
    std::vector<float> ring_;
    std::vector<std::int64_t> last_bin_of_neuron_;
    std::int64_t next_bin_ = 0;     // first bin not yet tested
    std::int64_t pending_end_ = 0;  // one past the last bin that holds evidence
    std::uint64_t spikes_ = 0;
};

// Threshold + refractoriness, fed candidates in (bin, motif) order.
class detection_rule {
public:
    detection_rule(std::size_t motifs, std::int64_t refractory_bins, float threshold)
        : next_allowed_(motifs, std::numeric_limits<std::int64_t>::min()),
          refractory_(refractory_bins),
          threshold_(threshold) {}
    bool accept(const candidate& c) {
        if (c.score < threshold_ || c.bin < next_allowed_[c.motif]) return false;
        next_allowed_[c.motif] = c.bin + refractory_;
        return true;
    }

private:
    std::vector<std::int64_t> next_allowed_;
    std::int64_t refractory_;
    float threshold_;
};

// Detections from stored candidates at a threshold (>= the floor they were collected with).
std::vector<candidate> apply_rule(std::span<const candidate> candidates, std::size_t motifs,
                                  std::int64_t refractory_bins, float threshold);

// Converts detections (detection bins) to motif events at the motif's start time.
motif_events to_motif_events(std::span<const candidate> detections, std::size_t delays, double bin_ms);

// Whole-raster helpers (in memory).
std::vector<candidate> scan_candidates(const compiled_detector& detector, const binned_raster& raster,
                                       float floor);
motif_events detect(const compiled_detector& detector, const binned_raster& raster);

// The threshold at which apply_rule gives the count closest to `count` (ties: the higher
// threshold), searched over candidate scores. Candidates must be collected with a floor low
// enough: returns false if even the lowest candidate score gives fewer than `count` detections.
bool threshold_for_count(std::span<const candidate> candidates, std::size_t motifs,
                         std::int64_t refractory_bins, std::size_t count, float& threshold);

}  // namespace evspike
