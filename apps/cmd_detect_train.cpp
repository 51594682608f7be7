// evspike detect train DATASET -o MODEL: supervised learning of the HD-SNN detector from a raster
// with its ground truth (issue 5), or --templates FILE: the detector built from known templates
// (the generator's log-odds). The threshold is calibrated to maximise F1 on a held-out part (the
// last --holdout of the raster), and train and held-out precision/recall/F1 are printed. The work
// is io/detection.hpp's detect_train, which the Python module calls too.
#include <cstdio>
#include <optional>
#include <string>

#include "apps/cli.hpp"
#include "apps/commands.hpp"
#include "core/error.hpp"
#include "io/detection.hpp"

namespace evspike::cli {

int run_detect_train(const args& a) {
    command_line cl;
    cl.usage =
        "evspike detect train DATASET -o MODEL [--delays D] [--bin MS] [--epochs E] [...]\n"
        "       evspike detect train --templates DATASET -o MODEL";
    detect_train_options o;
    std::uint64_t delays = 0;
    std::int64_t trial_bins = 0;
    double bin_ms = 0, tolerance_ms = 0;
    cl.options.add_options()("dataset", po::value(&o.dataset),
                             "training raster with /motifs ground truth (evspike generate motifs)")(
        "output,o", po::value(&o.output)->required(), "output detector model (.h5, SPEC §7.5)")(
        "templates", po::value(&o.templates),
        "build the model from the known templates of this file instead of learning (the generator's "
        "log-odds); "
        "the threshold is calibrated on DATASET if given, else on this file")(
        "population", po::value(&o.population), "population of the raster (default: the only one)")(
        "delays", count(&delays),
        "D, delays per kernel in bins (default: the dataset's `delays`, else 31)")(
        "bin", positive_time_ms(&bin_ms), "bin width in ms (default: the dataset's `bin`, else 1)")(
        "epochs", count(&o.epochs)->default_value(4), "passes over the training data")(
        "learning-rate", positive(&o.learning_rate)->default_value(1e-3), "Adam step size")(
        "batch-trials", count(&o.batch_trials)->default_value(8),
        "trials per mini-batch (one Adam step)")(
        "trial-bins", whole(&trial_bins, 1),
        "bins per trial (default: the dataset's bins + delays, else 1000); trials are cut from the raster")(
        "l1", non_negative(&o.l1)->default_value(0.0), "L1 penalty on the weights (proximal step), sparsifies")(
        "pos-weight", positive(&o.pos_weight)->default_value(1.0),
        "weight of positive bins in the cross-entropy (class imbalance)")(
        "init", po::value(&o.init)->default_value("naive-bayes"),
        "starting weights: naive-bayes (count-based log-odds from the training data) or zero")(
        "prior-strength", non_negative(&o.prior_strength)->default_value(1.0),
        "naive-bayes init: pseudo-counts at the background rate, per occurrence")(
        "tolerance", time_ms(&tolerance_ms), "calibration: matching tolerance in ms (default: one bin)")(
        "refractory", count_or_zero(&o.refractory_bins)->default_value(0),
        "bins a detector stays silent after a detection (0: one motif length, D); stored in the model")(
        "rule", po::value(&o.rule)->default_value("first-crossing"),
        "detection rule used by calibration and stored in the model: first-crossing, or peak (the "
        "highest score within the refractory period)")(
        "prune", fraction(&o.prune)->default_value(1.0),
        "keep only this fraction of the weights, the largest by |w|, then calibrate the threshold")(
        "holdout", non_negative(&o.holdout)->default_value(0.2),
        "fraction of the raster, at its end (cut at a trial boundary), kept out of training: the "
        "threshold is calibrated there and its precision/recall/F1 reported; 0 calibrates on the "
        "training data")(
        "seed", cli::seed(&o.seed)->default_value(1), "seed of the trial order");
    std::uint64_t max_memory = 0;
    add_max_memory(cl.options, &max_memory);
    cl.positional.add("dataset", 1);
    po::variables_map vm;
    if (!cl.parse(a, vm)) return 0;
    const bool quiet = vm.count("quiet") != 0;
    if (vm.count("delays") != 0) o.delays = delays;
    if (vm.count("bin") != 0) o.bin_ms = bin_ms;
    if (vm.count("trial-bins") != 0) o.trial_bins = trial_bins;
    if (vm.count("tolerance") != 0) o.tolerance_ms = tolerance_ms;
    o.command = invocation();
    o.warn = [](const std::string& text) { std::fprintf(stderr, "warning: %s\n", text.c_str()); };
    o.check_memory = [&](double bytes, const std::string& detail) {
        check_memory("detect train", bytes, detail, max_memory);
    };
    // The bar appears with the first training step (none with --templates: nothing is learned).
    std::optional<progress_bar> bar;
    o.progress = [&](const train_progress& p) {
        if (!bar) bar.emplace("detect train", 1.0, quiet);
        bar->update(p.fraction);
        const bool epoch_end =
            p.epoch == 0 || p.fraction * static_cast<double>(p.epochs) >= static_cast<double>(p.epoch) - 1e-9;
        if (!quiet && epoch_end && p.epoch > 0) {
            char line[128];
            std::snprintf(line, sizeof line, "epoch %zu/%zu: loss %.6g, training recall %.4f", p.epoch, p.epochs,
                          p.loss, p.recall);
            bar->note(line);  // clears the bar's line first, so the epoch line stands alone
        }
    };
    const detect_train_result r = with_usage(cl.usage, [&] { return detect_train(o); });
    if (bar) bar->finish();
    const auto line = [&](const char* what, const score_result& s) {
        std::printf("%s: precision %.4f, recall %.4f, F1 %.4f (%zu detections, %zu occurrences)\n", what, s.precision,
                    s.recall, s.f1, s.detections, s.occurrences);
    };
    std::printf("threshold %.6g calibrated on the %s at tolerance %g ms\n", r.threshold, r.calibrated_on.c_str(),
                r.tolerance_ms);
    line("train", r.train);
    if (r.holdout > 0) {
        char what[96];
        std::snprintf(what, sizeof what, "held-out (last %g %%, from %g ms)", 100 * r.holdout, r.holdout_from_ms);
        line(what, r.held_out);
    }
    std::printf("%s: %zu motifs x %zu neurons x %zu delays of %g ms, threshold %.6g (%.1f s)\n", r.output.c_str(),
                r.motifs, r.neurons, r.delays, r.bin_ms, r.threshold, r.seconds);
    return 0;
}

}  // namespace evspike::cli
