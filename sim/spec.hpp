#pragma once
// A simulation as data (SPEC §5), independent of the TOML it was read from. io/ builds it from a
// config and validates it; the engine builds the network from it.
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "models/inhomogeneous_poisson.hpp"  // rate_profile
#include "models/lif.hpp"

namespace evspike {

// A value drawn per element: a constant, uniform in [lo, hi), or normal(mean, sd).
struct constant_dist { double value = 0.0; };
struct uniform_dist { double lo = 0.0, hi = 1.0; };
struct normal_dist { double mean = 0.0, sd = 1.0; };
using distribution = std::variant<constant_dist, uniform_dist, normal_dist>;

enum class model_kind { lif_delta, lif_exp };

struct population_spec {
    std::string name;
    std::uint64_t size = 0;
    model_kind model = model_kind::lif_delta;
    lif_params params;
    distribution V_m = constant_dist{-70.0};  // the loader sets E_L when V_m is absent
};

enum class source_kind { spike_times, poisson, spike_file };

struct source_spec {
    std::string name;
    source_kind kind = source_kind::poisson;
    std::uint64_t size = 0;
    double rate_hz = 0.0;        // poisson
    rate_profile rate_file;      // poisson, optional (empty = constant rate_hz)
    double start_ms = 0.0;
    double stop_ms = -1.0;       // < 0: t_stop
    double dead_time_ms = 0.0;
    std::vector<std::vector<double>> times;  // spike_times, and spike_file once loaded by io/
    std::string path;            // spike_file; poisson: its rate_file (empty for a constant rate)
    std::string population;      // spike_file
};

struct one_to_one_rule {};
struct all_to_all_rule {};
struct fixed_indegree_rule { std::uint64_t k = 0; };
struct fixed_outdegree_rule { std::uint64_t k = 0; };
struct probability_rule { double p = 0.0; };
struct pairs_rule { std::vector<std::uint64_t> sources, targets; };
using connection_rule = std::variant<one_to_one_rule, all_to_all_rule, fixed_indegree_rule,
                                     fixed_outdegree_rule, probability_rule, pairs_rule>;

// Either one distribution for all synapses, or (pairs rule only) one value per pair.
using synapse_value = std::variant<distribution, std::vector<double>>;

struct connection_spec {
    std::string source;          // a population or source name
    std::string target;          // a population name
    connection_rule rule;
    synapse_value weight = distribution{constant_dist{1.0}};
    synapse_value delay = distribution{constant_dist{1.0}};  // ms, > 0
    bool autapses = false;
    bool multapses = true;
};

struct voltage_spec {
    std::string population;
    std::vector<std::uint64_t> node_ids;  // empty: every node (expanded only when the run is built)
    double interval_ms = 0.1;
    bool float64 = false;
    std::string path;            // empty: <spikes>.voltage.h5
};

struct output_spec {
    std::string spikes;
    std::vector<std::string> record;  // empty: all neuron populations
    std::vector<voltage_spec> voltage;
    // The file of voltage report v: its path, or "<spikes>.voltage.h5".
    std::string report_path(const voltage_spec& v) const { return v.path.empty() ? spikes + ".voltage.h5" : v.path; }
};

struct simulation_spec {
    std::uint64_t seed = 1;
    double t_stop_ms = 1000.0;
    bool float32_weights = false;  // weight_dtype = "float32" (docs/config.md): 7 digits, 4 B less
    std::vector<population_spec> populations;
    std::vector<source_spec> sources;
    std::vector<connection_spec> connections;
    output_spec output;
    std::string config_text;     // for provenance
    std::string config_path;
};

}  // namespace evspike
