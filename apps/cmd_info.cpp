// evspike info FILE [--json] [--duration MS]: per population, spikes, active and total neurons,
// time span, mean rate and mean CV of ISIs (SPEC §8; definitions in core/spike_stats.hpp and
// docs/cli.md). One streamed pass per population; memory O(neurons).
//
// Adding a statistic: compute it in population_report() and push one more field; the text and
// JSON printers render every field the same way.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <filesystem>
#include <map>
#include <numeric>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "apps/cli.hpp"
#include "apps/commands.hpp"
#include "core/complexity.hpp"
#include "core/error.hpp"
#include "core/spike_stats.hpp"
#include "io/detector_file.hpp"
#include "io/spike_file.hpp"

namespace evspike::cli {
namespace {

constexpr std::size_t read_chunk = std::size_t{1} << 20;  // spikes per streamed chunk

std::string json_string(const std::string& s) {
    std::string out = "\"";
    for (unsigned char c : s) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += static_cast<char>(c);
        } else if (c < 0x20) {
            char buffer[8];
            std::snprintf(buffer, sizeof buffer, "\\u%04x", c);
            out += buffer;
        } else {
            out += static_cast<char>(c);
        }
    }
    return out + "\"";
}

std::string number(double v, int significant = 17) {
    char buffer[40];
    std::snprintf(buffer, sizeof buffer, "%.*g", significant, v);
    return buffer;
}

// One line of the report: `key` in JSON, `label` and `text` for people.
struct field {
    std::string key;
    std::string label;
    std::string text;
    std::string json;  // a JSON value
};

struct report {
    std::string population;
    std::vector<field> fields;

    void count(const std::string& key, const std::string& label, std::uint64_t v, const std::string& note = "") {
        fields.push_back({key, label, std::to_string(v) + note, std::to_string(v)});
    }
    void value(const std::string& key, const std::string& label, std::optional<double> v, const std::string& unit,
               const std::string& note = "") {
        if (v && std::isfinite(*v))
            fields.push_back({key, label, number(*v, 6) + (unit.empty() ? "" : " " + unit) + note, number(*v)});
        else
            fields.push_back({key, label, "n/a" + note, "null"});
    }
};

// Streams a population into spike_stats over `window` (ms) with `neurons` known units (0: max
// id + 1).
spike_stats gather(const spike_reader& reader, const std::string& population, const time_span& window,
                   std::uint64_t neurons) {
    spike_stats stats;
    stats.set_window(window.t_start_ms, window.t_stop_ms);
    stats.set_neurons(neurons);
    reader.for_each_chunk(population, read_chunk, [&](const spike_table& chunk) {
        stats.add(chunk.timestamps, chunk.node_ids);
    });
    if (stats.time_ordered()) return stats;

    // Some neuron's spikes are not in time order (a file with sorting "none"): ISIs need them
    // sorted, so read the population whole and sort by (id, time). Memory O(spikes) here only.
    const spike_table all = reader.read(population);
    std::vector<std::size_t> order(all.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        return all.node_ids[a] != all.node_ids[b] ? all.node_ids[a] < all.node_ids[b] : all.timestamps[a] < all.timestamps[b];
    });
    spike_stats sorted;
    sorted.set_window(window.t_start_ms, window.t_stop_ms);
    sorted.set_neurons(neurons);
    for (std::size_t i : order) sorted.add(all.timestamps[i], all.node_ids[i]);
    return sorted;
}

