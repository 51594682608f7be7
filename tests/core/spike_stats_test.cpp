#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "core/spike_stats.hpp"

using evspike::spike_stats;

namespace {
// Neuron 0: 1, 2, 4 (ISIs 1, 2: mean 1.5, std 0.5, CV 1/3). Neuron 2: 0, 10 (two spikes, no CV).
// Neuron 5: 3, 6, 9, 12 (CV 0). Sorted by time.
const std::vector<double> times = {0, 1, 2, 3, 4, 6, 9, 10, 12};
const std::vector<std::uint64_t> ids = {2, 0, 0, 5, 0, 5, 5, 2, 5};
}  // namespace

TEST_SUITE("core") {
    TEST_CASE("spike_stats: counts, span, rate and mean CV match hand-computed values") {
        spike_stats s;
        s.add(times, ids);
        const auto r = s.summary();
        CHECK(r.spikes == 9);
        CHECK(r.active_neurons == 3);
        CHECK(r.neurons == 6);
        CHECK(r.t_first_ms == 0.0);
        CHECK(r.t_last_ms == 12.0);
        CHECK(r.duration_ms == 12.0);
        REQUIRE(r.mean_rate_hz);
        CHECK(*r.mean_rate_hz == doctest::Approx(9.0 / 6.0 / 12.0 * 1000.0));  // 125 Hz
        REQUIRE(r.mean_cv);
        CHECK(*r.mean_cv == doctest::Approx(1.0 / 6.0));
        CHECK(r.cv_neurons == 2);
        CHECK(s.time_ordered());
    }

    TEST_CASE("spike_stats: chunking does not change the result, and a known window sets the rate") {
        spike_stats s;
        s.set_window(0.0, 20.0);
        for (std::size_t i = 0; i < times.size(); ++i) s.add(std::span(times).subspan(i, 1), std::span(ids).subspan(i, 1));
        const auto r = s.summary();
        CHECK(r.duration_ms == 20.0);
        CHECK(*r.mean_rate_hz == doctest::Approx(75.0));
        CHECK(*r.mean_cv == doctest::Approx(1.0 / 6.0));
    }

    TEST_CASE("spike_stats: empty input and a single spike at 0 give no rate and no CV") {
        spike_stats empty;
        const auto e = empty.summary();
        CHECK(e.spikes == 0);
        CHECK(e.neurons == 0);
        CHECK(!e.mean_rate_hz);
        CHECK(!e.mean_cv);
        spike_stats one;
        one.add(0.0, 3);
        const auto o = one.summary();
        CHECK(o.neurons == 4);
        CHECK(o.active_neurons == 1);
        CHECK(!o.mean_rate_hz);
    }

    TEST_CASE("spike_stats: a huge sparse node id is counted without a huge allocation") {
        spike_stats s;
        const std::uint64_t big = std::uint64_t{1} << 50;
        for (double t : {1.0, 2.0, 3.0}) s.add(t, big);
        s.add(1.5, 0);
        const auto r = s.summary();
        CHECK(r.neurons == big + 1);
        CHECK(r.active_neurons == 2);
        CHECK(r.cv_neurons == 1);
        CHECK(*r.mean_cv == doctest::Approx(0.0));
    }

    TEST_CASE("spike_stats: a neuron's spike before its previous one marks the input as not time-ordered") {
        spike_stats s;
        s.add(5.0, 1);
        s.add(4.0, 1);
        CHECK(!s.time_ordered());
    }

    TEST_CASE("spike_stats: CV of a regular train far from 0 stays exact (Welford, not sum of squares)") {
        spike_stats s;
        for (int k = 0; k < 1000; ++k) s.add(1e9 + 0.25 * k, 0);
        CHECK(*s.summary().mean_cv < 1e-6);
    }
}
