// evspike convert IN OUT (SPEC §7, §9.1): recordings and CSV into SONATA, SONATA and detections
// out to CSV/TSV. The output's extension picks its format (.h5/.hdf5 SONATA, .csv, .tsv); the
// input's kind is found from what it is:
// - a folder: a Kilosort/Phy output folder (io/kilosort.hpp);
// - .h5/.hdf5/.nwb: by content, a SONATA spike file (/spikes), an NWB file's Units table (/units,
//   io/nwb_units.hpp) or a detections file (/detections);
// - anything else is text: evspike's own CSV/TSV when its first line is the header
//   population,node_id,timestamp_ms[,unit_id] (comma or tab), otherwise a delimited recording
//   (io/text_spikes.hpp).
// Recordings become one population (--population, default "units") with dense node ids, the
// original unit ids (/spikes/<pop>/unit_ids) and the span they cover (t_start/t_stop attributes).
// evspike's CSV keeps its node ids, so SONATA -> CSV -> SONATA is exact (times are written in the
// shortest form that reads back to the same double). Outputs are atomic.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <numeric>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "apps/cli.hpp"
#include "apps/commands.hpp"
#include "core/error.hpp"
#include "io/atomic_file.hpp"
#include "io/detector_file.hpp"
#include "io/kilosort.hpp"
#include "io/motif_truth.hpp"
#include "io/nwb_units.hpp"
#include "io/recording.hpp"
#include "io/spike_file.hpp"
#include "io/text_spikes.hpp"

