#include "core/sort_runs.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <utility>
#include <vector>

using namespace evspike;

namespace {

// Unique keys (a strict total order, as the engine's walks: emission time, then source) cut into
// `runs` stretches of random lengths, each sorted: the shape of a calendar bucket.
std::vector<std::pair<double, std::uint32_t>> runs_of(std::mt19937_64& rng, std::size_t n, std::size_t runs) {
    std::vector<std::pair<double, std::uint32_t>> v(n);
    std::uniform_real_distribution<double> time(0.0, 10.0);
    for (std::size_t i = 0; i < n; ++i) v[i] = {std::floor(time(rng) * 8) / 8, static_cast<std::uint32_t>(i)};
    std::shuffle(v.begin(), v.end(), rng);
    std::vector<std::size_t> cuts{0, n};
    std::uniform_int_distribution<std::size_t> at(0, n);
    while (cuts.size() < runs + 1) cuts.push_back(at(rng));
    std::sort(cuts.begin(), cuts.end());
    for (std::size_t r = 0; r + 1 < cuts.size(); ++r) std::sort(v.begin() + cuts[r], v.begin() + cuts[r + 1]);
    return v;
}

}  // namespace

TEST_SUITE("core") {
    TEST_CASE("sort_runs gives std::sort's order for sequences of a few sorted runs, and for many") {
        std::mt19937_64 rng(12);
        std::vector<std::pair<double, std::uint32_t>> scratch;
        std::vector<std::size_t> starts;
        const auto less = [](const auto& a, const auto& b) { return a < b; };
        for (const std::size_t n : {0u, 1u, 2u, 7u, 100u, 5000u}) {
            for (const std::size_t runs : {1u, 2u, 3u, 5u, 6u, 17u, 32u, 33u, 200u}) {
                for (int rep = 0; rep < 4; ++rep) {
                    CAPTURE(n);
                    CAPTURE(runs);
                    auto v = runs_of(rng, n, runs);
                    auto expected = v;
                    std::sort(expected.begin(), expected.end());
                    sort_runs(v, scratch, starts, less);
                    CHECK(v == expected);
                }
            }
        }
    }

    TEST_CASE("sort_runs leaves a sorted sequence as it is and sorts a reversed one") {
        std::vector<int> v{1, 2, 3, 5, 8}, scratch;
        std::vector<std::size_t> starts;
        sort_runs(v, scratch, starts, [](int a, int b) { return a < b; });
        CHECK(v == std::vector<int>{1, 2, 3, 5, 8});
        std::vector<int> r{9, 7, 5, 3, 1};  // five runs of one
        sort_runs(r, scratch, starts, [](int a, int b) { return a < b; });
        CHECK(r == std::vector<int>{1, 3, 5, 7, 9});
    }
}
