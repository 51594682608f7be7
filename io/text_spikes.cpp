#include "io/text_spikes.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <fstream>
#include <iterator>
#include <vector>

#include "core/error.hpp"

namespace evspike {
namespace {

constexpr std::array unit_names = {"unit", "unit_id", "units", "neuron", "neuron_id", "cluster", "cluster_id",
                                   "node_id", "id", "sender", "i"};
constexpr std::array time_names = {"time", "t", "times", "spike_time", "spike_times", "timestamp", "timestamps"};

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

bool parse_number(std::string_view s, double& v) {
    const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
    return r.ec == std::errc{} && r.ptr == s.data() + s.size() && !s.empty();
}

}  // namespace

bool split_record(std::string_view line, char delimiter, std::vector<std::string>& fields, bool trim_blanks) {
    fields.clear();
    if (delimiter == 0) {
        std::size_t i = 0;
        while (i < line.size()) {
            while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
            const std::size_t start = i;
            while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
            if (i > start) fields.emplace_back(line.substr(start, i - start));
        }
        return true;
    }
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
        } else if (c == '"' && (trim_blanks ? trim(field).empty() : field.empty()) && !was_quoted) {
            field.clear();
            quoted = was_quoted = true;
        } else if (c == delimiter) {
            fields.emplace_back(was_quoted || !trim_blanks ? field : std::string(trim(field)));
            field.clear();
            was_quoted = false;
        } else {
            field += c;
        }
    }
    fields.emplace_back(was_quoted || !trim_blanks ? field : std::string(trim(field)));
    return !quoted;
}

namespace {

// A header name split into its base ("time") and an optional unit ("ms" in time_ms, "time (ms)").
struct column_name {
    std::string base;
    std::optional<time_unit> unit;
};

column_name parse_column_name(const std::string& field) {
    const std::string name = lower(trim(field));
    if (!name.empty() && (name.back() == ')' || name.back() == ']')) {
        const auto open = name.find_last_of(name.back() == ')' ? '(' : '[');
        if (open != std::string::npos) {
            if (auto u = parse_time_unit(trim(std::string_view(name).substr(open + 1, name.size() - open - 2))))
                return {std::string(trim(std::string_view(name).substr(0, open))), u};
        }
    }
    const auto underscore = name.find_last_of('_');
    if (underscore != std::string::npos)
        if (auto u = parse_time_unit(std::string_view(name).substr(underscore + 1)))
            return {name.substr(0, underscore), u};
    return {name, std::nullopt};
}

template <std::size_t N>
bool one_of(const std::string& s, const std::array<const char*, N>& names) {
    return std::any_of(names.begin(), names.end(), [&](const char* n) { return s == n; });
}

std::string join(const std::vector<std::string>& fields) {
    std::string out;
    for (const auto& f : fields) out += (out.empty() ? "'" : ", '") + f + "'";
    return out;
}

}  // namespace

std::optional<time_unit> parse_time_unit(std::string_view text) {
    if (text == "s") return time_unit::s;
    if (text == "ms") return time_unit::ms;
    if (text == "us") return time_unit::us;
    if (text == "samples") return time_unit::samples;
    return std::nullopt;
}

double to_ms(double value, time_unit unit, double sample_rate_hz) {
    switch (unit) {
        case time_unit::s: return value * 1000.0;
        case time_unit::ms: return value;
        case time_unit::us: return value / 1000.0;
        case time_unit::samples: return value * 1000.0 / sample_rate_hz;
    }
    return value;
}

std::string read_whole_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    if (!in) throw io_error(path, "", "cannot open for reading");
    const std::streamoff size = in.tellg();
    if (size < 0) throw io_error(path, "", "cannot tell its size (not a regular file?)");
    std::string text(static_cast<std::size_t>(size), '\0');
    in.seekg(0);
    in.read(text.data(), size);
    if (!in) throw io_error(path, "", "read error");
    return text;
}

unit_spikes read_text_spikes(const std::string& path, const text_options& options) {
    return parse_text_spikes(read_whole_file(path), path, options);
}

