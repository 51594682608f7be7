#include <doctest/doctest.h>

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