namespace evspike::cli {
namespace {

enum class format { sonata, csv, tsv, unknown };

std::string extension_of(const std::string& path) {
    std::string ext = std::filesystem::path(path).extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return ext;
}

format output_format(const std::string& path) {
    const std::string ext = extension_of(path);
    if (ext == ".h5" || ext == ".hdf5") return format::sonata;
    if (ext == ".csv") return format::csv;
    if (ext == ".tsv") return format::tsv;
    return format::unknown;
}

bool hdf5_extension(const std::string& path) {
    const std::string ext = extension_of(path);
    return ext == ".h5" || ext == ".hdf5" || ext == ".nwb";
}

std::string text_field(const std::string& s, char delimiter) {
    if (s.find_first_of(std::string(1, delimiter) + "\"\r\n") == std::string::npos) return s;
    std::string out = "\"";
    for (char c : s) {
        if (c == '"') out += '"';
        out += c;
    }
    return out + "\"";
}

// ------------------------------------------------------------------------------------ export

void sonata_to_text(const std::string& in, const std::string& out_path, char delimiter, bool quiet) {
    const spike_reader reader(in);
    // CSV holds spikes only: a ground truth (generate motifs) does not survive the round trip.
    if (has_motif_truth(in))
        std::fprintf(stderr, "note: %s: the motif ground truth (/motifs) is not written to %s (CSV holds spikes only)\n",
                     in.c_str(), out_path.c_str());
    std::uint64_t total = 0;
    std::map<std::string, std::vector<std::uint64_t>> unit_ids;
    for (const auto& p : reader.populations()) {
        total += reader.size(p);
        if (auto ids = reader.unit_ids(p)) unit_ids[p] = std::move(*ids);
    }
    const std::string d(1, delimiter);
    progress_bar progress("convert", static_cast<double>(total), quiet);
    atomic_file out(out_path);
    out.write("population" + d + "node_id" + d + "timestamp_ms" + (unit_ids.empty() ? "" : d + "unit_id") + "\n");
    std::uint64_t done = 0;
    for (const auto& population : reader.populations()) {
        const std::string prefix = text_field(population, delimiter) + d;
        const auto units = unit_ids.find(population);
        reader.for_each_chunk(population, std::size_t{1} << 18, [&](const spike_table& chunk) {
            std::string text;
            for (std::size_t i = 0; i < chunk.size(); ++i) {
                text += prefix;
                text += std::to_string(chunk.node_ids[i]);
                text += delimiter;
                text += format_double(chunk.timestamps[i]);
                if (!unit_ids.empty()) {
                    text += delimiter;
                    if (units != unit_ids.end()) {
                        if (chunk.node_ids[i] >= units->second.size())
                            throw io_error(in, "/spikes/" + population + "/unit_ids",
                                           "node id " + std::to_string(chunk.node_ids[i]) + " has no unit id (" +
                                               std::to_string(units->second.size()) + " unit ids)");
                        text += std::to_string(units->second[chunk.node_ids[i]]);
                    }
                }
                text += '\n';
            }
            out.write(text);
            done += chunk.size();
            progress.update(static_cast<double>(done));
        });
    }
    out.commit();
    progress.finish();
}

void detections_to_text(const std::string& in, const std::string& out_path, char delimiter) {
    const motif_events d = read_detections(in);
    const std::string sep(1, delimiter);
    std::string text = "time_ms" + sep + "motif" + sep + "score\n";
    for (std::size_t k = 0; k < d.size(); ++k) {
        text += format_double(d.timestamps[k]) + sep + std::to_string(d.motif_ids[k]) + sep;
        if (!d.scores.empty()) text += format_double(static_cast<double>(d.scores[k]));
        text += '\n';
    }
    atomic_file out(out_path);
    out.write(text);
    out.commit();
}

// ------------------------------------------------------------------------------------ import

// One spike per node and instant (SPEC §3.2, docs/files.md): exact repeats, as spike sorters or
// a doubled line produce them, are dropped with a notice, so that what convert writes a spike_file
// source also reads (which refuses them).
void drop_duplicates(spike_table& spikes, const std::string& in, const std::string& population,
                     const std::vector<std::uint64_t>* unit_ids) {
    const duplicate_spikes d = drop_duplicate_spikes(spikes);
    if (d.count == 0) return;
    std::string node = "node " + std::to_string(d.node_id);
    if (unit_ids != nullptr && d.node_id < unit_ids->size()) node += " (unit " + std::to_string((*unit_ids)[d.node_id]) + ")";
    std::fprintf(stderr,
                 "note: %s: dropped %zu duplicate spike%s of population %s (same node, same time; first: %s at %s ms): "
                 "a node spikes at most once per instant\n",
                 in.c_str(), d.count, d.count == 1 ? "" : "s", population.c_str(), node.c_str(),
                 format_double(d.time_ms).c_str());
}

// evspike's own CSV/TSV header, if `first_line` is one: its delimiter and whether it has unit_id.
struct own_header {
    char delimiter;
    bool unit_ids;
};
std::optional<own_header> own_csv_header(std::string first_line) {
    if (!first_line.empty() && first_line.back() == '\r') first_line.pop_back();
    for (char d : {',', '\t'}) {
        const std::string base = std::string("population") + d + "node_id" + d + "timestamp_ms";
        if (first_line == base) return own_header{d, false};
        if (first_line == base + d + "unit_id") return own_header{d, true};
    }
    return std::nullopt;
}

std::uint64_t parse_id(const std::string& text, bool& ok) {
    std::uint64_t v = 0;
    const auto r = std::from_chars(text.data(), text.data() + text.size(), v);
    ok = r.ec == std::errc{} && r.ptr == text.data() + text.size() && !text.empty();
    return v;
}

void own_csv_to_sonata(const std::string& in, std::string_view text, const own_header& header, const std::string& out_path) {
    struct columns {
        std::vector<double> t;
        std::vector<std::uint64_t> id;
        std::vector<std::uint64_t> unit;
        bool has_units = false;
    };
    const std::string names = header.unit_ids ? "population,node_id,timestamp_ms,unit_id" : "population,node_id,timestamp_ms";
    const std::size_t expected = header.unit_ids ? 4 : 3;
    std::map<std::string, columns> populations;
    std::vector<std::string> fields;
    std::uint64_t line_number = 0;
    auto fail = [&](const std::string& what) {
        throw io_error(in, "", "line " + std::to_string(line_number) + ": " + what);
    };
    for (std::size_t at = 0; at < text.size();) {
        std::size_t end = text.find('\n', at);
        if (end == std::string::npos) end = text.size();
        std::string line(text.substr(at, end - at));
        at = end + 1;
        ++line_number;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line_number == 1 || line.empty()) continue;
        // evspike's own CSV keeps every byte of a field (no trimming: a population name is exact).
        if (!split_record(line, header.delimiter, fields, false)) fail("unterminated quote");
        if (fields.size() != expected)
            fail("expected " + std::to_string(expected) + " fields (" + names + "), found " + std::to_string(fields.size()));
        if (fields[0].empty()) fail("empty population name");
        bool ok = false;
        const std::uint64_t id = parse_id(fields[1], ok);
        if (!ok) fail("node_id '" + fields[1] + "' is not a non-negative integer");
        if (id > max_node_id) fail("node_id '" + fields[1] + "' does not fit: ids must be <= 2^64 - 2 (18446744073709551614)");
        double t = 0;
        const auto& f2 = fields[2];
        const auto r2 = std::from_chars(f2.data(), f2.data() + f2.size(), t);
        if (r2.ec != std::errc{} || r2.ptr != f2.data() + f2.size()) fail("timestamp_ms '" + f2 + "' is not a number");
        if (!std::isfinite(t) || t < 0) fail("timestamp_ms '" + f2 + "' must be finite and >= 0");
        auto& c = populations[fields[0]];
        const bool has_unit = header.unit_ids && !fields[3].empty();
        if (c.t.empty()) c.has_units = has_unit;
        if (has_unit != c.has_units) fail("unit_id must be given for every spike of population '" + fields[0] + "' or for none");
        if (has_unit) {
            const std::uint64_t unit = parse_id(fields[3], ok);
            if (!ok) fail("unit_id '" + fields[3] + "' is not a non-negative integer");
            c.unit.push_back(unit);
        }
        c.t.push_back(t);
        c.id.push_back(id);
    }

