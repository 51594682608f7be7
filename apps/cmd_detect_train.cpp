// evspike detect train DATASET -o MODEL: supervised learning of the HD-SNN detector from a raster
// with its ground truth (issue 5), or --templates FILE: the detector built from known templates
// (the generator's log-odds). The threshold is calibrated to maximise F1 on a held-out part (the
// last --holdout of the raster), and train and held-out precision/recall/F1 are printed.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <utility>
#include <string>

#include "apps/cli.hpp"
#include "apps/commands.hpp"
#include "apps/detect_common.hpp"
#include "core/error.hpp"
#include "io/atomic_file.hpp"
#include "io/detector_file.hpp"
#include "io/motif_truth.hpp"
#include "io/spike_file.hpp"
#include "motifs/detector.hpp"
#include "motifs/inference.hpp"

namespace evspike::cli {

namespace {

// Bins [0, cut) and [cut, bins) as two rasters, the second shifted to start at bin 0.
std::pair<binned_raster, binned_raster> split_raster(const binned_raster& r, std::int64_t cut) {
    binned_raster a, b;
    a.neurons = b.neurons = r.neurons;
    a.bins = cut;
    b.bins = r.bins - cut;
    for (std::size_t k = 0; k < r.size(); ++k) {
        auto& into = r.spike_bins[k] < cut ? a : b;
        into.spike_bins.push_back(r.spike_bins[k] < cut ? r.spike_bins[k] : r.spike_bins[k] - cut);
        into.spike_neurons.push_back(r.spike_neurons[k]);
    }
    return {std::move(a), std::move(b)};
}

// Occurrences starting before `cut_ms`, and the others shifted by -cut_ms.
std::pair<motif_events, motif_events> split_events(const motif_events& e, double cut_ms) {
    motif_events a, b;
    for (std::size_t k = 0; k < e.size(); ++k) {
        const bool first = e.timestamps[k] < cut_ms;
        (first ? a : b).timestamps.push_back(first ? e.timestamps[k] : e.timestamps[k] - cut_ms);
        (first ? a : b).motif_ids.push_back(e.motif_ids[k]);
    }
    return {std::move(a), std::move(b)};
}

score_result score_at(const detector_model& model, const binned_raster& raster, const motif_events& truth,
                      double tolerance_ms) {
    const compiled_detector det(model);
    score_options so;
    so.tolerance_ms = tolerance_ms;
    return score_detections(truth, evspike::detect(det, raster), so);
}

}  // namespace

int run_detect_train(const args& a) {
    command_line cl;
    cl.usage =
        "evspike detect train DATASET -o MODEL [--delays D] [--bin MS] [--epochs E] [...]\n"
        "       evspike detect train --templates DATASET -o MODEL";
    std::string dataset_path, output, population, templates_path;
    train_options o;
    std::uint64_t delays = 0;
    std::int64_t trial_bins = 0;
    double bin_ms = 0, tolerance_ms = 0, keep = 1.0, holdout = 0.2;
    std::string init = "naive-bayes", rule;
    cl.options.add_options()("dataset", po::value(&dataset_path),
                             "training raster with /motifs ground truth (evspike generate motifs)")(
        "output,o", po::value(&output)->required(), "output detector model (.h5, SPEC §7.5)")(
        "templates", po::value(&templates_path),
        "build the model from the known templates of this file instead of learning (the generator's "
        "log-odds); "
        "the threshold is calibrated on DATASET if given, else on this file")(
        "population", po::value(&population), "population of the raster (default: the only one)")(
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
        "init", po::value(&init)->default_value("naive-bayes"),
        "starting weights: naive-bayes (count-based log-odds from the training data) or zero")(
        "prior-strength", non_negative(&o.prior_strength)->default_value(1.0),
        "naive-bayes init: pseudo-counts at the background rate, per occurrence")(
        "tolerance", time_ms(&tolerance_ms), "calibration: matching tolerance in ms (default: one bin)")(
        "refractory", count_or_zero(&o.refractory_bins)->default_value(0),
        "bins a detector stays silent after a detection (0: one motif length, D); stored in the model")(
        "rule", po::value(&rule)->default_value("first-crossing"),
        "detection rule used by calibration and stored in the model: first-crossing, or peak (the "
        "highest score within the refractory period)")(
        "prune", fraction(&keep)->default_value(1.0),
        "keep only this fraction of the weights, the largest by |w|, then calibrate the threshold")(
        "holdout", non_negative(&holdout)->default_value(0.2),
        "fraction of the raster, at its end (cut at a trial boundary), kept out of training: the "
        "threshold is calibrated there and its precision/recall/F1 reported; 0 calibrates on the "
        "training data")(
        "seed", cli::seed(&o.seed)->default_value(1), "seed of the trial order");
    cl.positional.add("dataset", 1);
    po::variables_map vm;
    if (!cl.parse(a, vm)) return 0;
    const bool quiet = vm.count("quiet") != 0;
    if (dataset_path.empty() && templates_path.empty())
        throw usage_error("a DATASET or --templates FILE is required", cl.usage);
    if (!(holdout < 1)) throw usage_error("--holdout must be in [0, 1)", cl.usage);
    if (init != "naive-bayes" && init != "zero")
        throw usage_error("--init must be naive-bayes or zero", cl.usage);
    o.naive_bayes_init = init == "naive-bayes";
    try {
        o.rule = parse_detection_rule(rule);
    } catch (const model_error& e) {
        throw usage_error(std::string("--rule: ") + e.what(), cl.usage);
    }

    declare_input(dataset_path, "dataset");
    declare_input(templates_path, "templates file");
    check_output(output);
    const std::string data_path = dataset_path.empty() ? templates_path : dataset_path;
    const auto truth = read_motif_truth(data_path);
    const spike_reader reader(data_path);
    const auto pop = detect::pick_population(reader, population, &truth);
    o.delays = vm.count("delays") != 0
                   ? delays
                   : static_cast<std::size_t>(detect::truth_number(truth, "delays").value_or(31));
    o.bin_ms = vm.count("bin") != 0 ? bin_ms : detect::truth_number(truth, "bin").value_or(1.0);
    o.calibration_tolerance_ms = vm.count("tolerance") != 0 ? tolerance_ms : o.bin_ms;
    const auto data_bins = detect::truth_number(truth, "bins");
    o.trial_bins =
        vm.count("trial-bins") != 0
            ? trial_bins
            : (data_bins ? static_cast<std::int64_t>(*data_bins) + static_cast<std::int64_t>(o.delays)
                         : std::int64_t{1000});
    const auto occurrences = detect::occurrences_of(truth);
    // The detector's size: the `neurons` attribute if the file has one (raster ids must fit),
    // else the raster's own ids and the templates' (a file written by another tool may have
    // background neurons that are in no template).
    const auto attribute_neurons = static_cast<std::size_t>(detect::truth_number(truth, "neurons").value_or(0));
    std::size_t neurons = attribute_neurons;
    std::size_t motifs = static_cast<std::size_t>(detect::truth_number(truth, "motifs").value_or(0));
    for (auto id : truth.occurrence_motif_ids) motifs = std::max<std::size_t>(motifs, id + 1);
    for (auto id : truth.template_motif_ids) motifs = std::max<std::size_t>(motifs, id + 1);
    for (auto id : truth.template_node_ids) neurons = std::max<std::size_t>(neurons, id + 1);
    if (motifs == 0)
        throw io_error(data_path, "/motifs", "no motifs: no templates, occurrences or `motifs` attribute");
    auto raster = detect::load_binned(reader, pop, o.bin_ms, attribute_neurons, 0);
    raster.neurons = std::max(raster.neurons, neurons);
    // An imported recording's unit ids name the model's neurons (SPEC §9.1): one row per unit.
    auto unit_ids = reader.unit_ids(pop).value_or(std::vector<std::uint64_t>{});
    if (!unit_ids.empty() && unit_ids.size() < raster.neurons) {
        std::fprintf(stderr, "warning: %s: /spikes/%s/unit_ids names %zu units but the templates use %zu neurons: "
                     "the model keeps node ids only\n", data_path.c_str(), pop.c_str(), unit_ids.size(), raster.neurons);
        unit_ids.clear();
    }
    if (!unit_ids.empty()) raster.neurons = unit_ids.size();
    // The held-out part: the last `holdout` of the bins, cut at a trial boundary when the raster
    // holds whole trials (the generator's), so no occurrence is split.
    std::int64_t cut = raster.bins;
    if (holdout > 0) {
        const auto want = static_cast<std::int64_t>(std::floor((1.0 - holdout) * static_cast<double>(raster.bins)));
        cut = o.trial_bins > 0 ? want / o.trial_bins * o.trial_bins : want;
        if (cut <= 0 || cut >= raster.bins) cut = want;
        if (cut <= 0 || cut >= raster.bins)
            throw usage_error("--holdout " + std::to_string(holdout) + " leaves no training or held-out bins in a raster of " +
                                  std::to_string(raster.bins) + " bins",
                              cl.usage);
    }
    const auto [train_raster, held_raster] = split_raster(raster, cut);
    const auto [train_occurrences, held_occurrences] = split_events(occurrences, static_cast<double>(cut) * o.bin_ms);
    if (holdout > 0 && held_occurrences.size() == 0)
        throw io_error(data_path, "/motifs/occurrences",
                       "no occurrence in the held-out last " + std::to_string(holdout) +
                           " of the raster: lower --holdout or use 0");
    const auto t0 = std::chrono::steady_clock::now();

    detector_model model;
    if (!templates_path.empty()) {
        const auto templ = dataset_path.empty() ? truth : read_motif_truth(templates_path);
        template_model_options to;
        to.motifs = motifs;
        to.neurons = raster.neurons;
        to.delays = o.delays;
        to.bin_ms = o.bin_ms;
        const auto pb = detect::truth_number(templ, "p_background");
        const auto pm = detect::truth_number(templ, "p_motif");
        if (!pb || !pm)
            throw io_error(templates_path, "/motifs",
                           "--templates needs the attributes p_background and p_motif");
        to.p_background = *pb;
        to.p_motif = *pm;
        std::vector<motif_template_entry> entries;
        for (std::size_t k = 0; k < templ.template_motif_ids.size(); ++k)
            entries.push_back({templ.template_motif_ids[k], templ.template_node_ids[k],
                               templ.template_delays_ms[k], templ.template_weights[k]});
        try {
            model = detector_from_templates(entries, to);
            model.refractory_bins = o.refractory_bins;
            model.rule = o.rule;
        } catch (const model_error& e) {
            throw io_error(templates_path, "/motifs/templates", e.what());
        }
        model.origin = "templates";
        model.settings.emplace_back("templates", templates_path);
        if (keep < 1) prune_weights(model, keep);
    } else {
        progress_bar bar("detect train", 1.0, quiet);
        model = train_detector(train_raster, train_occurrences, motifs, o, [&](const train_progress& p) {
            bar.update(p.fraction);
            const bool epoch_end = p.epoch == 0 || p.fraction * static_cast<double>(p.epochs) >=
                                                       static_cast<double>(p.epoch) - 1e-9;
            if (!quiet && epoch_end && p.epoch > 0) {
                char line[128];
                std::snprintf(line, sizeof line, "epoch %zu/%zu: loss %.6g, training recall %.4f", p.epoch,
                              p.epochs, p.loss, p.recall);
                bar.note(line);  // clears the bar's line first, so the epoch line stands alone
            }
        });
        bar.finish();
        model.origin = "supervised";
        model.settings.emplace_back("dataset", dataset_path);
        if (keep < 1) prune_weights(model, keep);
    }
    // The threshold: calibrated on the held-out part (on the training data with --holdout 0).
    // With --templates nothing is learned and the threshold is the only fitted number: it is
    // calibrated on the whole raster (more occurrences, a steadier threshold), and the held-out
    // line is still printed.
    const bool held = holdout > 0;
    const bool whole_raster = !templates_path.empty();
    const auto& calib_raster = whole_raster ? raster : held ? held_raster : train_raster;
    const auto& calib_occurrences = whole_raster ? occurrences : held ? held_occurrences : train_occurrences;
    const auto calibrated = calibrate_f1(model, calib_raster, calib_occurrences, o.calibration_tolerance_ms);
    const auto on_train =
        held || whole_raster ? score_at(model, train_raster, train_occurrences, o.calibration_tolerance_ms) : calibrated;
    const auto on_held = whole_raster && held ? score_at(model, held_raster, held_occurrences, o.calibration_tolerance_ms)
                                              : calibrated;
    model.calibration_rate_hz =
        static_cast<double>(calibrated.detections) / (static_cast<double>(calib_raster.bins) * o.bin_ms / 1000.0);
    model.settings.emplace_back("holdout", std::to_string(holdout));
    model.settings.emplace_back("holdout_from_ms", std::to_string(static_cast<double>(cut) * o.bin_ms));
    model.settings.emplace_back("calibration_f1", std::to_string(calibrated.f1));
    const auto line = [&](const char* what, const score_result& r) {
        std::printf("%s: precision %.4f, recall %.4f, F1 %.4f (%zu detections, %zu occurrences)\n", what, r.precision,
                    r.recall, r.f1, r.detections, r.occurrences);
    };
    std::printf("threshold %.6g calibrated on the %s at tolerance %g ms\n", model.threshold,
                whole_raster ? "whole raster (templates: nothing learned)" : held ? "held-out part" : "training data",
                o.calibration_tolerance_ms);
    line("train", on_train);
    if (held) {
        char what[96];
        std::snprintf(what, sizeof what, "held-out (last %g %%, from %g ms)", 100 * holdout,
                      static_cast<double>(cut) * o.bin_ms);
        line(what, on_held);
    }
    model.settings.emplace_back("prune_keep_fraction", std::to_string(keep));
    model.unit_ids = unit_ids;
    write_detector_model(output, model, invocation());
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("%s: %zu motifs x %zu neurons x %zu delays of %g ms, threshold %.6g (%.1f s)\n",
                output.c_str(), model.motifs, model.neurons, model.delays, model.bin_ms, model.threshold,
                seconds);
    return 0;
}

}  // namespace evspike::cli
