#include "io/recording.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <numeric>

#include "core/error.hpp"

namespace evspike {

dense_population densify(const unit_spikes& in) {
    if (in.units.size() != in.times_ms.size())
        throw internal_error("densify: " + std::to_string(in.units.size()) + " unit ids but " +
                             std::to_string(in.times_ms.size()) + " times");
    dense_population out;
    out.unit_ids = in.known_units;
    out.unit_ids.insert(out.unit_ids.end(), in.units.begin(), in.units.end());
    std::sort(out.unit_ids.begin(), out.unit_ids.end());
    out.unit_ids.erase(std::unique(out.unit_ids.begin(), out.unit_ids.end()), out.unit_ids.end());

    std::vector<std::uint64_t> node(in.size());
    for (std::size_t i = 0; i < in.size(); ++i)
        node[i] = static_cast<std::uint64_t>(
            std::lower_bound(out.unit_ids.begin(), out.unit_ids.end(), in.units[i]) - out.unit_ids.begin());
    std::vector<std::size_t> order(in.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        return in.times_ms[a] != in.times_ms[b] ? in.times_ms[a] < in.times_ms[b] : node[a] < node[b];
    });
    out.spikes.timestamps.resize(order.size());
    out.spikes.node_ids.resize(order.size());
    for (std::size_t k = 0; k < order.size(); ++k) {
        out.spikes.timestamps[k] = in.times_ms[order[k]];
        out.spikes.node_ids[k] = node[order[k]];
    }
    return out;
}

duplicate_spikes drop_duplicate_spikes(spike_table& spikes) {
    duplicate_spikes d;
    auto& t = spikes.timestamps;
    auto& id = spikes.node_ids;
    std::size_t kept = 0;
    for (std::size_t i = 0; i < t.size(); ++i) {
        if (kept > 0 && t[i] == t[kept - 1] && id[i] == id[kept - 1]) {
            if (d.count++ == 0) {
                d.time_ms = t[i];
                d.node_id = id[i];
            }
            continue;
        }
        t[kept] = t[i];
        id[kept] = id[i];
        ++kept;
    }
    t.resize(kept);
    id.resize(kept);
    return d;
}

std::string format_double(double v) {
    char buffer[64];
    const auto r = std::to_chars(buffer, buffer + sizeof buffer, v);
    return std::string(buffer, r.ptr);
}

void apply_time_offset(std::vector<double>& times_ms, double offset_ms, const std::string& file,
                       const std::function<std::string(std::size_t)>& where) {
    if (!std::isfinite(offset_ms)) throw io_error(file, "", "--time-offset must be a finite number of ms");
    std::size_t first_negative = times_ms.size();
    double earliest = 0.0;
    for (std::size_t i = 0; i < times_ms.size(); ++i) {
        double& t = times_ms[i];
        t += offset_ms;
        if (!std::isfinite(t)) throw io_error(file, "", where(i) + ": time " + format_double(t) + " ms is not finite");
        if (t < 0.0 && first_negative == times_ms.size()) first_negative = i;
        earliest = std::min(earliest, t);
    }
    if (first_negative == times_ms.size()) return;
    throw io_error(file, "",
                   where(first_negative) + ": time " + format_double(times_ms[first_negative]) +
                       " ms is negative (spike files keep times >= 0; the earliest is " + format_double(earliest) +
                       " ms): shift every time with --time-offset " + format_double(offset_ms - earliest) +
                       " (ms, added to each time)");
}

}  // namespace evspike