// --bin: Fano factor of the counts per bin and normalised LZ76 of each binarised train, averaged
// over active neurons (core/complexity.hpp). Bins cover the rate window.
// Bins start at t0_ms (the covered span's start), so a recording that starts late pays no empty bins.
void add_binned(report& r, const spike_reader& reader, const std::string& population, double bin_ms, double t0_ms,
                double window_ms) {
    const auto bins = static_cast<std::uint64_t>(std::max(1.0, std::ceil(window_ms / bin_ms)));
    binned_stats stats(bin_ms, bins);
    if (reader.sorting(population) == spike_sorting::by_time) {
        std::vector<double> shifted;
        reader.for_each_chunk(population, read_chunk, [&](const spike_table& c) {
            shifted.assign(c.timestamps.begin(), c.timestamps.end());
            for (double& t : shifted) t -= t0_ms;
            stats.add(shifted, c.node_ids);
        });
    } else {
        const spike_table all = reader.read(population);
        std::vector<std::size_t> order(all.size());
        std::iota(order.begin(), order.end(), std::size_t{0});
        std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return all.timestamps[a] < all.timestamps[b]; });
        for (std::size_t i : order) {
            const double t = all.timestamps[i] - t0_ms;
            stats.add(std::span(&t, 1), std::span(&all.node_ids[i], 1));
        }
    }
    const auto b = stats.finish();
    r.value("bin_ms", "bin", bin_ms, "ms", " (" + std::to_string(b.bins) + " bins)");
    r.value("fano_factor", "Fano factor", b.mean_fano, "", " (counts per bin, mean over " + std::to_string(b.neurons) + " active neurons)");
    r.value("lz_complexity", "LZ76 complexity", b.mean_lz, "",
            b.bins > binned_stats::max_lz_bins ? " (skipped: more than 2^26 bins)" : " (normalised c log2(n)/n, mean over active neurons)");
}

report population_report(const spike_reader& reader, const std::string& population, std::optional<double> duration_ms,
                         std::optional<double> bin_ms = std::nullopt) {
    // The rate window: --duration from the covered span's start, else the covered span
    // (io/spike_file.hpp covered_span: recorded t_start/t_stop, or 0 .. last spike for evspike's
    // own runs, or first .. last spike for other tools' files).
    const auto recorded = reader.recorded_span(population);
    time_span window = covered_span(reader, population);
    std::string window_note = recorded                                     ? " (t_start .. t_stop of the recording)"
                              : reader.root_attribute("evspike_version") ? " (0 .. last spike)"
                                                                          : " (first .. last spike)";
    if (duration_ms) {
        window.t_stop_ms = window.t_start_ms + *duration_ms;
        window_note = " (--duration)";
    }
    const auto unit_ids = reader.unit_ids(population);
    const spike_summary s = gather(reader, population, window, unit_ids ? unit_ids->size() : 0).summary();
    report r{population, {}};
    r.count("spikes", "spikes", s.spikes);
    if (unit_ids && !unit_ids->empty()) {
        const auto [lo, hi] = std::minmax_element(unit_ids->begin(), unit_ids->end());
        r.count("neurons", "units", s.neurons, " (ids " + std::to_string(*lo) + ".." + std::to_string(*hi) + ")");
        r.count("unit_id_min", "lowest unit id", *lo);
        r.count("unit_id_max", "highest unit id", *hi);
    } else {
        r.count("neurons", "neurons", s.neurons, " (max id + 1)");
    }
    r.count("active_neurons", "active neurons", s.active_neurons, " (with >= 1 spike)");
    const bool any = s.spikes > 0;
    r.value("t_first_ms", "first spike", any ? std::optional(s.t_first_ms) : std::nullopt, "ms");
    r.value("t_last_ms", "last spike", any ? std::optional(s.t_last_ms) : std::nullopt, "ms");
    r.value("t_start_ms", "span start", any || recorded ? std::optional(window.t_start_ms) : std::nullopt, "ms");
    r.value("duration_ms", "rate window", any ? std::optional(s.duration_ms) : std::nullopt, "ms", window_note);
    r.value("mean_rate_hz", "mean rate", s.mean_rate_hz, "Hz", " (spikes / neurons / rate window)");
    r.value("mean_cv", "mean CV of ISIs", s.mean_cv, "",
            " (over " + std::to_string(s.cv_neurons) + " neurons with >= 3 spikes)");
    r.count("cv_neurons", "neurons in CV", s.cv_neurons);
    if (bin_ms)
        add_binned(r, reader, population, *bin_ms, window.t_start_ms,
                   duration_ms ? *duration_ms : (any ? s.t_last_ms - window.t_start_ms + *bin_ms * 0.5 : *bin_ms));
    return r;
}

}  // namespace

