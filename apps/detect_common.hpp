#pragma once
// Helpers shared by `evspike detect train|run|score`: choosing the population, reading the
// generator's attributes and loading a binned raster with its ground truth.
#include <algorithm>
#include <optional>
#include <string>
#include <variant>

#include "core/error.hpp"
#include "io/motif_truth.hpp"
#include "io/spike_file.hpp"
#include "motifs/detector.hpp"

namespace evspike::cli::detect {

// The population named `requested`, else the one named by the ground truth's `population`
// attribute, else the file's only population.
inline std::string pick_population(const spike_reader& reader, const std::string& requested,
                                   const motif_truth* truth = nullptr) {
    const auto names = reader.populations();
    const auto has = [&](const std::string& n) {
        return std::find(names.begin(), names.end(), n) != names.end();
    };
    if (!requested.empty()) {
        if (!has(requested)) throw io_error(reader.path(), "/spikes/" + requested, "no such population");
        return requested;
    }
    if (truth != nullptr) {
        const auto it = truth->attributes.find("population");
        if (it != truth->attributes.end() && std::holds_alternative<std::string>(it->second) &&
            has(std::get<std::string>(it->second)))
            return std::get<std::string>(it->second);
    }
    if (names.size() == 1) return names.front();
    if (names.empty()) throw io_error(reader.path(), "/spikes", "no population");
    throw io_error(reader.path(), "/spikes", "several populations: choose one with --population");
}

// A numeric attribute of /motifs, if present.
inline std::optional<double> truth_number(const motif_truth& truth, const std::string& key) {
    const auto it = truth.attributes.find(key);
    if (it == truth.attributes.end()) return std::nullopt;
    if (const auto* d = std::get_if<double>(&it->second)) return *d;
    if (const auto* u = std::get_if<std::uint64_t>(&it->second)) return static_cast<double>(*u);
    return std::nullopt;
}

inline motif_events occurrences_of(const motif_truth& truth) {
    motif_events e;
    e.timestamps = truth.occurrence_timestamps_ms;
    e.motif_ids = truth.occurrence_motif_ids;
    return e;
}

inline binned_raster load_binned(const spike_reader& reader, const std::string& population, double bin_ms,
                                 std::size_t neurons, std::int64_t bins) {
    const auto table = reader.read(population);
    try {
        return bin_raster(table.timestamps, table.node_ids, bin_ms, neurons, bins);
    } catch (const model_error&) {
        throw;
    } catch (const error& e) {
        throw io_error(reader.path(), "/spikes/" + population, e.what());
    }
}

}  // namespace evspike::cli::detect
