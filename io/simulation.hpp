#pragma once
// A simulation config run end to end, as `evspike simulate` runs it: build the network, run the
// engine over [0, t_stop), write the recorded spikes (SPEC §7.1) and voltage reports (§7.2)
// atomically with provenance, and/or keep them in memory. One function shared by the command
// (apps/cmd_simulate.cpp) and the Python module (python/), so both give the same bytes.
//
//   simulation_spec spec = load_simulation_config("net.toml");
//   simulation_options o;
//   o.keep_in_memory = true;
//   const simulation_result r = run_simulation(spec, o);   // r.spikes[i]: r.populations[i]
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "sim/engine.hpp"
#include "sim/spec.hpp"
#include "io/spike_file.hpp"

namespace evspike {

struct simulation_options {
    queue_kind queue = default_queue;
    std::string command;         // provenance: the root attribute evspike_command
    bool write_files = true;     // write spec.output.spikes (required then) and the voltage reports
    bool keep_in_memory = false; // also return the recorded spikes and voltages
    // Called now and then with the simulated time reached (ms). It may throw to stop the run: the
    // exception propagates and no output file is created or replaced.
    std::function<void(double)> progress;
    // With several ranks (mpirun, docs/engine.md "Running on many processes"): each builds and
    // runs its share, rank 0 alone writes the files and keeps results in memory. Set-up errors
    // are agreed on (core/comm.hpp, all_or_none); a failure during the run aborts the job.
    communicator* comm = nullptr;  // null: a process alone
};

// One output.voltage entry's samples: values[k * node_ids.size() + j] is V (mV) of node_ids[j] at
// t_start + k * step. Exact doubles (the file rounds them to float32 unless dtype is float64).
struct recorded_voltages {
    std::string population;
    std::vector<std::uint64_t> node_ids;
    double t_start_ms = 0.0;
    double t_stop_ms = 0.0;
    double step_ms = 0.0;
    bool float64 = false;
    std::vector<double> values;
    std::uint64_t samples() const { return node_ids.empty() ? 0 : values.size() / node_ids.size(); }
};

struct simulation_result {
    run_stats stats;
    std::size_t synapses = 0;
    std::size_t local_synapses = 0;     // built by this rank
    double bytes_per_synapse = 0.0;
    double build_seconds = 0.0;  // building the network
    double run_seconds = 0.0;    // running the engine
    double build_cpu_seconds = 0.0;     // CPU time of this process (rank 0) building the network
    double run_cpu_seconds = 0.0;       // ... and running the engine
    double exchange_seconds = 0.0;      // in the run's collectives on this rank (waiting included)
    double exchange_max_seconds = 0.0;  // the most of any rank
    std::vector<std::string> populations;      // recorded groups, in output.record order
    std::vector<spike_table> spikes;           // keep_in_memory: one per population, by time then id
    std::vector<recorded_voltages> voltages;   // keep_in_memory: one per output.voltage entry
};

// Throws config_error (naming spec.config_path and the key), io_error, or whatever `progress`
// throws; on any throw no output file is created or replaced.
simulation_result run_simulation(const simulation_spec& spec, const simulation_options& options);

}  // namespace evspike
