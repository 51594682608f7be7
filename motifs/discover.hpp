#pragma once
// Discovery of spiking motifs without labels (`evspike detect discover`, SPEC §9.2).
//
// The generative model is the one the detector already inverts (motifs/detector.hpp): neuron a
// fires in bin t with probability r_a (its background), raised to p_k(a, δ) when an occurrence
// of motif k started at bin t - δ, δ in [0, D). Discovery is hard-assignment EM on that model,
// i.e. convolutional NMF (seqNMF, Mackevicius et al. 2019) with a binary, sparse H and the
// Bernoulli likelihood of a binned raster, or the MAP version of PPSeq's point-process mixture
// (Williams et al. 2020):
//
// - E-step: the detector built from the current templates (log-odds weights logit p_k - logit
//   r_a, bias = absent-spike terms + prior log-odds logit(n_k / bins)) is run over the spikes
//   (motifs/inference.hpp, event-driven: cost spikes x kept weights + bins x motifs); its
//   detections at threshold 0 (posterior 1/2), peak rule, refractory D, are the occurrences.
// - M-step: p_k(a, δ) from the counts of spikes at (a, s + δ) over the occurrences s of motif k
//   (cost occurrences x spikes per window), shrunk towards r_a; an entry is kept only when its
//   count (with its two neighbours in time) is significantly above chance (Poisson test,
//   Bonferroni over neurons x delays): the kept weights stay sparse, so the next E-step stays
//   cheap, and a template fitted to a few chance windows keeps nothing and dies.
// - Each motif is re-centred (its window shifted so the excess spikes' centre of mass sits in
//   the middle); a motif with fewer than `min_occurrences` occurrences, or a duplicate of a
//   motif with more (cosine of the excess maps >= `duplicate_cosine` at some lag), is re-seeded
//   from a window around a spike that no occurrence explains (the cross-orthogonality of seqNMF,
//   enforced by hand). Seeds are the spikes of one window, blurred by +-`seed_blur` bins.
//
// Deterministic for a seed: the only random draws are the seed anchors (stream
// "discover.seeds"); every sum is taken in a fixed order.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include "motifs/detector.hpp"
#include "motifs/scoring.hpp"

namespace evspike {

struct discover_options {
    std::size_t motifs = 0;   // K
    std::size_t delays = 0;   // D, bins per motif window
    double bin_ms = 1.0;
    std::size_t iterations = 40;        // EM iterations at most (stops earlier when stable)
    std::size_t min_occurrences = 3;    // fewer: the motif is re-seeded
    double duplicate_cosine = 0.5;      // at or above (best lag): the smaller motif is re-seeded
    // Family-wise false-positive rate of a motif's entries (Poisson test of each entry's count,
    // with its neighbours in time, against chance; Bonferroni over neurons x delays).
    double significance = 0.01;
    double prior_strength = 1.0;        // pseudo-counts at the background rate
    std::size_t seed_blur = 2;          // bins: a seed's spikes spread over +-seed_blur bins
    std::uint64_t seed = 1;
    // Checks values; throws model_error naming the field.
    void validate() const;
};

struct discover_progress {
    std::size_t iteration = 0;  // 1-based
    std::size_t iterations = 0;
    std::size_t occurrences = 0;
    std::size_t reseeded = 0;  // motifs re-seeded after this iteration
};

struct discover_result {
    // The detector (threshold 0, rule peak, refractory D): `detect run` with it reproduces
    // `occurrences` on the same raster.
    detector_model model;
    motif_events occurrences;  // start times (ms), motif ids, scores; (time, motif) order
    // Excess spike probability p_k(a, δ) - r_a of the kept entries, [motif][neuron][δ] with δ
    // the delay after the motif's start (not the detector's lag).
    std::vector<float> templates;
    std::vector<double> background;  // r_a, spikes per bin
    std::vector<std::size_t> counts;  // occurrences per motif
    std::size_t iterations = 0;      // done
};

// Motifs are numbered by decreasing occurrence count (ties: by first occurrence).
// Throws model_error when the raster is empty or the sizes do not fit in memory.
discover_result discover_motifs(const binned_raster& raster, const discover_options& options,
                                const std::function<void(const discover_progress&)>& progress = {});

// Bytes discover_motifs needs beyond the raster (templates, model, window), for the
// up-front check; saturates instead of overflowing.
std::size_t discover_memory_bytes(std::size_t neurons, std::size_t motifs, std::size_t delays);

}  // namespace evspike
