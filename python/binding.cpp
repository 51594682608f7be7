// The C++ half of the Python module evspike (SPEC §9.5): evspike._evspike. A thin layer over the
// library functions the command line runs (io/simulation.hpp, io/spike_file.hpp, the generators),
// so that Python and the command give the same bytes and the same messages. The Python half
// (python/evspike/__init__.py) turns configs given as dicts into TOML text, wraps results in
// named tuples and adds the pandas/neo helpers.
//
// Arrays: results are returned as NumPy arrays that own the C++ vectors (moved into a capsule),
// never copied. Long calls release the GIL; the progress callbacks they already have take it back
// briefly to run Python's signal handlers, so Ctrl-C raises KeyboardInterrupt from inside the run;
// the writers' destructors then remove their temporary files (io/atomic_file.hpp).
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cmath>
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "core/error.hpp"
#include "core/memory.hpp"
#include "io/config.hpp"
#include "io/atomic_file.hpp"
#include "io/detection.hpp"
#include "io/detector_file.hpp"
#include "io/generator_config.hpp"
#include "io/hawkes_fitting.hpp"
#include "io/hdf5.hpp"
#include "io/motif_generation.hpp"
#include "io/motif_truth.hpp"
#include "io/rate_file.hpp"
#include "io/simulation.hpp"
#include "io/spike_file.hpp"
#include "io/voltage_report.hpp"
#include "models/hawkes.hpp"
#include "models/inhomogeneous_poisson.hpp"
#include "models/poisson_population.hpp"
#include "motifs/scoring.hpp"
#include "sim/estimate.hpp"

namespace py = pybind11;

