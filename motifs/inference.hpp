#pragma once
// Event-driven inference of the HD-SNN detector (`evspike detect run`).
//
// Each input spike (bin s, neuron a) adds K_b(a, d) to detector b at bin s + d for every kept
// (non-zero, not pruned) weight. Pending evidence lives in a window of 2 D bins x motifs: a
// calendar of short buckets (SPEC §3.3), one per bin, which comes due in time order. When the input moves
// past bin t, bin t has received every contribution (all spikes at bins <= t were applied: the
// same-time rule), and each detector tests bias + evidence >= threshold. A detector that fires
// is refractory for R bins (default D, one motif length). Cost: spikes x kept weights + bins x
// motifs. Every cell receives its adds in input-spike order, whatever the storage of the
// weights (sparse lists or dense rows) or the loop order, so scores are the same bits.
//
// The scan emits "candidates" (bins whose score reaches a floor); the detection rule (threshold
// + refractoriness, first crossing or peak) then runs on them in time order. Online, the floor is the
// threshold; for
// --expected-count and calibration the floor is lower and the rule is replayed at several
// thresholds on the stored candidates, with identical results to an online run at that threshold.
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <limits>
#include <span>
#include <utility>
#include <vector>

#include "motifs/detector.hpp"

namespace evspike {

// A detector model in the form inference uses: per (neuron, lag), the kept weights as a sparse
// list of (motif, weight), or as a dense row of all motifs when most are kept.
class compiled_detector {
public:
    // keep_fraction in (0, 1]: keeps the top keep_fraction of all weights by |w| (ties broken by
    // position, so the count is exact and deterministic); zero weights are never kept.
    // dense_fraction in [0, 1]: a (neuron, lag) with at least this fraction of the motifs kept is
    // stored as a dense row (results are the same bits either way; only speed differs).
    explicit compiled_detector(const detector_model& model, double keep_fraction = 1.0,
                               double dense_fraction = 0.25);

    std::size_t motifs() const { return motifs_; }
    std::size_t neurons() const { return neurons_; }
    std::size_t delays() const { return delays_; }
    double bin_ms() const { return bin_ms_; }
    double threshold() const { return threshold_; }
    std::int64_t refractory() const { return refractory_; }
    detection_rule_kind rule() const { return rule_; }
    std::size_t kept_weights() const { return kept_; }
    std::span<const float> bias() const { return bias_; }

    // Adds neuron a's contributions for one spike at bin s to `rows`: D contiguous rows of
    // `motifs` floats, the evidence of bins s .. s + D - 1.
    void add_spike(std::uint32_t a, float* rows) const;

    // The positive-bound prefilter (see evidence_scanner): available when no row is dense and at
    // most half of the kept weights are positive, i.e. when it at least halves the adds.
    bool has_prefilter() const { return !kept_table_.empty(); }
    // Adds only the positive kept weights (an upper bound of the evidence, up to rounding).
    void add_spike_positive(std::uint32_t a, float* rows) const;
    // The kept weight of (motif b, neuron a, lag d), 0 if not kept.
    float kept_weight(std::size_t b, std::size_t a, std::size_t d) const {
        return kept_table_[(b * neurons_ + a) * delays_ + d];
    }
    // Rounding slack of motif b: bias + positive sum + slack >= floor whenever the exact score is.
    std::span<const float> bound_slack() const { return slack_; }

private:
    std::size_t motifs_, neurons_, delays_;
    double bin_ms_, threshold_;
    std::int64_t refractory_;
    detection_rule_kind rule_;
    std::size_t kept_ = 0;
    std::vector<float> bias_;
    // Per neuron a, its kept weights: sparse entries [entry_offsets_[a], entry_offsets_[a + 1])
    // with cell = lag * motifs + motif, and dense rows [dense_offsets_[a], dense_offsets_[a + 1]).
    struct entry {
        std::uint32_t cell;
        float weight;
    };
    struct dense_row {
        std::uint32_t lag;
        std::uint32_t offset;  // into dense_, motifs values
    };
    std::vector<std::size_t> entry_offsets_, dense_offsets_;
    std::vector<entry> entries_;
    std::vector<dense_row> dense_rows_;
    std::vector<float> dense_;
    // Prefilter: positive sparse entries per neuron, kept weights [motif][neuron][lag], slack.
    std::vector<std::size_t> positive_offsets_;
    std::vector<entry> positive_;
    std::vector<float> kept_table_;
    std::vector<float> slack_;
    void build_prefilter(const detector_model& model, const std::vector<char>& mask);
};

// Keeps the top keep_fraction of weights by |w| in a model (the others set to 0).
void prune_weights(detector_model& model, double keep_fraction);

struct candidate {
    std::int64_t bin;  // detection bin (motif start + D - 1)
    std::uint32_t motif;
    float score;  // bias + evidence, logit units
    friend bool operator==(const candidate&, const candidate&) = default;
};

// The streaming scan: push spikes in non-decreasing bin order, then finish().
//
// With `prefilter` (and a detector that has one), the window holds only the sums of the positive
// weights, an upper bound of the evidence; a (bin, motif) whose bound (plus a rigorous rounding
// slack) reaches the floor gets its exact score recomputed from the spikes of the last D bins, in
// input order, i.e. the same float additions in the same order as the full scan: the candidates
// are the same bits. It pays when the floor is high (an online run at the threshold), not for
// the low floors of calibration.
class evidence_scanner {
public:
    evidence_scanner(const compiled_detector& detector, float floor,
                     std::function<void(const candidate&)> sink, bool prefilter = false);
    // Throws error if bins go backwards or the neuron is out of range.
    void push(std::int64_t bin, std::uint32_t neuron);
    // Tests every bin still pending (up to the last spike's bin + D - 1).
    void finish();
    std::uint64_t spikes() const { return spikes_; }
    // Prefilter: (bin, motif) cells whose bound passed and whose score was recomputed.
    std::uint64_t recomputed() const { return recomputed_; }

private:
    void finalize_until(std::int64_t end_bin);
    const compiled_detector& det_;
    float floor_;
    bool bias_reaches_floor_ = false;
    std::function<void(const candidate&)> sink_;
    // Evidence of bins [window_start_, window_start_ + 2 D), [bin][motif]: a spike's D rows are
    // contiguous, so an add needs no wrap-around; the window slides forward when a spike's rows
    // would pass its end.
    std::vector<float> window_;
    std::int64_t window_start_ = 0;
    std::vector<std::int64_t> last_bin_of_neuron_;
    bool prefilter_ = false;
    std::vector<std::pair<std::int64_t, std::uint32_t>> history_;  // prefilter: applied spikes
    std::size_t history_head_ = 0;                                 // first one still in reach
    std::int64_t next_bin_ = 0;                                    // first bin not yet tested
    std::int64_t pending_end_ = 0;  // one past the last bin that holds evidence
    std::uint64_t spikes_ = 0;
    std::uint64_t recomputed_ = 0;
};

// Threshold + refractoriness + the detection rule (detection_rule_kind), fed candidates in
// (bin, motif) order. Detections come out through `emit`, in (bin, motif) order: at once for
// first_crossing; for peak when a later candidate shows that R bins have passed (or at finish()).
// Memory: one pending detection per motif. Replaying stored candidates (collected with a floor
// <= threshold) gives exactly the detections of an online run.
class detection_rule {
public:
    detection_rule(std::size_t motifs, std::int64_t refractory_bins, float threshold,
                   detection_rule_kind kind = detection_rule_kind::first_crossing);

