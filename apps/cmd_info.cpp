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
