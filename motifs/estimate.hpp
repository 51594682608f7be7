#pragma once
// Up-front sizes of the motif generators (SPEC §8), from the parameters alone (microseconds):
// `evspike generate motifs` compares them with the machine's memory and the free disk space
// before drawing anything. Expected counts (the means of the random numbers of spikes).
#include <cstdint>

#include "motifs/hdsnn.hpp"
#include "motifs/jittered.hpp"

namespace evspike {

struct generation_estimate {
    double spikes = 0;        // expected spikes in the raster
    double occurrences = 0;   // expected motif occurrences (ground truth rows)
    double memory_bytes = 0;  // peak held in memory
};

// The dense kernel (M N D doubles) and its non-zero entries, one trial's evidence array
// (T N cells of 9 B), the spikes of `batch_trials` trials and the whole ground truth.
generation_estimate estimate_hdsnn(const hdsnn_params& p, std::uint64_t batch_trials);
// Every spike is held and sorted in memory (up to 48 B each while the vector grows and is
// copied out), and every occurrence (64 B with the ground truth).
generation_estimate estimate_jittered(const jittered_params& p);

// `detect train` (motifs/detector.cpp train_detector): the detector tensors, 6 x 4 B per motif x
// neuron x delay cell (weights, gradient, two Adam moments, the naive-Bayes counts, the model),
// the binned spikes (12 B each), the trial starts (8 B per trial of the shuffled order) and one
// trial's logits (trial_bins x motifs x 4 B). `bins` is the raster's length in bins.
// Time: every epoch evaluates every bin x motif logit (forward, loss, backward), measured at
// ~6e7 such cells per second on one core (AMD EPYC, 1.0e8 bins x 4 motifs per epoch: 6.0-6.5 s).
struct detector_estimate {
    double cells = 0;         // motifs x neurons x delays
    double trials = 0;        // ceil(bins / trial_bins)
    double memory_bytes = 0;
    double logits_per_epoch = 0;  // bins x motifs
    double seconds = 0;           // epochs x logits_per_epoch / detector_logits_per_second
};
inline constexpr double detector_logits_per_second = 6e7;
detector_estimate estimate_detector_training(double motifs, double neurons, double delays, double spikes,
                                             double bins, double trial_bins, double epochs);

}  // namespace evspike
