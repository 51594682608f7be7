// evspike generate motifs CONFIG -o OUT: a raster with embedded spiking motifs and its ground
// truth in the same file (SPEC §6, §7.3). The raster is written to a temporary file, completed
// with /motifs, and only then renamed to OUT: a failed run leaves OUT as it was.
#include <span>
#include <string>

#include "apps/cli.hpp"
#include "apps/commands.hpp"
#include "core/error.hpp"
#include "io/atomic_file.hpp"
#include "io/generator_config.hpp"
#include "io/motif_truth.hpp"
#include "io/spike_file.hpp"
#include "motifs/hdsnn.hpp"
#include "motifs/jittered.hpp"

namespace evspike::cli {

namespace {

// Trials generated per batch: bounds memory while keeping append calls large.
constexpr std::uint64_t trials_per_batch = 16;

motif_truth write_hdsnn(const motifs_config& c, spike_writer& writer, std::size_t pop, bool quiet) {
    const auto& p = c.hdsnn;
    const auto kernel = make_hdsnn_kernel(p);
    motif_truth truth;
    for (const auto& e : template_entries(kernel)) {
        truth.template_motif_ids.push_back(e.motif);
        truth.template_node_ids.push_back(e.neuron);
        truth.template_delays_ms.push_back(static_cast<double>(e.delay_bins) * p.bin_ms);
        truth.template_weights.push_back(e.weight);
    }
    progress_bar progress("generate motifs", static_cast<double>(p.trials), quiet);
    std::vector<double> times;
    for (std::uint64_t first = 0; first < p.trials; first += trials_per_batch) {
        const auto r = generate_hdsnn(p, kernel, first, std::min(trials_per_batch, p.trials - first));
        times.resize(r.spike_bins.size());
        for (std::size_t i = 0; i < times.size(); ++i) times[i] = static_cast<double>(r.spike_bins[i]) * p.bin_ms;
        writer.append(pop, std::span<const double>(times), std::span<const std::uint64_t>(r.spike_neurons));
        for (std::size_t i = 0; i < r.occurrence_bins.size(); ++i) {
            truth.occurrence_timestamps_ms.push_back(static_cast<double>(r.occurrence_bins[i]) * p.bin_ms);
            truth.occurrence_motif_ids.push_back(r.occurrence_motifs[i]);
        }
        progress.update(static_cast<double>(first + trials_per_batch));
    }
    progress.finish();
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

motif_truth write_jittered(const motifs_config& c, spike_writer& writer, std::size_t pop) {
    const auto& p = c.jittered;
    const auto templates = make_jittered_templates(p);
    const auto r = generate_jittered(p, templates);
    writer.append(pop, std::span<const double>(r.spike_times_ms), std::span<const std::uint64_t>(r.spike_neurons));
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

int run_generate_motifs(const args& a) {
    command_line cl;
    cl.usage = "evspike generate motifs CONFIG -o OUT [--seed S] [--template-seed S]";
    std::string config_path, output;
    std::uint64_t seed = 1, template_seed = 1;
    cl.options.add_options()
        ("config", po::value(&config_path)->required(), "TOML config: model = \"hdsnn\" or \"jittered\" (docs/generators.md)")
        ("output,o", po::value(&output)->required(), "output SONATA spike file with /motifs ground truth (.h5)")
        ("seed", cli::seed(&seed), "override the config's seed (occurrences and spikes)")
        ("template-seed", cli::seed(&template_seed), "override the config's template_seed (the templates)");
    cl.positional.add("config", 1);
    po::variables_map vm;
    if (!cl.parse(a, vm)) return 0;

    auto c = load_motifs_config(config_path);
    for (auto* p : {&c.hdsnn.seed, &c.jittered.seed})
        if (vm.count("seed") != 0) *p = seed;
    for (auto* p : {&c.hdsnn.template_seed, &c.jittered.template_seed})
        if (vm.count("template-seed") != 0) *p = template_seed;

    // The raster goes to a temporary beside OUT (itself written atomically by spike_writer),
    // then /motifs is added in place, then the finished file is renamed to OUT. On any throw,
    // `out` removes the temporary.
    atomic_path out(output);
    {
        spike_writer writer(out.temp(), provenance{invocation(), c.seed(), c.text});
        const std::size_t pop = writer.add_population(c.population);
        const auto truth = c.model == motif_model::hdsnn ? write_hdsnn(c, writer, pop, vm.count("quiet") != 0)
                                                          : write_jittered(c, writer, pop);
        writer.commit();
        add_motif_truth(out.temp(), truth, false);
    }
    out.commit();
    return 0;
}

}  // namespace evspike::cli
