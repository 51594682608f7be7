#include <doctest/doctest.h>

#include <cmath>
#include <utility>
#include <vector>

#include "core/random.hpp"
#include "core/time.hpp"

using evspike::sim_time;

TEST_SUITE("core") {
    TEST_CASE("sim_time: resolves 1e-12 ms after 24 hours, where a double cannot") {
        const double day_ms = 24.0 * 3600.0 * 1000.0;
        const sim_time t = sim_time::from_ms(day_ms) + 1e-12;
        CHECK(t > sim_time::from_ms(day_ms));
        CHECK((t - sim_time::from_ms(day_ms)) == doctest::Approx(1e-12).epsilon(1e-3));
        CHECK(day_ms + 1e-12 == day_ms);  // why sim_time exists
    }

    TEST_CASE("sim_time: adding delays carries into whole milliseconds and orders correctly") {
        const sim_time t0 = sim_time::from_ms(10.75);
        const sim_time t1 = t0 + 2.0000001;
        CHECK(t1.whole_ms == 12);
        CHECK(t1.frac_ms == doctest::Approx(0.7500001).epsilon(1e-14));
        CHECK(t1 - t0 == doctest::Approx(2.0000001).epsilon(1e-15));
        CHECK(t0 < t1);
        CHECK(sim_time::from_ms(3.0) + (-0.5) == sim_time::from_ms(2.5));
        CHECK(sim_time::never() > t1);
        CHECK(sim_time::never().is_never());
    }

    TEST_CASE("sim_time: after(delay) is + for every delay >= 0, carries and fractions alike") {
        // after() skips the steps that only a negative sum needs; it must give the very same
        // whole ms and fraction as + (the engine mixes both for one arrival time).
        auto rng = evspike::make_stream(3, "after");
        const double scales[] = {1e-9, 1e-3, 0.125, 1.0, 3.0, 1e3, 1e7};
        for (int i = 0; i < 200000; ++i) {
            const sim_time t = sim_time::from_ms(evspike::uniform01(rng) * 1e8);
            const double d = scales[i % 7] * evspike::uniform01(rng);
            const sim_time a = t.after(d), b = t + d;
            REQUIRE(a.whole_ms == b.whole_ms);
            REQUIRE(a.frac_ms == b.frac_ms);
        }
        // Edges: a zero delay, a fraction that reaches exactly 1, the largest fraction below 1.
        const double below_one = std::nextafter(1.0, 0.0);
        for (const auto& [t, d] : std::vector<std::pair<sim_time, double>>{
                 {sim_time::from_ms(5.25), 0.0}, {sim_time::from_ms(5.25), 0.75}, {sim_time::from_ms(7.0 + below_one), 1e-300},
                 {sim_time::from_ms(below_one), below_one}, {sim_time{}, 0.0}}) {
            CHECK(t.after(d) == t + d);
            CHECK(t.after(d).frac_ms < 1.0);
        }
    }

    TEST_CASE("random streams: same seed and name repeat, other names or seeds differ") {
        auto a = evspike::make_stream(7, "exc");
        auto b = evspike::make_stream(7, "exc");
        auto c = evspike::make_stream(7, "inh");
        auto d = evspike::make_stream(8, "exc");
        const auto a0 = a();
        CHECK(a0 == b());
        CHECK(a0 != c());
        CHECK(a0 != d());
        double sum = 0;
        for (int i = 0; i < 100000; ++i) sum += evspike::uniform01(a);
        CHECK(sum / 100000 == doctest::Approx(0.5).epsilon(0.01));
    }
}
