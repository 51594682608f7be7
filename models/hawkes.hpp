#pragma once
// Multivariate Hawkes process (SPEC §6):
//   lambda_i(t) = mu_i + sum_j sum_{t_k of j < t} phi_ij(t - t_k),  integral of phi_ij = G_ij.
//
// Simulated by the cluster (immigrant-birth) representation, which is exact and needs no
// intensity bound: immigrants of unit i arrive as a Poisson process of rate mu_i; every event of
// unit j has, for each kernel j -> i, Poisson(G_ij) children of unit i at delays drawn from
// phi_ij / G_ij. Children always come after their parent, so popping pending events from one
// min-heap keyed by (time, unit, birth order) emits them already sorted: the output streams in
// batches with memory bounded by the pending events (about total rate x kernel memory), not by
// the number of events. The process starts at -burn_in (empty history there); events before 0
// are simulated (they excite later ones) but not emitted. Children at or after t_stop are never
// created.
//
// Times are kept as sim_time internally (a parent's time plus a delay, exact to ~1e-16 ms at any
// horizon) and emitted as float64 ms.
//
// Random streams (SPEC §1), from `seed`: immigrants of unit i "hawkes.immigrants.<i>", children of
// events of unit j "hawkes.offspring.<j>".
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "core/random.hpp"

namespace evspike {

enum class kernel_shape { exponential, truncated_exponential, truncated_gaussian, raised_cosine };

// Parses "exponential", ...; nullopt-free: returns false if unknown.
bool parse_kernel_shape(const std::string& name, kernel_shape& shape);
const char* to_string(kernel_shape shape);

// One kernel phi_ij (SPEC §6 names). Only the parameters of its shape are used.
struct hawkes_kernel {
    std::uint64_t source = 0;  // j
    std::uint64_t target = 0;  // i
    double norm = 0.0;         // G_ij = integral of phi_ij, >= 0
    kernel_shape shape = kernel_shape::exponential;
    double tau = 1.0;          // ms: exponential, truncated_exponential
    double support = 1.0;      // ms: truncated_exponential, truncated_gaussian ([0, support])
    double mean = 0.0;         // ms: truncated_gaussian
    double sigma = 1.0;        // ms: truncated_gaussian
    double start = 0.0;        // ms: raised_cosine, >= 0
    double width = 1.0;        // ms: raised_cosine, on [start, start + width]

    double density(double t_ms) const;   // phi(t), per ms; 0 for t < 0
    double integral(double t_ms) const;  // integral of phi over [0, t]
    double sample_delay(random_stream& rng) const;  // a delay from phi / norm, ms
    double mean_delay() const;                      // mean of phi / norm, ms (closed form)

    // Throws config_error with key "<key>.<parameter>" (e.g. "kernel[2].tau").
    void validate(const std::string& key, std::size_t units, const std::string& file = "") const;
};

struct hawkes_params {
    std::uint64_t seed = 1;
    double t_stop_ms = 1000.0;
    double burn_in_ms = 0.0;
    std::vector<double> baseline_hz;      // mu_i, one per unit (the number of units)
    std::vector<hawkes_kernel> kernels;   // several kernels for one pair add up

    std::size_t units() const { return baseline_hz.size(); }
    // Throws config_error naming the key (t_stop, burn_in, baseline[i], kernel[k].<param>) and,
    // for an unstable process, key "kernel" with the spectral radius in the message.
    void validate(const std::string& file = "") const;
};

// G as a dense row-major matrix: G[i * n + j] = sum of the norms of the kernels j -> i.
std::vector<double> branching_matrix(const hawkes_params& params);

// Spectral radius of a non-negative n x n matrix (row-major). Computed as ||A^m||^(1/m) by
// repeated squaring (m = 2^60), an upper bound that converges to the radius, also for periodic
// or reducible matrices where plain power iteration fails. O(n^3) per squaring: for small n.
double spectral_radius(std::span<const double> matrix, std::size_t n);

// Stability of the process, rho(G) < 1, decided from the kernel list in O(units + kernels) per
// step: bounds on rho(G) that hold for any non-negative G (Collatz-Wielandt: for x > 0,
// rho <= max_i (Gx)_i / x_i; for x >= 0 on a set S of units, rho >= min_{i in S} (G x_S)_i / x_i),
// tightened by power iteration on G + I until one of them decides. Up to dense_stability_units
// units, the dense spectral_radius instead (lower = upper = it). `decided` is false when the
// iteration budget ran out with lower < 1 <= upper (a pathological, near-critical G).
struct hawkes_stability {
    bool decided = true;
    bool stable = true;
    double lower = 0.0, upper = 0.0;  // rho(G) lies in [lower, upper]
    std::uint64_t iterations = 0;
};
inline constexpr std::size_t dense_stability_units = 512;
hawkes_stability kernel_stability(const hawkes_params& params);

// Stationary rates (I - G)^-1 mu, Hz. Requires a stable process. Up to dense_stability_units
// units by Gaussian elimination; beyond, by the fixed-point iteration lambda = mu + G lambda
// (Gauss-Seidel sweeps over the kernel list, geometric convergence at rate rho(G)) until the
// rates change by less than 1e-13 relative, or within a budget of ~1e9 operations, after which
// the remaining geometric tail is extrapolated (an estimate for near-critical processes).
std::vector<double> stationary_rates_hz(const hawkes_params& params);

// Up-front sizes of `generate hawkes` (SPEC §8), from the parameters alone.
struct hawkes_estimate {
    double events = 0;   // expected events emitted in [0, t_stop): stationary rates x t_stop
    double pending = 0;  // expected events waiting in the heap at once (below)
    double memory_bytes = 0;
};
// Bytes that validation itself holds: the kernel list by target (16 B per kernel, 8 B per unit),
// three vectors per unit, and the dense matrices of spectral_radius for small processes.
double hawkes_validation_bytes(const hawkes_params& params);
// For a validated (stable) process. The heap holds one next immigrant per unit plus the children
// not yet due; by Little's law their expected number is the rate at which children are created
// times how long they wait: sum over kernels j -> i of rate_j x G_ij x mean_delay_ij. Memory: that
// many 64 B heap slots (32 B entries, vector growth by doubling), ~256 B of streams and samplers
// per unit, the validation's matrices and one output batch (2^16 events x 48 B).
hawkes_estimate estimate_hawkes(const hawkes_params& params);

// Streams the events in [0, t_stop), sorted by time then unit, to `sink` in batches of at most
// `batch_size` (parallel spans: times in ms, unit ids). Validates params first.
using hawkes_sink = std::function<void(std::span<const double> times_ms, std::span<const std::uint64_t> units)>;
void simulate_hawkes(const hawkes_params& params, const hawkes_sink& sink, std::size_t batch_size = 1u << 16);

// For tests: every simulated event (burn-in included, so times may be negative) in emission
// order, with its cluster genealogy: parent = index of the parent event in these arrays, or -1
// for an immigrant; kernel = index of the kernel that produced it (unused for immigrants).
// offspring = children drawn per event before the t_stop cut (so mean offspring per parent is
// unbiased even near t_stop).
struct hawkes_genealogy {
    std::vector<double> time_ms;
    std::vector<std::uint64_t> unit;
    std::vector<std::int64_t> parent;
    std::vector<std::uint64_t> kernel;
    std::vector<std::uint64_t> offspring;
};
hawkes_genealogy simulate_hawkes_genealogy(const hawkes_params& params);

}  // namespace evspike
