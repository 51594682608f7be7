#pragma once
// SONATA spike files (SPEC §7.1): /spikes/<population>/{timestamps (float64, ms), node_ids (uint64)}.
// The writer streams spikes in chunks (memory bounded whatever the count), writes several
// populations per file and finishes atomically: everything goes to a temporary file beside the
// target, renamed over it only by commit(). The reader accepts files from other tools (sorting as
// enum, string or missing) and refuses malformed ones with an io_error naming file and dataset.
// The exact layout, and what is accepted or refused: docs/files.md.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "io/atomic_file.hpp"

namespace evspike {

enum class spike_sorting : std::uint8_t { none = 0, by_id = 1, by_time = 2 };

// Spikes of one population, as parallel arrays.
struct spike_table {
    std::vector<double> timestamps;  // ms
    std::vector<std::uint64_t> node_ids;
    std::size_t size() const { return timestamps.size(); }
};

// The span of time a population covers, ms, both ends included (a recording's first and last
// spike unless the converter was told better). Stored as the population's attributes t_start and
// t_stop (float64, ms) by `evspike convert`; see covered_span() for files without them.
struct time_span {
    double t_start_ms = 0.0;
    double t_stop_ms = 0.0;
    double duration_ms() const { return t_stop_ms - t_start_ms; }
};

// What produced a file: stored as root attributes evspike_command / evspike_seed / evspike_config
// (evspike_version is added by the writer).
struct provenance {
    std::string command;
    std::uint64_t seed = 1;
    std::string config;
};

// The largest node id a file may hold: 2^64 - 2, so that the neuron count (max id + 1) fits in a
// uint64. Writers and text readers refuse larger ids instead of letting the count wrap to 0.
inline constexpr std::uint64_t max_node_id = 18446744073709551614ULL;

class spike_writer {
public:
    // Opens a temporary file beside `path`; nothing at `path` changes until commit().
    spike_writer(std::string path, const provenance& info);
    ~spike_writer();  // without commit(): the temporary file is removed
    spike_writer(const spike_writer&) = delete;
    spike_writer& operator=(const spike_writer&) = delete;

    // Declares a population; returns its index for append(). Sorting is an attribute only: the
    // caller promises the order (we write by_time, ties by node id).
    std::size_t add_population(const std::string& name, spike_sorting sorting = spike_sorting::by_time);

    // Original unit ids of an imported recording (SPEC §9.1): /spikes/<pop>/unit_ids, uint64,
    // unit_ids[node id] = the id the source used; distinct. commit() checks that every node id
    // written has an entry.
    void set_unit_ids(std::size_t population, std::span<const std::uint64_t> unit_ids);
    // The span the population covers (attributes t_start, t_stop); commit() checks that every
    // spike lies within it.
    void set_span(std::size_t population, const time_span& span);

    // Buffered: spikes are written in fixed-size chunks as the buffer fills.
    void append(std::size_t population, double timestamp_ms, std::uint64_t node_id);
    void append(std::size_t population, std::span<const double> timestamps_ms,
                std::span<const std::uint64_t> node_ids);

    // Flushes, closes and renames the temporary file to `path`.
    void commit();
    // Flushes and closes the file but leaves it under its temporary name: the caller completes
    // it (e.g. add_motif_truth(out.temp(), ..., false)) and renames it with out.commit().
    atomic_path finish();

    const std::string& path() const;

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

// Selection for spike_reader::read. Windows are half-open: t_start <= t < t_stop.
struct spike_query {
    std::optional<double> t_start;
    std::optional<double> t_stop;
    std::optional<std::vector<std::uint64_t>> node_ids;  // any order; duplicates ignored
};

class spike_reader {
public:
    explicit spike_reader(std::string path);  // throws io_error if not a readable spike file
    ~spike_reader();
    spike_reader(spike_reader&&) noexcept;
    spike_reader& operator=(spike_reader&&) noexcept;

    const std::string& path() const;
    std::vector<std::string> populations() const;  // sorted by name
    std::uint64_t size(const std::string& population) const;
    spike_sorting sorting(const std::string& population) const;

    // Whole population or a selection; for by_time files a window is found by binary search.
    spike_table read(const std::string& population, const spike_query& query = {}) const;

    // Streams a population in chunks of at most `chunk_size` spikes, in file order; each chunk
    // is validated (finite, non-negative times) before the callback sees it.
    void for_each_chunk(const std::string& population, std::size_t chunk_size,
                        const std::function<void(const spike_table&)>& callback) const;

    // /spikes/<pop>/unit_ids if present (io_error if not distinct non-negative integers).
    std::optional<std::vector<std::uint64_t>> unit_ids(const std::string& population) const;
    // The attributes t_start and t_stop if present (io_error if only one, or not finite,
    // negative or inverted).
    std::optional<time_span> recorded_span(const std::string& population) const;
    // First and last spike time (nullopt if the population is empty): two reads for by_time
    // populations, a streamed pass otherwise.
    std::optional<time_span> spike_range(const std::string& population) const;

    // A root attribute as text (e.g. "evspike_command"), or nullopt if absent.
    std::optional<std::string> root_attribute(const std::string& name) const;

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

// The span a population covers (SPEC §9.1 "the span actually covered"), what `info` measures
// rates over and `plot` draws by default:
// 1. the recorded span (attributes t_start/t_stop, written by `evspike convert` for recordings);
// 2. otherwise, for a file written by evspike (root attribute evspike_version: simulations and
//    generators, whose runs start at 0, SPEC §1), [0, last spike];
// 3. otherwise (another tool's file), [first spike, last spike].
// An empty population gives [0, 0] (or its recorded span).
time_span covered_span(const spike_reader& reader, const std::string& population);

}  // namespace evspike
