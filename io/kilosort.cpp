#include "io/kilosort.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>

#include "core/error.hpp"
#include "io/npy.hpp"
#include "io/text_spikes.hpp"

namespace evspike {
namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
    return s;
}

std::vector<std::string_view> lines_of(std::string_view text) {
    std::vector<std::string_view> out;
    for (std::size_t at = 0; at < text.size();) {
        std::size_t end = text.find('\n', at);
        if (end == std::string_view::npos) end = text.size();
        out.push_back(text.substr(at, end - at));
        at = end + 1;
    }
    return out;
}

std::vector<std::string_view> split_tabs(std::string_view line) {
    std::vector<std::string_view> out;
    for (std::size_t at = 0;;) {
        const std::size_t end = line.find('\t', at);
        out.push_back(trim(line.substr(at, end == std::string_view::npos ? std::string_view::npos : end - at)));
        if (end == std::string_view::npos) return out;
        at = end + 1;
    }
}

}  // namespace

std::optional<double> parse_params_sample_rate(std::string_view text, const std::string& name) {
    std::optional<double> rate;
    std::size_t number = 0;
    for (std::string_view line : lines_of(text)) {
        ++number;
        if (const auto hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
        const auto eq = line.find('=');
        if (eq == std::string_view::npos || trim(line.substr(0, eq)) != "sample_rate") continue;
        const std::string_view value = trim(line.substr(eq + 1));
        double v = 0;
        const auto r = std::from_chars(value.data(), value.data() + value.size(), v);
        if (r.ec != std::errc{} || r.ptr != value.data() + value.size() || !std::isfinite(v) || v <= 0)
            throw io_error(name, "", "line " + std::to_string(number) + ": sample_rate '" + std::string(value) +
                                         "' is not a positive number (Hz)");
        rate = v;
    }
    return rate;
}

std::vector<std::uint64_t> parse_good_clusters(std::string_view text, const std::string& name) {
    const auto lines = lines_of(text);
    if (lines.empty() || trim(lines[0]).empty()) throw io_error(name, "", "empty file: expected a header with cluster_id and group");
    const auto header = split_tabs(lines[0]);
    std::size_t id_col = header.size(), group_col = header.size();
    for (std::size_t k = 0; k < header.size(); ++k) {
        if (header[k] == "cluster_id" || (header[k] == "id" && id_col == header.size())) id_col = k;
        if (header[k] == "group") group_col = k;
    }
    if (id_col == header.size() || group_col == header.size())
        throw io_error(name, "", "line 1: expected tab-separated columns cluster_id (or id) and group");
    std::vector<std::uint64_t> good;
    for (std::size_t n = 1; n < lines.size(); ++n) {
        if (trim(lines[n]).empty()) continue;
        const auto fields = split_tabs(lines[n]);
        if (fields.size() <= std::max(id_col, group_col))
            throw io_error(name, "", "line " + std::to_string(n + 1) + ": expected " + std::to_string(header.size()) +
                                         " tab-separated fields, found " + std::to_string(fields.size()));
        std::uint64_t id = 0;
        const auto f = fields[id_col];
        const auto r = std::from_chars(f.data(), f.data() + f.size(), id);
        if (r.ec != std::errc{} || r.ptr != f.data() + f.size() || f.empty())
            throw io_error(name, "", "line " + std::to_string(n + 1) + ": cluster id '" + std::string(f) +
                                         "' is not a non-negative integer");
        if (fields[group_col] == "good") good.push_back(id);
    }
    std::sort(good.begin(), good.end());
    good.erase(std::unique(good.begin(), good.end()), good.end());
    return good;
}

unit_spikes read_kilosort(const std::string& folder, const kilosort_options& options) {
    namespace fs = std::filesystem;
    const fs::path dir(folder);
    auto in = [&](const char* file) { return (dir / file).string(); };
    if (!fs::is_directory(dir)) throw io_error(folder, "", "not a folder (a Kilosort/Phy output folder was expected)");
    if (!fs::exists(in("spike_times.npy"))) throw io_error(in("spike_times.npy"), "", "missing: not a Kilosort/Phy folder");

    std::optional<double> rate = options.sample_rate_hz;
    if (!rate) {
        if (!fs::exists(in("params.py")))
            throw io_error(in("params.py"), "", "missing: give the sampling rate with --sample-rate HZ");
        rate = parse_params_sample_rate(read_whole_file(in("params.py")), in("params.py"));
        if (!rate) throw io_error(in("params.py"), "", "no sample_rate assignment: give --sample-rate HZ");
    }
    if (!(std::isfinite(*rate) && *rate > 0)) throw io_error(folder, "", "--sample-rate must be a positive number of Hz");

    const std::string labels_path = fs::exists(in("spike_clusters.npy")) ? in("spike_clusters.npy") : in("spike_templates.npy");
    if (!fs::exists(labels_path))
        throw io_error(in("spike_clusters.npy"), "", "missing (and no spike_templates.npy either): which unit fired each spike is unknown");

    unit_spikes out;
    std::vector<std::uint64_t> samples = npy_to_uint64(read_npy(in("spike_times.npy")), in("spike_times.npy"));
    out.units = npy_to_uint64(read_npy(labels_path), labels_path);
    if (out.units.size() != samples.size())
        throw io_error(labels_path, "", "has " + std::to_string(out.units.size()) + " values but spike_times.npy has " +
                                            std::to_string(samples.size()));
    if (options.good_only) {
        std::string groups = in("cluster_group.tsv");
        if (!fs::exists(groups)) groups = in("cluster_info.tsv");
        if (!fs::exists(groups))
            throw io_error(folder, "", "--good-only needs cluster_group.tsv or cluster_info.tsv in the folder");
        const auto good = parse_good_clusters(read_whole_file(groups), groups);
        std::size_t kept = 0;
        for (std::size_t i = 0; i < samples.size(); ++i)
            if (std::binary_search(good.begin(), good.end(), out.units[i])) {
                samples[kept] = samples[i];
                out.units[kept] = out.units[i];
                ++kept;
            }
        samples.resize(kept);
        out.units.resize(kept);
    }
    out.times_ms.resize(samples.size());
    for (std::size_t i = 0; i < samples.size(); ++i)
        out.times_ms[i] = to_ms(static_cast<double>(samples[i]), time_unit::samples, *rate);
    apply_time_offset(out.times_ms, options.time_offset_ms, in("spike_times.npy"),
                      [](std::size_t i) { return "index " + std::to_string(i); });
    return out;
}

}  // namespace evspike
