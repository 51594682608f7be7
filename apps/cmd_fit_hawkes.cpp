// evspike fit hawkes RASTER.h5 -o FIT.toml --kernel SHAPE: estimates a multivariate Hawkes process
// (baselines and one kernel per ordered pair of units) from a spike file and writes it as a
// config that `evspike generate hawkes` accepts unchanged (SPEC §9.3). Estimators:
// models/hawkes_fit.hpp; choices and their limits: docs/generators.md ("Fitting").
// The work is io/hawkes_fitting.hpp's fit_hawkes_file, which the Python module calls too.
#include <cstdio>
#include <optional>
#include <string>

#include "apps/cli.hpp"
#include "apps/commands.hpp"
#include "core/error.hpp"
#include "io/hawkes_fitting.hpp"

namespace evspike::cli {

int run_fit_hawkes(const args& a) {
    command_line cl;
    cl.usage = "evspike fit hawkes RASTER.h5 -o FIT.toml --kernel exp|truncated_exp|truncated_gaussian|raised_cosine "
               "[--support MS] [--dt MS] [--penalty l1] [--shared-shape] [--population NAME] [--t-stop MS]";
    hawkes_file_fit_options o;
    double support = 0.0, dt = 0.0, t_stop = 0.0;
    cl.options.add_options()
        ("raster", po::value(&o.raster)->required(), "SONATA spike file; each node of the population is a unit")
        ("output,o", po::value(&o.output)->required(), "output TOML config for `evspike generate hawkes`")
        ("kernel", po::value(&o.kernel)->required(),
         "kernel shape: exp (exact maximum likelihood), truncated_exp, truncated_gaussian, raised_cosine "
         "(discretized least squares, FaDIn)")
        ("support", po::value(&support), "ms: kernels live on [0, support] (required for finite-support shapes)")
        ("dt", po::value(&dt), "ms: grid step of the discretized estimator (default support / 100)")
        ("penalty", po::value(&o.penalty), "none or l1: an l1 penalty on the norms sets absent edges to 0")
        ("penalty-weight", po::value(&o.penalty_weight),
         "multiplies the l1 penalty's default weight (docs/generators.md), default 1")
        ("shared-shape", "one set of shape parameters for every kernel (lower variance when the shapes are alike)")
        ("population", po::value(&o.population), "population to fit (default: the file's only population)")
        ("t-stop", po::value(&t_stop), "ms: end of the observation window (default: the end of the span the file covers)")
        ("min-events", po::value(&o.min_events), "events per unit below which the fit is refused (default 10)")
        ("max-iterations", po::value(&o.max_iterations), "iterations of the estimator (default 1000)")
        ("allow-unstable", "write a fit whose spectral radius is >= 1 (generate hawkes will refuse it)");
    cl.positional.add("raster", 1);
    po::variables_map vm;
    if (!cl.parse(a, vm)) return 0;
    if (vm.count("support") != 0) o.support_ms = support;
    if (vm.count("dt") != 0) o.dt_ms = dt;
    if (vm.count("t-stop") != 0) o.t_stop_ms = t_stop;
    o.shared_shape = vm.count("shared-shape") != 0;
    o.allow_unstable = vm.count("allow-unstable") != 0;
    o.command = invocation();
    progress_bar progress("fit hawkes", 1.0, vm.count("quiet") != 0);
    o.progress = [&](double fraction) { progress.update(fraction); };
    const hawkes_file_fit_result r = with_usage(cl.usage, [&] { return fit_hawkes_file(o); });
    progress.finish();
    std::fprintf(stderr, "fit hawkes: %zu units, %zu events, log-likelihood %.3f, spectral radius %.4f -> %s\n", r.units,
                 r.events, r.log_likelihood, r.spectral_radius, o.output.c_str());
    return 0;
}

}  // namespace evspike::cli
