// detect_bench: accuracy and speed of the HD-SNN motif detector (issue 5), in memory on rasters
// of the hdsnn generator (motifs/hdsnn.hpp), fixed seeds. Questions (see bench/README.md):
//   accuracy  paper defaults: --templates (expected count, calibrated) and learned
//   motifs    F1 against the number of motifs (templates model, and learned with --learned 1)
//   prune     F1 against the fraction of weights pruned
//   speed     input spikes per second of the event-driven run
// Usage: detect_bench <question> [key=value ...]   (keys below; defaults = paper's)
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <map>
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
    return m;
}

// F1 at 1 bin with the model's (calibrated) threshold, and the exact-bin hit rate with the
// threshold set to give the true count.
struct evaluation {
    score_result calibrated;
    score_result expected;
};

evaluation evaluate(const detector_model& m, const dataset& test, double keep = 1.0) {
    const compiled_detector det(m, keep);
    evaluation e;
    e.calibrated = score_detections(test.truth, detect(det, test.raster), {m.bin_ms, 1e-6});
    const auto refractory = m.refractory();
    std::vector<candidate> candidates;
    float threshold = 0;
    for (float floor = static_cast<float>(m.threshold) - 4.0f;; floor -= 4.0f) {
        candidates = scan_candidates(det, test.raster, floor);
        if (threshold_for_count(candidates, m.motifs, refractory, test.truth.size(), threshold) ||
            floor < -60)
            break;
    }
    const auto found = apply_rule(candidates, m.motifs, refractory, threshold);
    e.expected = score_detections(test.truth, to_motif_events(found, m.delays, m.bin_ms), {m.bin_ms, 1e-6});
    return e;
}

void print(const char* label, const evaluation& e) {
    std::printf(
        "%-28s F1@1bin %.4f (P %.4f R %.4f, %zu det / %zu true) | expected-count: exact-bin hit rate %.4f, "
        "F1 %.4f\n",
        label, e.calibrated.f1, e.calibrated.precision, e.calibrated.recall, e.calibrated.detections,
        e.calibrated.occurrences, e.expected.exact_hit_rate, e.expected.f1);
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
        std::fprintf(stderr, "usage: detect_bench accuracy|motifs|prune|speed [key=value ...]\n");
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

    if (question == "accuracy" || question == "prune") {
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
        if (question == "accuracy") {
            std::printf("templates: threshold %.3f (calibrated on train)\n", tm.threshold);
            print("templates", evaluate(tm, test));

            if (arg("learned", 1) != 0) {
                const auto lm = learn(p, train);
                std::printf("learned: threshold %.3f\n", lm.threshold);
                print("learned", evaluate(lm, test));
            }
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
        for (double keep : {1.0, 1.0 / 31}) {
            const compiled_detector det(tm, keep);
            std::size_t found = 0;
            const int repeats = static_cast<int>(arg("repeats", 3));
            const auto t0 = std::chrono::steady_clock::now();
            const std::clock_t c0 = std::clock();
            for (int r = 0; r < repeats; ++r) {
                detection_rule rule(det.motifs(), det.refractory(), static_cast<float>(det.threshold()));
                evidence_scanner scanner(det, static_cast<float>(det.threshold()),
                                         [&](const candidate& c) { found += rule.accept(c) ? 1 : 0; });
                for (std::size_t k = 0; k < test.raster.size(); ++k)
                    scanner.push(test.raster.spike_bins[k], test.raster.spike_neurons[k]);
                scanner.finish();
            }
            const double wall = seconds_since(t0);
            const double cpu = static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC;
            std::printf(
                "keep %.4f: %zu kept weights, %zu spikes x %d: %.3f s CPU (%.3f s wall): %.3g input spikes/s "
                "per CPU second (%zu detections)\n",
                keep, det.kept_weights(), test.raster.size(), repeats, cpu, wall,
                static_cast<double>(test.raster.size()) * repeats / cpu,
                found / static_cast<std::size_t>(repeats));
        }
    } else {
        std::fprintf(stderr, "unknown question %s\n", question.c_str());
        return 2;
    }
    return 0;
}
