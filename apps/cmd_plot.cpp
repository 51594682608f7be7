// evspike plot FILE -o raster.svg [--t-start MS] [--t-stop MS] [--population NAME...]: a raster
// plot as SVG (io/svg_raster.hpp: one tick per spike, or a density image above --max-marks).
// Two streamed passes: the first finds each population's rows (max id + 1) and the last spike
// time, the second draws. The file is written under a temporary name and renamed when complete.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "apps/cli.hpp"
#include "apps/commands.hpp"
#include "core/error.hpp"
#include "io/atomic_file.hpp"
#include "io/detector_file.hpp"
#include "io/spike_file.hpp"
#include "io/svg_raster.hpp"

namespace evspike::cli {
namespace {

constexpr std::size_t read_chunk = std::size_t{1} << 20;  // spikes per streamed chunk

// The end of the default time axis: the last spike rounded up to a round number (1, 2 or 5
// times a power of ten, in tenths of the span), strictly after it so that it is drawn.
double round_up(double t_last) {
    if (!(t_last > 0)) return 1.0;
    const double raw = t_last / 10;
    const double power = std::pow(10.0, std::floor(std::log10(raw)));
    double step = 10 * power;
    for (double m : {1.0, 2.0, 5.0})
        if (m * power >= raw) {
            step = m * power;
            break;
        }
    double end = std::ceil(t_last / step) * step;
    if (end <= t_last) end += step;
    return end;
}

}  // namespace

int run_plot(const args& a) {
    command_line cl;
    cl.usage =
        "evspike plot FILE -o OUT.svg [--t-start MS] [--t-stop MS] [--population NAME...] [--title TEXT]\n"
        "       [--detections D.h5 [--model M.h5] [--sort-by-motif K]]";
    std::string file, output, title, detections_path, model_path;
    std::uint64_t sort_motif = 0;
    std::vector<std::string> selected;
    int width = 1000, height = 600;
    std::size_t max_marks = 50000;
    cl.options.add_options()
        ("file", po::value(&file)->required(), "SONATA spike file")
        ("output,o", po::value(&output)->required(), "output SVG file")
        ("t-start", time_ms(), "start of the time axis, ms (default: the start of the span the data covers, 0 for simulations)")
        ("t-stop", positive_time_ms(), "end of the time axis, ms (default: just after the last spike, rounded)")
        ("population", po::value(&selected)->multitoken(), "populations to draw (default all), bottom to top")
        ("title", po::value(&title), "title (default: the file name)")
        ("width", whole(&width, 200, 20000)->default_value(1000), "image width, px")
        ("height", whole(&height, 150, 20000)->default_value(600), "image height, px")
        ("max-marks", count_or_zero(&max_marks)->default_value(50000),
         "above this many spikes in the window, draw a density image instead of one tick per spike")
        ("detections", po::value(&detections_path),
         "mark these detections (detect run / discover --occurrences): a band per occurrence, and the spikes "
         "that belong to it in the motif's colour")
        ("model", po::value(&model_path), "the detector model (default: the one the detections file names)")
        ("sort-by-motif", count_or_zero(&sort_motif),
         "order the neurons by their delay (weight peak) in motif K of the model, earliest at the top");
    cl.positional.add("file", 1);
    po::variables_map vm;
    if (!cl.parse(a, vm)) return 0;

    raster_options options;
    options.title = vm.count("title") ? title : std::filesystem::path(file).filename().string();
    options.width_px = width;
    options.height_px = height;
    options.max_marks = max_marks;
    std::optional<double> t_start, t_stop;
    if (vm.count("t-start")) t_start = vm["t-start"].as<double>();
    if (vm.count("t-stop")) t_stop = vm["t-stop"].as<double>();
    if (t_start && t_stop && !(*t_stop > *t_start)) throw usage_error("--t-stop must be greater than --t-start", cl.usage);

    declare_input(file, "spike file");
    check_output(output);
    const spike_reader reader(file);
    const auto available = reader.populations();
    if (selected.empty()) selected = available;
    for (const auto& name : selected)
        if (std::find(available.begin(), available.end(), name) == available.end()) {
            std::string have;
            for (const auto& p : available) have += (have.empty() ? "" : ", ") + p;
            throw io_error(file, "/spikes/" + name, "no such population (the file has: " + (have.empty() ? "none" : have) + ")");
        }
    if (selected.size() > 64) throw usage_error("--population: at most 64 populations in one plot", cl.usage);

    // Detections and their model (optional).
    const bool sorting = vm.count("sort-by-motif") != 0;
    if (detections_path.empty() && (sorting || !model_path.empty()))
        throw usage_error("--model and --sort-by-motif need --detections", cl.usage);
    std::optional<motif_events> detections;
    std::optional<detector_model> model;
    std::size_t detection_population = 0;
    if (!detections_path.empty()) {
        detections = read_detections(detections_path);
        const auto meta = read_detections_meta(detections_path);
        if (model_path.empty() && !meta.model.empty() && std::filesystem::exists(meta.model)) model_path = meta.model;
        if (!model_path.empty()) model = read_detector_model(model_path);
        if (sorting && !model)
            throw usage_error("--sort-by-motif needs the model: give --model (" + detections_path +
                                  " names " + (meta.model.empty() ? std::string("none") : meta.model) + ")",
                              cl.usage);
        if (model && sorting && sort_motif >= model->motifs)
            throw usage_error("--sort-by-motif " + std::to_string(sort_motif) + ": the model has " +
                                  std::to_string(model->motifs) + " motifs",
                              cl.usage);
        for (std::size_t p = 0; p < selected.size(); ++p)
            if (selected[p] == meta.population) detection_population = p;
    }

    double total = 0, done = 0;
    for (const auto& name : selected) total += 2.0 * static_cast<double>(reader.size(name));
    progress_bar progress("plot", total, vm.count("quiet") != 0);

    // Pass 1: rows per population and the last spike time.
    std::vector<raster_population> layout;
    double t_last = 0;
    // The default axis starts where the data's covered span does (io/spike_file.hpp
    // covered_span: 0 for evspike's runs, the recording's start for imported recordings).
    double t_first = std::numeric_limits<double>::infinity();
    for (const auto& name : selected) {
        const auto unit_ids = reader.unit_ids(name);
        if (reader.size(name) > 0 || reader.recorded_span(name)) t_first = std::min(t_first, covered_span(reader, name).t_start_ms);
        std::uint64_t rows = unit_ids ? unit_ids->size() : 0;
        reader.for_each_chunk(name, read_chunk, [&](const spike_table& chunk) {
            for (std::size_t i = 0; i < chunk.size(); ++i) {
                rows = std::max(rows, chunk.node_ids[i] + 1);
                t_last = std::max(t_last, chunk.timestamps[i]);
            }
            done += static_cast<double>(chunk.size());
            progress.update(done);
        });
        layout.push_back({name, rows});
        options.row_labels.push_back(unit_ids.value_or(std::vector<std::uint64_t>{}));
    }
    if (!std::isfinite(t_first)) t_first = 0.0;
    options.t_start_ms = t_start.value_or(t_first);
    options.t_stop_ms = t_stop.value_or(options.t_start_ms + round_up(t_last - options.t_start_ms));
    if (!(options.t_stop_ms > options.t_start_ms))
        throw usage_error("--t-start is after the data (last spike at " + std::to_string(t_last) + " ms); give --t-stop",
                          cl.usage);

    // A motif's entries: weights >= 1/4 of the motif's largest (a discovered model keeps only
    // significant entries; a learned one is dense and small weights are not part of the pattern).
    std::vector<float> entry_floor;
    neuron_mapping mapping;  // raster node -> model neuron, by unit id (io/detector_file.hpp)
    if (model) {
        const auto& name = selected[detection_population];
        mapping = map_neurons(*model, model_path, reader.unit_ids(name), file, name);
        if (!mapping.warning.empty()) std::fprintf(stderr, "warning: %s\n", mapping.warning.c_str());
        auto& rows = layout[detection_population].neurons;
        if (mapping.model_neuron.empty()) rows = std::max<std::uint64_t>(rows, model->neurons);
        entry_floor.assign(model->motifs, 0.0f);
        for (std::size_t k = 0; k < model->motifs; ++k) {
            float top = 0;
            for (std::size_t i = k * model->neurons * model->delays; i < (k + 1) * model->neurons * model->delays; ++i)
                top = std::max(top, model->weights[i]);
            entry_floor[k] = top > 0 ? 0.25f * top : std::numeric_limits<float>::infinity();
        }
    }
    // The model neuron of a raster node id (the model's neuron count when it has none).
    const auto to_model = [&](std::uint64_t node) -> std::uint64_t {
        if (mapping.model_neuron.empty()) return node;
        if (node >= mapping.model_neuron.size() || mapping.model_neuron[node] < 0) return model->neurons;
        return static_cast<std::uint64_t>(mapping.model_neuron[node]);
    };
    const auto is_entry = [&](std::size_t k, std::uint64_t node, std::int64_t delay_bins) {
        const std::uint64_t a = to_model(node);
        if (a >= model->neurons || delay_bins < 0 || delay_bins >= static_cast<std::int64_t>(model->delays)) return false;
        return model->weight(k, a, model->delays - 1 - static_cast<std::size_t>(delay_bins)) >= entry_floor[k];
    };
    // Rows are named by unit id when every drawn population has unit_ids (an imported recording).
    const bool by_unit = std::all_of(options.row_labels.begin(), options.row_labels.end(),
                                     [](const std::vector<std::uint64_t>& l) { return !l.empty(); });
    if (by_unit) options.y_label = "unit id";
    if (sorting) {
        options.y_label = std::string(by_unit ? "unit id" : "node id") + ", sorted by delay in motif " + std::to_string(sort_motif);
    }

    // Pass 2: draw.
    svg_raster raster(layout, options);
    if (sorting) {
        // Neurons of motif K by the delay of their largest weight (earliest at the top), then the
        // others by id from the bottom.
        const auto rows = layout[detection_population].neurons;
        std::vector<std::pair<std::int64_t, std::uint64_t>> in_motif;
        std::vector<std::uint64_t> others;
        for (std::uint64_t a = 0; a < rows; ++a) {
            std::int64_t best = -1;
            float best_w = 0;
            for (std::int64_t d = 0; d < static_cast<std::int64_t>(model->delays); ++d)
                if (is_entry(sort_motif, a, d)) {
                    const float w = model->weight(sort_motif, to_model(a), model->delays - 1 - static_cast<std::size_t>(d));
                    if (best < 0 || w > best_w) {
                        best = d;
                        best_w = w;
                    }
                }
            if (best >= 0)
                in_motif.emplace_back(best, a);
            else
                others.push_back(a);
        }
        std::sort(in_motif.begin(), in_motif.end());
        std::vector<std::uint64_t> row_of(rows);
        for (std::size_t i = 0; i < in_motif.size(); ++i) row_of[in_motif[i].second] = rows - 1 - i;
        for (std::size_t i = 0; i < others.size(); ++i) row_of[others[i]] = i;
        raster.set_rows(detection_population, std::move(row_of));
    }
    double motif_ms = 0;
    if (detections) {
        const auto meta = read_detections_meta(detections_path);
        motif_ms = model ? static_cast<double>(model->delays) * model->bin_ms : meta.delays * meta.bin_ms;
        for (std::size_t i = 0; i < detections->size(); ++i)
            raster.add_occurrence(detections->timestamps[i], detections->timestamps[i] + motif_ms,
                                  static_cast<std::uint32_t>(detections->motif_ids[i]));
    }
    // Detections sorted by start, for the spikes' membership test.
    std::vector<std::pair<double, std::uint64_t>> starts;
    if (detections && model) {
        for (std::size_t i = 0; i < detections->size(); ++i)
            if (detections->motif_ids[i] < model->motifs)
                starts.emplace_back(detections->timestamps[i], detections->motif_ids[i]);
        std::sort(starts.begin(), starts.end());
    }
    std::vector<std::int32_t> tags;
    for (std::size_t p = 0; p < selected.size(); ++p)
        reader.for_each_chunk(selected[p], read_chunk, [&](const spike_table& chunk) {
            tags.clear();
            if (p == detection_population && !starts.empty()) {
                // A spike belongs to a detected occurrence (start s, motif k) when the model has an
                // entry for its neuron within one bin of its delay t - s.
                const double bin = model->bin_ms;
                tags.assign(chunk.size(), -1);
                for (std::size_t i = 0; i < chunk.size(); ++i) {
                    const double t = chunk.timestamps[i];
                    auto it = std::lower_bound(starts.begin(), starts.end(), std::make_pair(t - motif_ms - bin, std::uint64_t{0}));
                    for (; it != starts.end() && it->first <= t + bin && tags[i] < 0; ++it) {
                        const auto delay = static_cast<std::int64_t>(std::floor((t - it->first) / bin + 1e-9));
                        for (std::int64_t j : {0, -1, 1})
                            if (is_entry(it->second, chunk.node_ids[i], delay + j)) {
                                tags[i] = static_cast<std::int32_t>(it->second);
                                break;
                            }
                    }
                }
            }
            raster.add(p, chunk.timestamps, chunk.node_ids, tags);
            done += static_cast<double>(chunk.size());
            progress.update(done);
        });
    atomic_file out(output);
    out.write(raster.render());
    out.commit();
    progress.finish();
    return 0;
}

}  // namespace evspike::cli