namespace {

// "key": value lines, printed as text (label: value) or JSON.
struct summary {
    std::vector<std::pair<std::string, std::string>> text, json;
    void add(const std::string& key, const std::string& label, const std::string& shown, const std::string& json_value) {
        text.emplace_back(label, shown);
        json.emplace_back(key, json_value);
    }
    void add_text(const std::string& label, const std::string& shown) { text.emplace_back(label, shown); }
    void add_json(const std::string& key, const std::string& json_value) { json.emplace_back(key, json_value); }
    std::string render(const std::string& file, const char* kind, bool as_json) const {
        std::ostringstream out;
        if (as_json) {
            out << "{\n  \"file\": " << json_string(file) << ",\n  \"kind\": " << json_string(kind);
            for (const auto& [k, v] : json) out << ",\n  " << json_string(k) << ": " << v;
            out << "\n}\n";
        } else {
            out << "file: " << file << "\n" << kind << "\n";
            for (const auto& [k, v] : text) {
                char label[40];
                std::snprintf(label, sizeof label, "  %-17s ", k.c_str());
                out << label << v << "\n";
            }
        }
        return out.str();
    }
};

std::string number_text(double v) {
    char b[64];
    std::snprintf(b, sizeof b, "%.6g", v);
    return b;
}

std::string model_summary(const std::string& file, bool as_json) {
    const auto m = read_detector_model(file);
    summary s;
    const auto n = [](double v) { return number_text(v); };
    s.add("origin", "origin", m.origin.empty() ? "unknown" : m.origin, m.origin.empty() ? "null" : json_string(m.origin));
    s.add("motifs", "motifs", std::to_string(m.motifs), std::to_string(m.motifs));
    s.add("neurons", "neurons", std::to_string(m.neurons), std::to_string(m.neurons));
    if (!m.unit_ids.empty()) {
        const auto [lo, hi] = std::minmax_element(m.unit_ids.begin(), m.unit_ids.end());
        s.add_text("units", "ids " + std::to_string(*lo) + ".." + std::to_string(*hi) + " (neurons named by unit id below)");
        s.add_json("unit_id_min", std::to_string(*lo));
        s.add_json("unit_id_max", std::to_string(*hi));
    }
    s.add("delays", "delays", std::to_string(m.delays) + " bins (" + n(static_cast<double>(m.delays) * m.bin_ms) + " ms)",
          std::to_string(m.delays));
    s.add("bin_ms", "bin", n(m.bin_ms) + " ms", n(m.bin_ms));
    s.add("threshold", "threshold", n(m.threshold) + " (logit units)", n(m.threshold));
    s.add("refractory_bins", "refractory", std::to_string(m.refractory()) + " bins", std::to_string(m.refractory()));
    s.add("rule", "rule", to_string(m.rule), json_string(to_string(m.rule)));
    std::size_t nonzero = 0;
    for (float w : m.weights) nonzero += w != 0.0f;
    s.add("nonzero_weights", "weights", std::to_string(nonzero) + " non-zero of " + std::to_string(m.weights.size()),
          std::to_string(nonzero));
    if (m.calibration_rate_hz > 0)
        s.add("calibration_rate_hz", "calibration rate", n(m.calibration_rate_hz) + " detections/s",
              n(m.calibration_rate_hz));
    // Per motif: the neurons with a positive weight and the delays they span (after the start).
    std::string per_text, per_json;
    for (std::size_t k = 0; k < m.motifs; ++k) {
        std::size_t neurons = 0;
        std::size_t first = m.delays, last = 0;
        for (std::size_t a = 0; a < m.neurons; ++a) {
            bool any = false;
            for (std::size_t d = 0; d < m.delays; ++d)
                if (m.weight(k, a, d) > 0) {
                    any = true;
                    const std::size_t delay = m.delays - 1 - d;
                    first = std::min(first, delay);
                    last = std::max(last, delay);
                }
            neurons += any;
        }
        if (k < 20)
            per_text += (k ? "; " : "") + std::to_string(k) + ": " + std::to_string(neurons) + " neurons" +
                        (neurons ? " over " + n(static_cast<double>(first) * m.bin_ms) + ".." +
                                       n(static_cast<double>(last) * m.bin_ms) + " ms"
                                 : "");
        per_json += (k ? ", " : "") + std::to_string(neurons);
    }
    if (m.motifs > 20) per_text += "; ...";
    s.add("neurons_per_motif", "per motif", per_text, "[" + per_json + "]");
    // Each motif's neurons in the order they fire (delay of their largest weight after the
    // start), named by the recording's unit ids when the model has them.
    const auto name = [&](std::size_t a) { return m.unit_ids.empty() ? a : m.unit_ids[a]; };
    std::string seq_json;
    for (std::size_t k = 0; k < m.motifs; ++k) {
        std::vector<std::pair<std::size_t, std::uint64_t>> order;  // (delay bins, id)
        for (std::size_t a = 0; a < m.neurons; ++a) {
            std::size_t best = 0;
            float top = 0.0f;
            for (std::size_t d = 0; d < m.delays; ++d)
                if (m.weight(k, a, d) > top) {
                    top = m.weight(k, a, d);
                    best = m.delays - 1 - d;
                }
            if (top > 0.0f) order.emplace_back(best, name(a));
        }
        std::sort(order.begin(), order.end());
        std::string text, json;
        std::size_t shown = 0;
        for (std::size_t i = 0; i < order.size(); ++i) {
            const bool new_delay = i == 0 || order[i].first != order[i - 1].first;
            if (shown < 64) {
                if (new_delay) text += (i ? "; " : "") + n(static_cast<double>(order[i].first) * m.bin_ms) + " ms:";
                text += " " + std::to_string(order[i].second);
            } else if (shown == 64) {
                text += "; ...";
            }
            ++shown;
            json += (i ? ", [" : "[") + std::to_string(order[i].second) + ", " +
                    n(static_cast<double>(order[i].first) * m.bin_ms) + "]";
        }
        if (k < 20 && !order.empty()) s.add_text("motif " + std::to_string(k), text);
        seq_json += (k ? ", [" : "[") + json + "]";
    }
    // [motif][[id, delay ms], ...]: ids are unit ids when the model has them, node ids otherwise.
    s.add_json(m.unit_ids.empty() ? "motif_neurons" : "motif_units", "[" + seq_json + "]");
    return s.render(file, "detector model", as_json);
}

std::string detections_summary(const std::string& file, bool as_json) {
    const auto d = read_detections(file);
    const auto meta = read_detections_meta(file);
    summary s;
    s.add("detections", "detections", std::to_string(d.size()), std::to_string(d.size()));
    std::map<std::uint64_t, std::size_t> per;
    double t0 = 0, t1 = 0;
    for (std::size_t i = 0; i < d.size(); ++i) {
        ++per[d.motif_ids[i]];
        t0 = i == 0 ? d.timestamps[i] : std::min(t0, d.timestamps[i]);
        t1 = i == 0 ? d.timestamps[i] : std::max(t1, d.timestamps[i]);
    }
    if (!d.timestamps.empty())
        s.add("span_ms", "time span", number_text(t0) + " .. " + number_text(t1) + " ms",
              "[" + number_text(t0) + ", " + number_text(t1) + "]");
    std::string per_text, per_json;
    std::size_t shown = 0;
    for (const auto& [motif, count] : per) {
        if (shown++ < 20) per_text += (per_text.empty() ? "" : ", ") + std::to_string(motif) + ": " + std::to_string(count);
        per_json += (per_json.empty() ? "\"" : ", \"") + std::to_string(motif) + "\": " + std::to_string(count);
    }
    if (per.size() > 20) per_text += ", ...";
    s.add("per_motif", "per motif", per_text.empty() ? "none" : per_text, "{" + per_json + "}");
    if (!meta.model.empty()) s.add("model", "model", meta.model, json_string(meta.model));
    if (!meta.raster.empty()) s.add("raster", "raster", meta.raster, json_string(meta.raster));
    if (!meta.unit_ids.empty()) {
        const auto [lo, hi] = std::minmax_element(meta.unit_ids.begin(), meta.unit_ids.end());
        s.add("units", "model units", std::to_string(meta.unit_ids.size()) + " (ids " + std::to_string(*lo) + ".." +
                                          std::to_string(*hi) + ")",
              std::to_string(meta.unit_ids.size()));
        s.add_json("unit_id_min", std::to_string(*lo));
        s.add_json("unit_id_max", std::to_string(*hi));
    }
    if (meta.bin_ms > 0) s.add("bin_ms", "bin", number_text(meta.bin_ms) + " ms", number_text(meta.bin_ms));
    s.add("threshold", "threshold", number_text(meta.threshold), number_text(meta.threshold));
    return s.render(file, "detections", as_json);
}

}  // namespace

