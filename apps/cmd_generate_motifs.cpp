// evspike generate motifs CONFIG -o OUT: a raster with embedded spiking motifs and its ground
// truth in the same file (SPEC §6, §7.3). The raster is written to a temporary file, completed
// with /motifs, and only then renamed to OUT: a failed run leaves OUT as it was
// (io/motif_generation.hpp, which the Python module calls too).
#include <cstdio>
#include <string>

#include "apps/cli.hpp"
#include "apps/commands.hpp"
#include "core/error.hpp"
#include "io/generator_config.hpp"
#include "io/motif_generation.hpp"
#include "motifs/estimate.hpp"

namespace evspike::cli {
namespace {

// Up-front checks (SPEC §8), from the parameters alone: memory (motifs/estimate.hpp) and the file
// (spike rows and ground-truth rows, 16 B each before compression).
void check_sizes(const motifs_config& c, const std::string& output, std::uint64_t max_memory) {
    const generation_estimate e = c.model == motif_model::hdsnn ? estimate_hdsnn(c.hdsnn, motif_trials_per_batch)
                                                                : estimate_jittered(c.jittered);
    char detail[160];
    std::snprintf(detail, sizeof detail, "%.3g spikes and %.3g motif occurrences expected", e.spikes, e.occurrences);
    check_memory("generate motifs", e.memory_bytes, detail, max_memory);
    check_output_size(output, (e.spikes + e.occurrences) * 16.0, detail);
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
    std::uint64_t max_memory = 0;
    add_max_memory(cl.options, &max_memory);
    cl.positional.add("config", 1);
    po::variables_map vm;
    if (!cl.parse(a, vm)) return 0;

    declare_input(config_path, "config");
    check_output(output);
    auto c = load_motifs_config(config_path);
    for (auto* p : {&c.hdsnn.seed, &c.jittered.seed})
        if (vm.count("seed") != 0) *p = seed;
    for (auto* p : {&c.hdsnn.template_seed, &c.jittered.template_seed})
        if (vm.count("template-seed") != 0) *p = template_seed;
    check_sizes(c, output, max_memory);

    progress_bar progress("generate motifs", 1.0, vm.count("quiet") != 0);
    std::uint64_t spikes = 0;
    const auto truth = generate_motifs(
        c, output, invocation(), [&](std::span<const double> t, std::span<const std::uint64_t>) { spikes += t.size(); },
        [&](double fraction) { progress.update(fraction); });
    progress.finish();
    if (vm.count("quiet") == 0)
        std::printf("wrote %s: %llu spikes, %zu motif occurrences (%s)\n", output.c_str(),
                    static_cast<unsigned long long>(spikes), truth.occurrence_timestamps_ms.size(),
                    c.model == motif_model::hdsnn ? "hdsnn" : "jittered");
    return 0;
}

}  // namespace evspike::cli
