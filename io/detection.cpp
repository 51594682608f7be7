#include "io/detection.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <limits>
#include <utility>
#include <variant>

#include "core/error.hpp"
#include "core/time.hpp"
#include "io/atomic_file.hpp"
#include "io/detector_file.hpp"
#include "motifs/estimate.hpp"
#include "motifs/discover.hpp"
#include "motifs/inference.hpp"

namespace evspike {

// --- helpers -------------------------------------------------------------------------------------

std::string pick_detect_population(const spike_reader& reader, const std::string& requested,
                                   const motif_truth* truth) {
    const auto names = reader.populations();
    const auto has = [&](const std::string& n) { return std::find(names.begin(), names.end(), n) != names.end(); };
    if (!requested.empty()) {
        if (!has(requested)) throw io_error(reader.path(), "/spikes/" + requested, "no such population");
        return requested;
    }
    if (truth != nullptr) {
        const auto it = truth->attributes.find("population");
        if (it != truth->attributes.end() && std::holds_alternative<std::string>(it->second) &&
            has(std::get<std::string>(it->second)))
            return std::get<std::string>(it->second);
    }
    if (names.size() == 1) return names.front();
    if (names.empty()) throw io_error(reader.path(), "/spikes", "no population");
    throw io_error(reader.path(), "/spikes", "several populations: choose one with --population");
}

std::optional<double> truth_number(const motif_truth& truth, const std::string& key) {
    const auto it = truth.attributes.find(key);
    if (it == truth.attributes.end()) return std::nullopt;
    if (const auto* d = std::get_if<double>(&it->second)) return *d;
    if (const auto* u = std::get_if<std::uint64_t>(&it->second)) return static_cast<double>(*u);
    return std::nullopt;
}

motif_events occurrences_of(const motif_truth& truth) {
    motif_events e;
    e.timestamps = truth.occurrence_timestamps_ms;
    e.motif_ids = truth.occurrence_motif_ids;
    return e;
}

binned_raster load_binned(const spike_reader& reader, const std::string& population, double bin_ms,
                          std::size_t neurons, std::int64_t bins) {
    const auto table = reader.read(population);
    try {
        return bin_raster(table.timestamps, table.node_ids, bin_ms, neurons, bins);
    } catch (const model_error&) {
        throw;
    } catch (const error& e) {
        throw io_error(reader.path(), "/spikes/" + population, e.what());
    }
}

namespace {

// --- option checks -------------------------------------------------------------------------------
// The command line checks these while parsing (apps/cli.hpp); a library caller (Python) gets the
// same messages here: "--epochs: must be a whole number >= 1, got '0'".

std::string shortest(double v) {
    char buffer[32];
    for (int digits = 1; digits <= 17; ++digits) {
        std::snprintf(buffer, sizeof buffer, "%.*g", digits, v);
        if (std::strtod(buffer, nullptr) == v) break;
    }
    return buffer;
}

// Training expected to take longer than this gets a warning before it starts (motifs/estimate.hpp).
constexpr double long_training_seconds = 60.0;

// "55 min", "3.2 h", "40 s".
std::string duration_text(double seconds) {
    char buffer[32];
    if (seconds < 120)
        std::snprintf(buffer, sizeof buffer, "%.0f s", seconds);
    else if (seconds < 7200)
        std::snprintf(buffer, sizeof buffer, "%.0f min", seconds / 60);
    else
        std::snprintf(buffer, sizeof buffer, "%.2g h", seconds / 3600);
    return buffer;
}

// A warning: to the caller's callback (the command prints it at once) and into the result.
void warn(const std::function<void(const std::string&)>& callback, std::vector<std::string>& into, std::string text) {
    if (callback) callback(text);
    into.push_back(std::move(text));
}

// printf into a string of the right size (measured first). g++ 12 cannot see that the second call
// fits and warns of truncation, hence the pragma.
#if defined(__GNUC__) && !defined(__clang__)  // clang has no such warning (and warns of the pragma)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-truncation"
#endif
std::string format(const char* pattern, auto... args) {
    const int n = std::snprintf(nullptr, 0, pattern, args...);
    if (n <= 0) return {};
    std::string text(static_cast<std::size_t>(n) + 1, '\0');
    std::snprintf(text.data(), text.size(), pattern, args...);
    text.resize(static_cast<std::size_t>(n));
    return text;
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

[[noreturn]] void refuse(const std::string& name, const std::string& limit, const std::string& got) {
    throw option_error(name, "--" + name + ": must be " + limit + ", got '" + got + "'");
}

void need_whole(const std::string& name, std::uint64_t v, std::uint64_t min) {
    if (v < min) refuse(name, "a whole number >= " + std::to_string(min), std::to_string(v));
}

// min < v <= max (min_open) or min <= v <= max, finite.
void need_real(const std::string& name, double v, double min, bool min_open, double max, const std::string& limit) {
    if (!std::isfinite(v) || v < min || (min_open && v == min) || v > max) refuse(name, limit, shortest(v));
}
void need_positive(const std::string& name, double v) {
    need_real(name, v, 0.0, true, std::numeric_limits<double>::max(), "a finite number > 0");
}
void need_non_negative(const std::string& name, double v) {
    need_real(name, v, 0.0, false, std::numeric_limits<double>::max(), "a finite number >= 0");
}
void need_positive_time(const std::string& name, double v) {
    need_real(name, v, 0.0, true, max_time_ms, "a finite number in (0, " + shortest(max_time_ms) + "] ms");
}
void need_time(const std::string& name, double v) {
    need_real(name, v, 0.0, false, max_time_ms, "a finite number in [0, " + shortest(max_time_ms) + "] ms");
}
void need_fraction(const std::string& name, double v) {
    need_real(name, v, 0.0, true, 1.0, "a finite number in (0, 1]");
}
void need_output(const std::string& output) {
    if (output.empty()) throw option_error("output", "the option '--output' is required but missing");
}

detection_rule_kind rule_option(const std::string& text) {
    try {
        return parse_detection_rule(text);
    } catch (const model_error& e) {
        throw option_error("rule", std::string("--rule: ") + e.what());
    }
}

// --- detect train --------------------------------------------------------------------------------

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

detect_train_result detect_train(const detect_train_options& opt) {
    need_output(opt.output);
    if (opt.delays) need_whole("delays", *opt.delays, 1);
    if (opt.bin_ms) need_positive_time("bin", *opt.bin_ms);
    need_whole("epochs", opt.epochs, 1);
    need_positive("learning-rate", opt.learning_rate);
    need_whole("batch-trials", opt.batch_trials, 1);
    if (opt.trial_bins && *opt.trial_bins < 1) refuse("trial-bins", "a whole number >= 1", std::to_string(*opt.trial_bins));
    need_non_negative("l1", opt.l1);
    need_positive("pos-weight", opt.pos_weight);
    need_non_negative("prior-strength", opt.prior_strength);
    if (opt.tolerance_ms) need_time("tolerance", *opt.tolerance_ms);
    need_fraction("prune", opt.prune);
    need_non_negative("holdout", opt.holdout);

    const double holdout = opt.holdout, keep = opt.prune;
    if (opt.dataset.empty() && opt.templates.empty())
        throw option_error("dataset", "a DATASET or --templates FILE is required");
    if (!(holdout < 1)) throw option_error("holdout", "--holdout must be in [0, 1)");
    if (opt.init != "naive-bayes" && opt.init != "zero")
        throw option_error("init", "--init must be naive-bayes or zero");
    train_options o;
    o.epochs = opt.epochs;
    o.learning_rate = opt.learning_rate;
    o.batch_trials = opt.batch_trials;
    o.l1 = opt.l1;
    o.pos_weight = opt.pos_weight;
    o.prior_strength = opt.prior_strength;
    o.refractory_bins = opt.refractory_bins;
    o.seed = opt.seed;
    o.naive_bayes_init = opt.init == "naive-bayes";
    o.rule = rule_option(opt.rule);

    check_output_against(opt.output, {{opt.dataset, "dataset"}, {opt.templates, "templates file"}});
    const std::string data_path = opt.dataset.empty() ? opt.templates : opt.dataset;
    const auto truth = read_motif_truth(data_path);
    const spike_reader reader(data_path);
    const auto pop = pick_detect_population(reader, opt.population, &truth);
    o.delays = opt.delays ? *opt.delays : static_cast<std::size_t>(truth_number(truth, "delays").value_or(31));
    o.bin_ms = opt.bin_ms ? *opt.bin_ms : truth_number(truth, "bin").value_or(1.0);
    o.calibration_tolerance_ms = opt.tolerance_ms ? *opt.tolerance_ms : o.bin_ms;
    const auto data_bins = truth_number(truth, "bins");
    o.trial_bins = opt.trial_bins ? *opt.trial_bins
                                  : (data_bins ? static_cast<std::int64_t>(*data_bins) + static_cast<std::int64_t>(o.delays)
                                               : std::int64_t{1000});
    const auto occurrences = occurrences_of(truth);
    // The detector's size: the `neurons` attribute if the file has one (raster ids must fit),
    // else the raster's own ids and the templates' (a file written by another tool may have
    // background neurons that are in no template).
    const auto attribute_neurons = static_cast<std::size_t>(truth_number(truth, "neurons").value_or(0));
    std::size_t neurons = attribute_neurons;
    std::size_t motifs = static_cast<std::size_t>(truth_number(truth, "motifs").value_or(0));
    for (auto id : truth.occurrence_motif_ids) motifs = std::max<std::size_t>(motifs, id + 1);
    for (auto id : truth.template_motif_ids) motifs = std::max<std::size_t>(motifs, id + 1);
    for (auto id : truth.template_node_ids) neurons = std::max<std::size_t>(neurons, id + 1);
    if (motifs == 0)
        throw io_error(data_path, "/motifs", "no motifs: no templates, occurrences or `motifs` attribute");
    // Up-front (SPEC §8), before binning: the tensors, the spikes, and the trials of the raster's
    // length in bins (from the truth's t_stop, or total_bins x its bin); and the time it will take.
    const double span_ms = truth_number(truth, "t_stop")
                               .value_or(truth_number(truth, "total_bins").value_or(0.0) *
                                         truth_number(truth, "bin").value_or(1.0));
    const auto e = estimate_detector_training(
        static_cast<double>(motifs), static_cast<double>(std::max<std::size_t>(neurons, 1)),
        static_cast<double>(o.delays), static_cast<double>(reader.size(pop)), span_ms / o.bin_ms,
        static_cast<double>(o.trial_bins), static_cast<double>(o.epochs));
    if (opt.check_memory)
        opt.check_memory(e.memory_bytes,
                         format("%zu motifs x %zu neurons x %zu delays x 24 B, %.3g trials of %lld bins of %g ms",
                                motifs, std::max<std::size_t>(neurons, 1), static_cast<std::size_t>(o.delays),
                                e.trials, static_cast<long long>(o.trial_bins), o.bin_ms));
    detect_train_result r;
    if (e.seconds > long_training_seconds)
        warn(opt.warn, r.warnings,
             format("%s: --bin %g ms makes %.3g bins: training evaluates %.3g bin x motif logits per epoch x %zu "
                    "epochs, about %s on one core (%.0e per second); a coarser --bin or fewer --epochs is faster",
                    data_path.c_str(), o.bin_ms, span_ms / o.bin_ms, e.logits_per_epoch,
                    static_cast<std::size_t>(o.epochs), duration_text(e.seconds).c_str(), detector_logits_per_second));
    auto raster = load_binned(reader, pop, o.bin_ms, attribute_neurons, 0);
    raster.neurons = std::max(raster.neurons, neurons);
    // An imported recording's unit ids name the model's neurons (SPEC §9.1): one row per unit.
    auto unit_ids = reader.unit_ids(pop).value_or(std::vector<std::uint64_t>{});
    if (!unit_ids.empty() && unit_ids.size() < raster.neurons) {
        warn(opt.warn, r.warnings,
             format("%s: /spikes/%s/unit_ids names %zu units but the templates use %zu neurons: the model keeps node "
                    "ids only",
                    data_path.c_str(), pop.c_str(), unit_ids.size(), raster.neurons));
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
            throw option_error("holdout", "--holdout " + std::to_string(holdout) +
                                              " leaves no training or held-out bins in a raster of " +
                                              std::to_string(raster.bins) + " bins");
    }
    const auto [train_raster, held_raster] = split_raster(raster, cut);
    const auto [train_occurrences, held_occurrences] = split_events(occurrences, static_cast<double>(cut) * o.bin_ms);
    if (holdout > 0 && held_occurrences.size() == 0)
        throw io_error(data_path, "/motifs/occurrences",
                       "no occurrence in the held-out last " + std::to_string(holdout) +
                           " of the raster: lower --holdout or use 0");
    const auto t0 = std::chrono::steady_clock::now();

    detector_model model;
    if (!opt.templates.empty()) {
        const auto templ = opt.dataset.empty() ? truth : read_motif_truth(opt.templates);
        template_model_options to;
        to.motifs = motifs;
        to.neurons = raster.neurons;
        to.delays = o.delays;
        to.bin_ms = o.bin_ms;
        const auto pb = truth_number(templ, "p_background");
        const auto pm = truth_number(templ, "p_motif");
        if (!pb || !pm)
            throw io_error(opt.templates, "/motifs", "--templates needs the attributes p_background and p_motif");
        to.p_background = *pb;
        to.p_motif = *pm;
        std::vector<motif_template_entry> entries;
        for (std::size_t k = 0; k < templ.template_motif_ids.size(); ++k)
            entries.push_back({templ.template_motif_ids[k], templ.template_node_ids[k], templ.template_delays_ms[k],
                               templ.template_weights[k]});
        try {
            model = detector_from_templates(entries, to);
            model.refractory_bins = o.refractory_bins;
            model.rule = o.rule;
        } catch (const model_error& e) {
            throw io_error(opt.templates, "/motifs/templates", e.what());
        }
        model.origin = "templates";
        model.settings.emplace_back("templates", opt.templates);
        if (keep < 1) prune_weights(model, keep);
    } else {
        model = train_detector(train_raster, train_occurrences, motifs, o, opt.progress);
        model.origin = "supervised";
        model.settings.emplace_back("dataset", opt.dataset);
        if (keep < 1) prune_weights(model, keep);
    }
    // The threshold: calibrated on the held-out part (on the training data with --holdout 0).
    // With --templates nothing is learned and the threshold is the only fitted number: it is
    // calibrated on the whole raster (more occurrences, a steadier threshold), and the held-out
    // score is still given.
    const bool held = holdout > 0;
    const bool whole_raster = !opt.templates.empty();
    const auto& calib_raster = whole_raster ? raster : held ? held_raster : train_raster;
    const auto& calib_occurrences = whole_raster ? occurrences : held ? held_occurrences : train_occurrences;
    const auto calibrated = calibrate_f1(model, calib_raster, calib_occurrences, o.calibration_tolerance_ms);
    r.train = held || whole_raster ? score_at(model, train_raster, train_occurrences, o.calibration_tolerance_ms)
                                   : calibrated;
    r.held_out = whole_raster && held ? score_at(model, held_raster, held_occurrences, o.calibration_tolerance_ms)
                                      : calibrated;
    model.calibration_rate_hz =
        static_cast<double>(calibrated.detections) / (static_cast<double>(calib_raster.bins) * o.bin_ms / 1000.0);
    model.settings.emplace_back("holdout", std::to_string(holdout));
    model.settings.emplace_back("holdout_from_ms", std::to_string(static_cast<double>(cut) * o.bin_ms));
    model.settings.emplace_back("calibration_f1", std::to_string(calibrated.f1));
    model.settings.emplace_back("prune_keep_fraction", std::to_string(keep));
    model.unit_ids = unit_ids;
    write_detector_model(opt.output, model, opt.command);
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    r.output = opt.output;
    r.motifs = model.motifs;
    r.neurons = model.neurons;
    r.delays = model.delays;
    r.bin_ms = model.bin_ms;
    r.threshold = model.threshold;
    r.tolerance_ms = o.calibration_tolerance_ms;
    r.calibrated_on = whole_raster ? "whole raster (templates: nothing learned)" : held ? "held-out part" : "training data";
    r.holdout = holdout;
    r.holdout_from_ms = static_cast<double>(cut) * o.bin_ms;
    return r;
}

// --- detect run ----------------------------------------------------------------------------------

namespace {

// Streams the population through a scanner with the given floor; sorted-by-time files are read in
// chunks, other files are read whole and sorted.
std::uint64_t scan_file(const spike_reader& reader, const std::string& pop, const compiled_detector& det, float floor,
                        bool prefilter, const std::function<void(const candidate&)>& sink,
                        const std::function<void(double)>& progress, const neuron_mapping& mapping,
                        std::pair<double, double>* span = nullptr) {
    evidence_scanner scanner(det, floor, sink, prefilter);
    const double bin_ms = det.bin_ms();
    std::uint64_t seen = 0;
    const auto push_all = [&](const std::vector<double>& t, const std::vector<std::uint64_t>& ids) {
        for (std::size_t k = 0; k < t.size(); ++k) {
            if (!mapping.model_neuron.empty()) {
                // Matched by unit id: a unit the model does not have is ignored.
                if (ids[k] >= mapping.model_neuron.size())
                    throw io_error(reader.path(), "/spikes/" + pop + "/node_ids",
                                   "node id " + std::to_string(ids[k]) + " has no unit id (unit_ids has " +
                                       std::to_string(mapping.model_neuron.size()) + ")");
                if (mapping.model_neuron[ids[k]] >= 0)
                    scanner.push(time_to_bin(t[k], bin_ms), static_cast<std::uint32_t>(mapping.model_neuron[ids[k]]));
                continue;
            }
            if (ids[k] >= det.neurons())
                throw io_error(reader.path(), "/spikes/" + pop + "/node_ids",
                               "node id " + std::to_string(ids[k]) + " >= the model's " +
                                   std::to_string(det.neurons()) + " neurons");
            scanner.push(time_to_bin(t[k], bin_ms), static_cast<std::uint32_t>(ids[k]));
        }
        seen += t.size();
        if (span != nullptr && !t.empty()) {
            if (seen == t.size()) span->first = t.front();
            span->second = t.back();
        }
        if (progress) progress(static_cast<double>(seen));
    };
    if (reader.sorting(pop) == spike_sorting::by_time) {
        reader.for_each_chunk(pop, std::size_t{1} << 16,
                              [&](const spike_table& chunk) { push_all(chunk.timestamps, chunk.node_ids); });
    } else {
        auto table = reader.read(pop);
        std::vector<std::size_t> order(table.size());
        for (std::size_t k = 0; k < order.size(); ++k) order[k] = k;
        std::stable_sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) {
            return table.timestamps[x] != table.timestamps[y] ? table.timestamps[x] < table.timestamps[y]
                                                              : table.node_ids[x] < table.node_ids[y];
        });
        spike_table sorted;
        for (auto k : order) {
            sorted.timestamps.push_back(table.timestamps[k]);
            sorted.node_ids.push_back(table.node_ids[k]);
        }
        push_all(sorted.timestamps, sorted.node_ids);
    }
    scanner.finish();
    return scanner.spikes();
}

}  // namespace

detect_run_result detect_run(const detect_run_options& opt) {
    if (!opt.keep_in_memory) need_output(opt.output);
    need_fraction("prune", opt.prune);
    if (opt.expected_count) need_whole("expected-count", *opt.expected_count, 1);
    if (opt.threshold && !std::isfinite(*opt.threshold)) refuse("threshold", "a finite number", shortest(*opt.threshold));
    if (opt.refractory_bins) need_whole("refractory", *opt.refractory_bins, 1);
    const double keep = opt.prune;
    if (opt.expected_count && opt.threshold)
        throw option_error("expected-count", "--expected-count and --threshold exclude each other");

    check_output_against(opt.output, {{opt.model, "model"}, {opt.raster, "raster"}});
    auto model = read_detector_model(opt.model);
    if (opt.threshold) model.threshold = *opt.threshold;
    if (opt.refractory_bins) {
        model.refractory_bins = *opt.refractory_bins;
    } else if (opt.expected_count) {
        model.refractory_bins = static_cast<std::size_t>(expected_count_refractory_bins);
    }
    if (opt.rule) model.rule = rule_option(*opt.rule);
    const spike_reader reader(opt.raster);
    const auto pop = pick_detect_population(reader, opt.population);
    const compiled_detector det(model, keep);
    detect_run_result r;
    const neuron_mapping mapping = map_neurons(model, opt.model, reader.unit_ids(pop), opt.raster, pop);
    if (!mapping.warning.empty()) warn(opt.warn, r.warnings, mapping.warning);
    const auto refractory = model.refractory();
    const auto t0 = std::chrono::steady_clock::now();
    const std::clock_t cpu0 = std::clock();
    const double total = static_cast<double>(reader.size(pop));
    if (opt.expected_count) {
        // A detection is a (bin, motif) that some spike's evidence reaches: at most spikes x D x motifs.
        const double most = total * static_cast<double>(model.delays) * static_cast<double>(model.motifs);
        if (static_cast<double>(*opt.expected_count) > most)
            throw option_error("expected-count",
                               "--expected-count: must be at most " + std::to_string(static_cast<std::uint64_t>(most)) +
                                   " for this raster and model (spikes x delays x motifs), got " +
                                   std::to_string(*opt.expected_count));
    }
    if (opt.check_memory) {
        // Up-front (SPEC §8), before the scans: the compiled copy of the weights (with its index) and, with
        // expected_count, the candidates held to set the threshold.
        const double weights = static_cast<double>(model.weights.size());
        const double candidates = opt.expected_count ? static_cast<double>(*opt.expected_count) * 4.0 : 0.0;
        opt.check_memory(weights * 12.0 + candidates * 16.0,
                         format("%.3g weights x 12 B, %.3g candidates x 16 B", weights, candidates));
    }

    std::optional<detections_writer> writer;
    if (!opt.output.empty()) writer.emplace(opt.output, opt.command);
    std::uint64_t spikes = 0, found = 0;
    const auto emit = [&](const candidate& c) {
        const double t = static_cast<double>(c.bin - static_cast<std::int64_t>(model.delays) + 1) * model.bin_ms;
        if (writer) writer->append(t, c.motif, c.score);
        if (opt.keep_in_memory) {
            r.events.timestamps.push_back(t);
            r.events.motif_ids.push_back(c.motif);
            r.events.scores.push_back(c.score);
        }
        ++found;
    };
    const auto progress_of = [&](const char* pass) -> std::function<void(double)> {
        if (!opt.progress) return {};
        return [&opt, pass, total](double done) { opt.progress(pass, done, total); };
    };
    float used_threshold = static_cast<float>(model.threshold);
    std::pair<double, double> span{0.0, 0.0};  // first and last spike time (ms), online runs
    if (opt.expected_count) {
        const auto expected = *opt.expected_count;
        // Lower the floor until the candidates can give N detections.
        std::vector<candidate> candidates;
        bool ok = false;
        const float first_floor = used_threshold;
        for (int step = 0; first_floor - 8.0f * static_cast<float>(step) > -1000.0f; ++step) {
            const float floor = first_floor - 8.0f * static_cast<float>(step);
            candidates.clear();
            if (opt.progress) opt.progress("detect run (collect)", 0.0, total);
            spikes = scan_file(
                reader, pop, det, floor, false, [&](const candidate& c) { candidates.push_back(c); },
                progress_of("detect run (collect)"), mapping);
            ok = threshold_for_count(candidates, model.motifs, refractory, model.rule, expected, used_threshold);
            if (ok) break;
        }
        if (!ok)
            throw error(opt.raster + ": cannot reach " + std::to_string(expected) +
                        " detections at any threshold (the raster yields fewer)");
        for (const auto& c : apply_rule(candidates, model.motifs, refractory, used_threshold, model.rule)) emit(c);
    } else {
        detection_rule rule(model.motifs, refractory, used_threshold, model.rule);
        spikes = scan_file(
            reader, pop, det, used_threshold, true, [&](const candidate& c) { rule.push(c, emit); },
            progress_of("detect run"), mapping, &span);
        rule.finish(emit);
        // Honest threshold: warn when this raster's detection rate is far from the calibration's.
        const double seconds_covered = (span.second - span.first + model.bin_ms) / 1000.0;
        const double rate = static_cast<double>(found) / seconds_covered;
        const double calibrated = model.calibration_rate_hz;
        if (spikes > 0 && (found == 0 || (calibrated > 0 && (rate > 10 * calibrated || rate < 0.1 * calibrated)))) {
            warn(opt.warn, r.warnings,
                 format("%s: %llu detections in %.4g s (%.3g/s) where the calibration gave %.3g/s: the threshold "
                        "%.4g may not suit this raster (try --expected-count or --threshold)",
                        opt.raster.c_str(), static_cast<unsigned long long>(found), seconds_covered, rate, calibrated,
                        static_cast<double>(used_threshold)));
        }
    }
    if (writer) {
        writer->set_attribute("threshold", static_cast<double>(used_threshold));
        writer->set_attribute("bin", model.bin_ms);
        writer->set_attribute("delays", static_cast<double>(model.delays));
        writer->set_attribute("refractory", static_cast<double>(refractory));
        writer->set_attribute("rule", to_string(model.rule));
        writer->set_attribute("prune_keep_fraction", keep);
        writer->set_attribute("kept_weights", static_cast<double>(det.kept_weights()));
        writer->set_attribute("model", opt.model);
        writer->set_attribute("raster", opt.raster);
        writer->set_attribute("population", pop);
        writer->set_unit_ids(model.unit_ids);
        writer->commit();
    }
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    r.cpu_seconds = static_cast<double>(std::clock() - cpu0) / CLOCKS_PER_SEC;
    r.output = opt.output;
    r.population = pop;
    r.detections = found;
    r.spikes = spikes;
    r.threshold = static_cast<double>(used_threshold);
    r.kept_weights = det.kept_weights();
    r.refractory_bins = refractory;
    r.rule = to_string(model.rule);
    return r;
}

// --- detect discover -----------------------------------------------------------------------------

detect_discover_result detect_discover(const detect_discover_options& opt) {
    need_output(opt.output);
    need_whole("motifs", opt.motifs, 1);
    need_positive_time("duration", opt.duration_ms);
    need_positive_time("bin", opt.bin_ms);
    need_whole("iterations", opt.iterations, 1);
    need_real("significance", opt.significance, 0.0, true, 1.0, "a finite number in (0, 1)");
    if (opt.significance == 1.0) refuse("significance", "a finite number in (0, 1)", shortest(opt.significance));
    const double bin_ms = opt.bin_ms;
    const double delays = std::round(opt.duration_ms / bin_ms);
    if (delays < 2)
        throw option_error("duration", "--duration must span at least 2 bins of --bin (" + std::to_string(bin_ms) + " ms)");
    if (delays > 1e6) throw option_error("duration", "--duration / --bin must be <= 1e6 bins");
    discover_options o;
    o.significance = opt.significance;
    o.seed = opt.seed;
    o.motifs = static_cast<std::size_t>(opt.motifs);
    o.delays = static_cast<std::size_t>(delays);
    o.bin_ms = bin_ms;
    o.iterations = static_cast<std::size_t>(opt.iterations);

    check_output_against(opt.output, {{opt.raster, "raster"}});
    check_output_against(opt.occurrences, {{opt.raster, "raster"}});
    const spike_reader reader(opt.raster);
    const auto pop = pick_detect_population(reader, opt.population);
    // An imported recording's unit ids name the model's neurons (SPEC §9.1): one row per unit,
    // silent ones included.
    const auto unit_ids = reader.unit_ids(pop).value_or(std::vector<std::uint64_t>{});
    const auto raster = load_binned(reader, pop, bin_ms, unit_ids.size(), 0);
    // Sizes before allocating: the templates and the model are motifs x neurons x delays.
    if (opt.check_memory)
        opt.check_memory(static_cast<double>(discover_memory_bytes(raster.neurons, o.motifs, o.delays)),
                         std::to_string(o.motifs) + " motifs x " + std::to_string(raster.neurons) + " neurons x " +
                             std::to_string(o.delays) + " delays");

    const auto t0 = std::chrono::steady_clock::now();
    discover_result d;
    try {
        d = discover_motifs(raster, o, [&](const discover_progress& p) {
            if (opt.progress) opt.progress(static_cast<double>(p.iteration), static_cast<double>(o.iterations));
        });
    } catch (const model_error& e) {
        throw io_error(opt.raster, "/spikes/" + pop, e.what());
    }
    const double span_s = static_cast<double>(raster.bins) * bin_ms / 1000.0;
    d.model.origin = "discovered";
    d.model.calibration_rate_hz = static_cast<double>(d.occurrences.size()) / span_s;
    d.model.settings.emplace_back("raster", opt.raster);
    d.model.settings.emplace_back("population", pop);
    d.model.settings.emplace_back("method", "hard-EM convolutional motifs (docs/detection.md)");
    d.model.settings.emplace_back("iterations", std::to_string(d.iterations));
    d.model.settings.emplace_back("seed", std::to_string(o.seed));
    d.model.unit_ids = unit_ids;
    write_detector_model(opt.output, d.model, opt.command);
    if (!opt.occurrences.empty()) {
        detections_writer w(opt.occurrences, opt.command);
        for (std::size_t k = 0; k < d.occurrences.size(); ++k)
            w.append(d.occurrences.timestamps[k], d.occurrences.motif_ids[k], d.occurrences.scores[k]);
        w.set_attribute("threshold", d.model.threshold);
        w.set_attribute("bin", bin_ms);
        w.set_attribute("delays", static_cast<double>(o.delays));
        w.set_attribute("refractory", static_cast<double>(d.model.refractory()));
        w.set_attribute("rule", to_string(d.model.rule));
        w.set_attribute("model", opt.output);
        w.set_attribute("raster", opt.raster);
        w.set_attribute("population", pop);
        w.set_unit_ids(unit_ids);
        w.commit();
    }
    detect_discover_result r;
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    r.output = opt.output;
    r.occurrences_output = opt.occurrences;
    r.population = pop;
    r.motifs = d.model.motifs;
    r.neurons = d.model.neurons;
    r.delays = d.model.delays;
    r.bin_ms = bin_ms;
    r.threshold = d.model.threshold;
    r.iterations = d.iterations;
    r.counts = std::move(d.counts);
    r.occurrences = std::move(d.occurrences);
    return r;
}

}  // namespace evspike
