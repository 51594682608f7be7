// evspike detect discover RASTER -o MODEL --motifs K --duration MS: learns K motifs from an
// unlabeled raster (SPEC §9.2; hard-assignment EM of the detector's generative model, see
// motifs/discover.hpp and docs/detection.md) and writes a detector model that `detect run` uses
// unchanged, with --occurrences where each motif was found.
// The work is io/detection.hpp's detect_discover, which the Python module calls too.
#include <cstdio>
#include <optional>
#include <string>

#include "apps/cli.hpp"
#include "apps/commands.hpp"
#include "core/error.hpp"
#include "io/detection.hpp"

namespace evspike::cli {

int run_detect_discover(const args& a) {
    command_line cl;
    cl.usage =
        "evspike detect discover RASTER -o MODEL --motifs K --duration MS [--bin MS] [--occurrences OUT.h5]\n"
        "       [--iterations I] [--significance P] [--seed S] [--population NAME]";
    detect_discover_options o;
    std::uint64_t max_memory = 0;
    cl.options.add_options()("raster", po::value(&o.raster)->required(), "SONATA spike file (no labels needed)")(
        "output,o", po::value(&o.output)->required(), "output detector model (.h5, SPEC §7.5)")(
        "motifs", count(&o.motifs)->required(), "K, the number of motifs to learn")(
        "duration", positive_time_ms(&o.duration_ms)->required(),
        "length of a motif's window in ms (a little longer than the motifs you expect)")(
        "bin", positive_time_ms(&o.bin_ms)->default_value(1.0), "bin width in ms")(
        "occurrences", po::value(&o.occurrences),
        "also write where each motif was found (a detections file, SPEC §7.4)")(
        "iterations", count(&o.iterations)->default_value(40), "EM iterations at most")(
        "population", po::value(&o.population), "population of the raster (default: the only one)")(
        "significance", real(&o.significance, {0, 1, true, true, ""})->default_value(0.01),
        "family-wise false-positive rate of a motif's entries (Poisson test against chance, Bonferroni over "
        "neurons x delays); raise it (e.g. 0.5) for short recordings with few occurrences")(
        "seed", cli::seed(&o.seed)->default_value(1), "seed of the initial and re-seeded motifs");
    add_max_memory(cl.options, &max_memory);
    cl.positional.add("raster", 1);
    po::variables_map vm;
    if (!cl.parse(a, vm)) return 0;
    const bool quiet = vm.count("quiet") != 0;
    o.command = invocation();
    o.check_memory = [&](double bytes, const std::string& detail) {
        check_memory("detect discover", bytes, detail, max_memory);
    };
    std::optional<progress_bar> bar;
    o.progress = [&](double iteration, double iterations) {
        if (!bar) bar.emplace("detect discover", iterations, quiet);
        bar->update(iteration);
    };
    const detect_discover_result r = with_usage(cl.usage, [&] { return detect_discover(o); });
    if (bar) bar->finish();
    std::printf("%s: %zu motifs x %zu neurons x %zu delays of %g ms, %zu occurrences (", r.output.c_str(), r.motifs,
                r.neurons, r.delays, r.bin_ms, r.occurrences.size());
    for (std::size_t k = 0; k < r.counts.size(); ++k) std::printf("%s%zu", k == 0 ? "" : " ", r.counts[k]);
    std::printf(" per motif), %zu iterations (%.2f s)\n", r.iterations, r.seconds);
    return 0;
}

}  // namespace evspike::cli
