#include "core/spike_stats.hpp"

#include <algorithm>
#include <cmath>

#include "core/error.hpp"

namespace evspike {

void spike_stats::set_window(double t_start_ms, double t_stop_ms) {
    window_start_ = t_start_ms;
    window_stop_ = t_stop_ms;
}

spike_stats::neuron& spike_stats::at(std::uint64_t id) {
    if (id < dense_limit) {
        if (id >= dense_.size()) dense_.resize(std::max<std::size_t>(id + 1, dense_.size() * 2));
        return dense_[id];
    }
    return sparse_[id];
}

void spike_stats::add(double t, std::uint64_t id) {
    neuron& n = at(id);
    if (n.spikes > 0) {
        const double isi = t - n.last_ms;
        if (isi < 0) time_ordered_ = false;
        const auto k = static_cast<double>(n.spikes);  // number of ISIs including this one
        const double delta = isi - n.isi_mean;
        n.isi_mean += delta / k;
        n.isi_m2 += delta * (isi - n.isi_mean);
    }
    n.last_ms = t;
    ++n.spikes;
    ++spikes_;
    max_id_ = std::max(max_id_, id);
    t_first_ = std::min(t_first_, t);
    t_last_ = std::max(t_last_, t);
}

void spike_stats::add(std::span<const double> timestamps_ms, std::span<const std::uint64_t> node_ids) {
    if (timestamps_ms.size() != node_ids.size())
        throw internal_error("spike_stats::add: timestamps and node_ids differ in length");
    for (std::size_t i = 0; i < timestamps_ms.size(); ++i) add(timestamps_ms[i], node_ids[i]);
}

spike_summary spike_stats::summary() const {
    spike_summary s;
    s.spikes = spikes_;
    if (spikes_ == 0) return s;
    s.neurons = std::max(max_id_ + 1, known_neurons_);
    s.t_first_ms = t_first_;
    s.t_last_ms = t_last_;
    s.duration_ms = window_stop_ ? *window_stop_ - *window_start_ : t_last_;
    if (s.duration_ms > 0)
        s.mean_rate_hz = static_cast<double>(spikes_) / static_cast<double>(s.neurons) / s.duration_ms * 1000.0;

    double cv_sum = 0.0;
    auto visit = [&](const neuron& n) {
        if (n.spikes == 0) return;
        ++s.active_neurons;
        if (n.spikes < 3 || n.isi_mean <= 0) return;
        const double variance = n.isi_m2 / static_cast<double>(n.spikes - 1);
        cv_sum += std::sqrt(std::max(variance, 0.0)) / n.isi_mean;
        ++s.cv_neurons;
    };
    for (const auto& n : dense_) visit(n);
    for (const auto& [id, n] : sparse_) visit(n);
    if (s.cv_neurons > 0) s.mean_cv = cv_sum / static_cast<double>(s.cv_neurons);
    return s;
}

}  // namespace evspike
