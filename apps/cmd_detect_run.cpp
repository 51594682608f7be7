// evspike detect run MODEL RASTER -o DETECTIONS: event-driven inference of the HD-SNN detector
// (issue 5). The raster is streamed from the file in chunks; each spike adds its kept weights to
// a ring of D bins x motifs (motifs/inference.hpp). With --expected-count N the threshold is set
// so that the run gives N detections (the accuracy protocol of Perrinet, ICANN 2023): candidate
// scores are collected in a first pass, the threshold chosen, and the detection rule replayed.
// As in the paper, that protocol judges every bin on its own (refractory 1 bin, no suppression)
// unless --refractory is given; online runs use the model's refractory period (default D).
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <string>

#include "apps/cli.hpp"
#include "apps/commands.hpp"
#include "apps/detect_common.hpp"
#include "core/error.hpp"
#include "io/atomic_file.hpp"
#include "io/detector_file.hpp"
#include "io/spike_file.hpp"
#include "motifs/inference.hpp"

namespace evspike::cli {

namespace {

// Streams the population through a scanner with the given floor; sorted-by-time files are read in
// chunks, other files are read whole and sorted.
std::uint64_t scan_file(const spike_reader& reader, const std::string& pop, const compiled_detector& det,
                        float floor, bool prefilter, const std::function<void(const candidate&)>& sink,
                        progress_bar* bar, const neuron_mapping& mapping, std::pair<double, double>* span = nullptr) {
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
        if (bar != nullptr) bar->update(static_cast<double>(seen));
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

int run_detect_run(const args& a) {
    command_line cl;
    cl.usage =
        "evspike detect run MODEL RASTER -o DETECTIONS [--prune F] [--expected-count N] [--threshold X]\n"
        "       [--refractory R] [--rule peak|first-crossing] [--population NAME]";
    std::string model_path, raster_path, output, population, rule_name;
    double keep = 1.0, threshold = NAN;
    std::uint64_t expected = 0;
    std::size_t refractory_bins = 0;
    cl.options.add_options()("model", po::value(&model_path)->required(),
                             "detector model (.h5, from evspike detect train)")(
        "raster", po::value(&raster_path)->required(), "SONATA spike file to scan")(
        "output,o", po::value(&output)->required(), "output detections (.h5, SPEC §7.4)")(
        "population", po::value(&population), "population of the raster (default: the only one)")(
        "prune", fraction(&keep)->default_value(1.0),
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
    cl.positional.add("model", 1).add("raster", 1);
    po::variables_map vm;
    if (!cl.parse(a, vm)) return 0;
    const bool quiet = vm.count("quiet") != 0;
    if (vm.count("expected-count") != 0 && vm.count("threshold") != 0)
        throw usage_error("--expected-count and --threshold exclude each other", cl.usage);

    declare_input(model_path, "model");
    declare_input(raster_path, "raster");
    check_output(output);
    auto model = read_detector_model(model_path);
    if (vm.count("threshold") != 0) model.threshold = threshold;
    if (vm.count("refractory") != 0) {
        model.refractory_bins = refractory_bins;
    } else if (vm.count("expected-count") != 0) {
        model.refractory_bins = static_cast<std::size_t>(expected_count_refractory_bins);
    }
    if (vm.count("rule") != 0) {
        try {
            model.rule = parse_detection_rule(rule_name);
        } catch (const model_error& e) {
            throw usage_error(std::string("--rule: ") + e.what(), cl.usage);
        }
    }
    const spike_reader reader(raster_path);
    const auto pop = detect::pick_population(reader, population);
    const compiled_detector det(model, keep);
    const neuron_mapping mapping = map_neurons(model, model_path, reader.unit_ids(pop), raster_path, pop);
    if (!mapping.warning.empty()) std::fprintf(stderr, "warning: %s\n", mapping.warning.c_str());
    const auto refractory = model.refractory();
    const auto t0 = std::chrono::steady_clock::now();
    const std::clock_t cpu0 = std::clock();
    const double total = static_cast<double>(reader.size(pop));
    if (vm.count("expected-count") != 0) {
        // A detection is a (bin, motif) that some spike's evidence reaches: at most spikes x D x motifs.
        const double most = total * static_cast<double>(model.delays) * static_cast<double>(model.motifs);
        if (static_cast<double>(expected) > most)
            throw usage_error("--expected-count: must be at most " + std::to_string(static_cast<std::uint64_t>(most)) +
                                  " for this raster and model (spikes x delays x motifs), got " +
                                  std::to_string(expected),
                              cl.usage);
    }

    detections_writer writer(output, invocation());
    std::uint64_t spikes = 0, found = 0;
    const auto emit = [&](const candidate& c) {
        writer.append(static_cast<double>(c.bin - static_cast<std::int64_t>(model.delays) + 1) * model.bin_ms,
                      c.motif, c.score);
        ++found;
    };
    float used_threshold = static_cast<float>(model.threshold);
    std::pair<double, double> span{0.0, 0.0};  // first and last spike time (ms), online runs
    if (vm.count("expected-count") != 0) {
        // Lower the floor until the candidates can give N detections.
        std::vector<candidate> candidates;
        bool ok = false;
        const float first_floor = used_threshold;
        for (int step = 0; first_floor - 8.0f * static_cast<float>(step) > -1000.0f; ++step) {
            const float floor = first_floor - 8.0f * static_cast<float>(step);
            candidates.clear();
            progress_bar bar("detect run (collect)", total, quiet);
            spikes = scan_file(
                reader, pop, det, floor, false, [&](const candidate& c) { candidates.push_back(c); }, &bar, mapping);
            bar.finish();
            ok = threshold_for_count(candidates, model.motifs, refractory, model.rule, expected,
                                     used_threshold);
            if (ok) break;
        }
        if (!ok)
            throw error(raster_path + ": cannot reach " + std::to_string(expected) +
                        " detections at any threshold (the raster yields fewer)");
        for (const auto& c : apply_rule(candidates, model.motifs, refractory, used_threshold, model.rule))
            emit(c);
    } else {
        detection_rule rule(model.motifs, refractory, used_threshold, model.rule);
        progress_bar bar("detect run", total, quiet);
        spikes = scan_file(
            reader, pop, det, used_threshold, true, [&](const candidate& c) { rule.push(c, emit); }, &bar, mapping, &span);
        rule.finish(emit);
        bar.finish();
        // Honest threshold: warn when this raster's detection rate is far from the calibration's.
        const double seconds_covered = (span.second - span.first + model.bin_ms) / 1000.0;
        const double rate = static_cast<double>(found) / seconds_covered;
        const double calibrated = model.calibration_rate_hz;
        if (spikes > 0 && (found == 0 || (calibrated > 0 && (rate > 10 * calibrated || rate < 0.1 * calibrated))))
            std::fprintf(stderr,
                         "warning: %s: %llu detections in %.4g s (%.3g/s) where the calibration gave %.3g/s: the "
                         "threshold %.4g may not suit this raster (try --expected-count or --threshold)\n",
                         raster_path.c_str(), static_cast<unsigned long long>(found), seconds_covered, rate,
                         calibrated, static_cast<double>(used_threshold));
    }
    writer.set_attribute("threshold", static_cast<double>(used_threshold));
    writer.set_attribute("bin", model.bin_ms);
    writer.set_attribute("delays", static_cast<double>(model.delays));
    writer.set_attribute("refractory", static_cast<double>(refractory));
    writer.set_attribute("rule", to_string(model.rule));
    writer.set_attribute("prune_keep_fraction", keep);
    writer.set_attribute("kept_weights", static_cast<double>(det.kept_weights()));
    writer.set_attribute("model", model_path);
    writer.set_attribute("raster", raster_path);
    writer.set_attribute("population", pop);
    writer.set_unit_ids(model.unit_ids);
    writer.commit();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double cpu = static_cast<double>(std::clock() - cpu0) / CLOCKS_PER_SEC;
    std::printf(
        "%s: %llu detections, threshold %.6g, %zu weights kept; %llu input spikes in %.3f s (%.3g "
        "spikes/s; %.3f s CPU, %.3g spikes per CPU second)\n",
        output.c_str(), static_cast<unsigned long long>(found), static_cast<double>(used_threshold),
        det.kept_weights(), static_cast<unsigned long long>(spikes), seconds,
        seconds > 0 ? static_cast<double>(spikes) / seconds : 0.0, cpu,
        cpu > 0 ? static_cast<double>(spikes) / cpu : 0.0);
    return 0;
}

}  // namespace evspike::cli
