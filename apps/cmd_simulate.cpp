// evspike simulate CONFIG: builds the network of a TOML config (SPEC §5), runs the exact
// event-driven engine over [0, t_stop) and writes the recorded spikes (SONATA, §7.1) and voltage
// reports (§7.2), each atomically, with provenance (command, seed, config text). The run itself
// is io/simulation.hpp's run_simulation, which the Python module calls too.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "apps/cli.hpp"
#include "apps/commands.hpp"
#include "core/error.hpp"
#include "io/atomic_file.hpp"
#include "io/config.hpp"
#include "io/simulation.hpp"
#include "sim/connect.hpp"
#include "sim/estimate.hpp"
#if EVSPIKE_MPI
#include "mpi/mpi_comm.hpp"
#endif

namespace evspike::cli {
namespace {

queue_kind parse_queue(const std::string& name, const std::string& usage) {
    if (name == "lazy") return queue_kind::lazy_d_ary;
    if (name == "mutable") return queue_kind::mutable_d_ary;
    if (name == "pairing") return queue_kind::pairing;
    if (name == "indexed") return queue_kind::indexed_d_ary;
    throw usage_error("--queue: expected lazy, mutable, pairing or indexed, got '" + name + "'", usage);
}

int exit_code_of(const std::exception& e) { return dynamic_cast<const usage_error*>(&e) != nullptr ? 2 : 1; }

}  // namespace

// Under an MPI launcher (mpirun -n K, srun) with an MPI build, each of the K processes is one
// rank (docs/engine.md, "Running on many processes"): all parse and load the config (errors are
// agreed on: reported once, by the lowest failing rank, and every rank exits non-zero) and build
// their share of the network; rank 0 alone writes the files, the progress bar and the summary.
int run_simulate(const args& a) {
    std::unique_ptr<communicator> world;
#if EVSPIKE_MPI
    if (launched_by_mpi()) world = make_mpi_communicator(nullptr, nullptr);
#endif
    communicator& comm = world ? *world : serial_communicator();
    const bool root = comm.rank() == 0;
    command_line cl;
    cl.usage =
        "evspike simulate CONFIG [-o SPIKES] [--t-stop MS] [--seed S] [--queue indexed|lazy|mutable|pairing]";
    std::string config_path, output, queue_name;
    double t_stop_ms = 0;
    std::uint64_t seed = 1;
    cl.options.add_options()("config", po::value(&config_path)->required(),
                             "simulation config (TOML, docs/config.md)")(
        "output,o", po::value(&output), "spike file to write (overrides output.spikes)")(
        "t-stop", positive_time_ms(&t_stop_ms), "simulate [0, MS) (overrides t_stop)")(
        "seed", cli::seed(&seed), "random seed (overrides seed)")(
        "queue", po::value(&queue_name)->default_value("indexed"),
        "queue for threshold predictions beyond the engine's calendar (~128 ms ahead): indexed (default: "
        "bench/README.md), mutable (Boost d-ary), pairing (Boost), lazy (Boost d-ary, lazy invalidation); "
        "all give identical results");
    std::uint64_t max_memory = 0;
    add_max_memory(cl.options, &max_memory);
    cl.positional.add("config", 1);
    po::variables_map vm;
    bool help = false, quiet = false;
    queue_kind queue = default_queue;
    simulation_spec spec;
    const auto t0 = std::chrono::steady_clock::now();
    all_or_none(
        comm,
        [&] {
            help = !cl.parse(a, vm);
            if (help) return;
            quiet = vm.count("quiet") != 0 || !root;
            queue = parse_queue(queue_name, cl.usage);
            declare_input(config_path, "config");
            spec = load_simulation_config(config_path);
            if (vm.count("t-stop") != 0) spec.t_stop_ms = t_stop_ms;
            if (vm.count("seed") != 0) spec.seed = seed;
            if (vm.count("output") != 0) spec.output.spikes = output;
            // Every output is checked against every input before the (possibly long) build.
            for (const auto& s : spec.sources)
                declare_input(s.path, "source '" + s.name + "'" +
                                          (s.kind == source_kind::spike_file ? " (spike_file)" : " (rate_file)"));
            check_output(spec.output.spikes);
            for (const auto& v : spec.output.voltage) check_output(spec.output.report_path(v));
            // Up-front sizes (SPEC §8): refused here, in microseconds, rather than after a long
            // build that runs out of memory. All ranks agree (the estimate is for one process
            // holding the whole network, an upper bound for each rank's share).
            const simulation_estimate e = estimate_simulation(spec);
            check_memory(config_path + ": the network", e.memory_bytes, e.detail(), max_memory);
            if (root)
                for (const auto& [path, bytes] : e.report_bytes) check_output_size(path, bytes, "voltage samples");
        },
        exit_code_of);
    if (help) return 0;

    progress_bar bar("simulate", spec.t_stop_ms, quiet);
    simulation_options options;
    options.queue = queue;
    options.command = invocation();
    options.progress = [&bar](double t_ms) { bar.update(t_ms); };
    options.comm = &comm;
    const auto t1 = std::chrono::steady_clock::now();
    const simulation_result r = run_simulation(spec, options);
    bar.finish();
    const run_stats& stats = r.stats;

    // EVSPIKE_RANK_STATS=1: each rank's own figures (load balance, exchange vs compute, memory
    // per rank), one line per rank on stderr.
    if (const char* e = std::getenv("EVSPIKE_RANK_STATS"); e != nullptr && *e != '\0' && *e != '0') {
        rusage ru{};
        getrusage(RUSAGE_SELF, &ru);
        std::fprintf(stderr,
                     "rank %d/%d: build %.3f s (cpu %.3f s), run %.3f s (cpu %.3f s): exchange %.3f s, "
                     "rest %.3f s; %zu synapses here; peak RSS %.1f MB\n",
                     comm.rank(), comm.size(), r.build_seconds, r.build_cpu_seconds, r.run_seconds,
                     r.run_cpu_seconds, r.exchange_seconds, r.run_seconds - r.exchange_seconds, r.local_synapses,
                     static_cast<double>(ru.ru_maxrss) / 1024.0);
        std::fflush(stderr);
    }
    if (!quiet) {
        const double build_s = std::chrono::duration<double>(t1 - t0).count() + r.build_seconds;
        const double run_s = r.run_seconds;
        std::printf(
            "simulated %g ms: %llu spikes, %llu synaptic events, %zu synapses (%.2f B/synapse); "
            "build %.3f s, run %.3f s (%.3g synaptic events/s)\n",
            spec.t_stop_ms, static_cast<unsigned long long>(stats.spikes),
            static_cast<unsigned long long>(stats.deliveries), r.synapses, r.bytes_per_synapse,
            build_s, run_s, run_s > 0 ? static_cast<double>(stats.deliveries) / run_s : 0.0);
        std::printf(
            "events: %llu (%llu superseded predictions), %llu neuron updates and emissions, peak queued %zu\n",
            static_cast<unsigned long long>(stats.events), static_cast<unsigned long long>(stats.stale),
            static_cast<unsigned long long>(stats.instants), stats.peak_queue);
        std::printf("cpu: build %.3f s, run %.3f s (rank 0)\n", r.build_cpu_seconds, r.run_cpu_seconds);
        if (comm.size() > 1)
            std::printf("ranks: %d, time in exchange %.3f s (rank 0), %.3f s (most of any rank)\n", comm.size(),
                        r.exchange_seconds, r.exchange_max_seconds);
        std::printf("wrote %s\n", spec.output.spikes.c_str());
    }
    return 0;
}

}  // namespace evspike::cli
