#include "io/hawkes_fitting.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

#include "core/error.hpp"
#include "io/atomic_file.hpp"
#include "io/generator_config.hpp"
#include "io/spike_file.hpp"
#include "models/hawkes_fit.hpp"

namespace evspike {

namespace {

// The command line's kernel names: the config's, and the short forms of SPEC §9.3.
bool parse_kernel_option(const std::string& name, kernel_shape& shape) {
    if (name == "exp") {
        shape = kernel_shape::exponential;
        return true;
    }
    if (name == "truncated_exp") {
        shape = kernel_shape::truncated_exponential;
        return true;
    }
    return parse_kernel_shape(name, shape);
}

std::string fixed(double x, int digits) {
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%.*f", digits, x);
    return buffer;
}

}  // namespace

hawkes_file_fit_result fit_hawkes_file(const hawkes_file_fit_options& opt) {
    hawkes_fit_options options;
    const std::string& kernel = opt.kernel;
    if (!parse_kernel_option(kernel, options.shape))
        throw option_error("kernel", "--kernel: unknown shape '" + kernel +
                                         "' (expected exp, truncated_exp, truncated_gaussian or raised_cosine)");
    const bool finite_support = options.shape != kernel_shape::exponential;
    const double support = opt.support_ms.value_or(0.0);
    if (opt.support_ms && !(std::isfinite(support) && support > 0.0))
        throw option_error("support", "--support: must be finite and > 0 ms");
    if (finite_support && !opt.support_ms)
        throw option_error("support", "--support: required for " + kernel + " kernels (ms, the end of the kernels' support)");
    if (opt.dt_ms && !(std::isfinite(*opt.dt_ms) && *opt.dt_ms > 0.0 && *opt.dt_ms <= support / 4.0))
        throw option_error("dt", "--dt: must be > 0 and <= support / 4 ms");
    if (opt.penalty != "none" && opt.penalty != "l1") throw option_error("penalty", "--penalty: expected none or l1");
    if (!(std::isfinite(opt.penalty_weight) && opt.penalty_weight > 0.0))
        throw option_error("penalty-weight", "--penalty-weight: must be finite and > 0");
    if (opt.t_stop_ms && !(std::isfinite(*opt.t_stop_ms) && *opt.t_stop_ms > 0.0))
        throw option_error("t-stop", "--t-stop: must be finite and > 0 ms");
    if (opt.max_iterations == 0) throw option_error("max-iterations", "--max-iterations: must be >= 1");
    check_output_against(opt.output, {{opt.raster, "raster"}});
    options.support_ms = support;
    options.dt_ms = finite_support ? opt.dt_ms.value_or(support / 100.0) : 0.0;
    options.l1 = opt.penalty == "l1" ? opt.penalty_weight : 0.0;
    options.shared_shape = opt.shared_shape;
    options.min_events = opt.min_events;
    options.max_iterations = opt.max_iterations;

    const std::string& input = opt.raster;
    const spike_reader reader(input);
    const auto populations = reader.populations();
    std::string population = opt.population;
    if (population.empty()) {
        if (populations.size() != 1)
            throw io_error(input, "/spikes", std::to_string(populations.size()) +
                                                 " populations: name the one to fit with --population");
        population = populations.front();
    }
    const spike_table spikes = reader.read(population);
    if (spikes.size() == 0) throw io_error(input, "/spikes/" + population, "no spikes to fit");
    hawkes_events events;
    std::uint64_t max_id = 0;
    double first = spikes.timestamps[0], last = spikes.timestamps[0];
    for (std::size_t n = 0; n < spikes.size(); ++n) {
        max_id = std::max(max_id, spikes.node_ids[n]);
        first = std::min(first, spikes.timestamps[n]);
        last = std::max(last, spikes.timestamps[n]);
    }
    if (max_id >= 100000)
        throw io_error(input, "/spikes/" + population + "/node_ids",
                       "node id " + std::to_string(max_id) + ": a Hawkes fit of more than 100000 units is not supported");
    // The observation window is the span the file covers (an imported recording's t_start/t_stop;
    // [0, last spike] for evspike's own files), not [0, last spike]: a recording that starts at
    // 1e6 ms would otherwise have its baselines divided by the silent million milliseconds. The
    // fit runs on times measured from the window's start (the process is shift invariant).
    const time_span span = covered_span(reader, population);
    const double t_start = std::min(span.t_start_ms, first);
    // Without --t-stop the window ends just after its last instant, so a spike there is inside it.
    const double t_end = opt.t_stop_ms ? *opt.t_stop_ms : std::nextafter(std::max(span.t_stop_ms, last), INFINITY);
    if (!(t_end > t_start))
        throw option_error("t-stop", "--t-stop: " + fixed(t_end, 6) + " ms is not after the recording's start (" +
                                         fixed(t_start, 6) + " ms)");
    events.times_ms.resize(max_id + 1);
    for (std::size_t n = 0; n < spikes.size(); ++n) {
        if (spikes.timestamps[n] >= t_end) continue;
        events.times_ms[spikes.node_ids[n]].push_back(spikes.timestamps[n] - t_start);
    }
    for (auto& t : events.times_ms) std::sort(t.begin(), t.end());
    events.t_stop_ms = t_end - t_start;

    options.progress = opt.progress;
    hawkes_fit_result fit = fit_hawkes(events, options);

    const double radius = spectral_radius(branching_matrix(fit.params), fit.params.units());
    if (radius >= 1.0 && !opt.allow_unstable)
        throw model_error(input + ": the fitted kernels have spectral radius " + fixed(radius, 4) +
                          " >= 1 (an unstable process; generate hawkes would refuse it): pass --allow-unstable "
                          "to write it anyway");
    std::size_t zero = 0;
    for (const auto& k : fit.params.kernels) zero += k.norm == 0.0;
    std::vector<std::string> header = {
        "Fitted by: " + opt.command,
        "Estimator: " + fit.estimator,
        "Data: " + input + ", population " + population + ", " + std::to_string(events.size()) + " events of " +
            std::to_string(events.units()) + " units over [" + fixed(t_start, 6) + ", " + fixed(t_end, 6) + ") ms",
        "Log-likelihood (exact, continuous time): " + fixed(fit.log_likelihood, 6),
        "Spectral radius of the fitted norms: " + fixed(radius, 6) + "; kernels with norm 0: " + std::to_string(zero) +
            "; iterations: " + std::to_string(fit.iterations),
        "seed, burn_in: for `evspike generate hawkes` (not estimated)"};
    if (const auto ids = reader.unit_ids(population)) {
        // generate hawkes numbers units 0..n-1; say which recorded unit each one is.
        std::string line = "Unit i is the recording's unit id:";
        for (std::size_t i = 0; i < std::min(ids->size(), events.units()); ++i) line += " " + std::to_string((*ids)[i]);
        header.push_back(line);
    }
    fit.params.seed = 1;
    fit.params.burn_in_ms = 0.0;
    hawkes_file_fit_result r;
    r.config = format_hawkes_config(fit.params, population, header);
    if (!opt.output.empty()) {
        atomic_file out(opt.output);
        out.write(r.config);
        out.commit();
    }
    r.population = population;
    r.units = events.units();
    r.events = events.size();
    r.t_start_ms = t_start;
    r.t_stop_ms = t_end;
    r.log_likelihood = fit.log_likelihood;
    r.spectral_radius = radius;
    r.zero_kernels = zero;
    r.iterations = fit.iterations;
    r.estimator = fit.estimator;
    r.params = std::move(fit.params);
    return r;
}

}  // namespace evspike
