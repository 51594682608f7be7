#pragma once
// Inhomogeneous Poisson trains with a piecewise-constant rate and an optional dead time, exact by
// time rescaling (no grid, no thinning): after a spike at t0 the train is silent until t0 + d,
// then fires at the t solving  integral_{t0 + d}^{t} lambda(u) du = E,  E ~ Exp(1), with
//   lambda(t) = r(t) / (1 - r(t) d)
// so that, as in the homogeneous case (models/poisson_process.hpp), a stretch of constant rate r
// long compared with the ISI fires at mean rate r; with d = 0 it is the Poisson process of rate
// r(t) exactly. r(t) d < 1 is required everywhere. The train starts fresh at `start_ms` (no
// spike in the past).
//
// The rate profile (defined here, held by sim/spec.hpp's sources, read by io/rate_file.hpp): rate_hz[k] holds on
// [time_ms[k], time_ms[k+1]), the last rate until the end; before time_ms[0] the rate is 0.
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "core/random.hpp"

namespace evspike {

// Piecewise-constant rate: rate_hz[k] holds on [time_ms[k], time_ms[k+1]), the last to the end.
struct rate_profile {
    std::vector<double> time_ms;
    std::vector<double> rate_hz;
};

class inhomogeneous_poisson_process {
public:
    static constexpr double never = std::numeric_limits<double>::infinity();

    // Throws model_error: unsorted or empty profile, negative or non-finite rates, r d >= 1,
    // stop < start.
    inhomogeneous_poisson_process(const rate_profile& profile, double dead_time_ms, double start_ms, double stop_ms,
                                  random_stream stream);

    // Next spike time (ms, strictly increasing, >= previous + dead time), or +infinity once a
    // spike would be at or after stop_ms.
    double next();

    // Lambda(t) = integral of lambda from the profile's start to t, in expected spikes (for tests).
    double cumulative_hazard(double t_ms) const;

private:
    // Smallest t >= from with cumulative_hazard(t) - cumulative_hazard(from) = e, or +inf.
    double solve(double from_ms, double e) const;

    std::vector<double> time_ms_;       // segment starts
    std::vector<double> lambda_per_ms_; // hazard per segment
    std::vector<double> cumulative_;    // cumulative hazard at each segment start
    double dead_time_ms_;
    double start_ms_;
    double stop_ms_;
    random_stream rng_;
    double last_ = -never;
    bool ended_ = false;
};

// Checks a profile for use with dead time d; throws model_error naming the offending row.
void validate_rate_profile(const rate_profile& profile, double dead_time_ms);

// N independent trains on [0, stop), neuron i drawing from make_stream(seed,
// poisson_stream_name(name, i)) as `generate poisson` does, merged in (time, id) order.
class inhomogeneous_poisson_population {
public:
    inhomogeneous_poisson_population(const rate_profile& profile, double dead_time_ms, double stop_ms,
                                     std::uint64_t neurons, std::uint64_t seed, const std::string& name);
    // Fills (after clearing) up to max_spikes spikes in (time, id) order; false when none are left.
    bool next_batch(std::vector<double>& times_ms, std::vector<std::uint64_t>& node_ids,
                    std::size_t max_spikes = std::size_t{1} << 16);
    double time_reached() const { return time_reached_; }

private:
    std::vector<inhomogeneous_poisson_process> processes_;
    std::vector<std::pair<double, std::uint64_t>> heap_;  // (next time, id), min-heap
    double time_reached_ = 0.0;
};

}  // namespace evspike
