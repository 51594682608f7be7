#include "models/poisson_population.hpp"

#include <algorithm>
#include <cmath>

#include "core/error.hpp"

namespace evspike {
namespace {

// Sorts one window's spikes [t0, t1) by (time, id) into out_*. Input: neuron by neuron in
// increasing id, each neuron's spikes in time order. The scatter into buckets is stable, so equal
// times in a bucket keep increasing ids and a stable insertion sort on time finishes the job.
void sort_window(const std::vector<double>& times, const std::vector<std::uint64_t>& ids, double t0, double t1,
                 std::vector<double>& out_t, std::vector<std::uint64_t>& out_id, std::vector<std::uint32_t>& starts) {
    const std::size_t n = times.size();
    out_t.resize(n);
    out_id.resize(n);
    if (n == 0) return;
    const std::size_t buckets = std::max<std::size_t>(1, n / 2);
    const double scale = static_cast<double>(buckets) / (t1 - t0);
    auto bucket_of = [&](double t) {
        return std::min(buckets - 1, static_cast<std::size_t>(std::max(0.0, (t - t0) * scale)));
    };
    starts.assign(buckets + 1, 0);
    for (double t : times) ++starts[bucket_of(t) + 1];
    for (std::size_t b = 0; b < buckets; ++b) starts[b + 1] += starts[b];
    for (std::size_t i = 0; i < n; ++i) {  // starts[b] is bucket b's write cursor, ends as its end
        const std::size_t k = starts[bucket_of(times[i])]++;
        out_t[k] = times[i];
        out_id[k] = ids[i];
    }
    std::uint32_t begin = 0;
    for (std::size_t b = 0; b < buckets; ++b) {
        const std::uint32_t end = starts[b];
        for (std::uint32_t i = begin + 1; i < end; ++i) {
            const double t = out_t[i];
            const std::uint64_t id = out_id[i];
            std::uint32_t j = i;
            for (; j > begin && out_t[j - 1] > t; --j) {
                out_t[j] = out_t[j - 1];
                out_id[j] = out_id[j - 1];
            }
            out_t[j] = t;
            out_id[j] = id;
        }
        begin = end;
    }
}

}  // namespace

poisson_population::poisson_population(const poisson_params& params, std::uint64_t neurons, std::uint64_t seed,
                                       const std::string& name)
    : params_(params), t_reached_(params.start_ms) {
    params_.validate();
    if (!std::isfinite(params_.stop_ms)) throw model_error("poisson: stop must be finite for a population");
    processes_.reserve(neurons);
    pending_.resize(neurons);
    for (std::uint64_t i = 0; i < neurons; ++i) {
        processes_.emplace_back(params_, make_stream(seed, poisson_stream_name(name, i)));
        pending_[i] = processes_.back().next();
    }
    const double span = params_.stop_ms - params_.start_ms;
    const double total_rate_per_ms = static_cast<double>(neurons) * params_.rate_per_ms();
    const double target = std::max(65536.0, 4.0 * static_cast<double>(neurons));
    window_ms_ = total_rate_per_ms > 0 ? std::min(span, target / total_rate_per_ms) : span;
    if (!(window_ms_ > 0)) window_ms_ = 1.0;
}

bool poisson_population::next_window(std::vector<double>& times_ms, std::vector<std::uint64_t>& node_ids) {
    times_ms.clear();
    node_ids.clear();
    while (true) {
        const double t0 = params_.start_ms + static_cast<double>(window_) * window_ms_;
        if (!(t0 < params_.stop_ms)) {
            t_reached_ = params_.stop_ms;
            return false;
        }
        ++window_;
        const double t1 = std::min(params_.stop_ms, params_.start_ms + static_cast<double>(window_) * window_ms_);
        raw_t_.clear();
        raw_id_.clear();
        const std::uint64_t n = pending_.size();
        for (std::uint64_t i = 0; i < n; ++i) {
            double t = pending_[i];
            if (!(t < t1)) continue;
            auto& process = processes_[i];
            do {
                raw_t_.push_back(t);
                raw_id_.push_back(i);
                t = process.next();
            } while (t < t1);
            pending_[i] = t;
        }
        t_reached_ = t1;
        if (raw_t_.empty()) continue;  // an empty window: go on to the next one
        sort_window(raw_t_, raw_id_, t0, t1, times_ms, node_ids, starts_);
        return true;
    }
}

}  // namespace evspike
