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
    // 8192 spikes: a window's arrays (~40 B per spike) stay in L2 while being scattered and
    // sorted; with 65536 the scatter missed it and the sort was a fifth of the command's time.
    // At most 2^28 spikes (so positions in a window fit the uint32 bucket cursors).
    const double target = std::clamp(4.0 * static_cast<double>(neurons), 8192.0, 268435456.0);
    window_ms_ = total_rate_per_ms > 0 ? std::min(span, target / total_rate_per_ms) : span;
    if (!(window_ms_ > 0)) window_ms_ = 1.0;
    // About half a spike per bucket: few inversions are left for the insertion sort, and the
    // counts (8 B per spike) stay in cache.
    buckets_ = static_cast<std::size_t>(std::clamp(window_ms_ * total_rate_per_ms * 2, 1.0, 1e9));
}

// Sorts the window by (time, id): the scatter into buckets (time slices) is stable and neurons
// were visited in increasing id, each in time order, so equal times keep increasing ids and a
// stable insertion sort on time finishes the job.
void poisson_population::sort_window(std::vector<double>& out_t, std::vector<std::uint64_t>& out_id) {
    const std::size_t n = raw_size_;
    out_t.resize(n);  // not cleared first: resizing a vector of about this size costs nothing
    out_id.resize(n);
    for (std::size_t b = 0; b < buckets_; ++b) starts_[b + 1] += starts_[b];
    for (std::size_t i = 0; i < n; ++i) {  // starts_[b] is bucket b's write cursor, ends as its end
        const std::uint32_t k = starts_[raw_bucket_[i]]++;
        out_t[k] = raw_t_[i];
        out_id[k] = raw_id_[i];
    }
    // Buckets are ordered (a later bucket holds only later times), so the only inversions left
    // are within a bucket: one insertion sort over the whole window, whose branch is rarely taken
    // with ~0.5 spikes per bucket (a sort per bucket of ~2 mispredicted about once per spike).
    double* t = out_t.data();
    std::uint64_t* id = out_id.data();
    for (std::size_t i = 1; i < n; ++i) {
        const double x = t[i];
        if (!(x < t[i - 1])) continue;
        const std::uint64_t y = id[i];
        std::size_t j = i;
        do {
            t[j] = t[j - 1];
            id[j] = id[j - 1];
            --j;
        } while (j > 0 && t[j - 1] > x);
        t[j] = x;
        id[j] = y;
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
        // Each spike goes with its bucket (time slice of the window), counted as it is drawn. The
        // raw arrays only grow (no per-window clearing); emit_until keeps each process's state in
        // registers while it draws (the stores to raw_id_ could otherwise alias it).
        starts_.assign(buckets_ + 1, 0);
        const double scale = static_cast<double>(buckets_) / window_ms_;
        const double last_bucket = static_cast<double>(buckets_ - 1);
        std::uint32_t* counts = starts_.data() + 1;
        std::size_t size = 0, capacity = raw_t_.size();
        double* raw_t = raw_t_.data();
        std::uint64_t* raw_id = raw_id_.data();
        std::uint32_t* raw_bucket = raw_bucket_.data();
        const std::uint64_t n = pending_.size();
        for (std::uint64_t i = 0; i < n; ++i) {
            if (!(pending_[i] < t1)) continue;
            pending_[i] = processes_[i].emit_until(t1, [&](double t) {
                if (size == capacity) {
                    capacity = std::max<std::size_t>(2 * capacity, 4096);
                    raw_t_.resize(capacity);
                    raw_id_.resize(capacity);
                    raw_bucket_.resize(capacity);
                    raw_t = raw_t_.data();
                    raw_id = raw_id_.data();
                    raw_bucket = raw_bucket_.data();
                }
                const auto b = static_cast<std::uint32_t>(std::min(last_bucket, (t - t0) * scale));
                raw_t[size] = t;
                raw_id[size] = i;
                raw_bucket[size] = b;
                ++size;
                ++counts[b];
            });
        }
        raw_size_ = size;
        t_reached_ = t1;
        if (raw_size_ == 0) continue;  // an empty window: go on to the next one
        sort_window(times_ms, node_ids);
        return true;
    }
}

}  // namespace evspike
