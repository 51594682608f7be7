#include "core/complexity.hpp"

#include <cmath>

#include "core/error.hpp"

namespace evspike {

std::uint64_t lz76_phrases(std::span<const std::uint8_t> s) {
    const std::size_t n = s.size();
    if (n == 0) return 0;
    if (n == 1) return 1;
    // Kaspar & Schuster (1987): extend the current phrase [l, l + k) while it matches a substring
    // starting at some i < l; a new phrase starts when no start i can be extended further.
    std::size_t i = 0, k = 1, l = 1, k_max = 1;
    std::uint64_t c = 1;
    for (;;) {
        if (s[i + k - 1] == s[l + k - 1]) {
            ++k;
            if (l + k > n) {
                ++c;
                break;
            }
        } else {
            if (k > k_max) k_max = k;
            ++i;
            if (i == l) {
                ++c;
                l += k_max;
                if (l + 1 > n) break;
                i = 0;
                k = 1;
                k_max = 1;
            } else {
                k = 1;
            }
        }
    }
    return c;
}

std::optional<double> lz76_normalised(std::span<const std::uint8_t> s) {
    if (s.size() < 2) return std::nullopt;
    const double n = static_cast<double>(s.size());
    return static_cast<double>(lz76_phrases(s)) * std::log2(n) / n;
}

std::optional<double> fano_factor(std::span<const double> counts) {
    if (counts.empty()) return std::nullopt;
    double sum = 0.0, sum_sq = 0.0;
    for (double c : counts) {
        sum += c;
        sum_sq += c * c;
    }
    const double n = static_cast<double>(counts.size());
    const double mean = sum / n;
    if (mean == 0.0) return std::nullopt;
    return (sum_sq / n - mean * mean) / mean;
}

binned_stats::binned_stats(double bin_ms, std::uint64_t bins) : bin_ms_(bin_ms), bins_(bins) {
    if (!(std::isfinite(bin_ms) && bin_ms > 0.0)) throw error("--bin: must be a positive number of ms");
}

void binned_stats::add(std::span<const double> t, std::span<const std::uint64_t> ids) {
    for (std::size_t k = 0; k < t.size(); ++k) {
        if (!(t[k] >= 0.0)) continue;
        const double b = std::floor(t[k] / bin_ms_);
        if (!(b < static_cast<double>(bins_))) continue;
        const auto bin = static_cast<std::uint64_t>(b);
        if (ids[k] >= neurons_.size()) neurons_.resize(ids[k] + 1);
        auto& n = neurons_[ids[k]];
        ++n.spikes;
        if (bin == n.current_bin) {
            ++n.current_count;
            continue;
        }
        if (n.current_bin != UINT64_MAX && bin < n.current_bin)
            throw internal_error("binned_stats: spikes of a neuron out of time order");
        n.sum_sq += static_cast<double>(n.current_count) * static_cast<double>(n.current_count);
        n.current_bin = bin;
        n.current_count = 1;
        if (bins_ <= max_lz_bins) n.occupied.push_back(bin);
    }
}

binned_stats::result binned_stats::finish() const {
    result r;
    r.bins = bins_;
    double fano_sum = 0.0, lz_sum = 0.0;
    std::vector<std::uint8_t> bits;
    const double b = static_cast<double>(bins_);
    for (const auto& n : neurons_) {
        if (n.spikes == 0) continue;
        ++r.neurons;
        const double sum_sq = n.sum_sq + static_cast<double>(n.current_count) * static_cast<double>(n.current_count);
        const double mean = static_cast<double>(n.spikes) / b;
        fano_sum += (sum_sq / b - mean * mean) / mean;
        if (bins_ <= max_lz_bins) {
            bits.assign(bins_, 0);
            for (auto k : n.occupied) bits[k] = 1;
            lz_sum += lz76_normalised(bits).value_or(0.0);
        }
    }
    if (r.neurons > 0) {
        r.mean_fano = fano_sum / static_cast<double>(r.neurons);
        if (bins_ <= max_lz_bins && bins_ >= 2) r.mean_lz = lz_sum / static_cast<double>(r.neurons);
    }
    return r;
}

}  // namespace evspike
