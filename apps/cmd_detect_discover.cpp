// evspike detect discover RASTER -o MODEL --motifs K --duration MS: learns K motifs from an
// unlabeled raster (SPEC §9.2; hard-assignment EM of the detector's generative model, see
// motifs/discover.hpp and docs/detection.md) and writes a detector model that `detect run` uses
// unchanged, with --occurrences where each motif was found.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <string>

#include "apps/cli.hpp"
#include "apps/commands.hpp"
#include "apps/detect_common.hpp"
#include "core/error.hpp"
#include "io/detector_file.hpp"
#include "io/spike_file.hpp"
#include "motifs/discover.hpp"

namespace evspike::cli {

int run_detect_discover(const args& a) {
    command_line cl;
    cl.usage =
        "evspike detect discover RASTER -o MODEL --motifs K --duration MS [--bin MS] [--occurrences OUT.h5]\n"
        "       [--iterations I] [--significance P] [--seed S] [--population NAME]";
    std::string raster_path, output, occurrences_path, population;
    std::uint64_t motifs = 0, iterations = 40, max_memory = 0;
    double duration_ms = 0, bin_ms = 1.0;
    discover_options o;
    cl.options.add_options()("raster", po::value(&raster_path)->required(), "SONATA spike file (no labels needed)")(
        "output,o", po::value(&output)->required(), "output detector model (.h5, SPEC §7.5)")(
        "motifs", count(&motifs)->required(), "K, the number of motifs to learn")(
        "duration", positive_time_ms(&duration_ms)->required(),
        "length of a motif's window in ms (a little longer than the motifs you expect)")(
        "bin", positive_time_ms(&bin_ms)->default_value(1.0), "bin width in ms")(
        "occurrences", po::value(&occurrences_path),
        "also write where each motif was found (a detections file, SPEC §7.4)")(
        "iterations", count(&iterations)->default_value(40), "EM iterations at most")(
        "population", po::value(&population), "population of the raster (default: the only one)")(
        "significance", real(&o.significance, {0, 1, true, true, ""})->default_value(0.01),
        "family-wise false-positive rate of a motif's entries (Poisson test against chance, Bonferroni over "
        "neurons x delays); raise it (e.g. 0.5) for short recordings with few occurrences")(
        "seed", cli::seed(&o.seed)->default_value(1), "seed of the initial and re-seeded motifs");
    add_max_memory(cl.options, &max_memory);
    cl.positional.add("raster", 1);
    po::variables_map vm;
    if (!cl.parse(a, vm)) return 0;
    const bool quiet = vm.count("quiet") != 0;
    const double delays = std::round(duration_ms / bin_ms);
    if (delays < 2)
        throw usage_error("--duration must span at least 2 bins of --bin (" + std::to_string(bin_ms) + " ms)",
                          cl.usage);
    if (delays > 1e6) throw usage_error("--duration / --bin must be <= 1e6 bins", cl.usage);
    o.motifs = static_cast<std::size_t>(motifs);
    o.delays = static_cast<std::size_t>(delays);
    o.bin_ms = bin_ms;
    o.iterations = static_cast<std::size_t>(iterations);

    const spike_reader reader(raster_path);
    const auto pop = detect::pick_population(reader, population);
    // An imported recording's unit ids name the model's neurons (SPEC §9.1): one row per unit,
    // silent ones included.
    const auto unit_ids = reader.unit_ids(pop).value_or(std::vector<std::uint64_t>{});
    const auto raster = detect::load_binned(reader, pop, bin_ms, unit_ids.size(), 0);
    // Sizes before allocating: the templates and the model are motifs x neurons x delays.
    const std::size_t need = discover_memory_bytes(raster.neurons, o.motifs, o.delays);
    check_memory("detect discover", static_cast<double>(need),
                 std::to_string(o.motifs) + " motifs x " + std::to_string(raster.neurons) + " neurons x " +
                     std::to_string(o.delays) + " delays",
                 max_memory);

    const auto t0 = std::chrono::steady_clock::now();
    progress_bar bar("detect discover", static_cast<double>(o.iterations), quiet);
    discover_result r;
    try {
        r = discover_motifs(raster, o, [&](const discover_progress& p) { bar.update(static_cast<double>(p.iteration)); });
    } catch (const model_error& e) {
        throw io_error(raster_path, "/spikes/" + pop, e.what());
    }
    bar.finish();
    const double span_s = static_cast<double>(raster.bins) * bin_ms / 1000.0;
    r.model.origin = "discovered";
    r.model.calibration_rate_hz = static_cast<double>(r.occurrences.size()) / span_s;
    r.model.settings.emplace_back("raster", raster_path);
    r.model.settings.emplace_back("population", pop);
    r.model.settings.emplace_back("method", "hard-EM convolutional motifs (docs/detection.md)");
    r.model.settings.emplace_back("iterations", std::to_string(r.iterations));
    r.model.settings.emplace_back("seed", std::to_string(o.seed));
    r.model.unit_ids = unit_ids;
    write_detector_model(output, r.model, invocation());
    if (!occurrences_path.empty()) {
        detections_writer w(occurrences_path, invocation());
        for (std::size_t k = 0; k < r.occurrences.size(); ++k)
            w.append(r.occurrences.timestamps[k], r.occurrences.motif_ids[k], r.occurrences.scores[k]);
        w.set_attribute("threshold", r.model.threshold);
        w.set_attribute("bin", bin_ms);
        w.set_attribute("delays", static_cast<double>(o.delays));
        w.set_attribute("refractory", static_cast<double>(r.model.refractory()));
        w.set_attribute("rule", to_string(r.model.rule));
        w.set_attribute("model", output);
        w.set_attribute("raster", raster_path);
        w.set_attribute("population", pop);
        w.set_unit_ids(unit_ids);
        w.commit();
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("%s: %zu motifs x %zu neurons x %zu delays of %g ms, %zu occurrences (", output.c_str(),
                r.model.motifs, r.model.neurons, r.model.delays, bin_ms, r.occurrences.size());
    for (std::size_t k = 0; k < r.counts.size(); ++k) std::printf("%s%zu", k == 0 ? "" : " ", r.counts[k]);
    std::printf(" per motif), %zu iterations (%.2f s)\n", r.iterations, seconds);
    return 0;
}

}  // namespace evspike::cli
