#include "models/poisson_process.hpp"

#include <cmath>

#include "core/error.hpp"

namespace evspike {

void poisson_params::validate() const {
    if (!std::isfinite(rate_hz) || rate_hz < 0)
        throw model_error("poisson: rate " + std::to_string(rate_hz) + " Hz: must be finite and >= 0");
    if (!std::isfinite(dead_time_ms) || dead_time_ms < 0)
        throw model_error("poisson: dead_time " + std::to_string(dead_time_ms) + " ms: must be finite and >= 0");
    if (rate_per_ms() * dead_time_ms >= 1.0)
        throw model_error("poisson: rate " + std::to_string(rate_hz) + " Hz with dead_time " +
                          std::to_string(dead_time_ms) + " ms: rate * dead_time must be < 1 (a neuron "
                          "with dead time d fires at most 1/d, i.e. " +
                          std::to_string(1000.0 / dead_time_ms) + " Hz here)");
    if (!std::isfinite(start_ms))
        throw model_error("poisson: start " + std::to_string(start_ms) + " ms: must be finite");
    if (std::isnan(stop_ms) || stop_ms < start_ms)
        throw model_error("poisson: stop " + std::to_string(stop_ms) + " ms: must be >= start (" +
                          std::to_string(start_ms) + " ms)");
}

std::string poisson_stream_name(std::string_view population, std::uint64_t node_id) {
    std::string name(population);
    name += '/';
    name += std::to_string(node_id);
    return name;
}

poisson_process::poisson_process(const poisson_params& params, random_stream stream)
    : params_(params), rng_(stream) {
    params_.validate();
    const double r = params_.rate_per_ms();
    lambda_per_ms_ = r / (1.0 - r * params_.dead_time_ms);
    mean_exp_ms_ = r > 0 ? 1.0 / lambda_per_ms_ : 0.0;
    ended_ = r == 0.0 || params_.start_ms >= params_.stop_ms;
}

double poisson_process::first_time() {
    const double d = params_.dead_time_ms;
    const double start = params_.start_ms;
    if (d > 0) {
        // Forward recurrence time of the stationary renewal process: density r * P(ISI > x),
        // i.e. uniform on [0, d) with probability r d, else d + Exp(lambda).
        const double r = params_.rate_per_ms();
        if (uniform01(rng_) < r * d) return start + d * uniform01(rng_);
    }
    return start + (d + draw_unit_exponential() * mean_exp_ms_);
}

}  // namespace evspike
