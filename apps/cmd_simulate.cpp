// evspike simulate CONFIG: builds the network of a TOML config (SPEC §5), runs the exact
// event-driven engine over [0, t_stop) and writes the recorded spikes (SONATA, §7.1) and voltage
// reports (§7.2), each atomically, with provenance (command, seed, config text).
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>

#include "apps/cli.hpp"
#include "apps/commands.hpp"
#include "sim/connect.hpp"
#include "sim/engine.hpp"
#include "core/error.hpp"
#include "io/config.hpp"
#include "io/spike_file.hpp"
#include "io/voltage_report.hpp"

namespace evspike::cli {
namespace {

struct spike_output : spike_sink {
    spike_writer* writer = nullptr;
    std::vector<std::size_t> index;  // per network group: population index in the file
    void on_spike(std::size_t group, std::uint64_t node, double t_ms) override {
        writer->append(index[group], t_ms, node);
    }
};

struct voltage_output : voltage_sink {
    struct target {
        voltage_report_writer* writer;
        std::size_t population;
    };
    std::vector<target> probes;
    void on_sample(std::size_t probe, double, std::span<const double> V) override {
        probes[probe].writer->append_sample(probes[probe].population, V);
    }
};

// Errors from building and running carry a key path; add the config file, as the loader does.
[[noreturn]] void rethrow_with_file(const config_error& e, const std::string& file) {
    std::string what = e.what();
    if (what.rfind(e.key + ": ", 0) == 0) what = what.substr(e.key.size() + 2);
    throw config_error(e.key, what, file);
}

queue_kind parse_queue(const std::string& name, const std::string& usage) {
    if (name == "lazy") return queue_kind::lazy_d_ary;
    if (name == "mutable") return queue_kind::mutable_d_ary;
    if (name == "pairing") return queue_kind::pairing;
    if (name == "indexed") return queue_kind::indexed_d_ary;
    throw usage_error("--queue: expected lazy, mutable, pairing or indexed, got '" + name + "'", usage);
}

}  // namespace

int run_simulate(const args& a) {
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
    cl.positional.add("config", 1);
    po::variables_map vm;
    if (!cl.parse(a, vm)) return 0;
    const bool quiet = vm.count("quiet") != 0;
    const queue_kind queue = parse_queue(queue_name, cl.usage);

    const auto t0 = std::chrono::steady_clock::now();
    simulation_spec spec = load_simulation_config(config_path);
    if (vm.count("t-stop") != 0) spec.t_stop_ms = t_stop_ms;
    if (vm.count("seed") != 0) spec.seed = seed;
    if (vm.count("output") != 0) spec.output.spikes = output;
    if (spec.output.spikes.empty())
        throw config_error("output.spikes", "no spike file given (set it or pass -o)", config_path);

    std::optional<network> net;
    try {
        net = build_network(spec);
    } catch (const config_error& e) {
        rethrow_with_file(e, config_path);
    }
    const auto t1 = std::chrono::steady_clock::now();

    const provenance info{invocation(), spec.seed, spec.config_text};
    spike_writer spikes(spec.output.spikes, info);
    spike_output spike_sink_;
    spike_sink_.writer = &spikes;
    engine_outputs out;
    out.record.assign(net->groups.size(), false);
    spike_sink_.index.assign(net->groups.size(), 0);
    std::vector<std::string> record = spec.output.record;
    if (record.empty())
        for (const auto& g : net->groups)
            if (!g.is_source) record.push_back(g.name);
    for (std::size_t i = 0; i < record.size(); ++i) {
        const node_group* g = net->find(record[i]);
        if (g == nullptr)
            throw config_error("output.record[" + std::to_string(i) + "]",
                               "no population or source named '" + record[i] + "'", config_path);
        const auto gi = static_cast<std::size_t>(g - net->groups.data());
        if (out.record[gi]) continue;
        out.record[gi] = true;
        spike_sink_.index[gi] = spikes.add_population(g->name);
    }
    out.spikes = &spike_sink_;

    // Voltage reports: one file per distinct path, one report population per entry.
    std::map<std::string, std::unique_ptr<voltage_report_writer>> reports;
    voltage_output voltages;
    for (std::size_t i = 0; i < spec.output.voltage.size(); ++i) {
        const auto& v = spec.output.voltage[i];
        const std::string key = "output.voltage[" + std::to_string(i) + "]";
        const node_group* g = net->find(v.population);
        if (g == nullptr || g->is_source)
            throw config_error(key + ".population", "no neuron population named '" + v.population + "'",
                               config_path);
        const std::string path = v.path.empty() ? spec.output.spikes + ".voltage.h5" : v.path;
        auto& writer = reports[path];
        if (!writer) writer = std::make_unique<voltage_report_writer>(path, info);
        std::size_t population = 0;
        try {
            population = writer->add_population(v.population, v.node_ids, 0.0, spec.t_stop_ms, v.interval_ms,
                                                v.float64);
        } catch (const error& e) {
            throw config_error(key, e.what(), config_path);
        }
        out.probes.push_back({static_cast<std::size_t>(g - net->groups.data()), v.node_ids, v.interval_ms});
        voltages.probes.push_back({writer.get(), population});
    }
    out.voltages = &voltages;

    progress_bar bar("simulate", spec.t_stop_ms, quiet);
    out.progress = [&bar](double t_ms) { bar.update(t_ms); };
    run_stats stats;
    try {
        stats = simulate(spec, *net, out, queue);
    } catch (const config_error& e) {
        rethrow_with_file(e, config_path);
    }
    const auto t2 = std::chrono::steady_clock::now();
    bar.finish();
    spikes.commit();
    for (auto& [path, writer] : reports) writer->commit();

    if (!quiet) {
        const double build_s = std::chrono::duration<double>(t1 - t0).count();
        const double run_s = std::chrono::duration<double>(t2 - t1).count();
        std::printf(
            "simulated %g ms: %llu spikes, %llu synaptic events, %zu synapses (%.2f B/synapse); "
            "build %.3f s, run %.3f s (%.3g synaptic events/s)\n",
            spec.t_stop_ms, static_cast<unsigned long long>(stats.spikes),
            static_cast<unsigned long long>(stats.deliveries), net->synapse_count(), net->bytes_per_synapse(),
            build_s, run_s, run_s > 0 ? static_cast<double>(stats.deliveries) / run_s : 0.0);
        std::printf(
            "events: %llu (%llu superseded predictions), %llu neuron updates and emissions, peak queued %zu\n",
            static_cast<unsigned long long>(stats.events), static_cast<unsigned long long>(stats.stale),
            static_cast<unsigned long long>(stats.instants), stats.peak_queue);
        std::printf("wrote %s\n", spec.output.spikes.c_str());
    }
    return 0;
}

}  // namespace evspike::cli
