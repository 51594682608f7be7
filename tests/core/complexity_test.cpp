#include "core/complexity.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include "core/random.hpp"

using namespace evspike;

namespace {

std::vector<std::uint8_t> bits(const std::string& s) {
    std::vector<std::uint8_t> v;
    for (char c : s) v.push_back(static_cast<std::uint8_t>(c - '0'));
    return v;
}

// Kaspar & Schuster's (1987) quadratic loop, kept here only as the reference for the linear
// implementation.
std::uint64_t lz76_quadratic(const std::vector<std::uint8_t>& s) {
    const std::size_t n = s.size();
    if (n == 0) return 0;
    if (n == 1) return 1;
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

}  // namespace

TEST_SUITE("core") {

TEST_CASE("lz76: the linear count equals Kaspar-Schuster's quadratic loop on many random sequences") {
    auto rng = make_stream(3, "lz-reference");
    std::size_t tested = 0, different = 0;
    // Every binary string up to length 12, then random ones of many lengths, densities and
    // alphabets (periodic and sparse ones are where the automaton's clones matter).
    for (std::size_t n = 0; n <= 12; ++n) {
        for (std::uint32_t code = 0; code < (1u << n); ++code) {
            std::vector<std::uint8_t> s(n);
            for (std::size_t j = 0; j < n; ++j) s[j] = (code >> j) & 1u;
            different += lz76_phrases(s) != lz76_quadratic(s);
            ++tested;
        }
    }
    for (int trial = 0; trial < 3000; ++trial) {
        const auto n = static_cast<std::size_t>(uniform01(rng) * 400.0);
        const double density = trial % 3 == 0 ? 0.02 : uniform01(rng);
        const auto alphabet = static_cast<std::uint8_t>(trial % 5 == 0 ? 2 + uniform01(rng) * 6 : 2);
        std::vector<std::uint8_t> s(n);
        for (auto& x : s)
            x = alphabet == 2 ? static_cast<std::uint8_t>(uniform01(rng) < density)
                              : static_cast<std::uint8_t>(uniform01(rng) * alphabet) * 37;
        if (trial % 7 == 0 && n > 10)  // a periodic sequence with a few flips
            for (std::size_t j = 0; j < n; ++j) s[j] = (j % 5 == 0) ^ (uniform01(rng) < 0.01);
        different += lz76_phrases(s) != lz76_quadratic(s);
        ++tested;
    }
    CHECK(tested == 8191 + 3000);
    CHECK(different == 0);
}

TEST_CASE("lz76: long periodic and sparse sequences (the quadratic loop's worst cases) count as the reference") {
    std::vector<std::uint8_t> periodic(20000), sparse(20000, 0);
    for (std::size_t j = 0; j < periodic.size(); ++j) periodic[j] = j % 7 == 0;
    for (std::size_t j = 0; j < sparse.size(); j += 997) sparse[j] = 1;
    CHECK(lz76_phrases(periodic) == lz76_quadratic(periodic));
    CHECK(lz76_phrases(sparse) == lz76_quadratic(sparse));
    CHECK(lz76_phrases(std::vector<std::uint8_t>(20000, 1)) == 2);
}

TEST_CASE("lz76: phrase counts of the reference sequences (Kaspar-Schuster, as antropy)") {
    CHECK(lz76_phrases(bits("1001111011000010")) == 6);
    CHECK(lz76_phrases(bits("010101010101")) == 3);
    CHECK(lz76_phrases(bits("11111")) == 2);
    CHECK(lz76_phrases(bits("00")) == 2);
    CHECK(lz76_phrases(bits("0")) == 1);
    CHECK(lz76_phrases(bits("")) == 0);
}

TEST_CASE("lz76: normalised complexity is c log2(n) / n") {
    CHECK(*lz76_normalised(bits("010101010101")) == doctest::Approx(0.89624).epsilon(1e-5));
    CHECK(*lz76_normalised(bits("1001111011000010")) == doctest::Approx(6.0 * 4.0 / 16.0));
    CHECK_FALSE(lz76_normalised(bits("1")).has_value());
    // a long random sequence is near 1, a constant one near 0
    auto rng = make_stream(1, "lz");
    std::vector<std::uint8_t> random(20000), constant(20000, 1);
    for (auto& x : random) x = uniform01(rng) < 0.5;
    CHECK(*lz76_normalised(random) > 0.9);
    CHECK(*lz76_normalised(random) < 1.2);
    CHECK(*lz76_normalised(constant) < 0.01);
}

TEST_CASE("fano factor: var / mean of the counts, undefined for all-zero counts") {
    const std::vector<double> counts{0, 2, 4, 2};
    CHECK(*fano_factor(counts) == doctest::Approx(2.0 / 2.0));  // mean 2, population variance 2
    CHECK_FALSE(fano_factor(std::vector<double>{0, 0}).has_value());
}

TEST_CASE("binned stats: Poisson counts have Fano factor ~ 1; per-neuron results match the direct functions") {
    auto rng = make_stream(2, "binned");
    const double bin = 10.0;
    const std::uint64_t bins = 2000;
    std::vector<double> t;
    std::vector<std::uint64_t> id;
    std::vector<std::vector<double>> counts(3, std::vector<double>(bins, 0.0));
    for (std::uint64_t n = 0; n < 3; ++n) {
        for (double s = exponential(rng, 0.05); s < bin * bins; s += exponential(rng, 0.05)) {
            t.push_back(s);
            id.push_back(n);
            counts[n][static_cast<std::size_t>(s / bin)] += 1;
        }
    }
    binned_stats stats(bin, bins);
    stats.add(t, id);  // neuron by neuron: time order holds per neuron
    const auto r = stats.finish();
    CHECK(r.neurons == 3);
    double fano = 0.0, lz = 0.0;
    for (const auto& c : counts) {
        fano += *fano_factor(c);
        std::vector<std::uint8_t> b;
        for (double x : c) b.push_back(x > 0);
        lz += *lz76_normalised(b);
    }
    CHECK(*r.mean_fano == doctest::Approx(fano / 3));
    CHECK(*r.mean_lz == doctest::Approx(lz / 3));
    CHECK(*r.mean_fano == doctest::Approx(1.0).epsilon(0.1));
}

}  // TEST_SUITE
