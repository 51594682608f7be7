#pragma once
// Continuous-time spiking motifs with participation and jitter (SPEC §6 `model = "jittered"`),
// the continuous cousin of motifs/hdsnn.hpp. Exact times, no grid.
//
// - Templates (from template_seed alone): each motif has `synapses` entries on distinct neurons,
//   delays uniform in [0, duration) ms; entries are sorted by neuron.
// - Occurrences: per motif, a Poisson process of rate motif_rate Hz on [0, t_stop); the
//   occurrence time is when the motif starts (delay 0).
// - In an occurrence at time s, each entry (neuron a, delay d) fires with probability
//   `participation`, at s + d + jitter * N(0, 1). Spikes falling outside [0, t_stop) are dropped.
// - Background: each neuron is an independent Poisson process of rate background_rate Hz.
// - Random streams (SPEC §1): "jittered.templates" from template_seed; from seed,
//   "jittered.occurrences.<b>" (occurrence times and spikes of motif b) and
//   "jittered.background.<a>" (neuron a's background).
#include <cstdint>
#include <vector>

namespace evspike {

struct jittered_params {
    std::uint64_t neurons = 100;
    std::uint64_t motifs = 5;
    double t_stop_ms = 10000.0;       // key `t_stop`
    double duration_ms = 50.0;        // key `duration`: delays are uniform in [0, duration)
    std::uint64_t synapses = 20;      // template entries per motif, on distinct neurons (<= neurons)
    double participation = 0.9;       // probability that an entry fires in an occurrence, (0, 1]
    double jitter_ms = 1.0;           // key `jitter`: Gaussian sd, >= 0
    double motif_rate_hz = 1.0;       // key `motif_rate`: occurrences per second per motif
    double background_rate_hz = 5.0;  // key `background_rate`: per neuron
    std::uint64_t seed = 1;
    std::uint64_t template_seed = 1;

    // Throws config_error naming the SPEC key.
    void validate() const;
};

// Template entries, ordered by (motif, neuron).
struct jittered_templates {
    std::vector<std::uint64_t> motif_ids;
    std::vector<std::uint64_t> node_ids;
    std::vector<double> delays_ms;
};
jittered_templates make_jittered_templates(const jittered_params& params);

struct jittered_raster {
    std::vector<double> spike_times_ms;       // sorted by time, then neuron
    std::vector<std::uint64_t> spike_neurons;
    std::vector<double> occurrence_times_ms;  // sorted by time, then motif
    std::vector<std::uint64_t> occurrence_motifs;
};
jittered_raster generate_jittered(const jittered_params& params, const jittered_templates& templates);

}  // namespace evspike
