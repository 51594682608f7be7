// evspike detect score DETECTIONS GROUND_TRUTH: one-to-one matching of detections to true
// occurrences of the same motif within a tolerance (motifs/scoring.hpp); precision, recall, F1
// and the exact-bin hit rate of Perrinet (ICANN 2023).
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "apps/cli.hpp"
#include "apps/commands.hpp"
#include "core/error.hpp"
#include "io/detector_file.hpp"
#include "io/hdf5.hpp"
#include "io/motif_truth.hpp"
#include "io/recording.hpp"
#include "motifs/scoring.hpp"

namespace evspike::cli {
namespace {

// Signs that TRUTH is not the ground truth of the raster the detections were made on (issue 10):
// without them a score near 0 reads as a bad model. **Decision:** warnings on stderr, not errors:
// the score printed is still the right score of these two files (a converted or copied raster is
// legitimately another file), and a bad model can score 0 on its own truth.
std::vector<std::string> mismatch_warnings(const std::string& detections_path, const std::string& truth_path,
                                           const motif_events& detections, const motif_truth& truth,
                                           const score_result& r) {
    std::vector<std::string> out;
    const auto f = h5::file::open_read(detections_path);
    const auto g = f.open_group("detections");
    // The raster named in the detections (as given to detect run) versus the truth file.
    if (g.has_attribute("raster")) {
        const auto raster = g.read_string_attribute("raster");
        std::error_code ec;
        const bool same = std::filesystem::equivalent(raster, truth_path, ec);
        if (!ec && !same)
            out.push_back("the detections were made on " + raster + ", not on " + truth_path +
                          ": is it that raster's ground truth?");
    }
    // Motif ids the truth does not have.
    std::uint64_t truth_motifs = 0;
    if (const auto it = truth.attributes.find("motifs"); it != truth.attributes.end()) {
        if (const auto* v = std::get_if<std::uint64_t>(&it->second)) truth_motifs = *v;
        if (const auto* v = std::get_if<double>(&it->second)) truth_motifs = static_cast<std::uint64_t>(*v);
    }
    for (const auto id : truth.template_motif_ids) truth_motifs = std::max(truth_motifs, id + 1);
    for (const auto id : truth.occurrence_motif_ids) truth_motifs = std::max(truth_motifs, id + 1);
    const auto beyond = std::count_if(detections.motif_ids.begin(), detections.motif_ids.end(),
                                      [&](std::uint64_t m) { return m >= truth_motifs; });
    if (beyond > 0)
        out.push_back(std::to_string(beyond) + " detections name motifs >= " + std::to_string(truth_motifs) +
                      ", which " + truth_path + " does not have");
    // Detections after the end of the truth's raster (from the generator's parameters).
    double end_ms = -1;
    auto number = [&](const char* key) -> double {
        const auto it = truth.attributes.find(key);
        if (it == truth.attributes.end()) return -1;
        if (const auto* v = std::get_if<double>(&it->second)) return *v;
        if (const auto* v = std::get_if<std::uint64_t>(&it->second)) return static_cast<double>(*v);
        return -1;
    };
    if (number("t_stop") > 0) end_ms = number("t_stop");
    else if (number("total_bins") > 0 && number("bin") > 0) end_ms = number("total_bins") * number("bin");
    if (end_ms > 0) {
        const auto late = std::count_if(detections.timestamps.begin(), detections.timestamps.end(),
                                        [&](double t) { return t >= end_ms; });
        if (late > 0)
            out.push_back(std::to_string(late) + " of " + std::to_string(detections.size()) +
                          " detections lie at or after the end of " + truth_path + "'s raster (" +
                          format_double(end_ms) + " ms)");
    }
    if (r.matched == 0 && r.detections > 0 && r.occurrences > 0)
        out.push_back("no detection matched any of the " + std::to_string(r.occurrences) + " occurrences");
    return out;
}

}  // namespace

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
    for (const auto& w : mismatch_warnings(detections_path, truth_path, detections, truth, r))
        std::fprintf(stderr, "warning: %s\n", w.c_str());
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
