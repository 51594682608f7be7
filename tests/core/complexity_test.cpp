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

}  // namespace

TEST_SUITE("core") {

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