    spike_writer writer(out_path, provenance{invocation(), 1, ""});
    for (auto& entry : populations) {
        const std::string& name = entry.first;
        auto& c = entry.second;  // not a structured binding: clang 14 cannot capture one in the lambda below
        const std::size_t pop = writer.add_population(name);
        if (c.has_units) {
            // Node ids are re-derived from the unit ids (dense ranks): the same ids unless a unit
            // had no spike in the CSV.
            unit_spikes rec{std::move(c.unit), std::move(c.t), {}};
            dense_population dense = densify(rec);
            drop_duplicates(dense.spikes, in, name, &dense.unit_ids);
            writer.append(pop, std::span<const double>(dense.spikes.timestamps), std::span<const std::uint64_t>(dense.spikes.node_ids));
            writer.set_unit_ids(pop, dense.unit_ids);
            writer.set_span(pop, {dense.spikes.timestamps.front(), dense.spikes.timestamps.back()});
            continue;
        }
        std::vector<std::size_t> order(c.t.size());
        std::iota(order.begin(), order.end(), std::size_t{0});
        std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
            return c.t[a] != c.t[b] ? c.t[a] < c.t[b] : c.id[a] < c.id[b];
        });
        spike_table sorted;
        sorted.timestamps.resize(order.size());
        sorted.node_ids.resize(order.size());
        for (std::size_t k = 0; k < order.size(); ++k) {
            sorted.timestamps[k] = c.t[order[k]];
            sorted.node_ids[k] = c.id[order[k]];
        }
        drop_duplicates(sorted, in, name, nullptr);
        writer.append(pop, std::span<const double>(sorted.timestamps), std::span<const std::uint64_t>(sorted.node_ids));
    }
    writer.commit();
}

struct import_settings {
    std::string population = "units";
    std::optional<double> t_start, t_stop;  // ms, the span's ends when known better than the spikes
};

