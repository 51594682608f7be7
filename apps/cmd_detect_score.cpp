// evspike detect score DETECTIONS GROUND_TRUTH: one-to-one matching of detections to true
// occurrences of the same motif within a tolerance (motifs/scoring.hpp); precision, recall, F1
// and the exact-bin hit rate of Perrinet (ICANN 2023).
#include <cstdio>
#include <string>

#include "apps/cli.hpp"
#include "apps/commands.hpp"
#include "core/error.hpp"
#include "io/detector_file.hpp"
#include "io/hdf5.hpp"
#include "io/motif_truth.hpp"
#include "motifs/scoring.hpp"

namespace evspike::cli {

int run_detect_score(const args& a) {
    command_line cl;
    cl.usage = "evspike detect score DETECTIONS GROUND_TRUTH [--tolerance MS] [--json]";
    std::string detections_path, truth_path;
    double tolerance_ms = 0;
    cl.options.add_options()("detections", po::value(&detections_path)->required(),
                             "detections (.h5, from evspike detect run)")(
        "truth", po::value(&truth_path)->required(),
        "file with /motifs ground truth (evspike generate motifs)")(
        "tolerance", time_ms(&tolerance_ms),
        "matching tolerance in ms (default: one bin of the detections)")("json", "print the result as JSON");
    cl.positional.add("detections", 1).add("truth", 1);
    po::variables_map vm;
    if (!cl.parse(a, vm)) return 0;

    const auto detections = read_detections(detections_path);
    const auto truth = read_motif_truth(truth_path);
    if (vm.count("tolerance") == 0) {
        const auto f = h5::file::open_read(detections_path);
        const auto g = f.open_group("detections");
        tolerance_ms = g.has_attribute("bin") ? g.read_attribute<double>("bin") : 1.0;
    }
    motif_events t;
    t.timestamps = truth.occurrence_timestamps_ms;
    t.motif_ids = truth.occurrence_motif_ids;
    const auto r = score_detections(t, detections, {tolerance_ms, 1e-6});
    if (vm.count("json") != 0) {
        std::printf(
            "{\"detections\": %zu, \"occurrences\": %zu, \"matched\": %zu, \"exact_matched\": %zu, "
            "\"tolerance_ms\": %.17g, \"precision\": %.17g, \"recall\": %.17g, \"f1\": %.17g, "
            "\"exact_hit_rate\": %.17g}\n",
            r.detections, r.occurrences, r.matched, r.exact_matched, tolerance_ms, r.precision, r.recall,
            r.f1, r.exact_hit_rate);
    } else {
        std::printf(
            "detections      %zu\noccurrences     %zu\nmatched         %zu (tolerance %g ms)\n"
            "precision       %.4f\nrecall          %.4f\nF1              %.4f\n"
            "exact-bin hits  %zu (hit rate %.4f)\n",
            r.detections, r.occurrences, r.matched, tolerance_ms, r.precision, r.recall, r.f1,
            r.exact_matched, r.exact_hit_rate);
    }
    return 0;
}

}  // namespace evspike::cli
