// evspike convert IN OUT: SONATA spike file (.h5/.hdf5) <-> CSV (.csv), chosen by extension.
// CSV columns: population,node_id,timestamp_ms, one spike per line, times in the shortest form
// that reads back to the same double (std::to_chars), so a round trip is exact. SONATA -> CSV
// streams; CSV -> SONATA holds the CSV's spikes in memory (CSV is for small files), sorts each
// population by (time, id) and writes it by_time. Outputs are atomic (temporary, then renamed).
#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <numeric>
#include <span>
#include <string>
#include <vector>

#include "apps/cli.hpp"
#include "apps/commands.hpp"
#include "core/error.hpp"
#include "io/atomic_file.hpp"
#include "io/spike_file.hpp"

namespace evspike::cli {
namespace {

constexpr const char* csv_header = "population,node_id,timestamp_ms";

enum class format { sonata, csv, unknown };

format format_of(const std::string& path) {
    std::string ext = std::filesystem::path(path).extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (ext == ".h5" || ext == ".hdf5") return format::sonata;
    if (ext == ".csv") return format::csv;
    return format::unknown;
}

std::string csv_field(const std::string& s) {
    if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
    std::string out = "\"";
    for (char c : s) {
        if (c == '"') out += '"';
        out += c;
    }
    return out + "\"";
}

void sonata_to_csv(const std::string& in, const std::string& out_path, bool quiet) {
    const spike_reader reader(in);
    std::uint64_t total = 0;
    for (const auto& p : reader.populations()) total += reader.size(p);
    progress_bar progress("convert", static_cast<double>(total), quiet);
    atomic_file out(out_path);
    out.write(csv_header);
    out.write("\n");
    std::string line;
    std::uint64_t done = 0;
    for (const auto& population : reader.populations()) {
        const std::string prefix = csv_field(population) + ",";
        reader.for_each_chunk(population, std::size_t{1} << 18, [&](const spike_table& chunk) {
            std::string text;
            char buffer[64];
            for (std::size_t i = 0; i < chunk.size(); ++i) {
                text += prefix;
                auto r = std::to_chars(buffer, buffer + sizeof buffer, chunk.node_ids[i]);
                text.append(buffer, r.ptr);
                text += ',';
                r = std::to_chars(buffer, buffer + sizeof buffer, chunk.timestamps[i]);
                text.append(buffer, r.ptr);
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

// Splits one CSV record (no embedded newlines) into fields; quotes as in RFC 4180.
bool split_csv(const std::string& line, std::vector<std::string>& fields) {
    fields.clear();
    std::string field;
    bool quoted = false, was_quoted = false;
    for (std::size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (quoted) {
            if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
                field += '"';
                ++i;
            } else if (c == '"') {
                quoted = false;
            } else {
                field += c;
            }
        } else if (c == '"' && field.empty() && !was_quoted) {
            quoted = was_quoted = true;
        } else if (c == ',') {
            fields.push_back(field);
            field.clear();
            was_quoted = false;
        } else {
            field += c;
        }
    }
    fields.push_back(field);
    return !quoted;
}

void csv_to_sonata(const std::string& in, const std::string& out_path) {
    std::ifstream file(in, std::ios::binary);
    if (!file) throw io_error(in, "", "cannot open for reading");
    struct columns {
        std::vector<double> t;
        std::vector<std::uint64_t> id;
    };
    std::map<std::string, columns> populations;
    std::string line;
    std::vector<std::string> fields;
    std::uint64_t line_number = 0;
    auto fail = [&](const std::string& what) {
        throw io_error(in, "", "line " + std::to_string(line_number) + ": " + what);
    };
    while (std::getline(file, line)) {
        ++line_number;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line_number == 1) {
            if (line.rfind("\xEF\xBB\xBF", 0) == 0) line.erase(0, 3);  // a UTF-8 byte-order mark
            if (line != csv_header) fail(std::string("expected the header '") + csv_header + "', found '" + line + "'");
            continue;
        }
        if (line.empty()) continue;
        if (!split_csv(line, fields)) fail("unterminated quote");
        if (fields.size() != 3) fail("expected 3 fields (population,node_id,timestamp_ms), found " + std::to_string(fields.size()));
        if (fields[0].empty()) fail("empty population name");
        std::uint64_t id = 0;
        const auto& f1 = fields[1];
        const auto r1 = std::from_chars(f1.data(), f1.data() + f1.size(), id);
        if (r1.ec != std::errc{} || r1.ptr != f1.data() + f1.size()) fail("node_id '" + f1 + "' is not a non-negative integer");
        if (id > max_node_id) fail("node_id '" + f1 + "' does not fit: ids must be <= 2^64 - 2 (18446744073709551614)");
        double t = 0;
        const auto& f2 = fields[2];
        const auto r2 = std::from_chars(f2.data(), f2.data() + f2.size(), t);
        if (r2.ec != std::errc{} || r2.ptr != f2.data() + f2.size()) fail("timestamp_ms '" + f2 + "' is not a number");
        if (!std::isfinite(t) || t < 0) fail("timestamp_ms '" + f2 + "' must be finite and >= 0");
        auto& c = populations[fields[0]];
        c.t.push_back(t);
        c.id.push_back(id);
    }
    if (file.bad()) throw io_error(in, "", "read error");
    if (line_number == 0) throw io_error(in, "", std::string("empty file: expected the header '") + csv_header + "'");

    spike_writer writer(out_path, provenance{invocation(), 1, ""});
    for (auto& [name, c] : populations) {
        std::vector<std::size_t> order(c.t.size());
        std::iota(order.begin(), order.end(), std::size_t{0});
        std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
            return c.t[a] != c.t[b] ? c.t[a] < c.t[b] : c.id[a] < c.id[b];
        });
        std::vector<double> t(order.size());
        std::vector<std::uint64_t> id(order.size());
        for (std::size_t k = 0; k < order.size(); ++k) {
            t[k] = c.t[order[k]];
            id[k] = c.id[order[k]];
        }
        const std::size_t pop = writer.add_population(name);
        writer.append(pop, std::span<const double>(t), std::span<const std::uint64_t>(id));
    }
    writer.commit();
}

}  // namespace

int run_convert(const args& a) {
    command_line cl;
    cl.usage = "evspike convert IN OUT   (SONATA .h5/.hdf5 <-> .csv, by extension)";
    std::string in, out;
    cl.options.add_options()
        ("input", po::value(&in)->required(), "input file")
        ("output", po::value(&out)->required(), "output file");
    cl.positional.add("input", 1).add("output", 1);
    po::variables_map vm;
    if (!cl.parse(a, vm)) return 0;
    const format from = format_of(in), to = format_of(out);
    if (from == format::unknown || to == format::unknown)
        throw usage_error("cannot tell the format of '" + (from == format::unknown ? in : out) +
                          "': use .h5/.hdf5 (SONATA) or .csv", cl.usage);
    if (from == to) throw usage_error("convert goes from SONATA (.h5) to CSV (.csv) or back, not " +
                                      std::string(from == format::csv ? "CSV to CSV" : "SONATA to SONATA"), cl.usage);
    declare_input(in, "input");
    check_output(out);
    if (from == format::sonata)
        sonata_to_csv(in, out, vm.count("quiet") != 0);
    else
        csv_to_sonata(in, out);
    return 0;
}

}  // namespace evspike::cli
