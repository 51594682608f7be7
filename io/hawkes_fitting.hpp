#pragma once
// `evspike fit hawkes` (SPEC §9.3) as a library call, shared by the command
// (apps/cmd_fit_hawkes.cpp: option parsing and printing only) and the Python module: reads a
// spike file, fits a multivariate Hawkes process (models/hawkes_fit.hpp) and formats it as a
// config that `evspike generate hawkes` accepts unchanged, written atomically when `output` is
// set. Wrong options throw option_error with the command's message ("--support: required for
// truncated_exp kernels ..."); an output that is the raster throws output_is_input.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "models/hawkes.hpp"

namespace evspike {

struct hawkes_file_fit_options {
    std::string raster;      // SONATA spike file; each node of the population is a unit
    std::string output;      // the TOML config; "" = not written (the text is returned)
    std::string kernel;      // exp (= exponential), truncated_exp, truncated_gaussian, raised_cosine
    std::string population;  // "" = the file's only population
    std::optional<double> support_ms;  // required for finite-support shapes
    std::optional<double> dt_ms;       // default support / 100
    std::string penalty = "none";      // or "l1"
    double penalty_weight = 1.0;
    bool shared_shape = false;
    std::optional<double> t_stop_ms;   // default: just after the span the file covers (covered_span)
    std::size_t min_events = 10;
    std::size_t max_iterations = 1000;
    bool allow_unstable = false;       // write a fit with spectral radius >= 1
    std::string command;               // provenance: the config's "Fitted by:" line
    std::function<void(double)> progress;  // fraction done; may throw to stop (nothing written)
};

struct hawkes_file_fit_result {
    std::string population;
    std::size_t units = 0, events = 0;
    double t_start_ms = 0, t_stop_ms = 0;  // the observation window used, [t_start, t_stop) ms
    double log_likelihood = 0;       // exact, continuous time
    double spectral_radius = 0;      // of the fitted norms
    std::size_t zero_kernels = 0;    // kernels with norm 0
    std::size_t iterations = 0;
    std::string estimator;
    hawkes_params params;            // seed 1, burn_in 0 (not estimated)
    std::string config;              // the TOML text written (or that would be)
};

hawkes_file_fit_result fit_hawkes_file(const hawkes_file_fit_options& options);

}  // namespace evspike
