// evspike generate hawkes CONFIG -o OUT: a multivariate Hawkes process (SPEC §6), each unit a node
// of one population, streamed to a SONATA spike file in time order (ties by node id).
#include <cstdio>
#include <span>
#include <string>

#include "apps/cli.hpp"
#include "apps/commands.hpp"
#include "io/atomic_file.hpp"
#include "io/generator_config.hpp"
#include "io/spike_file.hpp"
#include "models/hawkes.hpp"

namespace evspike::cli {
namespace {

// Up-front checks (SPEC §8), from the config alone (models/hawkes.hpp, estimate_hawkes): what the
// stability check holds before validating, then the heap of pending events and the file from the
// stationary rates.
void check_validation_memory(const hawkes_params& p, std::uint64_t max_memory) {
    char detail[160];
    std::snprintf(detail, sizeof detail, "%zu units, %zu kernels: the stability check's kernel list and vectors%s",
                  p.units(), p.kernels.size(), p.units() <= dense_stability_units ? " and dense matrices" : "");
    check_memory("generate hawkes", hawkes_validation_bytes(p), detail, max_memory);
}

void check_sizes(const hawkes_params& p, const std::string& output, std::uint64_t max_memory) {
    const hawkes_estimate e = estimate_hawkes(p);
    char detail[160];
    std::snprintf(detail, sizeof detail, "%.3g events expected, %.3g pending at once x 64 B", e.events, e.pending);
    check_memory("generate hawkes", e.memory_bytes, detail, max_memory);
    std::snprintf(detail, sizeof detail, "%.3g events expected x %g B", e.events, file_bytes_per_spike);
    check_output_size(output, e.events * file_bytes_per_spike, detail);
}

}  // namespace

int run_generate_hawkes(const args& a) {
    command_line cl;
    cl.usage = "evspike generate hawkes CONFIG -o OUT [--seed S]";
    std::string config_path, output;
    std::uint64_t seed = 1;
    cl.options.add_options()
        ("config", po::value(&config_path)->required(), "TOML config (keys: docs/generators.md)")
        ("output,o", po::value(&output)->required(), "output SONATA spike file (.h5)")
        ("seed", cli::seed(&seed), "override the config's seed");
    std::uint64_t max_memory = 0;
    add_max_memory(cl.options, &max_memory);
    cl.positional.add("config", 1);
    po::variables_map vm;
    if (!cl.parse(a, vm)) return 0;

    declare_input(config_path, "config");
    check_output(output);
    auto config = load_hawkes_config(config_path,
                                     [&](const hawkes_params& p) { check_validation_memory(p, max_memory); });
    if (vm.count("seed") != 0) config.params.seed = seed;
    const auto& params = config.params;
    check_sizes(params, output, max_memory);

    spike_writer writer(output, provenance{invocation(), params.seed, config.text});
    const std::size_t pop = writer.add_population(config.population);
    progress_bar progress("generate hawkes", params.t_stop_ms, vm.count("quiet") != 0);
    std::uint64_t spikes = 0;
    simulate_hawkes(params, [&](std::span<const double> times, std::span<const std::uint64_t> units) {
        writer.append(pop, times, units);
        spikes += times.size();
        progress.update(times.back());
    });
    writer.commit();
    progress.finish();
    if (vm.count("quiet") == 0)
        std::printf("wrote %s: %llu spikes of %zu units in [0, %g) ms\n", output.c_str(),
                    static_cast<unsigned long long>(spikes), params.units(), params.t_stop_ms);
    return 0;
}

}  // namespace evspike::cli
