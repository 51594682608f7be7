#include "sim/sources.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/error.hpp"

namespace evspike {

source_group::source_group(const source_spec& spec, std::uint64_t seed, double t_stop_ms, const std::string& key)
    : kind_(spec.kind), size_(static_cast<std::uint32_t>(spec.size)) {
    stop_ms_ = spec.stop_ms < 0 ? t_stop_ms : std::min(spec.stop_ms, t_stop_ms);
    if (kind_ == source_kind::poisson) {
        if (!spec.rate_file.time_ms.empty()) {
            // Exact inhomogeneous trains (models/inhomogeneous_poisson.hpp), same stream names.
            inhomogeneous_.reserve(size_);
            try {
                for (std::uint32_t n = 0; n < size_; ++n)
                    inhomogeneous_.emplace_back(spec.rate_file, spec.dead_time_ms, spec.start_ms, stop_ms_,
                                                make_stream(seed, poisson_stream_name(spec.name, n)));
            } catch (const model_error& e) {
                throw config_error(key + ".rate_file", e.what());
            }
            return;
        }
        poisson_params params;
        params.rate_hz = spec.rate_hz;
        params.dead_time_ms = spec.dead_time_ms;
        params.start_ms = spec.start_ms;
        params.stop_ms = stop_ms_;
        poisson_.reserve(size_);
        try {
            for (std::uint32_t n = 0; n < size_; ++n)
                poisson_.emplace_back(params, make_stream(seed, poisson_stream_name(spec.name, n)));
        } catch (const model_error& e) {
            throw config_error(key, e.what());
        }
        return;
    }
    if (spec.times.size() != size_)
        throw config_error(key + ".times", "has " + std::to_string(spec.times.size()) + " lists for " +
                                               std::to_string(size_) + " nodes");
    times_.resize(size_);
    cursor_.assign(size_, 0);
    for (std::uint32_t n = 0; n < size_; ++n) {
        auto& t = times_[n];
        t = spec.times[n];
        for (std::size_t k = 0; k < t.size(); ++k)
            if (!std::isfinite(t[k]) || t[k] < 0)
                throw config_error(key + ".times[" + std::to_string(n) + "][" + std::to_string(k) + "]",
                                   "spike times must be finite and >= 0 ms");
        std::sort(t.begin(), t.end());
        t.erase(std::unique(t.begin(), t.end()), t.end());
        // The source's own window [start, stop) applies to listed times too.
        t.erase(std::remove_if(t.begin(), t.end(), [&](double x) { return x < spec.start_ms || x >= stop_ms_; }),
                t.end());
    }
}

double source_group::next(std::uint32_t node) {
    constexpr double never = std::numeric_limits<double>::infinity();
    if (kind_ == source_kind::poisson && !inhomogeneous_.empty()) {
        const double t = inhomogeneous_[node].next();
        return t < stop_ms_ ? t : never;
    }
    if (kind_ == source_kind::poisson) {
        const double t = poisson_[node].next();
        return t < stop_ms_ ? t : never;
    }
    auto& k = cursor_[node];
    return k < times_[node].size() ? times_[node][k++] : never;
}

}  // namespace evspike