// Writes one recording as a SONATA population; prints a one-line summary.
void write_recording(const unit_spikes& recording, const std::string& in, const std::string& out_path,
                     const import_settings& settings, bool starts_at_zero) {
    dense_population dense = densify(recording);
    drop_duplicates(dense.spikes, in, settings.population, &dense.unit_ids);
    spike_writer writer(out_path, provenance{invocation(), 1, ""});
    const std::size_t pop = writer.add_population(settings.population);
    const auto& t = dense.spikes.timestamps;
    writer.append(pop, std::span<const double>(t), std::span<const std::uint64_t>(dense.spikes.node_ids));
    writer.set_unit_ids(pop, dense.unit_ids);
    if (!t.empty() || (settings.t_start && settings.t_stop)) {
        const double first = t.empty() ? 0.0 : t.front(), last = t.empty() ? 0.0 : t.back();
        const time_span span{settings.t_start.value_or(starts_at_zero ? 0.0 : first), settings.t_stop.value_or(last)};
        if (!t.empty() && (span.t_start_ms > first || span.t_stop_ms < last))
            throw io_error(in, "", "spikes from " + format_double(first) + " to " + format_double(last) +
                                       " ms lie outside --t-start/--t-stop (" + format_double(span.t_start_ms) + " .. " +
                                       format_double(span.t_stop_ms) + " ms)");
        writer.set_span(pop, span);
    }
    writer.commit();
    std::string ids;
    if (!dense.unit_ids.empty())
        ids = " (ids " + std::to_string(dense.unit_ids.front()) + ".." + std::to_string(dense.unit_ids.back()) + ")";
    std::cout << "convert: " << t.size() << " spikes of " << dense.unit_ids.size() << " units" << ids;
    if (!t.empty()) std::cout << ", " << format_double(t.front()) << " .. " << format_double(t.back()) << " ms";
    std::cout << " -> " << out_path << " (population " << settings.population << ")\n";
}

}  // namespace

