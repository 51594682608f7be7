#include "core/complexity.hpp"

#include <algorithm>
#include <array>
#include <cmath>

#include "core/error.hpp"

namespace evspike {

namespace {

// Kaspar & Schuster's LZ76 parsing: the first phrase is the first symbol; each next phrase,
// starting at l, is the longest prefix of s[l..n) that also starts at some p < l (the copy may
// run into the phrase itself), plus one symbol, or the rest of the sequence when that prefix
// reaches the end. Their published loop tries every p for every phrase: O(n^2) on a periodic or
// sparse sequence (a 309,300-bin train took minutes). Here a suffix automaton of s gives, for
// every substring x, the end of its first occurrence (firstpos); x = s[l..l+m] starts before l
// iff firstpos(x) < l + m. That test is prefix-closed, so the phrase is found by walking the
// automaton from its root along s[l..] while it holds: O(n) walks in all, O(n |alphabet|) build
// (Blumer et al. 1985; Crochemore & Hancart 1997 give firstpos).
class lz76_automaton {
public:
    std::uint64_t phrases(std::span<const std::uint8_t> s) {
        const std::size_t n = s.size();
        if (n == 0) return 0;
        if (n == 1) return 1;
        if (n >= (std::size_t{1} << 31)) throw internal_error("lz76: more than 2^31 symbols");
        build(s);
        std::uint64_t c = 1;  // the first symbol
        for (std::size_t l = 1; l < n; ++c) {
            std::uint32_t v = 0;
            std::size_t m = 0;
            while (l + m < n) {
                const std::uint32_t u = at(v)[next + code_[s[l + m]]];
                if (!(at(u)[firstpos] < l + m)) break;
                v = u;
                ++m;
            }
            l += m + 1;
        }
        return c;
    }

private:
    static constexpr std::uint32_t none = UINT32_MAX;
    // One state is `stride_` words: len, suffix link, firstpos, then a transition per symbol
    // (0 = none: no transition leads back to the root). Fields side by side, so that a step of
    // the build or of the walk touches one cache line.
    enum field : std::size_t { len = 0, link = 1, firstpos = 2, next = 3 };

    std::uint32_t* at(std::uint32_t v) { return states_.data() + static_cast<std::size_t>(v) * stride_; }

    void build(std::span<const std::uint8_t> s) {
        code_.fill(0);
        std::array<bool, 256> seen{};
        for (std::uint8_t x : s) seen[x] = true;
        std::size_t sigma = 0;
        for (std::size_t x = 0; x < 256; ++x)
            if (seen[x]) code_[x] = static_cast<std::uint8_t>(sigma++);
        stride_ = next + sigma;
        states_.assign(2 * s.size() * stride_, 0);
        at(0)[link] = none;
        size_ = 1;
        std::uint32_t last = 0;
        for (std::size_t i = 0; i < s.size(); ++i) last = extend(last, code_[s[i]], static_cast<std::uint32_t>(i));
    }

    // The standard online construction; firstpos of a new state is its end position, a clone
    // keeps the firstpos of the state it copies.
    std::uint32_t extend(std::uint32_t last, std::size_t c, std::uint32_t pos) {
        const std::uint32_t cur = size_++;
        at(cur)[len] = at(last)[len] + 1;
        at(cur)[firstpos] = pos;
        std::uint32_t p = last;
        while (p != none && at(p)[next + c] == 0) {
            at(p)[next + c] = cur;
            p = at(p)[link];
        }
        if (p == none) {
            at(cur)[link] = 0;
            return cur;
        }
        const std::uint32_t q = at(p)[next + c];
        if (at(p)[len] + 1 == at(q)[len]) {
            at(cur)[link] = q;
            return cur;
        }
        const std::uint32_t clone = size_++;
        std::copy_n(at(q), stride_, at(clone));  // link, firstpos and transitions of q
        at(clone)[len] = at(p)[len] + 1;
        while (p != none && at(p)[next + c] == q) {
            at(p)[next + c] = clone;
            p = at(p)[link];
        }
        at(q)[link] = clone;
        at(cur)[link] = clone;
        return cur;
    }

    std::array<std::uint8_t, 256> code_{};  // symbol -> dense index
    std::size_t stride_ = 0;
    std::uint32_t size_ = 0;
    std::vector<std::uint32_t> states_;
};

}  // namespace

std::uint64_t lz76_phrases(std::span<const std::uint8_t> s) {
    lz76_automaton a;
    return a.phrases(s);
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
    lz76_automaton lz;  // its buffers serve every neuron
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
            if (bins_ >= 2) lz_sum += static_cast<double>(lz.phrases(bits)) * std::log2(b) / b;
        }
    }
    if (r.neurons > 0) {
        r.mean_fano = fano_sum / static_cast<double>(r.neurons);
        if (bins_ <= max_lz_bins && bins_ >= 2) r.mean_lz = lz_sum / static_cast<double>(r.neurons);
    }
    return r;
}

}  // namespace evspike