int run_info(const args& a) {
    command_line cl;
    cl.usage = "evspike info FILE [--json] [--duration MS] [--bin MS]";
    std::string file;
    std::optional<double> duration_ms;
    cl.options.add_options()
        ("file", po::value(&file)->required(), "SONATA spike file")
        ("json", "print JSON instead of text")
        ("duration", positive_time_ms(), "recording length for the mean rate, ms, from the span's start (default: the span the file covers)")
        ("bin", positive_time_ms(), "also report the Fano factor of counts and the LZ76 complexity of binarised trains, bins of MS");
    cl.positional.add("file", 1);
    po::variables_map vm;
    if (!cl.parse(a, vm)) return 0;
    if (vm.count("duration") != 0) duration_ms = vm["duration"].as<double>();
    std::optional<double> bin_ms;
    if (vm.count("bin") != 0) bin_ms = vm["bin"].as<double>();

    // A detector model or a detections file: its own summary.
    {
        // Not an HDF5 file, or unreadable: the spike reader below says what is wrong.
        evspike_file_kind kind = evspike_file_kind::other;
        try {
            if (std::filesystem::is_regular_file(file)) kind = file_kind(file);
        } catch (const error&) {
        }
        if (kind == evspike_file_kind::detector_model || kind == evspike_file_kind::detections) {
            std::cout << (kind == evspike_file_kind::detector_model ? model_summary(file, vm.count("json") != 0)
                                                                    : detections_summary(file, vm.count("json") != 0));
            return 0;
        }
    }
    const spike_reader reader(file);
    std::vector<report> reports;
    for (const auto& population : reader.populations()) reports.push_back(population_report(reader, population, duration_ms, bin_ms));

    std::ostringstream out;
    if (vm.count("json") != 0) {
        out << "{\n  \"file\": " << json_string(file);
        for (const char* attribute : {"evspike_command", "evspike_seed"}) {
            const auto v = reader.root_attribute(attribute);
            const bool integer = v && !v->empty() && v->find_first_not_of("0123456789") == std::string::npos;
            out << ",\n  " << json_string(attribute) << ": " << (!v ? "null" : integer ? *v : json_string(*v));
        }
        out << ",\n  \"populations\": [";
        for (std::size_t i = 0; i < reports.size(); ++i) {
            out << (i ? ",\n" : "\n") << "    {\"name\": " << json_string(reports[i].population);
            for (const auto& f : reports[i].fields) out << ", " << json_string(f.key) << ": " << f.json;
            out << "}";
        }
        out << (reports.empty() ? "]\n}\n" : "\n  ]\n}\n");
    } else {
        out << "file: " << file << "\n";
        if (const auto command = reader.root_attribute("evspike_command")) out << "written by: " << *command << "\n";
        if (const auto seed = reader.root_attribute("evspike_seed")) out << "seed: " << *seed << "\n";
        if (reports.empty()) out << "no populations\n";
        for (const auto& r : reports) {
            out << "\npopulation " << r.population << "\n";
            for (const auto& f : r.fields) {
                if (f.key == "cv_neurons" || f.key == "unit_id_min" || f.key == "unit_id_max") continue;  // shown in another line
                char label[40];
                std::snprintf(label, sizeof label, "  %-17s ", f.label.c_str());
                out << label << f.text << "\n";
            }
        }
    }
    std::cout << out.str();
    return 0;
}

}  // namespace evspike::cli
