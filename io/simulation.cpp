#include "io/simulation.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <map>
#include <memory>
#include <optional>

#include "sim/connect.hpp"
#include "core/error.hpp"
#include "io/voltage_report.hpp"

namespace evspike {
namespace {

struct spike_output : spike_sink {
    spike_writer* writer = nullptr;     // null: no file
    std::vector<std::size_t> index;     // per network group: population index in the file
    std::vector<spike_table*> memory;   // per network group: in-memory table, or null
    void on_spike(std::size_t group, std::uint64_t node, double t_ms) override {
        if (writer != nullptr) writer->append(index[group], t_ms, node);
        if (spike_table* t = memory[group]) {
            t->timestamps.push_back(t_ms);
            t->node_ids.push_back(node);
        }
    }
};

struct voltage_output : voltage_sink {
    struct target {
        voltage_report_writer* writer;  // null: no file
        std::size_t population;
        recorded_voltages* memory;      // null: not kept
    };
    std::vector<target> probes;
    void on_sample(std::size_t probe, double, std::span<const double> V) override {
        const target& p = probes[probe];
        if (p.writer != nullptr) p.writer->append_sample(p.population, V);
        if (p.memory != nullptr) p.memory->values.insert(p.memory->values.end(), V.begin(), V.end());
    }
};

double cpu_seconds() {
    std::timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

// Errors from building and running carry a key path; add the config file, as the loader does.
[[noreturn]] void rethrow_with_file(const config_error& e, const std::string& file) {
    std::string what = e.what();
    if (what.rfind(e.key + ": ", 0) == 0) what = what.substr(e.key.size() + 2);
    throw config_error(e.key, what, file);
}

}  // namespace

simulation_result run_simulation(const simulation_spec& spec, const simulation_options& options) {
    communicator& comm = options.comm != nullptr ? *options.comm : serial_communicator();
    const bool root = comm.rank() == 0;
    const bool write_files = options.write_files && root;
    const bool keep_in_memory = options.keep_in_memory && root;
    const std::string& config_path = spec.config_path;
    simulation_result result;
    std::optional<network> net;
    std::optional<spike_writer> spikes;
    spike_output spike_sink_;
    engine_outputs out;
    // Voltage reports: one file per distinct path, one report population per entry.
    std::map<std::string, std::unique_ptr<voltage_report_writer>> reports;
    voltage_output voltages;
    const auto t0 = std::chrono::steady_clock::now();
    const double cpu0 = cpu_seconds();
    std::chrono::steady_clock::time_point t1;
    double cpu1 = 0.0;
    all_or_none(comm, [&] {
        if (options.write_files && spec.output.spikes.empty())
            throw config_error("output.spikes", "no spike file given (set it or pass -o)", config_path);
        try {
            net = build_network(spec, {static_cast<std::uint32_t>(comm.rank()), static_cast<std::uint32_t>(comm.size())});
        } catch (const config_error& e) {
            rethrow_with_file(e, config_path);
        }
        t1 = std::chrono::steady_clock::now();
        cpu1 = cpu_seconds();

        const provenance info{options.command, spec.seed, spec.config_text};
        if (write_files) spikes.emplace(spec.output.spikes, info);
        spike_sink_.writer = spikes ? &*spikes : nullptr;
        out.record.assign(net->groups.size(), false);
        spike_sink_.index.assign(net->groups.size(), 0);
        spike_sink_.memory.assign(net->groups.size(), nullptr);
        std::vector<std::string> record = spec.output.record;
        if (record.empty())
            for (const auto& g : net->groups)
                if (!g.is_source) record.push_back(g.name);
        std::vector<std::size_t> recorded;  // network groups, in record order
        for (std::size_t i = 0; i < record.size(); ++i) {
            const node_group* g = net->find(record[i]);
            if (g == nullptr)
                throw config_error("output.record[" + std::to_string(i) + "]",
                                   "no population or source named '" + record[i] + "'", config_path);
            const auto gi = static_cast<std::size_t>(g - net->groups.data());
            if (out.record[gi]) continue;
            out.record[gi] = true;
            recorded.push_back(gi);
            if (spikes) spike_sink_.index[gi] = spikes->add_population(g->name);
        }
        if (keep_in_memory) {
            result.spikes.resize(recorded.size());  // not resized again: the sink keeps pointers
            for (std::size_t k = 0; k < recorded.size(); ++k) spike_sink_.memory[recorded[k]] = &result.spikes[k];
        }
        for (const auto gi : recorded) result.populations.push_back(net->groups[gi].name);
        out.spikes = root ? &spike_sink_ : nullptr;

        if (keep_in_memory) result.voltages.resize(spec.output.voltage.size());
        for (std::size_t i = 0; i < spec.output.voltage.size(); ++i) {
            const auto& v = spec.output.voltage[i];
            const std::string key = "output.voltage[" + std::to_string(i) + "]";
            const node_group* g = net->find(v.population);
            if (g == nullptr || g->is_source)
                throw config_error(key + ".population", "no neuron population named '" + v.population + "'",
                                   config_path);
            // node_ids empty: every node of the population (sim/spec.hpp).
            std::vector<std::uint64_t> every;
            if (v.node_ids.empty())
                for (std::uint64_t id = 0; id < g->size; ++id) every.push_back(id);
            const std::vector<std::uint64_t>& ids = v.node_ids.empty() ? every : v.node_ids;
            voltage_output::target target{nullptr, 0, nullptr};
            if (write_files) {
                const std::string path = spec.output.report_path(v);
                auto& writer = reports[path];
                if (!writer) writer = std::make_unique<voltage_report_writer>(path, info);
                try {
                    target.population =
                        writer->add_population(v.population, ids, 0.0, spec.t_stop_ms, v.interval_ms, v.float64);
                } catch (const error& e) {
                    throw config_error(key, e.what(), config_path);
                }
                target.writer = writer.get();
            }
            if (keep_in_memory) {
                auto& m = result.voltages[i];
                m = {v.population, ids, 0.0, spec.t_stop_ms, v.interval_ms, v.float64, {}};
                target.memory = &m;
            }
            out.probes.push_back({static_cast<std::size_t>(g - net->groups.data()), ids, v.interval_ms});
            voltages.probes.push_back(target);
        }
        out.voltages = root ? &voltages : nullptr;
        out.progress = root ? options.progress : nullptr;
    });

    const double comm_before_run = comm.seconds_in_collectives();
    try {
        result.stats = simulate(spec, *net, out, options.queue, comm);
    } catch (const config_error& e) {
        rethrow_with_file(e, config_path);
    } catch (const peer_failure&) {
        throw;
    } catch (const std::exception& e) {
        if (comm.size() == 1) throw;
        // The others cannot know: end the job (SPEC §9.4: fail, never hang, no output in place).
        std::fprintf(stderr, "error: rank %d: %s\n", comm.rank(), e.what());
        std::fflush(stderr);
        comm.abort(1);
    }
    const auto t2 = std::chrono::steady_clock::now();
    const double cpu2 = cpu_seconds();
    std::uint64_t totals[] = {net->synapse_count()};
    comm.allreduce_sum(totals);
    // The run's collectives only (the build's agreement waits for the slowest rank's build).
    result.exchange_seconds = comm.seconds_in_collectives() - comm_before_run;
    std::uint64_t exchange_us[] = {static_cast<std::uint64_t>(result.exchange_seconds * 1e6)};
    comm.allreduce_max(exchange_us);
    result.exchange_max_seconds = static_cast<double>(exchange_us[0]) * 1e-6;
    if (spikes) spikes->commit();
    for (auto& [path, writer] : reports) writer->commit();
    result.synapses = static_cast<std::size_t>(totals[0]);
    result.local_synapses = net->synapse_count();
    result.bytes_per_synapse = net->bytes_per_synapse();
    result.build_seconds = std::chrono::duration<double>(t1 - t0).count();
    result.run_seconds = std::chrono::duration<double>(t2 - t1).count();
    result.build_cpu_seconds = cpu1 - cpu0;
    result.run_cpu_seconds = cpu2 - cpu1;
    return result;
}

}  // namespace evspike
