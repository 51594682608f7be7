// detect_bench: accuracy and speed of the HD-SNN motif detector (issue 5), in memory on rasters
// of the hdsnn generator (motifs/hdsnn.hpp), fixed seeds. Questions (see bench/README.md):
//   accuracy  paper defaults: --templates and learned: F1 at the calibrated threshold (model's
//             refractory), exact-bin at expected count with refractory 1 (the paper's protocol), 2, 3
//             and the model's; sweep=1: both rules x refractory D and 3
//   motifs    F1 against the number of motifs (templates model, and learned with --learned 1)
//   prune     F1 against the fraction of weights pruned
//   speed     input spikes per second of the event-driven run
//   losses    where the occurrences missed at the exact bin go (templates, expected count)
// Usage: detect_bench <question> [key=value ...]   (keys below; defaults = paper's)
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "motifs/detector.hpp"
#include "motifs/hdsnn.hpp"
#include "motifs/inference.hpp"
#include "motifs/scoring.hpp"

using namespace evspike;

namespace {

std::map<std::string, std::string> args;
double arg(const std::string& key, double fallback) {
    const auto it = args.find(key);
    return it == args.end() ? fallback : std::stod(it->second);
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

struct dataset {
    binned_raster raster;
    motif_events truth;
};

dataset make_dataset(const hdsnn_params& p, const hdsnn_kernel& kernel) {
    const auto r = generate_hdsnn(p, kernel);
    dataset d;
    d.raster.neurons = p.neurons;
    d.raster.bins = static_cast<std::int64_t>(r.total_bins);
    for (std::size_t k = 0; k < r.spike_bins.size(); ++k) {
        d.raster.spike_bins.push_back(static_cast<std::int64_t>(r.spike_bins[k]));
        d.raster.spike_neurons.push_back(static_cast<std::uint32_t>(r.spike_neurons[k]));
    }
    for (std::size_t k = 0; k < r.occurrence_bins.size(); ++k) {
        d.truth.timestamps.push_back(static_cast<double>(r.occurrence_bins[k]) * p.bin_ms);
        d.truth.motif_ids.push_back(r.occurrence_motifs[k]);
    }
    return d;
}

hdsnn_params params_from_args() {
    hdsnn_params p;
    p.neurons = static_cast<std::uint64_t>(arg("neurons", 128));
    p.motifs = static_cast<std::uint64_t>(arg("motifs", 233));
    p.delays = static_cast<std::uint64_t>(arg("delays", 31));
    p.bins = static_cast<std::uint64_t>(arg("bins", 1024));
    p.p_background = arg("p_background", 0.001);
    p.p_motif = arg("p_motif", 0.001);
    p.template_seed = static_cast<std::uint64_t>(arg("template_seed", 42));
    return p;
}

detection_rule_kind rule_from_args() {
    const auto it = args.find("rule");
    return it == args.end() ? detection_rule_kind::first_crossing : parse_detection_rule(it->second);
}

detector_model templates_model(const hdsnn_params& p, const hdsnn_kernel& kernel) {
    std::vector<motif_template_entry> entries;
    for (const auto& e : template_entries(kernel))
        entries.push_back({e.motif, e.neuron, static_cast<double>(e.delay_bins) * p.bin_ms, e.weight});
    template_model_options o;
    o.motifs = p.motifs;
    o.neurons = p.neurons;
    o.delays = p.delays;
    o.bin_ms = p.bin_ms;
    o.p_background = p.p_background;
    o.p_motif = p.p_motif;
    auto m = detector_from_templates(entries, o);
    m.refractory_bins = static_cast<std::size_t>(arg("refractory", 0));
    m.rule = rule_from_args();
    return m;
}

// F1 at 1 bin with the model's (calibrated) threshold, and the exact-bin hit rate with the
// threshold set to give the true count.
struct evaluation {
    score_result calibrated;
    score_result expected;
    std::int64_t expected_refractory = 0;
};

// Refractory period of the expected-count runs: `expected_refractory=R`, by default 1 bin (every
// bin judged on its own: the paper's protocol, as `detect run --expected-count`); 0 takes the
// model's (the protocol before, figures at R = D).
std::int64_t expected_refractory(const detector_model& m) {
    const auto r = static_cast<std::int64_t>(
        arg("expected_refractory", static_cast<double>(expected_count_refractory_bins)));
    return r != 0 ? r : m.refractory();
}

// Detections at the threshold that gives the true count (the paper's protocol), with the
// candidates (scores >= a floor below that threshold) they came from.
struct expected_count_run {
    std::vector<candidate> candidates;
    float threshold = 0;
    std::vector<candidate> found;
};

expected_count_run run_at_expected_count(const detector_model& m, const compiled_detector& det,
                                         const dataset& test, std::int64_t R) {
    expected_count_run r;
    for (float floor = static_cast<float>(m.threshold) - 4.0f;; floor -= 4.0f) {
        r.candidates = scan_candidates(det, test.raster, floor);
        if (threshold_for_count(r.candidates, m.motifs, R, m.rule, test.truth.size(), r.threshold) ||
            floor < -60)
            break;
    }
    r.found = apply_rule(r.candidates, m.motifs, R, r.threshold, m.rule);
    return r;
}

// F1 online (the model's threshold and refractory period), exact-bin at expected count with
// refractory R (0: expected_refractory(m)).
evaluation evaluate(const detector_model& m, const dataset& test, double keep = 1.0, std::int64_t R = 0) {
    const compiled_detector det(m, keep);
    evaluation e;
    e.calibrated = score_detections(test.truth, detect(det, test.raster), {m.bin_ms, 1e-6});
    e.expected_refractory = R != 0 ? R : expected_refractory(m);
    const auto r = run_at_expected_count(m, det, test, e.expected_refractory);
    e.expected = score_detections(test.truth, to_motif_events(r.found, m.delays, m.bin_ms), {m.bin_ms, 1e-6});
    return e;
}

// Classifies the true occurrences that the expected-count run misses at the exact bin.
void losses(const detector_model& m, const dataset& test) {
    const compiled_detector det(m);
    const auto R = expected_refractory(m);
    const auto r = run_at_expected_count(m, det, test, R);
    const auto D = static_cast<std::int64_t>(m.delays);
    std::map<std::pair<std::uint32_t, std::int64_t>, float> score;  // (motif, bin) -> score >= floor
    for (const auto& c : r.candidates) score[{c.motif, c.bin}] = c.score;
    std::set<std::pair<std::uint32_t, std::int64_t>> detected, truth;
    for (const auto& c : r.found) detected.insert({c.motif, c.bin});
    for (std::size_t k = 0; k < test.truth.size(); ++k)
        truth.insert({static_cast<std::uint32_t>(test.truth.motif_ids[k]),
                      static_cast<std::int64_t>(std::llround(test.truth.timestamps[k] / m.bin_ms)) + D - 1});
    std::map<std::string, std::size_t> why;
    for (const auto& [b, t] : truth) {
        if (detected.count({b, t}) != 0) {
            ++why["hit at the exact bin"];
            continue;
        }
        const auto it = score.find({b, t});
        const bool above = it != score.end() && it->second >= r.threshold;
        // The nearest detection of this motif within R bins either side.
        std::int64_t nearest = 0;
        bool any = false;
        for (std::int64_t g = 1; g < R && !any; ++g)
            for (std::int64_t u : {t - g, t + g})
                if (!any && detected.count({b, u}) != 0) {
                    nearest = u;
                    any = true;
                }
        std::string k;
        if (!above)
            k = any && std::llabs(nearest - t) == 1 ? "below threshold, detected 1 bin off"
                                                    : "below threshold at the true bin";
        else if (!any)
            k = "above threshold, no detection within R (?)";
        else if (truth.count({b, nearest}) != 0)
            k = std::string("above, suppressed by another occurrence of the motif ") +
                (nearest < t ? "before" : "after") +
                (std::llabs(nearest - t) < 3 ? " (< 3 bins)" : " (>= 3 bins)");
        else if (std::llabs(nearest - t) <= 2)
            k = std::string("above, suppressed by a false detection ") +
                (nearest < t ? "1-2 bins before" : "1-2 bins after");
        else
            k = "above, suppressed by a false detection >= 3 bins away";
        ++why[k];
    }
    // Ceiling of any rule whose detections of one motif are >= R bins apart: the largest subset of
    // each motif's occurrences with gaps >= R (greedy in time order is optimal).
    std::size_t reachable = 0;
    std::uint32_t motif = 0;
    std::int64_t last = 0;
    bool first = true;
    for (const auto& [b, t] : truth) {  // sorted by (motif, bin)
        if (first || b != motif || t - last >= R) {
            ++reachable;
            last = t;
        }
        motif = b;
        first = false;
    }
    std::printf(
        "rule %s, refractory %lld, threshold %.3f, %zu detections, %zu occurrences; at most %zu (%.4f) "
        "can be found with detections >= R apart\n",
        to_string(m.rule), static_cast<long long>(R), r.threshold, r.found.size(), truth.size(), reachable,
        static_cast<double>(reachable) / static_cast<double>(truth.size()));
    for (const auto& [k, n] : why)
        std::printf("  %-64s %6zu (%.4f)\n", k.c_str(), n,
                    static_cast<double>(n) / static_cast<double>(truth.size()));
}

void print(const char* label, const evaluation& e) {
    std::printf(
        "%-36s F1@1bin %.4f (P %.4f R %.4f, %zu det / %zu true) | expected-count (refractory %lld): "
        "exact-bin hit rate %.4f, F1 %.4f\n",
        label, e.calibrated.f1, e.calibrated.precision, e.calibrated.recall, e.calibrated.detections,
        e.calibrated.occurrences, static_cast<long long>(e.expected_refractory), e.expected.exact_hit_rate,
        e.expected.f1);
    std::fflush(stdout);
}

detector_model learn(const hdsnn_params& p, const dataset& train) {
    train_options o;
    o.delays = p.delays;
    o.bin_ms = p.bin_ms;
    o.epochs = static_cast<std::size_t>(arg("epochs", 4));
    o.learning_rate = arg("lr", 1e-3);
    o.l1 = arg("l1", 0);
    o.pos_weight = arg("pos_weight", 1);
    o.prior_strength = arg("prior", 1);
    o.trial_bins = static_cast<std::int64_t>(p.bins + p.delays);
    o.batch_trials = static_cast<std::size_t>(arg("batch", 8));
    o.naive_bayes_init = arg("nb", 1) != 0;
    o.refractory_bins = static_cast<std::size_t>(arg("refractory", 0));
    o.rule = rule_from_args();
    const auto t0 = std::chrono::steady_clock::now();
    auto m = train_detector(train.raster, train.truth, p.motifs, o, [&](const train_progress& pr) {
        if (pr.fraction == 0 || pr.fraction >= 0.999 ||
            (pr.epoch > 0 && static_cast<int>(pr.fraction * 1000) % 100 == 0))
            std::fprintf(stderr, "  epoch %zu/%zu %.0f%% loss %.6f recall %.3f (%.0f s)\n", pr.epoch,
                         pr.epochs, 100 * pr.fraction, pr.loss, pr.recall, seconds_since(t0));
    });
    std::printf("learned: %zu train spikes, %zu occurrences, %.1f s training + calibration\n",
                train.raster.size(), train.truth.size(), seconds_since(t0));
    return m;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: detect_bench accuracy|losses|motifs|prune|speed [key=value ...]\n");
        return 2;
    }
    const std::string question = argv[1];
    for (int i = 2; i < argc; ++i) {
        const std::string kv = argv[i];
        const auto eq = kv.find('=');
        if (eq == std::string::npos) return 2;
        args[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    auto p = params_from_args();
    const std::uint64_t train_trials = static_cast<std::uint64_t>(arg("train_trials", 100));
    const std::uint64_t test_trials = static_cast<std::uint64_t>(arg("test_trials", 20));

    if (question == "accuracy" || question == "prune" || question == "losses") {
        const auto kernel = make_hdsnn_kernel(p);
        p.trials = train_trials;
        p.seed = 1;
        const auto train = make_dataset(p, kernel);
        p.trials = test_trials;
        p.seed = 2;
        const auto test = make_dataset(p, kernel);
        std::printf(
            "N %llu M %llu D %llu: train %zu spikes %zu occurrences, test %zu spikes %zu occurrences\n",
            (unsigned long long)p.neurons, (unsigned long long)p.motifs, (unsigned long long)p.delays,
            train.raster.size(), train.truth.size(), test.raster.size(), test.truth.size());
        auto tm = templates_model(p, kernel);
        calibrate_f1(tm, train.raster, train.truth, p.bin_ms);
        if (question == "losses") {
            losses(tm, test);
        } else if (question == "accuracy" && arg("sweep", 0) != 0) {
            // Both rules at refractory D and 3 bins, each recalibrated on train, one learned model.
            const auto sweep = [&](const char* name, const detector_model& base) {
                for (auto rule : {detection_rule_kind::first_crossing, detection_rule_kind::peak})
                    for (std::size_t refractory : {std::size_t{0}, std::size_t{3}}) {
                        auto m = base;
                        m.rule = rule;
                        m.refractory_bins = refractory;
                        calibrate_f1(m, train.raster, train.truth, p.bin_ms);
                        char label[64];
                        std::snprintf(label, sizeof label, "%s %s R %lld", name, to_string(rule),
                                      static_cast<long long>(m.refractory()));
                        print(label, evaluate(m, test));
                    }
            };
            sweep("templates", tm);
            if (arg("learned", 1) != 0) sweep("learned", learn(p, train));
        } else if (question == "accuracy") {
            // The expected-count runs at refractory 1 (the paper's protocol), 2, 3 and the model's.
            const auto report = [&](const char* name, const detector_model& m) {
                std::printf("%s: threshold %.3f (calibrated on train), refractory %lld\n", name, m.threshold,
                            static_cast<long long>(m.refractory()));
                for (std::int64_t R : {std::int64_t{1}, std::int64_t{2}, std::int64_t{3}, m.refractory()})
                    print(name, evaluate(m, test, 1.0, R));
            };
            report("templates", tm);
            if (arg("learned", 1) != 0) report("learned", learn(p, train));
        } else {
            const auto lm = arg("learned", 0) != 0 ? learn(p, train) : tm;
            for (double keep : {1.0, 0.5, 0.2, 0.1, 1.0 / 31, 0.01, 0.005}) {
                auto pruned = lm;
                prune_weights(pruned, keep);
                calibrate_f1(pruned, train.raster, train.truth, p.bin_ms);
                char label[64];
                std::snprintf(label, sizeof label, "keep %.4f (%zu w)", keep,
                              compiled_detector(pruned).kept_weights());
                print(label, evaluate(pruned, test));
            }
        }
    } else if (question == "motifs") {
        for (double m : {8.0, 41.0, 233.0, 1364.0}) {
            if (m > arg("max_motifs", 1364)) break;
            p.motifs = static_cast<std::uint64_t>(m);
            const auto kernel = make_hdsnn_kernel(p);
            p.trials = train_trials;
            p.seed = 1;
            const auto train = make_dataset(p, kernel);
            p.trials = test_trials;
            p.seed = 2;
            const auto test = make_dataset(p, kernel);
            auto tm = templates_model(p, kernel);
            calibrate_f1(tm, train.raster, train.truth, p.bin_ms);
            char label[64];
            std::snprintf(label, sizeof label, "M %llu templates", (unsigned long long)p.motifs);
            print(label, evaluate(tm, test));
            if (arg("learned", 0) != 0) {
                std::snprintf(label, sizeof label, "M %llu learned", (unsigned long long)p.motifs);
                print(label, evaluate(learn(p, train), test));
            }
        }
    } else if (question == "speed") {
        const auto kernel = make_hdsnn_kernel(p);
        p.trials = static_cast<std::uint64_t>(arg("train_trials", 30));
        p.seed = 1;
        const auto train = make_dataset(p, kernel);
        p.trials = test_trials;
        p.seed = 2;
        const auto test = make_dataset(p, kernel);
        auto tm = templates_model(p, kernel);
        calibrate_f1(tm, train.raster, train.truth, p.bin_ms);
        // (kept fraction, dense-row fraction): the full model, the same with every row stored
        // dense (the cost of a dense learned model; same detections), and pruned to 1/31.
        const double dense_fraction = arg("dense", 0.25);
        struct config {
            double keep, dense;
            bool prefilter;
        };
        for (const auto& [keep, dense, prefilter] :
             {config{1.0, dense_fraction, false}, config{1.0, dense_fraction, true}, config{1.0, 0.0, false},
              config{1.0 / 31, dense_fraction, false}, config{1.0 / 31, dense_fraction, true}}) {
            const compiled_detector det(tm, keep, dense);
            std::size_t found = 0;
            std::uint64_t recomputed = 0;
            std::uint64_t hash = 1469598103934665603ull;  // FNV-1a over (bin, motif, score bits)
            const auto mix = [&](std::uint64_t x) { hash = (hash ^ x) * 1099511628211ull; };
            const int repeats = static_cast<int>(arg("repeats", 3));
            const auto t0 = std::chrono::steady_clock::now();
            const std::clock_t c0 = std::clock();
            for (int r = 0; r < repeats; ++r) {
                detection_rule rule(det.motifs(), det.refractory(), static_cast<float>(det.threshold()),
                                    det.rule());
                const auto count = [&](const candidate& c) {
                    ++found;
                    if (r == 0) {
                        std::uint32_t bits = 0;
                        std::memcpy(&bits, &c.score, sizeof bits);
                        mix(static_cast<std::uint64_t>(c.bin));
                        mix(c.motif);
                        mix(bits);
                    }
                };
                evidence_scanner scanner(
                    det, static_cast<float>(det.threshold()),
                    [&](const candidate& c) { rule.push(c, count); }, prefilter);
                for (std::size_t k = 0; k < test.raster.size(); ++k)
                    scanner.push(test.raster.spike_bins[k], test.raster.spike_neurons[k]);
                scanner.finish();
                rule.finish(count);
                recomputed = scanner.recomputed();
            }
            const double wall = seconds_since(t0);
            const double cpu = static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC;
            std::printf(
                "keep %.4f dense-from %.2f prefilter %d: %zu kept weights, %zu spikes x %d: %.3f s CPU (%.3f "
                "s wall): "
                "%.3g "
                "input spikes/s per CPU second (%zu detections, hash %016llx)\n",
                keep, dense, prefilter && det.has_prefilter() ? 1 : 0, det.kept_weights(), test.raster.size(),
                repeats, cpu, wall, static_cast<double>(test.raster.size()) * repeats / cpu,
                found / static_cast<std::size_t>(repeats), static_cast<unsigned long long>(hash));
            if (prefilter && det.has_prefilter())
                std::printf("  prefilter: %llu (bin, motif) cells recomputed, %.3g per input spike\n",
                            static_cast<unsigned long long>(recomputed),
                            static_cast<double>(recomputed) / static_cast<double>(test.raster.size()));
            std::fflush(stdout);
        }
    } else {
        std::fprintf(stderr, "unknown question %s\n", question.c_str());
        return 2;
    }
    return 0;
}
