#pragma once
// The HD-SNN motif detector (Perrinet, ICANN 2023; Grimaldi & Perrinet, Biol. Cybern. 2023):
// one detector neuron per motif, each summing its inputs through a kernel of weights over
// (input neuron, delay):
//
//     p(b, t) = sigmoid(bias_b + sum_{a, d} A(a, t - d) K_b(a, d))
//
// with A the binary raster binned at `bin_ms` and d = 0 .. D-1 bins.
//
// Alignment (documented in docs/detection.md). A motif starting at bin t0 spreads its spikes over
// bins t0 .. t0 + D - 1; its full evidence is available at bin t0 + D - 1, so the detector is
// trained to fire there: the label of an occurrence starting at t0 is B(b, t0 + D - 1) = 1, and
// a spike at lag d before the detection bin is the template entry at delay (D - 1 - d) bins
// after the start. Detections are reported at the start, detection bin - (D - 1).
//
// The model (SPEC §7.5) stores weights [motifs x neurons x delays] with the delay index d being
// that lag, the bias per motif, the bin and a threshold in logit units: a detector fires when
// bias + evidence >= threshold.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "motifs/scoring.hpp"

namespace evspike {

// A raster binned at bin_ms: A(a, t) = 1 for each listed (bin, neuron), sorted by bin then
// neuron, without duplicates (two spikes of one neuron in one bin count once: A is binary).
struct binned_raster {
    std::size_t neurons = 0;
    std::int64_t bins = 0;  // covers bins [0, bins)
    std::vector<std::int64_t> spike_bins;
    std::vector<std::uint32_t> spike_neurons;
    std::size_t size() const { return spike_bins.size(); }
};

// Bin of a time: floor(t / bin) with a relative slack of 1e-9 bin, so that a spike written at
// k * bin lands in bin k even when the division rounds down.
std::int64_t time_to_bin(double t_ms, double bin_ms);

// Bins spikes (any order). `neurons` = 0 takes max id + 1; `bins` = 0 takes last bin + 1.
// Throws error on negative or non-finite times or ids >= neurons.
binned_raster bin_raster(std::span<const double> timestamps_ms, std::span<const std::uint64_t> node_ids,
                         double bin_ms, std::size_t neurons = 0, std::int64_t bins = 0);

// How a detector turns the bins at or above its threshold into detections, with refractory
// period R (docs/detection.md, "Detection rule").
enum class detection_rule_kind {
    // The first bin at or above threshold is emitted at once; the detector is then silent for R
    // bins. The default (the rule). An early partial match can block the true peak.
    first_crossing,
    // Non-maximum suppression under the refractory period: a bin at or above threshold opens a
    // window; a later bin with a strictly higher score within R bins of the current best takes
    // its place (ties: the earlier bin); the best is emitted once R bins have passed without a
    // higher one. Detections stay >= R bins apart; look-ahead is R bins.
    peak,
};

// "peak" / "first-crossing"; parse throws model_error naming the value.
const char* to_string(detection_rule_kind kind);
detection_rule_kind parse_detection_rule(const std::string& text);

struct detector_model {
    std::size_t motifs = 0;
    std::size_t neurons = 0;
    std::size_t delays = 0;
    double bin_ms = 1.0;
    double threshold = 0.0;  // logit units
    // Bins after a detection during which the detector cannot fire again; 0 means one motif
    // length (delays). Shorter values let overlapping occurrences of one motif both be found.
    std::size_t refractory_bins = 0;
    std::int64_t refractory() const {
        return static_cast<std::int64_t>(refractory_bins != 0 ? refractory_bins : delays);
    }
    detection_rule_kind rule = detection_rule_kind::first_crossing;  // stored in the model file as `rule`
    std::vector<float> weights;                                      // [motif][neuron][delay]
    std::vector<float> bias;                                         // [motif]
    std::vector<std::pair<std::string, std::string>> settings;       // how it was made (file attributes)
    // How the model was made: "supervised" (detect train), "templates" (detect train --templates),
    // "discovered" (detect discover); empty when unknown (files written before it was stored).
    std::string origin;
    // Detections per second (all motifs) at the stored threshold on the calibration data; 0 when
    // unknown. `detect run` warns when a run's rate is far from it.
    double calibration_rate_hz = 0.0;
    // The recording's unit id of each neuron (SPEC §9.1, /spikes/<pop>/unit_ids of the raster the
    // model was made from), distinct; empty when the raster had none (synthetic data).
    std::vector<std::uint64_t> unit_ids;

