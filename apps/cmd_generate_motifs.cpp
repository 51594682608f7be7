// evspike generate motifs CONFIG -o OUT: a raster with embedded spiking motifs and its ground
// truth in the same file (SPEC §6, §7.3). The raster is written to a temporary file, completed
// with /motifs, and only then renamed to OUT: a failed run leaves OUT as it was
// (io/motif_generation.hpp, which the Python module calls too).
#include <string>

#include "apps/cli.hpp"
#include "apps/commands.hpp"
#include "core/error.hpp"
#include "io/generator_config.hpp"
#include "io/motif_generation.hpp"

namespace evspike::cli {

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

    declare_input(config_path, "config");
    check_output(output);
    auto c = load_motifs_config(config_path);
    for (auto* p : {&c.hdsnn.seed, &c.jittered.seed})
        if (vm.count("seed") != 0) *p = seed;
    for (auto* p : {&c.hdsnn.template_seed, &c.jittered.template_seed})
        if (vm.count("template-seed") != 0) *p = template_seed;

    progress_bar progress("generate motifs", 1.0, vm.count("quiet") != 0);
    generate_motifs(c, output, invocation(), {}, [&](double fraction) { progress.update(fraction); });
    progress.finish();
    return 0;
}

}  // namespace evspike::cli
