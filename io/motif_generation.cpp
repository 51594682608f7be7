#include "io/motif_generation.hpp"

#include <algorithm>
#include <optional>

#include "io/atomic_file.hpp"
#include "motifs/hdsnn.hpp"
#include "motifs/jittered.hpp"

namespace evspike {
namespace {

constexpr std::uint64_t trials_per_batch = motif_trials_per_batch;

motif_truth stream_hdsnn(const motifs_config& c, const spike_batch_sink& batch, const std::function<void(double)>& progress) {
    const auto& p = c.hdsnn;
    const auto kernel = make_hdsnn_kernel(p);
    motif_truth truth;
    for (const auto& e : template_entries(kernel)) {
        truth.template_motif_ids.push_back(e.motif);
        truth.template_node_ids.push_back(e.neuron);
        truth.template_delays_ms.push_back(static_cast<double>(e.delay_bins) * p.bin_ms);
        truth.template_weights.push_back(e.weight);
    }
    std::vector<double> times;
    for (std::uint64_t first = 0; first < p.trials; first += trials_per_batch) {
        const auto r = generate_hdsnn(p, kernel, first, std::min(trials_per_batch, p.trials - first));
        times.resize(r.spike_bins.size());
        for (std::size_t i = 0; i < times.size(); ++i) times[i] = static_cast<double>(r.spike_bins[i]) * p.bin_ms;
        batch(std::span<const double>(times), std::span<const std::uint64_t>(r.spike_neurons));
        for (std::size_t i = 0; i < r.occurrence_bins.size(); ++i) {
            truth.occurrence_timestamps_ms.push_back(static_cast<double>(r.occurrence_bins[i]) * p.bin_ms);
            truth.occurrence_motif_ids.push_back(r.occurrence_motifs[i]);
        }
        if (progress)
            progress(static_cast<double>(std::min(first + trials_per_batch, p.trials)) / static_cast<double>(p.trials));
    }
    auto& at = truth.attributes;
    at["model"] = std::string("hdsnn");
    at["population"] = c.population;
    at["neurons"] = p.neurons;
    at["motifs"] = p.motifs;
    at["delays"] = p.delays;
    at["bins"] = p.bins;
    at["bin"] = p.bin_ms;
    at["trials"] = p.trials;
    at["p_background"] = p.p_background;
    at["p_motif"] = p.p_motif;
    at["weight_scale"] = p.weight_scale;
    at["sparsity"] = p.sparsity;
    at["tau_rise"] = p.tau_rise;
    at["tau_decay"] = p.tau_decay;
    at["seed"] = p.seed;
    at["template_seed"] = p.template_seed;
    at["total_bins"] = p.trials * (p.bins + p.delays);
    return truth;
}

motif_truth stream_jittered(const motifs_config& c, const spike_batch_sink& batch, const std::function<void(double)>& progress) {
    const auto& p = c.jittered;
    const auto templates = make_jittered_templates(p);
    const auto r = generate_jittered(p, templates);
    batch(std::span<const double>(r.spike_times_ms), std::span<const std::uint64_t>(r.spike_neurons));
    if (progress) progress(1.0);
    motif_truth truth;
    truth.template_motif_ids = templates.motif_ids;
    truth.template_node_ids = templates.node_ids;
    truth.template_delays_ms = templates.delays_ms;
    truth.template_weights.assign(templates.motif_ids.size(), 1.0);
    truth.occurrence_timestamps_ms = r.occurrence_times_ms;
    truth.occurrence_motif_ids = r.occurrence_motifs;
    auto& at = truth.attributes;
    at["model"] = std::string("jittered");
    at["population"] = c.population;
    at["neurons"] = p.neurons;
    at["motifs"] = p.motifs;
    at["t_stop"] = p.t_stop_ms;
    at["duration"] = p.duration_ms;
    at["synapses"] = p.synapses;
    at["participation"] = p.participation;
    at["jitter"] = p.jitter_ms;
    at["motif_rate"] = p.motif_rate_hz;
    at["background_rate"] = p.background_rate_hz;
    at["seed"] = p.seed;
    at["template_seed"] = p.template_seed;
    return truth;
}

}  // namespace

motif_truth generate_motifs(const motifs_config& c, const std::string& output, const std::string& command,
                            const spike_batch_sink& batch, const std::function<void(double)>& progress) {
    // The raster goes to the writer's temporary beside `output`, /motifs is added to that
    // temporary in place, then the finished file is renamed to `output` (one temporary, not a
    // temporary of a temporary). On any throw the temporary is removed.
    std::optional<spike_writer> writer;
    std::size_t pop = 0;
    if (!output.empty()) {
        writer.emplace(output, provenance{command, c.seed(), c.text});
        pop = writer->add_population(c.population);
    }
    const spike_batch_sink sink = [&](std::span<const double> t, std::span<const std::uint64_t> ids) {
        if (writer) writer->append(pop, t, ids);
        if (batch) batch(t, ids);
    };
    const auto truth = c.model == motif_model::hdsnn ? stream_hdsnn(c, sink, progress) : stream_jittered(c, sink, progress);
    if (writer) {
        atomic_path out = writer->finish();
        add_motif_truth(out.temp(), truth, false);
        out.commit();
    }
    return truth;
}

}  // namespace evspike
