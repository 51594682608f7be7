#pragma once
// A homogeneous Poisson spike train with an optional dead time, generated exactly: no grid, each
// inter-spike interval is drawn from its distribution (SPEC §6, REFERENCES "Point processes").
//
//   ISI = d + Exp(lambda),  lambda = r / (1 - r d)   (r in spikes/ms, d in ms)
//
// so the mean rate stays r whatever d (mean ISI = d + (1 - r d)/r = 1/r), CV = 1 - r d, and
// r d >= 1 is impossible (refused with a model_error).
//
// Stationary start: the train behaves as if it had been running forever before `start_ms`, so
// the count in any window [a, b) inside [start, stop) has mean r (b - a) exactly. The first spike
// after `start_ms` is drawn from the forward-recurrence distribution of the renewal process:
// with probability r d the last spike was less than d ago and the first spike is uniform in
// [start, start + d); otherwise it is start + d + Exp(lambda). With d = 0 this is the usual
// start + Exp(r).
//
// Use: one process per neuron, each with its own random stream (see poisson_stream_name), then
// call next() repeatedly; times are strictly increasing, every interval is >= d exactly in
// floating point, and once a time would be >= stop_ms next() returns +infinity for ever.
//
// Extension point for an inhomogeneous (piecewise-constant) rate: the random part of every
// interval is one unit-mean exponential E (draw_unit_exponential); advance() alone turns it into
// real time (here t + d + E / lambda). With a rate schedule, advance() instead inverts the
// cumulative rate (time-rescaling, exact for piecewise-constant rates); nothing else changes.
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "core/random.hpp"
#include "models/exponential.hpp"

namespace evspike {

struct poisson_params {
    double rate_hz = 0.0;        // Hz (spikes per second), >= 0
    double dead_time_ms = 0.0;   // ms, >= 0, with rate_hz * dead_time_ms / 1000 < 1
    double start_ms = 0.0;       // ms: spikes at t >= start_ms
    double stop_ms = std::numeric_limits<double>::infinity();  // ms: spikes at t < stop_ms

    double rate_per_ms() const { return rate_hz / 1000.0; }
    // Throws model_error naming the parameter: negative or non-finite rate, negative or
    // non-finite dead time, rate * dead time >= 1, start not finite, stop < start.
    void validate() const;
};

// The conventional name of neuron `node_id`'s stream in population `population`:
// "<population>/<node_id>". A `poisson` source named "stim" in a simulation and
// `evspike generate poisson --population stim` with the same seed draw the same trains.
std::string poisson_stream_name(std::string_view population, std::uint64_t node_id);

class poisson_process {
public:
    static constexpr double never = std::numeric_limits<double>::infinity();

    // Validates params (model_error). The stream is owned: one per neuron.
    poisson_process(const poisson_params& params, random_stream stream);

    // The next spike time in ms (strictly greater than the previous one, by >= dead time), or
    // +infinity when the train has ended (time >= stop_ms). Calls after that keep returning
    // +infinity without drawing. Inline: `generate poisson` calls it once per spike.
    double next() {
        if (ended_) return never;
        const double t = started_ ? advance(last_) : first_time();
        started_ = true;
        if (!(t < params_.stop_ms)) {
            ended_ = true;
            last_ = never;
            return never;
        }
        last_ = t;
        return t;
    }

    // The last value next() returned (or -infinity before the first call).
    double last() const { return last_; }

    // Same as `double t = last(); while (t < t1) { emit(t); t = next(); } return t;` after a
    // first next(), drawing the same numbers, with the generator's state in locals (registers)
    // for the run: `generate poisson` draws every spike through it.
    template <class Emit>
    double emit_until(double t1, Emit&& emit) {
        double t = last_;
        if (!(t < t1)) return t;
        random_stream rng = rng_;
        const double d = params_.dead_time_ms, mean = mean_exp_ms_, stop = params_.stop_ms;
        do {
            emit(t);
            double next_t = t + (d + standard_exponential(rng) * mean);  // as advance(t)
            while (!(next_t > t) || next_t - t < d) next_t = std::nextafter(next_t, never);
            if (!(next_t < stop)) {
                ended_ = true;
                t = never;
                break;
            }
            t = next_t;
        } while (t < t1);
        rng_ = rng;
        last_ = t;
        return t;
    }

    const poisson_params& params() const { return params_; }

private:
    double first_time();
    double draw_unit_exponential() { return standard_exponential(rng_); }
    // The spike after one at from_ms.
    double advance(double from_ms) {
        const double d = params_.dead_time_ms;
        double t = from_ms + (d + draw_unit_exponential() * mean_exp_ms_);
        // Rounding of the sum may shave an ulp off the interval: the dead time holds exactly in
        // the doubles we return (t - from is exact here by Sterbenz when t < 2 from).
        while (!(t > from_ms) || t - from_ms < d) t = std::nextafter(t, never);
        return t;
    }

    poisson_params params_;
    random_stream rng_;
    double lambda_per_ms_;  // rate of the exponential part: r / (1 - r d), per ms
    double mean_exp_ms_;    // 1 / lambda: multiplying is cheaper than dividing on every spike
    double last_ = -std::numeric_limits<double>::infinity();
    bool started_ = false;
    bool ended_ = false;
};

}  // namespace evspike
