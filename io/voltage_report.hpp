#pragma once
// SONATA compartment reports for membrane potentials (SPEC §7.2), one compartment per node:
//   /report/<population>/data                     float32 (or float64) [samples x nodes], units "mV"
//   /report/<population>/mapping/node_ids         uint64  [nodes]
//   /report/<population>/mapping/element_ids      uint32  [nodes], all 0
//   /report/<population>/mapping/index_pointers   uint64  [nodes + 1], 0..nodes
//   /report/<population>/mapping/time             float64 [3] = {t_start, t_stop, step}, units "ms"
// Sample k is at t_start + k * step (computed so, never accumulated), for every k with
// t_start + k * step < t_stop. Rows are streamed in chunks; like spike_writer, everything goes to a
// temporary file beside the target and commit() renames it into place.
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "io/spike_file.hpp"  // provenance

namespace evspike {

class voltage_report_writer {
public:
    // A report file with no population yet: call add_population for each.
    voltage_report_writer(std::string path, const provenance& info);
    // A report file with one population (index 0).
    voltage_report_writer(std::string path, const provenance& info, const std::string& population,
                          std::vector<std::uint64_t> node_ids, double t_start_ms, double t_stop_ms,
                          double step_ms, bool float64 = false);
    ~voltage_report_writer();  // without commit(): the temporary file is removed
    voltage_report_writer(const voltage_report_writer&) = delete;
    voltage_report_writer& operator=(const voltage_report_writer&) = delete;

    // Returns the population's index. step_ms > 0 and t_start_ms <= t_stop_ms, else io_error.
    std::size_t add_population(const std::string& population, std::vector<std::uint64_t> node_ids,
                               double t_start_ms, double t_stop_ms, double step_ms, bool float64 = false);

    // Number of rows the population must receive: #{k >= 0 : t_start + k * step < t_stop}.
    std::uint64_t expected_samples(std::size_t population = 0) const;
    double sample_time(std::size_t population, std::uint64_t k) const;  // t_start + k * step, ms

    // One row: the potential (mV) of every node, in the order of node_ids. More rows than
    // expected_samples(), or a row of the wrong length, is an error.
    void append_sample(std::span<const double> values_mv) { append_sample(0, values_mv); }
    void append_sample(std::size_t population, std::span<const double> values_mv);

    // Flushes, checks every population got exactly expected_samples() rows, closes and renames.
    void commit();
    const std::string& path() const;

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

// A report population read whole (for tests and small reports).
struct voltage_report_data {
    std::vector<std::uint64_t> node_ids;
    std::vector<std::uint32_t> element_ids;
    std::vector<std::uint64_t> index_pointers;
    double t_start_ms = 0.0;
    double t_stop_ms = 0.0;
    double step_ms = 0.0;
    bool float64 = false;        // the data's type in the file
    std::uint64_t samples = 0;   // rows
    std::vector<double> values;  // row-major [samples x nodes], mV
    double at(std::uint64_t sample, std::size_t node) const {
        return values[sample * node_ids.size() + node];
    }
};

std::vector<std::string> voltage_report_populations(const std::string& path);  // sorted
voltage_report_data read_voltage_report(const std::string& path, const std::string& population);

}  // namespace evspike
