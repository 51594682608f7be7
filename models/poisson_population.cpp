#include "models/poisson_population.hpp"

#include <algorithm>
#include <cmath>

#include "core/error.hpp"

namespace evspike {

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
    // About two spikes per bucket: the insertion sort stays trivial, the counts stay in cache.
    buckets_ = static_cast<std::size_t>(std::clamp(window_ms_ * total_rate_per_ms / 2, 1.0, 1e8));
}

// Sorts the window by (time, id): the scatter into buckets is stable and neurons were visited in
// increasing id, each in time order, so equal times in a bucket keep increasing ids and a stable
// insertion sort on time finishes the job.
void poisson_population::sort_window(std::vector<double>& out_t, std::vector<std::uint64_t>& out_id) {
    const std::size_t n = raw_t_.size();
    out_t.resize(n);  // not cleared first: resizing a vector of about this size costs nothing
    out_id.resize(n);
    for (std::size_t b = 0; b < buckets_; ++b) starts_[b + 1] += starts_[b];
    for (std::size_t i = 0; i < n; ++i) {  // starts_[b] is bucket b's write cursor, ends as its end
        const std::size_t k = starts_[raw_bucket_[i]]++;
        out_t[k] = raw_t_[i];
        out_id[k] = raw_id_[i];
    }
    std::size_t begin = 0;
    for (std::size_t b = 0; b < buckets_; ++b) {
        const std::size_t end = starts_[b];
        for (std::size_t i = begin + 1; i < end; ++i) {
            const double t = out_t[i];
            const std::uint64_t id = out_id[i];
            std::size_t j = i;
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

bool poisson_population::next_window(std::vector<double>& times_ms, std::vector<std::uint64_t>& node_ids) {
    while (true) {
        const double t0 = params_.start_ms + static_cast<double>(window_) * window_ms_;
        if (!(t0 < params_.stop_ms)) {
            t_reached_ = params_.stop_ms;
            times_ms.clear();
            node_ids.clear();
            return false;
        }
        ++window_;
        const double t1 = std::min(params_.stop_ms, params_.start_ms + static_cast<double>(window_) * window_ms_);
        // Each spike goes with its bucket (time slice of the window), counted as it is drawn.
        raw_t_.clear();
        raw_id_.clear();
        raw_bucket_.clear();
        starts_.assign(buckets_ + 1, 0);
        const double scale = static_cast<double>(buckets_) / window_ms_;
        const std::uint64_t n = pending_.size();
        for (std::uint64_t i = 0; i < n; ++i) {
            double t = pending_[i];
            if (!(t < t1)) continue;
            auto& process = processes_[i];
            do {
                const auto b = static_cast<std::uint32_t>(
                    std::min<double>(static_cast<double>(buckets_ - 1), (t - t0) * scale));
                raw_t_.push_back(t);
                raw_id_.push_back(i);
                raw_bucket_.push_back(b);
                ++starts_[b + 1];
                t = process.next();
            } while (t < t1);
            pending_[i] = t;
        }
        t_reached_ = t1;
        if (raw_t_.empty()) continue;  // an empty window: go on to the next one
        sort_window(times_ms, node_ids);
        return true;
    }
}

}  // namespace evspike