int run_convert(const args& a) {
    command_line cl;
    cl.usage =
        "evspike convert IN OUT   (IN: text/CSV, a Kilosort/Phy folder, NWB or SONATA .h5; OUT: .h5, .csv or .tsv)\n"
        "       [--columns UNIT,TIME] [--time-unit s|ms|us|samples] [--sample-rate HZ] [--time-offset MS]\n"
        "       [--good-only] [--population NAME] [--t-start MS] [--t-stop MS]";
    std::string in, out;
    cl.options.add_options()
        ("input", po::value(&in)->required(), "input file or folder")
        ("output", po::value(&out)->required(), "output file")
        ("columns", po::value<std::string>(), "text: the unit and time columns, as header names or 1-based numbers (UNIT,TIME)")
        ("time-unit", po::value<std::string>(), "text: unit of the times: s, ms, us or samples (default: from the header, e.g. time_ms)")
        ("sample-rate", positive(nullptr, "Hz"), "samples per second, Hz (text in samples; Kilosort: overrides params.py)")
        ("time-offset", finite(), "ms added to every time, e.g. to lift stimulus-aligned negative times to >= 0")
        ("good-only", "Kilosort/Phy: keep only clusters labelled good (cluster_group.tsv or cluster_info.tsv)")
        ("population", po::value<std::string>(), "population name for a recording (default units)")
        ("t-start", time_ms(), "start of the recording, ms (default: first spike; Kilosort: 0)")
        ("t-stop", time_ms(), "end of the recording, ms (default: last spike)");
    cl.positional.add("input", 1).add("output", 1);
    po::variables_map vm;
    if (!cl.parse(a, vm)) return 0;
    const bool quiet = vm.count("quiet") != 0;
    declare_input(in, "input");
    check_output(out);

    const format to = output_format(out);
    if (to == format::unknown)
        throw usage_error("cannot tell the format of '" + out + "': use .h5/.hdf5 (SONATA), .csv or .tsv", cl.usage);
    const bool folder = std::filesystem::is_directory(in);
    const bool text_in = !folder && !hdf5_extension(in);
    if (text_in && to != format::sonata)
        throw usage_error("convert goes from text, CSV, Kilosort or NWB to SONATA (.h5), or from SONATA or detections to "
                          "CSV/TSV, not CSV to CSV",
                          cl.usage);

    auto number = [&](const char* name) -> std::optional<double> {
        if (vm.count(name) == 0) return std::nullopt;
        return vm[name].as<double>();  // checked by the option's declaration (apps/cli.hpp)
    };
    const auto sample_rate = number("sample-rate");
    const auto time_offset = number("time-offset");
    import_settings settings;
    settings.t_start = number("t-start");
    settings.t_stop = number("t-stop");
    if (settings.t_start && settings.t_stop && *settings.t_stop < *settings.t_start)
        throw usage_error("--t-stop must not be before --t-start", cl.usage);
    if (vm.count("population")) settings.population = vm["population"].as<std::string>();
    std::optional<time_unit> unit;
    if (vm.count("time-unit")) {
        unit = parse_time_unit(vm["time-unit"].as<std::string>());
        if (!unit) throw usage_error("--time-unit: expected s, ms, us or samples, not '" + vm["time-unit"].as<std::string>() + "'", cl.usage);
        if (*unit == time_unit::samples && !sample_rate) throw usage_error("--time-unit samples needs --sample-rate HZ", cl.usage);
        if (*unit != time_unit::samples && sample_rate) throw usage_error("--sample-rate is only for --time-unit samples", cl.usage);
    }
    // Options that only some inputs understand.
    auto refuse = [&](std::initializer_list<const char*> names, const std::string& why) {
        for (const char* name : names)
            if (vm.count(name)) throw usage_error(std::string("--") + name + " " + why, cl.usage);
    };

    if (folder) {
        if (to != format::sonata) throw usage_error("a Kilosort/Phy folder converts to SONATA (.h5)", cl.usage);
        refuse({"columns", "time-unit"}, "is for text input, not a Kilosort/Phy folder");
        kilosort_options options;
        options.good_only = vm.count("good-only") != 0;
        options.sample_rate_hz = sample_rate;
        options.time_offset_ms = time_offset.value_or(0.0);
        write_recording(read_kilosort(in, options), in, out, settings, true);
        return 0;
    }
    refuse({"good-only"}, "is for Kilosort/Phy folders");

    if (text_in) {
        const std::string file_text = read_whole_file(in);
        std::string_view text = file_text;
        if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
        if (const auto own = own_csv_header(std::string(text.substr(0, text.find('\n'))))) {
            refuse({"columns", "time-unit", "sample-rate", "time-offset", "population", "t-start", "t-stop"},
                   "is for recordings, not evspike's CSV (population,node_id,timestamp_ms)");
            own_csv_to_sonata(in, text, *own, out);
            return 0;
        }
        text_options options;
        if (vm.count("columns")) options.columns = vm["columns"].as<std::string>();
        options.unit = unit;
        options.sample_rate_hz = sample_rate;
        options.time_offset_ms = time_offset.value_or(0.0);
        write_recording(parse_text_spikes(text, in, options), in, out, settings, false);
        return 0;
    }

    const hdf5_content content = hdf5_content_of(in);
    if (content == hdf5_content::nwb_units) {
        if (to != format::sonata) throw usage_error("an NWB file converts to SONATA (.h5)", cl.usage);
        refuse({"columns", "time-unit", "sample-rate"}, "is for text input, not NWB (its times are in seconds)");
        write_recording(read_nwb_units(in, time_offset.value_or(0.0)), in, out, settings, false);
        return 0;
    }
    refuse({"columns", "time-unit", "sample-rate", "time-offset", "population", "t-start", "t-stop"},
           "is for importing recordings (text, Kilosort/Phy, NWB)");
    if (to == format::sonata) throw usage_error("convert goes from SONATA (.h5) to CSV/TSV, not SONATA to SONATA", cl.usage);
    const char delimiter = to == format::tsv ? '\t' : ',';
    if (content == hdf5_content::detections)
        detections_to_text(in, out, delimiter);
    else
        sonata_to_text(in, out, delimiter, quiet);  // the reader names what is missing in other files
    return 0;
}

}  // namespace evspike::cli