    float weight(std::size_t b, std::size_t a, std::size_t d) const {
        return weights[(b * neurons + a) * delays + d];
    }
    float& weight(std::size_t b, std::size_t a, std::size_t d) {
        return weights[(b * neurons + a) * delays + d];
    }
    // Checks sizes and finiteness; throws model_error naming what is wrong.
    void validate() const;
};

// One template entry of a generative model (SPEC §7.3): neuron `node` fires `delay_ms` after the
// motif's start with logit increment `weight`.
struct motif_template_entry {
    std::uint64_t motif = 0;
    std::uint64_t node = 0;
    double delay_ms = 0;
    double weight = 0;
};

struct template_model_options {
    std::size_t motifs = 0;
    std::size_t neurons = 0;
    std::size_t delays = 0;  // D: the detection bin is start + D - 1
    double bin_ms = 1.0;
    double p_background = 0.001;  // per neuron and bin
    double p_motif = 0.001;       // per motif and bin
};

// The Bayes-optimal detector of the hdsnn generator ("log-odds of the generator"): the log
// likelihood ratio of a spike under a motif vs background is logit(p1) - logit(p0) = K, and the
// absent spikes contribute the constant sum log((1 - p1) / (1 - p0)), folded into the bias with
// the prior log-odds logit(p_motif). The threshold is 0 (posterior 1/2) until calibrated.
detector_model detector_from_templates(std::span<const motif_template_entry> entries,
                                       const template_model_options& options);

struct train_options {
    std::size_t delays = 31;
    double bin_ms = 1.0;
    std::size_t epochs = 10;
    std::int64_t trial_bins = 1000;  // length of one trial (mini-batch unit), in bins
    std::size_t batch_trials = 8;    // trials per Adam step
    double learning_rate = 1e-3;
    double l1 = 0.0;               // proximal L1 on the weights (per step: lr * l1)
    double pos_weight = 1.0;       // BCE weight of positive bins (class imbalance)
    bool naive_bayes_init = true;  // start from the count-based log-odds estimate
    double prior_strength = 4.0;   // pseudo-counts of the naive-Bayes init
    double calibration_tolerance_ms = 1.0;
    std::size_t refractory_bins = 0;  // stored in the model, see detector_model
    detection_rule_kind rule =
        detection_rule_kind::first_crossing;  // stored in the model, used by calibration
    std::uint64_t seed = 1;                   // trial order
};

struct train_progress {
    std::size_t epoch = 0;  // 1-based, 0 = after initialisation
    std::size_t epochs = 0;
    double fraction = 0;  // of all steps done
    double loss = 0;      // mean BCE per bin and motif over the epoch
    double recall = 0;    // positives with p >= 1/2 over the epoch
};

// Trains on one raster with known occurrences (start times of motifs, ms). Motif ids must be
// < motifs. Threshold calibrated afterwards with calibrate_f1 on the same data.
detector_model train_detector(const binned_raster& raster, const motif_events& occurrences,
                              std::size_t motifs, const train_options& options,
                              const std::function<void(const train_progress&)>& progress = {});

// Sets model.threshold to the value that maximises F1 (tolerance tolerance_ms) of the detections
// on `raster` against `occurrences`; returns the score there.
score_result calibrate_f1(detector_model& model, const binned_raster& raster, const motif_events& occurrences,
                          double tolerance_ms);

}  // namespace evspike
