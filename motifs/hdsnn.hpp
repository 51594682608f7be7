#pragma once
// The binned logistic generative model of spiking motifs of Perrinet (ICANN 2023, "Accurate
// detection of spiking motifs by learning heterogeneous delays"), SPEC §6 `model = "hdsnn"`.
//
// Conventions (fixed here, documented in docs/generators.md):
// - Kernel K(b, a, d): motif b, neuron a, delay d in [0, D) bins. An occurrence of motif b that
//   *starts* at bin s raises the logit of neuron a in bin s + d by K(b, a, d) (causal: the
//   paper's centred convolution shifted by D/2 so that delay 0 is the motif's first bin).
// - Occurrences: each motif, each candidate bin, Bernoulli(p_motif). Candidates are the paper's
//   centres c in [D/2, T - D/2) (D/2 bins excluded at each border), stored as the start s = c - D/2,
//   so the whole motif lies inside its trial.
// - Spikes: neuron a fires in bin t with probability sigmoid(logit(p_background) + sum over
//   occurrences (b, s) with 0 <= t - s < D of K(b, a, t - s)).
// - Trials: `trials` independent trials of T bins laid end to end with a gap of D bins (no
//   spikes, no occurrences) after each; global bin of trial k, local bin t is k (T + D) + t.
//   A spike in global bin g is written at time g * bin_ms.
// - Random streams (SPEC §1): templates from make_stream(template_seed, "hdsnn.templates");
//   trial k from make_stream(seed, "hdsnn.trial.<k>"). So trials are independent of each other
//   and of the number of trials, and the templates depend on template_seed alone.
#include <cstdint>
#include <vector>

namespace evspike {

// SPEC §6 keys; defaults are those of the paper's code.
struct hdsnn_params {
    std::uint64_t neurons = 128;   // N
    std::uint64_t motifs = 233;    // M
    std::uint64_t delays = 31;     // D, bins per motif
    std::uint64_t bins = 1024;     // T, bins per trial
    double bin_ms = 1.0;           // key `bin`, ms
    double p_background = 0.001;   // spike probability per neuron and bin without motif
    double p_motif = 0.001;        // occurrence probability per motif and candidate bin
    double weight_scale = 4.0;
    double sparsity = 0.05;        // fraction of kernel entries kept, in (0, 1]
    double tau_rise = 0.05;        // in units of the motif length
    double tau_decay = 0.4;        // in units of the motif length
    std::uint64_t trials = 1;
    std::uint64_t seed = 1;
    std::uint64_t template_seed = 1;

    // Throws config_error naming the SPEC key (e.g. "sparsity") when a value is out of range.
    void validate() const;
};

// The kernel, dense: weight(b, a, d) = weights[(b * N + a) * D + d].
struct hdsnn_kernel {
    std::uint64_t neurons = 0, motifs = 0, delays = 0;
    std::vector<double> weights;

    double weight(std::uint64_t motif, std::uint64_t neuron, std::uint64_t delay) const {
        return weights[(motif * neurons + neuron) * delays + delay];
    }
};

// Draws the kernel from params.template_seed (and the shape parameters) alone.
hdsnn_kernel make_hdsnn_kernel(const hdsnn_params& params);

// One template entry (a non-zero kernel weight), as in /motifs/templates (SPEC §7.3).
struct template_entry {
    std::uint64_t motif = 0;
    std::uint64_t neuron = 0;
    std::uint64_t delay_bins = 0;
    double weight = 0.0;
};
// Non-zero entries ordered by (motif, neuron, delay).
std::vector<template_entry> template_entries(const hdsnn_kernel& kernel);

// A raster with its occurrences, in global bins (see the conventions above).
struct hdsnn_raster {
    std::uint64_t total_bins = 0;                 // trials * (T + D)
    std::vector<std::uint64_t> spike_bins;        // sorted by bin, then neuron
    std::vector<std::uint64_t> spike_neurons;
    std::vector<std::uint64_t> occurrence_bins;   // start bins; sorted by bin, then motif
    std::vector<std::uint64_t> occurrence_motifs;
};

// Draws occurrences and spikes from params.seed, given a kernel from make_hdsnn_kernel (or any
// kernel of matching shape). Cost: O(spikes + occurrences x non-zero entries per motif); bins
// untouched by any occurrence are sampled by geometric skipping.
hdsnn_raster generate_hdsnn(const hdsnn_params& params, const hdsnn_kernel& kernel);
// Trials [first_trial, first_trial + count) only, in global bins (total_bins still covers all
// params.trials): the same spikes as the whole raster has there, so callers can stream.
hdsnn_raster generate_hdsnn(const hdsnn_params& params, const hdsnn_kernel& kernel, std::uint64_t first_trial,
                            std::uint64_t count);

// Global bin index of trial `trial`'s local bin `t`.
inline std::uint64_t hdsnn_global_bin(const hdsnn_params& p, std::uint64_t trial, std::uint64_t t) {
    return trial * (p.bins + p.delays) + t;
}

}  // namespace evspike