namespace evspike::python {
namespace {

// --- exceptions ------------------------------------------------------------------------------

PyObject* error_type = nullptr;           // evspike.Error(Exception)
PyObject* config_error_type = nullptr;    // evspike.ConfigError(Error, ValueError)
PyObject* io_error_type = nullptr;        // evspike.IOError(Error, OSError)
PyObject* model_error_type = nullptr;     // evspike.ModelError(Error, ValueError)
PyObject* internal_error_type = nullptr;  // evspike.InternalError(Error, RuntimeError)

PyObject* new_exception(py::module_& m, const char* name, PyObject* base, const char* doc) {
    const std::string qualified = std::string("evspike.") + name;
    PyObject* bases = base == nullptr ? nullptr : PyTuple_Pack(2, error_type, base);
    PyObject* type = PyErr_NewExceptionWithDoc(qualified.c_str(), doc, bases != nullptr ? bases : PyExc_Exception,
                                               nullptr);
    Py_XDECREF(bases);
    if (type == nullptr) throw py::error_already_set();
    m.add_object(name, py::handle(type));  // the module holds the reference
    return type;
}

// Raises `type(message)` with extra attributes, e.g. key= for ConfigError.
void raise(PyObject* type, const char* message, std::initializer_list<std::pair<const char*, std::string>> attrs) {
    PyObject* instance = PyObject_CallFunction(type, "s", message);
    if (instance == nullptr) return;  // the call's own error stands
    for (const auto& [name, value] : attrs) {
        PyObject* v = PyUnicode_FromString(value.c_str());
        if (v == nullptr || PyObject_SetAttrString(instance, name, v) != 0) {
            Py_XDECREF(v);
            Py_DECREF(instance);
            return;
        }
        Py_DECREF(v);
    }
    PyErr_SetObject(type, instance);
    Py_DECREF(instance);
}

// A call refused up front because what it would build exceeds the memory limit (SPEC §8):
// Python's MemoryError, raised before anything is built.
struct memory_refusal : error {
    using error::error;
};

void translate(std::exception_ptr p) {
    try {
        if (p) std::rethrow_exception(p);
    } catch (const memory_refusal& e) {
        PyErr_SetString(PyExc_MemoryError, e.what());
    } catch (const config_error& e) {
        raise(config_error_type, e.what(), {{"key", e.key}});
    } catch (const option_error& e) {
        // The command line's message ("--holdout must be in [0, 1)"); key: the Python argument.
        std::string key = e.option;
        std::replace(key.begin(), key.end(), '-', '_');
        raise(config_error_type, e.what(), {{"key", key}});
    } catch (const output_is_input& e) {
        raise(config_error_type, e.what(), {{"key", "output"}});
    } catch (const io_error& e) {
        raise(io_error_type, e.what(), {{"path", e.path}, {"dataset", e.dataset}});
    } catch (const model_error& e) {
        raise(model_error_type, e.what(), {});
    } catch (const internal_error& e) {
        raise(internal_error_type, e.what(), {});
    } catch (const error& e) {
        raise(error_type, e.what(), {});
    }
}

// Run by the long calls' progress callbacks (GIL released around them): runs Python's signal
// handlers, and a pending KeyboardInterrupt (or whatever a handler raised) unwinds the run.
void check_signals() {
    py::gil_scoped_acquire gil;
    if (PyErr_CheckSignals() != 0) throw py::error_already_set();
}

// --- arrays ----------------------------------------------------------------------------------

// A NumPy array that owns `values` (moved, not copied).
template <class T>
py::array_t<T> to_array(std::vector<T>&& values, std::vector<py::ssize_t> shape = {}) {
    if (shape.empty()) shape = {static_cast<py::ssize_t>(values.size())};
    auto* owned = new std::vector<T>(std::move(values));
    py::capsule owner(owned, [](void* v) { delete static_cast<std::vector<T>*>(v); });
    if (owned->empty()) {
        static T dummy{};  // NumPy wants a non-null pointer even for no elements
        return py::array_t<T>(shape, &dummy, owner);
    }
    return py::array_t<T>(shape, owned->data(), owner);
}

py::tuple to_arrays(spike_table&& t) {
    return py::make_tuple(to_array(std::move(t.timestamps)), to_array(std::move(t.node_ids)));
}

using times_array = py::array_t<double, py::array::c_style | py::array::forcecast>;
using ids_array = py::array_t<std::uint64_t, py::array::c_style>;

// --- spike files -----------------------------------------------------------------------------

std::vector<std::string> spike_populations(const std::string& path) {
    py::gil_scoped_release nogil;
    return spike_reader(path).populations();
}

py::tuple read_spikes(const std::string& path, std::optional<std::string> population, std::optional<double> t_start,
                      std::optional<double> t_stop, std::optional<std::vector<std::uint64_t>> node_ids) {
    spike_table table;
    {
        py::gil_scoped_release nogil;
        const spike_reader reader(path);
        std::string pop;
        const auto names = reader.populations();
        if (population) {
            if (std::find(names.begin(), names.end(), *population) == names.end())
                throw io_error(path, "/spikes/" + *population, "no such population");
            pop = *population;
        } else if (names.size() == 1) {
            pop = names.front();
        } else if (names.empty()) {
            throw io_error(path, "/spikes", "no population");
        } else {
            throw io_error(path, "/spikes", "several populations: choose one with population=");
        }
        spike_query q;
        q.t_start = t_start;
        q.t_stop = t_stop;
        q.node_ids = std::move(node_ids);
        table = reader.read(pop, q);
    }
    return to_arrays(std::move(table));
}

std::optional<std::string> spike_file_attribute(const std::string& path, const std::string& name) {
    py::gil_scoped_release nogil;
    return spike_reader(path).root_attribute(name);
}

// populations: (name, times, node_ids) with each population sorted by time, ties by id (the
// Python half sorts). Written atomically.
void write_spikes(const std::string& path, const std::vector<std::tuple<std::string, times_array, ids_array>>& populations,
                  const std::string& command, std::uint64_t seed, const std::string& config) {
    for (const auto& [name, t, ids] : populations)
        if (t.ndim() != 1 || ids.ndim() != 1 || t.shape(0) != ids.shape(0))
            throw config_error(name, "times and node_ids must be 1-D arrays of the same length (" +
                                         std::to_string(t.size()) + " and " + std::to_string(ids.size()) + ")");
    py::gil_scoped_release nogil;
    spike_writer writer(path, provenance{command, seed, config});
    for (const auto& [name, t, ids] : populations) {
        const auto pop = writer.add_population(name);
        const auto n = static_cast<std::size_t>(t.shape(0));
        writer.append(pop, std::span<const double>(t.data(), n), std::span<const std::uint64_t>(ids.data(), n));
    }
    writer.commit();
}

// --- voltage reports -------------------------------------------------------------------------

std::vector<std::string> voltage_populations(const std::string& path) {
    py::gil_scoped_release nogil;
    return voltage_report_populations(path);
}

py::dict voltages_dict(std::vector<std::uint64_t>&& node_ids, double t_start, double t_stop, double step,
                       bool float64, std::vector<double>&& values, std::uint64_t samples) {
    py::dict d;
    const auto nodes = static_cast<py::ssize_t>(node_ids.size());
    d["node_ids"] = to_array(std::move(node_ids));
    d["t_start"] = t_start;
    d["t_stop"] = t_stop;
    d["step"] = step;
    d["dtype"] = float64 ? "float64" : "float32";
    d["values"] = to_array(std::move(values), {static_cast<py::ssize_t>(samples), nodes});
    return d;
}

py::dict read_voltages(const std::string& path, const std::string& population) {
    voltage_report_data r;
    {
        py::gil_scoped_release nogil;
        r = read_voltage_report(path, population);
    }
    return voltages_dict(std::move(r.node_ids), r.t_start_ms, r.t_stop_ms, r.step_ms, r.float64, std::move(r.values),
                         r.samples);
}

// --- simulate --------------------------------------------------------------------------------

queue_kind parse_queue(const std::string& name) {
    if (name == "lazy") return queue_kind::lazy_d_ary;
    if (name == "mutable") return queue_kind::mutable_d_ary;
    if (name == "pairing") return queue_kind::pairing;
    if (name == "indexed") return queue_kind::indexed_d_ary;
    throw config_error("queue", "expected lazy, mutable, pairing or indexed, got '" + name + "'");
}

double check_time(const char* name, double ms) {
    if (!(ms >= 0 && std::isfinite(ms)))
        throw config_error(name, "must be a finite number of ms >= 0, got " + std::to_string(ms));
    return ms;
}

// SPEC §8, as `simulate --max-memory`: the network's up-front estimate (sim/estimate.hpp) against
// max_memory bytes (0: the machine's memory), before anything is built.
void check_network_memory(const simulation_spec& spec, const std::string& name, std::uint64_t max_memory) {
    const simulation_estimate e = estimate_simulation(spec);
    try {
        check_memory(name + ": the network", e.memory_bytes, e.detail(), max_memory, "max_memory");
    } catch (const error& refused) {
        throw memory_refusal(refused.what());
    }
}

// SPEC §8 rule 1, as `evspike simulate` checks it: no output (spikes, voltage reports) is the
// config file or a source's file.
void check_simulation_outputs(const simulation_spec& spec, const std::optional<std::string>& config_path) {
    std::vector<std::string> outputs{spec.output.spikes};
    for (const auto& v : spec.output.voltage) outputs.push_back(spec.output.report_path(v));
    for (const auto& out : outputs) {
        check_output_against(out, {{config_path.value_or(""), "config"}});
        for (const auto& src : spec.sources) check_output_against(out, {{src.path, "source '" + src.name + "'"}});
    }
}

// config_path: read that file; else parse config_text, named `config_name` in messages (relative
// paths in it are relative to the working directory).
py::dict simulate(const std::optional<std::string>& config_path, const std::string& config_text,
                  const std::string& config_name, std::optional<double> t_stop, std::optional<std::uint64_t> seed,
                  std::optional<std::string> output, bool write, const std::string& queue, const std::string& command,
                  std::uint64_t max_memory) {
    simulation_result r;
    simulation_spec spec;
    {
        py::gil_scoped_release nogil;
        spec = config_path ? load_simulation_config(*config_path) : parse_simulation_config(config_text, config_name);
        if (t_stop) spec.t_stop_ms = check_time("t_stop", *t_stop);
        if (seed) spec.seed = *seed;
        if (output) spec.output.spikes = *output;
        check_network_memory(spec, config_path ? *config_path : config_name, max_memory);
        simulation_options o;
        o.queue = parse_queue(queue);
        o.command = command;
        o.write_files = write && !spec.output.spikes.empty();
        if (o.write_files) check_simulation_outputs(spec, config_path);
        o.keep_in_memory = true;
        o.progress = [](double) { check_signals(); };
        r = run_simulation(spec, o);
        if (o.write_files) spec.output.spikes = std::filesystem::absolute(spec.output.spikes).string();
        else spec.output.spikes.clear();
    }
    py::dict spikes;
    for (std::size_t i = 0; i < r.populations.size(); ++i) spikes[py::str(r.populations[i])] = to_arrays(std::move(r.spikes[i]));
    py::list voltages;
    for (auto& v : r.voltages) {
        const auto samples = v.samples();
        auto d = voltages_dict(std::move(v.node_ids), v.t_start_ms, v.t_stop_ms, v.step_ms, v.float64,
                               std::move(v.values), samples);
        d["population"] = v.population;
        voltages.append(d);
    }
    py::dict stats;
    stats["spikes"] = r.stats.spikes;
    stats["deliveries"] = r.stats.deliveries;
    stats["events"] = r.stats.events;
    stats["synapses"] = r.synapses;
    stats["build_seconds"] = r.build_seconds;
    stats["run_seconds"] = r.run_seconds;
    py::dict result;
    result["spikes"] = spikes;
    result["voltages"] = voltages;
    result["stats"] = stats;
    result["t_stop"] = spec.t_stop_ms;
    result["seed"] = spec.seed;
    result["output"] = spec.output.spikes.empty() ? py::object(py::none()) : py::object(py::str(spec.output.spikes));
    return result;
}

// --- generators ------------------------------------------------------------------------------

// Collects a generator's time-ordered batches in memory and/or streams them to a spike file.
struct batch_output {
    std::optional<spike_writer> writer;
    std::size_t population = 0;
    spike_table kept;
    batch_output(const std::optional<std::string>& path, const provenance& info, const std::string& name) {
        if (!path) return;
        writer.emplace(*path, info);
        population = writer->add_population(name);
    }
    void add(std::span<const double> t, std::span<const std::uint64_t> ids) {
        if (writer) writer->append(population, t, ids);
        kept.timestamps.insert(kept.timestamps.end(), t.begin(), t.end());
        kept.node_ids.insert(kept.node_ids.end(), ids.begin(), ids.end());
        check_signals();
    }
    py::tuple finish() {
        if (writer) writer->commit();
        py::gil_scoped_acquire gil;
        return to_arrays(std::move(kept));
    }
};

// As apps/cmd_generate_poisson.cpp writes it into evspike_config, so the files match.
std::string format_double(double v) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.17g", v);
    return buffer;
}

py::tuple generate_poisson(std::uint64_t neurons, double t_stop, std::optional<double> rate,
                           std::optional<std::string> rate_file, double dead_time, const std::string& population,
                           std::uint64_t seed, std::optional<std::string> output, const std::string& command) {
    if (rate && rate_file) throw config_error("rate", "rate and rate_file exclude each other");
    if (!rate && !rate_file) throw config_error("rate", "give rate (Hz) or rate_file");
    if (neurons == 0) throw config_error("neurons", "must be at least 1");
    if (!std::isfinite(t_stop) || t_stop <= 0) throw config_error("t_stop", "must be a positive number of ms");
    if (population.empty()) throw config_error("population", "must not be empty");
    py::gil_scoped_release nogil;
    std::vector<double> times;
    std::vector<std::uint64_t> ids;
    std::string config = "neurons = " + std::to_string(neurons);
    if (rate_file) {
        const rate_profile profile = read_rate_file(*rate_file);
        try {
            validate_rate_profile(profile, dead_time);
        } catch (const model_error& e) {
            throw config_error("rate_file", e.what(), *rate_file);
        }
        config += "\nrate_file = \"" + *rate_file + "\"\nt_stop = " + format_double(t_stop) + "\ndead_time = " +
                  format_double(dead_time) + "\npopulation = \"" + population + "\"\n# time_ms,rate_hz\n";
        for (std::size_t k = 0; k < profile.time_ms.size(); ++k)
            config += "# " + format_double(profile.time_ms[k]) + "," + format_double(profile.rate_hz[k]) + "\n";
        inhomogeneous_poisson_population trains(profile, dead_time, t_stop, neurons, seed, population);
        batch_output out(output, provenance{command, seed, config}, population);
        while (trains.next_batch(times, ids)) out.add(times, ids);
        return out.finish();
    }
    poisson_params params{*rate, dead_time, 0.0, t_stop};
    try {
        params.validate();
    } catch (const model_error& e) {
        throw config_error("rate/dead_time", e.what());
    }
    config += "\nrate = " + format_double(*rate) + "\nt_stop = " + format_double(t_stop) + "\ndead_time = " +
              format_double(dead_time) + "\npopulation = \"" + population + "\"\n";
    poisson_population trains(params, neurons, seed, population);
    batch_output out(output, provenance{command, seed, config}, population);
    while (trains.next_window(times, ids)) out.add(times, ids);
    return out.finish();
}

py::tuple generate_hawkes(const std::optional<std::string>& config_path, const std::string& config_text,
                          const std::string& config_name, std::optional<std::uint64_t> seed,
                          std::optional<std::string> output, const std::string& command) {
    py::gil_scoped_release nogil;
    auto config = config_path ? load_hawkes_config(*config_path) : parse_hawkes_config(config_text, config_name);
    if (seed) config.params.seed = *seed;
    batch_output out(output, provenance{command, config.params.seed, config.text}, config.population);
    simulate_hawkes(config.params,
                    [&](std::span<const double> t, std::span<const std::uint64_t> ids) { out.add(t, ids); });
    return out.finish();
}

py::dict truth_dict(motif_truth&& t) {
    py::dict templates, occurrences, attributes;
    templates["motif_ids"] = to_array(std::move(t.template_motif_ids));
    templates["node_ids"] = to_array(std::move(t.template_node_ids));
    templates["delays"] = to_array(std::move(t.template_delays_ms));
    templates["weights"] = to_array(std::move(t.template_weights));
    occurrences["timestamps"] = to_array(std::move(t.occurrence_timestamps_ms));
    occurrences["motif_ids"] = to_array(std::move(t.occurrence_motif_ids));
    for (const auto& [k, v] : t.attributes)
        std::visit([&, &key = k](const auto& x) { attributes[py::str(key)] = x; }, v);
    py::dict d;
    d["templates"] = templates;
    d["occurrences"] = occurrences;
    d["attributes"] = attributes;
    return d;
}

py::tuple generate_motifs(const std::optional<std::string>& config_path, const std::string& config_text,
                          const std::string& config_name, std::optional<std::uint64_t> seed,
                          std::optional<std::uint64_t> template_seed, std::optional<std::string> output,
                          const std::string& command) {
    spike_table kept;
    motif_truth truth;
    std::string population;
    {
        py::gil_scoped_release nogil;
        auto c = config_path ? load_motifs_config(*config_path) : parse_motifs_config(config_text, config_name);
        for (auto* p : {&c.hdsnn.seed, &c.jittered.seed})
            if (seed) *p = *seed;
        for (auto* p : {&c.hdsnn.template_seed, &c.jittered.template_seed})
            if (template_seed) *p = *template_seed;
        population = c.population;
        truth = evspike::generate_motifs(
            c, output.value_or(""), command,
            [&](std::span<const double> t, std::span<const std::uint64_t> ids) {
                kept.timestamps.insert(kept.timestamps.end(), t.begin(), t.end());
                kept.node_ids.insert(kept.node_ids.end(), ids.begin(), ids.end());
            },
            [](double) { check_signals(); });
    }
    return py::make_tuple(population, to_arrays(std::move(kept)), truth_dict(std::move(truth)));
}

py::dict read_truth(const std::string& path) {
    motif_truth t;
    {
        py::gil_scoped_release nogil;
        t = read_motif_truth(path);
    }
    return truth_dict(std::move(t));
}

py::tuple read_detections_arrays(const std::string& path) {
    motif_events e;
    {
        py::gil_scoped_release nogil;
        e = read_detections(path);
    }
    return py::make_tuple(to_array(std::move(e.timestamps)), to_array(std::move(e.motif_ids)),
                          to_array(std::move(e.scores)));
}

// As `evspike detect score`: the default tolerance is one bin of the detections (attribute `bin`).
py::dict detect_score(const std::string& detections_path, const std::string& truth_path,
                      std::optional<double> tolerance) {
    score_result r;
    double tolerance_ms = 0;
    {
        py::gil_scoped_release nogil;
        if (tolerance && !(*tolerance >= 0)) throw config_error("tolerance", "must be >= 0");
        const auto detections = read_detections(detections_path);
        const auto truth = read_motif_truth(truth_path);
        if (tolerance) {
            tolerance_ms = *tolerance;
        } else {
            const auto f = h5::file::open_read(detections_path);
            const auto g = f.open_group("detections");
            tolerance_ms = g.has_attribute("bin") ? g.read_attribute<double>("bin") : 1.0;
        }
        motif_events t;
        t.timestamps = truth.occurrence_timestamps_ms;
        t.motif_ids = truth.occurrence_motif_ids;
        r = score_detections(t, detections, {tolerance_ms, 1e-6});
    }
    py::dict d;
    d["detections"] = r.detections;
    d["occurrences"] = r.occurrences;
    d["matched"] = r.matched;
    d["exact_matched"] = r.exact_matched;
    d["tolerance_ms"] = tolerance_ms;
    d["precision"] = r.precision;
    d["recall"] = r.recall;
    d["f1"] = r.f1;
    d["exact_hit_rate"] = r.exact_hit_rate;
    return d;
}


// --- detect train / run / discover, fit hawkes (io/detection.hpp, io/hawkes_fitting.hpp) ---------

std::string absolute_or_empty(const std::string& path) {
    return path.empty() ? path : std::filesystem::absolute(path).string();
}

py::object path_or_none(const std::string& path) {
    return path.empty() ? py::object(py::none()) : py::object(py::str(path));
}

py::dict score_dict(const score_result& r) {
    py::dict d;
    d["detections"] = r.detections;
    d["occurrences"] = r.occurrences;
    d["matched"] = r.matched;
    d["precision"] = r.precision;
    d["recall"] = r.recall;
    d["f1"] = r.f1;
    return d;
}

py::dict py_detect_train(const std::string& dataset, const std::string& templates, const std::string& output,
                         const std::string& population, std::optional<std::uint64_t> delays,
                         std::optional<double> bin, std::uint64_t epochs, double learning_rate,
                         std::uint64_t batch_trials, std::optional<std::int64_t> trial_bins, double l1,
                         double pos_weight, const std::string& init, double prior_strength,
                         std::optional<double> tolerance, std::uint64_t refractory, const std::string& rule,
                         double prune, double holdout, std::uint64_t seed, const std::string& command) {
    detect_train_options o;
    o.dataset = dataset;
    o.templates = templates;
    o.output = output;
    o.population = population;
    o.delays = delays;
    o.bin_ms = bin;
    o.epochs = epochs;
    o.learning_rate = learning_rate;
    o.batch_trials = batch_trials;
    o.trial_bins = trial_bins;
    o.l1 = l1;
    o.pos_weight = pos_weight;
    o.init = init;
    o.prior_strength = prior_strength;
    o.tolerance_ms = tolerance;
    o.refractory_bins = refractory;
    o.rule = rule;
    o.prune = prune;
    o.holdout = holdout;
    o.seed = seed;
    o.command = command;
    o.progress = [](const train_progress&) { check_signals(); };
    detect_train_result r;
    {
        py::gil_scoped_release nogil;
        r = evspike::detect_train(o);
        r.output = absolute_or_empty(r.output);
    }
    py::dict d;
    d["output"] = r.output;
    d["motifs"] = r.motifs;
    d["neurons"] = r.neurons;
    d["delays"] = r.delays;
    d["bin"] = r.bin_ms;
    d["threshold"] = r.threshold;
    d["tolerance"] = r.tolerance_ms;
    d["calibrated_on"] = r.calibrated_on;
    d["train"] = score_dict(r.train);
    d["held_out"] = r.holdout > 0 ? py::object(score_dict(r.held_out)) : py::object(py::none());
    d["holdout"] = r.holdout;
    d["holdout_from"] = r.holdout_from_ms;
    d["seconds"] = r.seconds;
    d["warnings"] = r.warnings;
    return d;
}

py::dict py_detect_run(const std::string& model, const std::string& raster, const std::string& output,
                       const std::string& population, double prune, std::optional<std::uint64_t> expected_count,
                       std::optional<double> threshold, std::optional<std::uint64_t> refractory,
                       std::optional<std::string> rule, const std::string& command) {
    detect_run_options o;
    o.model = model;
    o.raster = raster;
    o.output = output;
    o.population = population;
    o.prune = prune;
    o.expected_count = expected_count;
    o.threshold = threshold;
    o.refractory_bins = refractory;
    o.rule = std::move(rule);
    o.keep_in_memory = true;
    o.command = command;
    o.progress = [](const char*, double, double) { check_signals(); };
    detect_run_result r;
    {
        py::gil_scoped_release nogil;
        r = evspike::detect_run(o);
        r.output = absolute_or_empty(r.output);
    }
    py::dict d;
    d["timestamps"] = to_array(std::move(r.events.timestamps));
    d["motif_ids"] = to_array(std::move(r.events.motif_ids));
    d["scores"] = to_array(std::move(r.events.scores));
    d["output"] = path_or_none(r.output);
    d["population"] = r.population;
    d["detections"] = r.detections;
    d["spikes"] = r.spikes;
    d["threshold"] = r.threshold;
    d["kept_weights"] = r.kept_weights;
    d["refractory"] = r.refractory_bins;
    d["rule"] = r.rule;
    d["seconds"] = r.seconds;
    d["cpu_seconds"] = r.cpu_seconds;
    d["warnings"] = r.warnings;
    return d;
}

py::dict py_discover(const std::string& raster, const std::string& output, std::uint64_t motifs, double duration,
                     double bin, const std::string& occurrences, std::uint64_t iterations,
                     const std::string& population, double significance, std::uint64_t seed,
                     const std::string& command) {
    detect_discover_options o;
    o.raster = raster;
    o.output = output;
    o.motifs = motifs;
    o.duration_ms = duration;
    o.bin_ms = bin;
    o.occurrences = occurrences;
    o.iterations = iterations;
    o.population = population;
    o.significance = significance;
    o.seed = seed;
    o.command = command;
    o.progress = [](double, double) { check_signals(); };
    detect_discover_result r;
    {
        py::gil_scoped_release nogil;
        r = evspike::detect_discover(o);
        r.output = absolute_or_empty(r.output);
        r.occurrences_output = absolute_or_empty(r.occurrences_output);
    }
    py::dict d;
    d["timestamps"] = to_array(std::move(r.occurrences.timestamps));
    d["motif_ids"] = to_array(std::move(r.occurrences.motif_ids));
    d["scores"] = to_array(std::move(r.occurrences.scores));
    d["counts"] = to_array(std::vector<std::uint64_t>(r.counts.begin(), r.counts.end()));
    d["output"] = r.output;
    d["occurrences_output"] = path_or_none(r.occurrences_output);
    d["population"] = r.population;
    d["motifs"] = r.motifs;
    d["neurons"] = r.neurons;
    d["delays"] = r.delays;
    d["bin"] = r.bin_ms;
    d["threshold"] = r.threshold;
    d["iterations"] = r.iterations;
    d["seconds"] = r.seconds;
    return d;
}

py::dict py_fit_hawkes(const std::string& raster, const std::string& output, const std::string& kernel,
                       std::optional<double> support, std::optional<double> dt, const std::string& penalty,
                       double penalty_weight, bool shared_shape, const std::string& population,
                       std::optional<double> t_stop, std::size_t min_events, std::size_t max_iterations,
                       bool allow_unstable, const std::string& command) {
    hawkes_file_fit_options o;
    o.raster = raster;
    o.output = output;
    o.kernel = kernel;
    o.support_ms = support;
    o.dt_ms = dt;
    o.penalty = penalty;
    o.penalty_weight = penalty_weight;
    o.shared_shape = shared_shape;
    o.population = population;
    o.t_stop_ms = t_stop;
    o.min_events = min_events;
    o.max_iterations = max_iterations;
    o.allow_unstable = allow_unstable;
    o.command = command;
    o.progress = [](double) { check_signals(); };
    hawkes_file_fit_result r;
    std::vector<double> norms;
    {
        py::gil_scoped_release nogil;
        r = fit_hawkes_file(o);
        norms = branching_matrix(r.params);
    }
    const auto n = static_cast<py::ssize_t>(r.params.units());
    py::dict d;
    d["config"] = r.config;
    d["output"] = path_or_none(absolute_or_empty(output));
    d["population"] = r.population;
    d["units"] = r.units;
    d["events"] = r.events;
    d["t_start"] = r.t_start_ms;
    d["t_stop"] = r.t_stop_ms;
    d["log_likelihood"] = r.log_likelihood;
    d["spectral_radius"] = r.spectral_radius;
    d["zero_kernels"] = r.zero_kernels;
    d["iterations"] = r.iterations;
    d["estimator"] = r.estimator;
    d["baseline"] = to_array(std::move(r.params.baseline_hz));
    d["norms"] = to_array(std::move(norms), {n, n});
    return d;
}

}  // namespace
}  // namespace evspike::python

