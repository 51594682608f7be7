#pragma once
// Hawkes inference (SPEC §9.3): estimates the baselines mu_i and the kernels phi_ij of a
// multivariate Hawkes process from its events, as hawkes_params that simulate_hawkes accepts
// (the round trip of `evspike generate hawkes`). Targets are independent problems (unit i's
// likelihood involves only mu_i and the kernels j -> i), so they are fitted one by one.
//
// Two estimators, chosen by the kernel shape:
//  - exponential: exact maximum likelihood, by expectation-maximisation over the branching
//    structure; the sums over past events follow Ozaki's recursion, so one iteration costs
//    O(N U) for N events and U units, and every step raises the likelihood.
//  - truncated_exponential, truncated_gaussian, raised_cosine: FaDIn's discretized least squares
//    (Staerman et al. 2023). Events are rounded to a grid of step dt, kernels live on
//    [0, support]; the criterion integral(lambda^2) - 2 sum_k lambda(t_k) is a quadratic form
//    whose coefficients are pair counts computed once (O(N x events within the support)), so an
//    evaluation costs O(U^2 M) per target (M >= 2 L: FFT size, L = support / dt) whatever the
//    number of events. Baselines and
//    norms are solved exactly for given shapes (a non-negative quadratic program); the shape
//    parameters descend the profiled criterion. An l1 penalty on the norms sets absent edges to 0.
// Every fit reports the exact continuous-time log-likelihood of its result (hawkes_log_likelihood),
// so fits of different shapes compare on one scale.
//
// Invariants (tested in tests/models/hawkes_fit_test.cpp):
//  1. History before t = 0 is empty; the observation window is [0, t_stop).
//  2. An event never excites itself nor an event at the same instant (strict t_l < t_k).
//  3. The result is a pure function of the events and options (no random draws).
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "models/hawkes.hpp"

namespace evspike {

// Events per unit, sorted, in [0, t_stop_ms).
struct hawkes_events {
    std::vector<std::vector<double>> times_ms;
    double t_stop_ms = 0.0;
    std::size_t units() const { return times_ms.size(); }
    std::size_t size() const;
};

struct hawkes_fit_options {
    kernel_shape shape = kernel_shape::exponential;
    double support_ms = 0.0;      // finite-support shapes: the kernels live on [0, support]
    double dt_ms = 0.0;           // finite-support shapes: grid step; 0 = support / 100
    // l1 penalty on the norms, as a multiple of each edge's default weight: sqrt(N_i) in
    // log-likelihood units (exponential); in least-squares units 2 x 4 standard errors of the
    // edge's correlation with the target's events when the edge is absent (an edge survives weight
    // 1 only on more than 4 standard errors of evidence). 0: no penalty.
    double l1 = 0.0;
    bool shared_shape = false;    // one set of shape parameters (tau; mean, sigma; ...) for every kernel
    std::size_t min_events = 10;  // per unit; fewer is refused (model_error naming the unit)
    std::size_t max_iterations = 1000;
    double tolerance = 1e-9;      // relative change of the objective that ends the iterations
    std::function<void(double)> progress;  // called with an estimate of the fraction done
};

struct hawkes_fit_result {
    hawkes_params params;        // baseline_hz and one kernel per (source, target) pair (norm may be 0)
    double log_likelihood = 0.0; // exact, of params on the events
    std::size_t iterations = 0;  // the largest number of iterations any target took
    std::string estimator;       // one line: what was done, with its settings
};

// The events of simulate_hawkes(params), collected per unit in memory (tests, benchmarks).
hawkes_events simulate_hawkes_events(const hawkes_params& params);

// Throws model_error for a unit with fewer than options.min_events events or bad options.
hawkes_fit_result fit_hawkes(const hawkes_events& events, const hawkes_fit_options& options);

// log L = sum_i [ sum_{k in i} log lambda_i(t_k) - integral_0^T lambda_i ], exact for every
// shape (exponential kernels by recursion, finite supports by a window over past events).
double hawkes_log_likelihood(const hawkes_events& events, const hawkes_params& params);

}  // namespace evspike
