#include "motifs/jittered.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

#include "core/error.hpp"
#include "core/random.hpp"
#include "models/variates.hpp"

namespace evspike {

void jittered_params::validate() const {
    if (neurons < 1) throw config_error("neurons", "must be >= 1");
    if (motifs < 1) throw config_error("motifs", "must be >= 1");
    if (!(std::isfinite(t_stop_ms) && t_stop_ms >= 0.0)) throw config_error("t_stop", "must be finite and >= 0 ms");
    if (!(std::isfinite(duration_ms) && duration_ms > 0.0)) throw config_error("duration", "must be finite and > 0 ms");
    if (synapses < 1 || synapses > neurons)
        throw config_error("synapses", "must be in [1, neurons = " + std::to_string(neurons) + "] (distinct neurons per motif)");
    if (!(participation > 0.0 && participation <= 1.0)) throw config_error("participation", "must be in (0, 1]");
    if (!(std::isfinite(jitter_ms) && jitter_ms >= 0.0)) throw config_error("jitter", "must be finite and >= 0 ms");
    if (!(std::isfinite(motif_rate_hz) && motif_rate_hz >= 0.0)) throw config_error("motif_rate", "must be finite and >= 0 Hz");
    if (!(std::isfinite(background_rate_hz) && background_rate_hz >= 0.0))
        throw config_error("background_rate", "must be finite and >= 0 Hz");
}

jittered_templates make_jittered_templates(const jittered_params& p) {
    p.validate();
    jittered_templates t;
    auto rng = make_stream(p.template_seed, "jittered.templates");
    std::vector<std::uint64_t> pool(p.neurons);
    for (std::uint64_t b = 0; b < p.motifs; ++b) {
        std::iota(pool.begin(), pool.end(), std::uint64_t{0});
        // Partial Fisher-Yates: the first `synapses` entries of pool are a uniform random subset.
        std::vector<std::pair<std::uint64_t, double>> entries;
        for (std::uint64_t k = 0; k < p.synapses; ++k) {
            const auto remaining = p.neurons - k;
            const auto pick = k + std::min<std::uint64_t>(static_cast<std::uint64_t>(uniform01(rng) * static_cast<double>(remaining)), remaining - 1);
            std::swap(pool[k], pool[pick]);
            entries.push_back({pool[k], uniform01(rng) * p.duration_ms});
        }
        std::sort(entries.begin(), entries.end());
        for (const auto& [node, delay] : entries) {
            t.motif_ids.push_back(b);
            t.node_ids.push_back(node);
            t.delays_ms.push_back(delay);
        }
    }
    return t;
}

jittered_raster generate_jittered(const jittered_params& p, const jittered_templates& t) {
    p.validate();
    struct spike {
        double time;
        std::uint64_t neuron;
        bool operator<(const spike& o) const { return time != o.time ? time < o.time : neuron < o.neuron; }
    };
    std::vector<spike> spikes;
    std::vector<std::pair<double, std::uint64_t>> occurrences;

    // Entries of each motif: [first[b], first[b + 1]) in t.
    std::vector<std::size_t> first(p.motifs + 1, t.motif_ids.size());
    for (std::size_t i = t.motif_ids.size(); i-- > 0;) {
        if (t.motif_ids[i] >= p.motifs) throw model_error("jittered: template motif id out of range");
        first[t.motif_ids[i]] = i;
    }
    for (std::uint64_t b = p.motifs; b-- > 0;) first[b] = std::min(first[b], first[b + 1]);

    for (std::uint64_t b = 0; b < p.motifs; ++b) {
        if (p.motif_rate_hz <= 0.0) break;
        auto rng = make_stream(p.seed, "jittered.occurrences." + std::to_string(b));
        const double rate_per_ms = p.motif_rate_hz / 1000.0;
        // Occurrence times: a Poisson process (the sum of exponential intervals).
        double s = exponential(rng, rate_per_ms);
        for (; s < p.t_stop_ms; s += exponential(rng, rate_per_ms)) {  // NOLINT(clang-analyzer-security.FloatLoopCounter)
            occurrences.push_back({s, b});
            for (std::size_t i = first[b]; i < first[b + 1]; ++i) {
                if (p.participation < 1.0 && !(uniform01(rng) < p.participation)) continue;
                const double time = s + t.delays_ms[i] + (p.jitter_ms > 0.0 ? p.jitter_ms * standard_normal(rng) : 0.0);
                if (time >= 0.0 && time < p.t_stop_ms) spikes.push_back({time, t.node_ids[i]});
            }
        }
    }
    if (p.background_rate_hz > 0.0) {
        const double rate_per_ms = p.background_rate_hz / 1000.0;
        for (std::uint64_t a = 0; a < p.neurons; ++a) {
            auto rng = make_stream(p.seed, "jittered.background." + std::to_string(a));
            double s = exponential(rng, rate_per_ms);
            for (; s < p.t_stop_ms; s += exponential(rng, rate_per_ms))  // NOLINT(clang-analyzer-security.FloatLoopCounter)
                spikes.push_back({s, a});
        }
    }
    std::sort(spikes.begin(), spikes.end());
    std::sort(occurrences.begin(), occurrences.end());
    jittered_raster r;
    r.spike_times_ms.reserve(spikes.size());
    r.spike_neurons.reserve(spikes.size());
    for (const auto& s : spikes) {
        r.spike_times_ms.push_back(s.time);
        r.spike_neurons.push_back(s.neuron);
    }
    for (const auto& [time, motif] : occurrences) {
        r.occurrence_times_ms.push_back(time);
        r.occurrence_motifs.push_back(motif);
    }
    return r;
}

}  // namespace evspike