PYBIND11_MODULE(_evspike, m) {
    using namespace evspike::python;
    using py::arg;
    m.doc() = "C++ core of the evspike Python module; use `import evspike`.";
    error_type = new_exception(m, "Error", nullptr, "Base of every evspike error.");
    config_error_type =
        new_exception(m, "ConfigError", PyExc_ValueError,
                      "A config value or argument is wrong; `key` names it (e.g. 'connection[2].delay').");
    io_error_type = new_exception(m, "IOError", PyExc_OSError,
                                  "A file cannot be read or written; `path` and `dataset` name it.");
    model_error_type = new_exception(m, "ModelError", PyExc_ValueError, "Model parameters are inconsistent.");
    internal_error_type = new_exception(m, "InternalError", PyExc_RuntimeError, "A bug in evspike.");
    py::register_exception_translator(&translate);

    m.attr("__version__") = EVSPIKE_VERSION;
    m.def("spike_populations", &spike_populations, arg("path"));
    m.def("read_spikes", &read_spikes, arg("path"), arg("population"), arg("t_start"), arg("t_stop"),
          arg("node_ids"));
    m.def("spike_file_attribute", &spike_file_attribute, arg("path"), arg("name"));
    m.def("write_spikes", &write_spikes, arg("path"), arg("populations"), arg("command"), arg("seed"),
          arg("config"));
    m.def("voltage_populations", &voltage_populations, arg("path"));
    m.def("read_voltages", &read_voltages, arg("path"), arg("population"));
    m.def("simulate", &simulate, arg("config_path"), arg("config_text"), arg("config_name"), arg("t_stop"),
          arg("seed"), arg("output"), arg("write"), arg("queue"), arg("command"), arg("max_memory"));
    m.def("generate_poisson", &generate_poisson, arg("neurons"), arg("t_stop"), arg("rate"), arg("rate_file"),
          arg("dead_time"), arg("population"), arg("seed"), arg("output"), arg("command"));
    m.def("generate_hawkes", &generate_hawkes, arg("config_path"), arg("config_text"), arg("config_name"),
          arg("seed"), arg("output"), arg("command"));
    m.def("generate_motifs", &generate_motifs, arg("config_path"), arg("config_text"), arg("config_name"),
          arg("seed"), arg("template_seed"), arg("output"), arg("command"));
    m.def("read_motif_truth", &read_truth, arg("path"));
    m.def("read_detections", &read_detections_arrays, arg("path"));
    m.def("detect_score", &detect_score, arg("detections"), arg("truth"), arg("tolerance"));
    m.def("detect_train", &py_detect_train, arg("dataset"), arg("templates"), arg("output"), arg("population"),
          arg("delays"), arg("bin"), arg("epochs"), arg("learning_rate"), arg("batch_trials"), arg("trial_bins"),
          arg("l1"), arg("pos_weight"), arg("init"), arg("prior_strength"), arg("tolerance"), arg("refractory"),
          arg("rule"), arg("prune"), arg("holdout"), arg("seed"), arg("command"));
    m.def("detect_run", &py_detect_run, arg("model"), arg("raster"), arg("output"), arg("population"), arg("prune"),
          arg("expected_count"), arg("threshold"), arg("refractory"), arg("rule"), arg("command"));
    m.def("discover", &py_discover, arg("raster"), arg("output"), arg("motifs"), arg("duration"), arg("bin"),
          arg("occurrences"), arg("iterations"), arg("population"), arg("significance"), arg("seed"),
          arg("command"));
    m.def("fit_hawkes", &py_fit_hawkes, arg("raster"), arg("output"), arg("kernel"), arg("support"), arg("dt"),
          arg("penalty"), arg("penalty_weight"), arg("shared_shape"), arg("population"), arg("t_stop"),
          arg("min_events"), arg("max_iterations"), arg("allow_unstable"), arg("command"));
}