    template <class Emit>
    void push(const candidate& c, Emit&& emit) {
        release_before(c.bin, emit);
        if (c.score < threshold_) return;
        if (kind_ == detection_rule_kind::first_crossing) {
            if (c.bin < next_allowed_[c.motif]) return;
            next_allowed_[c.motif] = c.bin + refractory_;
            emit(c);
            return;
        }
        auto& p = pending_[c.motif];
        if (p.bin != none) {
            // Within R bins of the current best: only a strictly higher score replaces it.
            if (c.score > p.score) {
                p = c;
                due_.push_back({c.bin, c.motif});
            }
            return;
        }
        if (c.bin < next_allowed_[c.motif]) return;
        p = c;
        due_.push_back({c.bin, c.motif});
    }
    // Emits every pending detection.
    template <class Emit>
    void finish(Emit&& emit) {
        release_before(std::numeric_limits<std::int64_t>::max(), emit);
    }

private:
    static constexpr std::int64_t none = std::numeric_limits<std::int64_t>::min();
    // Emits the pending detections whose window (best bin + R) ends at or before bin t.
    template <class Emit>
    void release_before(std::int64_t t, Emit& emit) {
        while (!due_.empty() && due_.front().bin < t - refractory_ + 1) {
            const auto [bin, motif] = due_.front();
            due_.pop_front();
            auto& p = pending_[motif];
            if (p.bin != bin) continue;  // replaced by a higher score later
            emit(p);
            next_allowed_[motif] = bin + refractory_;
            p.bin = none;
        }
    }
    struct due_entry {
        std::int64_t bin;
        std::uint32_t motif;
    };
    std::vector<std::int64_t> next_allowed_;
    std::vector<candidate> pending_;  // bin == none: no pending detection
    std::deque<due_entry> due_;       // pending (bin, motif) in push order, i.e. (bin, motif) order
    std::int64_t refractory_;
    float threshold_;
    detection_rule_kind kind_;
};

// Detections from stored candidates at a threshold (>= the floor they were collected with).
std::vector<candidate> apply_rule(std::span<const candidate> candidates, std::size_t motifs,
                                  std::int64_t refractory_bins, float threshold, detection_rule_kind kind);

// Converts detections (detection bins) to motif events at the motif's start time.
motif_events to_motif_events(std::span<const candidate> detections, std::size_t delays, double bin_ms);

// Whole-raster helpers (in memory).
std::vector<candidate> scan_candidates(const compiled_detector& detector, const binned_raster& raster,
                                       float floor, bool prefilter = false);
motif_events detect(const compiled_detector& detector, const binned_raster& raster);

// The refractory period of the paper's accuracy protocol (Perrinet, ICANN 2023): the output map
// is thresholded bin by bin, every (bin, motif) at or above the threshold is a detection, and the
// threshold is set so that their number equals the true count. R = 1 bin is that rule: no
// suppression beyond the bin itself, and both rules emit every such bin (`detect run
// --expected-count` uses it unless --refractory is given).
inline constexpr std::int64_t expected_count_refractory_bins = 1;

// The threshold at which apply_rule gives the count closest to `count` (ties: the higher
// threshold), searched over candidate scores. Candidates must be collected with a floor low
// enough: returns false if even the lowest candidate score gives fewer than `count` detections.
bool threshold_for_count(std::span<const candidate> candidates, std::size_t motifs,
                         std::int64_t refractory_bins, detection_rule_kind kind, std::size_t count,
                         float& threshold);

}  // namespace evspike
