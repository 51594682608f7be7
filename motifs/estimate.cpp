#include "motifs/estimate.hpp"

#include <algorithm>
#include <cmath>

namespace evspike {

generation_estimate estimate_hdsnn(const hdsnn_params& p, std::uint64_t batch_trials) {
    const double N = static_cast<double>(p.neurons), M = static_cast<double>(p.motifs);
    const double D = static_cast<double>(p.delays), T = static_cast<double>(p.bins);
    const double trials = static_cast<double>(p.trials);
    generation_estimate e;
    // Candidate centres per trial: T - 2 floor(D / 2) (motifs/hdsnn.cpp).
    const double starts = std::max(0.0, T - 2.0 * static_cast<double>(p.delays / 2));
    e.occurrences = trials * starts * M * p.p_motif;
    e.spikes = trials * T * N * p.p_background + e.occurrences * N * D * p.sparsity;
    const double batch = std::min(trials, static_cast<double>(std::max<std::uint64_t>(batch_trials, 1)));
    e.memory_bytes = M * N * D * (8.0 + 16.0 * p.sparsity) + T * N * 9.0 +
                     (trials > 0 ? e.spikes / trials : 0.0) * batch * 24.0 + e.occurrences * 32.0;
    return e;
}

generation_estimate estimate_jittered(const jittered_params& p) {
    const double seconds = p.t_stop_ms / 1000.0;
    generation_estimate e;
    e.occurrences = static_cast<double>(p.motifs) * p.motif_rate_hz * seconds;
    e.spikes = e.occurrences * static_cast<double>(p.synapses) * p.participation +
               static_cast<double>(p.neurons) * p.background_rate_hz * seconds;
    e.memory_bytes = e.spikes * 48.0 + e.occurrences * 64.0;
    return e;
}

detector_estimate estimate_detector_training(double motifs, double neurons, double delays, double spikes,
                                             double bins, double trial_bins, double epochs) {
    detector_estimate e;
    e.cells = motifs * neurons * delays;
    e.trials = trial_bins > 0 ? std::ceil(bins / trial_bins) : 0.0;
    e.memory_bytes = e.cells * 24.0 + spikes * 12.0 + e.trials * 8.0 + trial_bins * motifs * 4.0;
    e.logits_per_epoch = bins * motifs;
    e.seconds = epochs * e.logits_per_epoch / detector_logits_per_second;
    return e;
}

}  // namespace evspike