unit_spikes parse_text_spikes(std::string_view text, const std::string& name, const text_options& options) {
    if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
    std::uint64_t line_number = 0;
    auto fail = [&](const std::string& what) -> void {
        throw io_error(name, "", "line " + std::to_string(line_number) + ": " + what);
    };

    // Lines, without their end-of-line characters; blank and comment lines dropped.
    struct line {
        std::uint64_t number;
        std::string_view text;
    };
    std::vector<line> lines;
    for (std::size_t at = 0, number = 1; at < text.size(); ++number) {
        std::size_t end = text.find('\n', at);
        if (end == std::string_view::npos) end = text.size();
        std::string_view l = text.substr(at, end - at);
        if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
        at = end + 1;
        if (trim(l).empty() || trim(l).front() == '#') continue;
        if (l.find('\0') != std::string_view::npos) {
            line_number = number;
            fail("a NUL byte: not a text file");
        }
        lines.push_back({number, l});
    }
    if (lines.empty()) throw io_error(name, "", "no spikes: the file is empty (or only blank and comment lines)");

    const std::string_view first = lines.front().text;
    const char delimiter = first.find('\t') != std::string_view::npos ? '\t'
                           : first.find(',') != std::string_view::npos ? ','
                           : first.find(';') != std::string_view::npos ? ';'
                                                                        : '\0';
    std::vector<std::string> fields;
    line_number = lines.front().number;
    if (!split_record(first, delimiter, fields)) fail("unterminated quote");
    double ignored = 0;
    const bool has_header =
        std::any_of(fields.begin(), fields.end(), [&](const std::string& f) { return !parse_number(f, ignored); });
    const std::vector<std::string> header = has_header ? fields : std::vector<std::string>{};

    // Which columns hold the unit and the time.
    std::size_t unit_col = 0, time_col = 1;
    if (options.columns) {
        const std::string& spec = *options.columns;
        const auto comma = spec.find(',');
        if (comma == std::string::npos || spec.find(',', comma + 1) != std::string::npos)
            throw io_error(name, "", "--columns '" + spec + "': expected UNIT,TIME (two header names or 1-based column numbers)");
        auto resolve = [&](std::string_view token) -> std::size_t {
            token = trim(token);
            for (std::size_t k = 0; k < header.size(); ++k)
                if (lower(trim(header[k])) == lower(token)) return k;
            std::size_t index = 0;
            const auto r = std::from_chars(token.data(), token.data() + token.size(), index);
            if (r.ec == std::errc{} && r.ptr == token.data() + token.size() && !token.empty()) {
                if (index == 0) throw io_error(name, "", "--columns: column numbers start at 1 (found 0)");
                return index - 1;
            }
            throw io_error(name, "", "--columns: no column named '" + std::string(token) + "' (" +
                                         (has_header ? "the header has " + join(header) : "the file has no header") + ")");
        };
        unit_col = resolve(std::string_view(spec).substr(0, comma));
        time_col = resolve(std::string_view(spec).substr(comma + 1));
        if (unit_col == time_col) throw io_error(name, "", "--columns '" + spec + "': the unit and time columns are the same");
    } else if (has_header) {
        std::vector<std::size_t> units, times;
        for (std::size_t k = 0; k < header.size(); ++k) {
            const column_name c = parse_column_name(header[k]);
            if (!c.unit && one_of(c.base, unit_names)) units.push_back(k);
            if (one_of(c.base, time_names)) times.push_back(k);
        }
        if (units.size() != 1 || times.size() != 1) {
            const bool unit_problem = units.size() != 1;
            const std::size_t found = unit_problem ? units.size() : times.size();
            fail(std::string(found == 0 ? "no " : "more than one ") + (unit_problem ? "unit" : "time") +
                 " column in the header " + join(header) + " (recognised names: " +
                 (unit_problem ? "unit, neuron, cluster, node_id, id, ..." : "time, t, spike_time, timestamp, ...") +
                 "): choose with --columns UNIT,TIME");
        }
        unit_col = units.front();
        time_col = times.front();
    } else if (fields.size() != 2) {
        fail("no header and " + std::to_string(fields.size()) +
             " columns: say which hold the unit and the time with --columns UNIT,TIME (1-based numbers)");
    }

    // The time unit: from the option, or from the time column's name.
    std::optional<time_unit> unit = options.unit;
    if (has_header && time_col < header.size()) {
        const column_name c = parse_column_name(header[time_col]);
        if (c.unit && unit && *c.unit != *unit)
            fail("--time-unit contradicts the header's time column '" + header[time_col] + "'");
        if (c.unit) unit = c.unit;
    }
    if (!unit) throw io_error(name, "", "cannot tell the time unit: give --time-unit s|ms|us|samples");
    if (*unit == time_unit::samples && !options.sample_rate_hz)
        throw io_error(name, "", "times in samples need --sample-rate HZ");
    if (options.sample_rate_hz && *unit != time_unit::samples)
        throw io_error(name, "", "--sample-rate is only for times in samples (--time-unit samples)");
    if (options.sample_rate_hz && !(std::isfinite(*options.sample_rate_hz) && *options.sample_rate_hz > 0))
        throw io_error(name, "", "--sample-rate must be a positive number of Hz");

    unit_spikes out;
    std::vector<std::uint64_t> numbers;
    const std::size_t needed = std::max(unit_col, time_col) + 1;
    for (std::size_t k = has_header ? 1 : 0; k < lines.size(); ++k) {
        line_number = lines[k].number;
        if (!split_record(lines[k].text, delimiter, fields)) fail("unterminated quote");
        if (fields.size() < needed)
            fail("expected at least " + std::to_string(needed) + " fields, found " + std::to_string(fields.size()));
        const std::string& u = fields[unit_col];
        std::uint64_t id = 0;
        const auto r = std::from_chars(u.data(), u.data() + u.size(), id);
        if (r.ec != std::errc{} || r.ptr != u.data() + u.size() || u.empty()) {
            double v = 0;
            if (!parse_number(u, v)) fail("unit id '" + u + "' is not a number");
            if (v < 0) fail("unit id '" + u + "' is negative");
            if (!(v == std::floor(v) && v <= 9007199254740992.0)) fail("unit id '" + u + "' is not an integer");
            id = static_cast<std::uint64_t>(v);
        }
        double t = 0;
        if (!parse_number(fields[time_col], t)) fail("time '" + fields[time_col] + "' is not a number");
        if (!std::isfinite(t)) fail("time '" + fields[time_col] + "' is not finite");
        out.units.push_back(id);
        out.times_ms.push_back(to_ms(t, *unit, options.sample_rate_hz.value_or(0.0)));
        numbers.push_back(line_number);
    }
    if (out.size() == 0) throw io_error(name, "", "no spikes: only a header");
    apply_time_offset(out.times_ms, options.time_offset_ms, name,
                      [&](std::size_t i) { return "line " + std::to_string(numbers[i]); });
    return out;
}

}  // namespace evspike
