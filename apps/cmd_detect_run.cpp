// evspike detect run MODEL RASTER -o DETECTIONS: event-driven inference of the HD-SNN detector
// (issue 5). The raster is streamed from the file in chunks; each spike adds its kept weights to
// a ring of D bins x motifs (motifs/inference.hpp). With --expected-count N the threshold is set
// so that the run gives N detections (the accuracy protocol of Perrinet, ICANN 2023): candidate
// scores are collected in a first pass, the threshold chosen, and the detection rule replayed.
// As in the paper, that protocol judges every bin on its own (refractory 1 bin, no suppression)
// unless --refractory is given; online runs use the model's refractory period (default D).
// The work is io/detection.hpp's detect_run, which the Python module calls too.
#include <cmath>
#include <cstdio>
#include <optional>
#include <string>

#include "apps/cli.hpp"
#include "apps/commands.hpp"
#include "core/error.hpp"
#include "io/detection.hpp"

namespace evspike::cli {

int run_detect_run(const args& a) {
    command_line cl;
    cl.usage =
        "evspike detect run MODEL RASTER -o DETECTIONS [--prune F] [--expected-count N] [--threshold X]\n"
        "       [--refractory R] [--rule peak|first-crossing] [--population NAME]";
    detect_run_options o;
    std::string rule_name;
    double threshold = NAN;
    std::uint64_t expected = 0, refractory_bins = 0;
    cl.options.add_options()("model", po::value(&o.model)->required(),
                             "detector model (.h5, from evspike detect train)")(
        "raster", po::value(&o.raster)->required(), "SONATA spike file to scan")(
        "output,o", po::value(&o.output)->required(), "output detections (.h5, SPEC §7.4)")(
        "population", po::value(&o.population), "population of the raster (default: the only one)")(
        "prune", fraction(&o.prune)->default_value(1.0),
        "keep only this fraction of the weights, the largest by |w| (e.g. 0.032 ~ 1/31); 1 keeps all")(
        "expected-count", count(&expected),
        "set the threshold so that there are N detections, as in the paper's accuracy protocol, where "
        "every (bin, motif) at or above it is one: refractory 1 bin unless --refractory is given")(
        "threshold", finite(&threshold), "override the model's threshold (logit units)")(
        "refractory", count(&refractory_bins),
        "refractory period in bins (>= 1; 1 = every bin judged on its own, no suppression); default: "
        "the model's (one motif length unless trained otherwise), or 1 with --expected-count")(
        "rule", po::value(&rule_name),
        "override the model's detection rule: first-crossing, or peak (the highest score within the "
        "refractory period)");
    std::uint64_t max_memory = 0;
    add_max_memory(cl.options, &max_memory);
    cl.positional.add("model", 1).add("raster", 1);
    po::variables_map vm;
    if (!cl.parse(a, vm)) return 0;
    const bool quiet = vm.count("quiet") != 0;
    if (vm.count("expected-count") != 0) o.expected_count = expected;
    if (vm.count("threshold") != 0) o.threshold = threshold;
    if (vm.count("refractory") != 0) o.refractory_bins = refractory_bins;
    if (vm.count("rule") != 0) o.rule = rule_name;
    o.command = invocation();
    o.warn = [](const std::string& text) { std::fprintf(stderr, "warning: %s\n", text.c_str()); };
    o.check_memory = [&](double bytes, const std::string& detail) {
        check_memory("detect run", bytes, detail, max_memory);
    };
    // One bar per pass over the raster (with --expected-count, one per floor tried).
    std::optional<progress_bar> bar;
    std::string pass;
    double last = 0;
    o.progress = [&](const char* name, double done, double total) {
        if (!bar || pass != name || done < last) {
            if (bar) bar->finish();
            bar.emplace(name, total, quiet);
            pass = name;
        }
        last = done;
        bar->update(done);
    };
    const detect_run_result r = with_usage(cl.usage, [&] { return detect_run(o); });
    if (bar) bar->finish();
    std::printf(
        "%s: %llu detections, threshold %.6g, %zu weights kept; %llu input spikes in %.3f s (%.3g "
        "spikes/s; %.3f s CPU, %.3g spikes per CPU second)\n",
        r.output.c_str(), static_cast<unsigned long long>(r.detections), r.threshold, r.kept_weights,
        static_cast<unsigned long long>(r.spikes), r.seconds, r.seconds > 0 ? static_cast<double>(r.spikes) / r.seconds : 0.0,
        r.cpu_seconds, r.cpu_seconds > 0 ? static_cast<double>(r.spikes) / r.cpu_seconds : 0.0);
    return 0;
}

}  // namespace evspike::cli
