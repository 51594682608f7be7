// evspike fit hawkes RASTER.h5 -o FIT.toml --kernel SHAPE: estimates a multivariate Hawkes process
// (baselines and one kernel per ordered pair of units) from a spike file and writes it as a
// config that `evspike generate hawkes` accepts unchanged (SPEC §9.3). Estimators:
// models/hawkes_fit.hpp; choices and their limits: docs/generators.md ("Fitting").
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "apps/cli.hpp"
#include "apps/commands.hpp"
#include "core/error.hpp"
#include "io/atomic_file.hpp"
#include "io/generator_config.hpp"
#include "io/spike_file.hpp"
#include "models/hawkes.hpp"
#include "models/hawkes_fit.hpp"

namespace evspike::cli {

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

int run_fit_hawkes(const args& a) {
    command_line cl;
    cl.usage = "evspike fit hawkes RASTER.h5 -o FIT.toml --kernel exp|truncated_exp|truncated_gaussian|raised_cosine "
               "[--support MS] [--dt MS] [--penalty l1] [--shared-shape] [--population NAME] [--t-stop MS]";
    std::string input, output, kernel, population, penalty = "none";
    double support = 0.0, dt = 0.0, t_stop = 0.0, penalty_weight = 1.0;
    std::size_t min_events = 10, max_iterations = 1000;
    cl.options.add_options()
        ("raster", po::value(&input)->required(), "SONATA spike file; each node of the population is a unit")
        ("output,o", po::value(&output)->required(), "output TOML config for `evspike generate hawkes`")
        ("kernel", po::value(&kernel)->required(),
         "kernel shape: exp (exact maximum likelihood), truncated_exp, truncated_gaussian, raised_cosine "
         "(discretized least squares, FaDIn)")
        ("support", po::value(&support), "ms: kernels live on [0, support] (required for finite-support shapes)")
        ("dt", po::value(&dt), "ms: grid step of the discretized estimator (default support / 100)")
        ("penalty", po::value(&penalty), "none or l1: an l1 penalty on the norms sets absent edges to 0")
        ("penalty-weight", po::value(&penalty_weight),
         "multiplies the l1 penalty's default weight (docs/generators.md), default 1")
        ("shared-shape", "one set of shape parameters for every kernel (lower variance when the shapes are alike)")
        ("population", po::value(&population), "population to fit (default: the file's only population)")
        ("t-stop", po::value(&t_stop), "ms: end of the observation window (default: the last spike)")
        ("min-events", po::value(&min_events), "events per unit below which the fit is refused (default 10)")
        ("max-iterations", po::value(&max_iterations), "iterations of the estimator (default 1000)")
        ("allow-unstable", "write a fit whose spectral radius is >= 1 (generate hawkes will refuse it)");
    cl.positional.add("raster", 1);
    po::variables_map vm;
    if (!cl.parse(a, vm)) return 0;

    hawkes_fit_options options;
    if (!parse_kernel_option(kernel, options.shape))
        throw usage_error("--kernel: unknown shape '" + kernel +
                              "' (expected exp, truncated_exp, truncated_gaussian or raised_cosine)",
                          cl.usage);
    const bool finite_support = options.shape != kernel_shape::exponential;
    if (vm.count("support") != 0 && !(std::isfinite(support) && support > 0.0))
        throw usage_error("--support: must be finite and > 0 ms", cl.usage);
    if (finite_support && vm.count("support") == 0)
        throw usage_error("--support: required for " + kernel + " kernels (ms, the end of the kernels' support)", cl.usage);
    if (vm.count("dt") != 0 && !(std::isfinite(dt) && dt > 0.0 && dt <= support / 4.0))
        throw usage_error("--dt: must be > 0 and <= support / 4 ms", cl.usage);
    if (penalty != "none" && penalty != "l1") throw usage_error("--penalty: expected none or l1", cl.usage);
    if (!(std::isfinite(penalty_weight) && penalty_weight > 0.0))
        throw usage_error("--penalty-weight: must be finite and > 0", cl.usage);
    if (vm.count("t-stop") != 0 && !(std::isfinite(t_stop) && t_stop > 0.0))
        throw usage_error("--t-stop: must be finite and > 0 ms", cl.usage);
    if (max_iterations == 0) throw usage_error("--max-iterations: must be >= 1", cl.usage);
    declare_input(input, "raster");
    check_output(output);
    options.support_ms = support;
    options.dt_ms = finite_support ? (vm.count("dt") != 0 ? dt : support / 100.0) : 0.0;
    options.l1 = penalty == "l1" ? penalty_weight : 0.0;
    options.shared_shape = vm.count("shared-shape") != 0;
    options.min_events = min_events;
    options.max_iterations = max_iterations;

    const spike_reader reader(input);
    const auto populations = reader.populations();
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
    double last = 0.0;
    for (std::size_t n = 0; n < spikes.size(); ++n) {
        max_id = std::max(max_id, spikes.node_ids[n]);
        last = std::max(last, spikes.timestamps[n]);
    }
    if (max_id >= 100000)
        throw io_error(input, "/spikes/" + population + "/node_ids",
                       "node id " + std::to_string(max_id) + ": a Hawkes fit of more than 100000 units is not supported");
    events.times_ms.resize(max_id + 1);
    for (std::size_t n = 0; n < spikes.size(); ++n) {
        if (vm.count("t-stop") != 0 && spikes.timestamps[n] >= t_stop) continue;
        events.times_ms[spikes.node_ids[n]].push_back(spikes.timestamps[n]);
    }
    for (auto& t : events.times_ms) std::sort(t.begin(), t.end());
    // Without --t-stop the window ends just after the last spike, so that spike is inside it.
    events.t_stop_ms = vm.count("t-stop") != 0 ? t_stop : std::nextafter(last, INFINITY);

    progress_bar progress("fit hawkes", 1.0, vm.count("quiet") != 0);
    options.progress = [&](double fraction) { progress.update(fraction); };
    hawkes_fit_result fit = fit_hawkes(events, options);
    progress.finish();

    const double radius = spectral_radius(branching_matrix(fit.params), fit.params.units());
    if (radius >= 1.0 && vm.count("allow-unstable") == 0)
        throw model_error(input + ": the fitted kernels have spectral radius " + fixed(radius, 4) +
                          " >= 1 (an unstable process; generate hawkes would refuse it): pass --allow-unstable "
                          "to write it anyway");
    std::size_t zero = 0;
    for (const auto& k : fit.params.kernels) zero += k.norm == 0.0;
    const std::vector<std::string> header = {
        "Fitted by: " + invocation(),
        "Estimator: " + fit.estimator,
        "Data: " + input + ", population " + population + ", " + std::to_string(events.size()) + " events of " +
            std::to_string(events.units()) + " units over [0, " + fixed(events.t_stop_ms, 6) + ") ms",
        "Log-likelihood (exact, continuous time): " + fixed(fit.log_likelihood, 6),
        "Spectral radius of the fitted norms: " + fixed(radius, 6) + "; kernels with norm 0: " + std::to_string(zero) +
            "; iterations: " + std::to_string(fit.iterations),
        "seed, burn_in: for `evspike generate hawkes` (not estimated)"};
    fit.params.seed = 1;
    fit.params.burn_in_ms = 0.0;
    atomic_file out(output);
    out.write(format_hawkes_config(fit.params, population, header));
    out.commit();
    std::fprintf(stderr, "fit hawkes: %zu units, %zu events, log-likelihood %s, spectral radius %s -> %s\n",
                 events.units(), events.size(), fixed(fit.log_likelihood, 3).c_str(), fixed(radius, 4).c_str(),
                 output.c_str());
    return 0;
}

}  // namespace evspike::cli
