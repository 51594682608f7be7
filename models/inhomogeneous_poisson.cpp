#include "models/inhomogeneous_poisson.hpp"

#include <algorithm>
#include <cmath>
#include <functional>

#include "models/poisson_process.hpp"

#include "core/error.hpp"

namespace evspike {

void validate_rate_profile(const rate_profile& p, double dead_time_ms) {
    if (p.time_ms.empty() || p.time_ms.size() != p.rate_hz.size())
        throw model_error("rate profile: needs at least one (time, rate) row and as many rates as times");
    if (!(std::isfinite(dead_time_ms) && dead_time_ms >= 0.0)) throw model_error("poisson: dead_time must be finite and >= 0 ms");
    for (std::size_t k = 0; k < p.time_ms.size(); ++k) {
        const std::string row = "rate profile row " + std::to_string(k + 1);
        if (!std::isfinite(p.time_ms[k]) || (k > 0 && !(p.time_ms[k] > p.time_ms[k - 1])))
            throw model_error(row + ": times must be finite and strictly increasing");
        if (!(std::isfinite(p.rate_hz[k]) && p.rate_hz[k] >= 0.0)) throw model_error(row + ": rate must be finite and >= 0 Hz");
        if (p.rate_hz[k] / 1000.0 * dead_time_ms >= 1.0)
            throw model_error(row + ": rate " + std::to_string(p.rate_hz[k]) + " Hz with dead time " +
                              std::to_string(dead_time_ms) + " ms: rate * dead time must be < 1");
    }
}

inhomogeneous_poisson_process::inhomogeneous_poisson_process(const rate_profile& profile, double dead_time_ms,
                                                             double start_ms, double stop_ms, random_stream stream)
    : dead_time_ms_(dead_time_ms), start_ms_(start_ms), stop_ms_(stop_ms), rng_(stream) {
    validate_rate_profile(profile, dead_time_ms);
    if (!std::isfinite(start_ms) || std::isnan(stop_ms) || stop_ms < start_ms)
        throw model_error("poisson: stop must be >= start");
    time_ms_ = profile.time_ms;
    double cumulative = 0.0;
    for (std::size_t k = 0; k < profile.rate_hz.size(); ++k) {
        const double r = profile.rate_hz[k] / 1000.0;
        lambda_per_ms_.push_back(r / (1.0 - r * dead_time_ms));
        cumulative_.push_back(cumulative);
        if (k + 1 < time_ms_.size()) cumulative += lambda_per_ms_[k] * (time_ms_[k + 1] - time_ms_[k]);
    }
    ended_ = start_ms >= stop_ms;
}

double inhomogeneous_poisson_process::cumulative_hazard(double t) const {
    if (t <= time_ms_.front()) return 0.0;
    const auto k = static_cast<std::size_t>(std::upper_bound(time_ms_.begin(), time_ms_.end(), t) - time_ms_.begin()) - 1;
    return cumulative_[k] + lambda_per_ms_[k] * (t - time_ms_[k]);
}

double inhomogeneous_poisson_process::solve(double from, double e) const {
    // Walk segments from the one holding `from`, spending e on each in turn.
    std::size_t k = 0;
    if (from < time_ms_.front()) {
        from = time_ms_.front();
    } else {
        k = static_cast<std::size_t>(std::upper_bound(time_ms_.begin(), time_ms_.end(), from) - time_ms_.begin()) - 1;
    }
    for (;;) {
        const double end = k + 1 < time_ms_.size() ? time_ms_[k + 1] : never;
        const double lambda = lambda_per_ms_[k];
        if (lambda > 0.0) {
            const double t = from + e / lambda;
            if (t < end) return t;
            e = std::max(0.0, e - lambda * (end - from));
        } else if (end == never) {
            return never;
        }
        if (end >= stop_ms_) return never;  // the spike would be at or after stop anyway
        from = end;
        ++k;
    }
}

double inhomogeneous_poisson_process::next() {
    if (ended_) return never;
    const bool first = last_ == -never;
    const double from = first ? start_ms_ : last_ + dead_time_ms_;
    double t = solve(from, -std::log(uniform_open0(rng_)));
    if (!first) {
        // Keep the dead time exact in the doubles we return (as poisson_process does).
        while (t != never && (!(t > last_) || t - last_ < dead_time_ms_)) t = std::nextafter(t, never);
    }
    if (!(t < stop_ms_)) {
        ended_ = true;
        return never;
    }
    last_ = t;
    return t;
}

inhomogeneous_poisson_population::inhomogeneous_poisson_population(const rate_profile& profile, double dead_time_ms,
                                                                   double stop_ms, std::uint64_t neurons,
                                                                   std::uint64_t seed, const std::string& name) {
    for (std::uint64_t i = 0; i < neurons; ++i) {
        processes_.emplace_back(profile, dead_time_ms, 0.0, stop_ms, make_stream(seed, poisson_stream_name(name, i)));
        const double t = processes_.back().next();
        if (t != inhomogeneous_poisson_process::never) heap_.push_back({t, i});
    }
    std::make_heap(heap_.begin(), heap_.end(), std::greater<>());
}

bool inhomogeneous_poisson_population::next_batch(std::vector<double>& times_ms, std::vector<std::uint64_t>& node_ids,
                                                  std::size_t max_spikes) {
    times_ms.clear();
    node_ids.clear();
    while (!heap_.empty() && times_ms.size() < max_spikes) {
        std::pop_heap(heap_.begin(), heap_.end(), std::greater<>());
        auto& [t, id] = heap_.back();
        times_ms.push_back(t);
        node_ids.push_back(id);
        time_reached_ = t;
        const double next = processes_[id].next();
        if (next == inhomogeneous_poisson_process::never) {
            heap_.pop_back();
        } else {
            t = next;
            std::push_heap(heap_.begin(), heap_.end(), std::greater<>());
        }
    }
    return !times_ms.empty();
}

}  // namespace evspike
