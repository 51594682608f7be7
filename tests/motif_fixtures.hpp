#pragma once
// A two-motif detector small enough to reason about by hand, shared by the motifs and apps
// suites.
#include <cstddef>
#include <vector>

#include "motifs/detector.hpp"

namespace evspike::test {

// A detector over 4 neurons and 5 delays of 1 ms from template entries, with priors
// p_background 0.01 and p_motif 1e-4.
inline detector_model template_detector(const std::vector<motif_template_entry>& entries, std::size_t motifs) {
    template_model_options o;
    o.motifs = motifs;
    o.neurons = 4;
    o.delays = 5;
    o.p_background = 0.01;
    o.p_motif = 1e-4;
    return detector_from_templates(entries, o);
}

// Motif 0: neuron 0 at 0 ms, neuron 1 at 2 ms, neuron 2 at 4 ms. Motif 1: neuron 3 at 1 ms,
// neuron 2 at 3 ms, neuron 1 at 4 ms. With these priors, all three spikes of a motif are needed
// to reach posterior 1/2.
inline detector_model tiny_model() {
    return template_detector({{0, 0, 0.0, 5.0}, {0, 1, 2.0, 5.0}, {0, 2, 4.0, 5.0},
                              {1, 3, 1.0, 5.0}, {1, 2, 3.0, 5.0}, {1, 1, 4.0, 5.0}},
                             2);
}

}  // namespace evspike::test
