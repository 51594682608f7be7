// sim_time's invariants under adversarial values, the time limit, and the voltage-sample row
// count (core/time.hpp), checked against independent references: exact integer arithmetic for
// decimal times, and long double sums for the fraction.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "sim/engine.hpp"
#include "sim/connect.hpp"
#include "core/error.hpp"
#include "core/time.hpp"

using evspike::sim_time;

namespace {

// Values that stress floor/fraction arithmetic: signed zeros, denormals, values a hair away from
// whole milliseconds on either side, halves, and large whole parts.
std::vector<double> adversarial_durations() {
    std::vector<double> v = {0.0,     -0.0,    1e-17,   -1e-17,  1e-300,  -1e-300, 5e-324, -5e-324,
                             1e-16,   -1e-16,  0x1p-54, -0x1p-54, 0x1p-53, -0x1p-53, 0.5,   -0.5,
                             1.0,     -1.0,    2.5,     -2.5,    1e9,     -1e9,    8.64e7,  -8.64e7};
    for (double w : {0.0, 1.0, 7.0, 123456.0, 8.64e7}) {
        for (double s : {1.0, -1.0}) {
            v.push_back(s * std::nextafter(w + 1.0, 0.0));
            v.push_back(s * std::nextafter(w, 2.0 * w + 1.0));
            if (w > 0) v.push_back(s * std::nextafter(w, 0.0));
        }
    }
    return v;
}

std::vector<sim_time> adversarial_times() {
    std::vector<sim_time> t;
    for (std::int64_t w : {std::int64_t{0}, std::int64_t{-1}, std::int64_t{5}, std::int64_t{86400000}})
        for (double f : {0.0, 5e-324, 1e-17, 0x1p-53, 0.5, std::nextafter(1.0, 0.0)}) t.push_back({w, f});
    return t;
}

bool normalised(const sim_time& t) { return t.frac_ms >= 0.0 && t.frac_ms < 1.0; }

// The value of a time as a long double (exact for the times from_ms makes of a double).
long double exact(const sim_time& t) {
    return static_cast<long double>(t.whole_ms) + static_cast<long double>(t.frac_ms);
}

}  // namespace

TEST_SUITE("core") {
    TEST_CASE("sim_time: a tiny negative duration from a whole ms keeps the fraction in [0, 1)") {
        const sim_time t = sim_time::from_ms(3.0) + (-1e-17);
        CHECK(t.frac_ms >= 0.0);
        CHECK(t.frac_ms < 1.0);
        CHECK(t == sim_time::from_ms(3.0));  // the nearest time to 3 - 1e-17 in whole + [0, 1)
        const sim_time z = sim_time{} + (-1e-17);
        CHECK(z.frac_ms < 1.0);
        CHECK(z == sim_time{});
        CHECK(sim_time::from_ms(-1e-17).frac_ms < 1.0);
    }

    TEST_CASE("sim_time: fraction stays in [0, 1) and sums are nearest, over adversarial and random values") {
        std::vector<double> durations = adversarial_durations();
        std::mt19937_64 rng(20261207);
        std::uniform_real_distribution<double> unit(-1.0, 1.0);
        std::uniform_int_distribution<int> exponent(-60, 30);
        for (int i = 0; i < 20000; ++i) durations.push_back(std::ldexp(unit(rng), exponent(rng)));
        std::vector<sim_time> times = adversarial_times();
        for (int i = 0; i < 200; ++i) times.push_back(sim_time::from_ms(std::ldexp(unit(rng), exponent(rng))));

        std::size_t bad_fraction = 0, not_nearest = 0, not_monotone = 0;
        for (double d : durations) {
            const sim_time f = sim_time::from_ms(d);
            bad_fraction += !normalised(f);
            // from_ms is exact except where the fraction would round to 1 (|d| < 2^-54 below a whole).
            not_nearest += std::abs(exact(f) - static_cast<long double>(d)) > 0x1p-54L;
            for (const sim_time& t : times) {
                if (!normalised(t)) continue;
                const sim_time s = t + d;
                bad_fraction += !normalised(s);
                // s - t against d, in long double: one rounding of frac + d, and the carry of a
                // fraction that rounded to 1, stay within 2 ulp of max(1, |frac + d|).
                const long double moved = static_cast<long double>(s.whole_ms - t.whole_ms) +
                                          (static_cast<long double>(s.frac_ms) - t.frac_ms);
                const long double tol =
                    0x1p-51L * std::max(1.0L, std::abs(static_cast<long double>(t.frac_ms) + d));
                not_nearest += std::abs(moved - d) > tol;
                not_monotone += (d > 0 && s < t) || (d < 0 && s > t);
            }
        }
        CHECK(bad_fraction == 0);
        CHECK(not_nearest == 0);
        CHECK(not_monotone == 0);
    }

    TEST_CASE("time limit: 2^52 ms is exact and carries no overflow; 24 h is far inside it") {
        CHECK(evspike::max_time_ms == std::ldexp(1.0, 52));
        CHECK(evspike::max_time_ms > 24.0 * 3600.0 * 1000.0);
        const sim_time t = sim_time::from_ms(evspike::max_time_ms);
        CHECK(t.whole_ms == (std::int64_t{1} << 52));
        CHECK(t.frac_ms == 0.0);
        // A time just below the limit still resolves 1e-9 ms through the whole + fraction split.
        const sim_time u = sim_time::from_ms(evspike::max_time_ms - 1.0) + 0.25;
        CHECK((u + 1e-9) - u == doctest::Approx(1e-9).epsilon(1e-6));
        CHECK((t + evspike::max_time_ms).whole_ms == (std::int64_t{1} << 53));
    }

    TEST_CASE("sample count: a sample that falls on t_stop mathematically is not a row (2.1 / 0.7 -> 3)") {
        CHECK(evspike::sample_count(0.0, 2.1, 0.7) == 3);
        CHECK(3 * 0.7 < 2.1);  // why a plain k * step < t_stop count would give 4
        CHECK(evspike::sample_count(0.0, 2.0, 0.7) == 3);
        CHECK(evspike::sample_count(0.0, 0.7, 0.7) == 1);
        CHECK(evspike::sample_count(0.0, 0.5, 0.7) == 1);
        CHECK(evspike::sample_count(1.0, 1.0, 0.7) == 0);
        CHECK(evspike::sample_count(2.0, 1.0, 0.7) == 0);
        CHECK(evspike::sample_count(0.0, 1.0, 0.0) == 0);
        CHECK(evspike::sample_count(0.0, 1e300, 1e-300) == std::numeric_limits<std::uint64_t>::max());
    }

    TEST_CASE("sample count: decimal t_stop and interval give the exact integer count, no row at t >= t_stop") {
        // t_stop = a / s and interval = b / s with integers a, b: exactly ceil(a / b) rows.
        std::mt19937_64 rng(7);
        std::size_t wrong = 0, late = 0, tested = 0;
        for (double scale : {1.0, 10.0, 100.0, 1000.0, 1e4, 1e6, 1e9}) {
            std::uniform_int_distribution<std::uint64_t> a_dist(1, 10000000), b_dist(1, 1000);
            for (int i = 0; i < 5000; ++i) {
                std::uint64_t a = a_dist(rng), b = b_dist(rng);
                if (i % 3 == 0) a = b * (a / b + 1);  // on a multiple: the sample at t_stop is dropped
                const double stop = static_cast<double>(a) / scale, step = static_cast<double>(b) / scale;
                const std::uint64_t n = evspike::sample_count(0.0, stop, step);
                wrong += n != (a + b - 1) / b;
                late += n > 0 && !(static_cast<double>(n - 1) * step < stop);
                ++tested;
            }
        }
        CHECK(tested == 35000);
        CHECK(wrong == 0);
        CHECK(late == 0);
    }

    TEST_CASE("engine: t_stop 2.1 with interval 0.7 samples at 0, 0.7 and 1.4 only") {
        evspike::simulation_spec spec;
        spec.t_stop_ms = 2.1;
        evspike::population_spec p;
        p.name = "n";
        p.size = 1;
        p.V_m = evspike::constant_dist{p.params.E_L};
        spec.populations = {p};
        const auto net = evspike::build_network(spec);
        struct sink : evspike::voltage_sink {
            std::vector<double> t;
            void on_sample(std::size_t, double t_ms, std::span<const double>) override { t.push_back(t_ms); }
        } samples;
        evspike::engine_outputs out;
        out.record.assign(net.groups.size(), false);
        out.probes = {{0, {0}, 0.7}};
        out.voltages = &samples;
        evspike::simulate(spec, net, out);
        CHECK(samples.t == std::vector<double>{0.0, 0.7, 2 * 0.7});
        CHECK(samples.t.size() == evspike::sample_count(0.0, spec.t_stop_ms, 0.7));
    }

    TEST_CASE("engine: a t_stop beyond the time limit is a config error naming t_stop") {
        evspike::simulation_spec spec;
        evspike::population_spec p;
        p.name = "n";
        p.size = 1;
        p.V_m = evspike::constant_dist{p.params.E_L};
        spec.populations = {p};
        const auto net = evspike::build_network(spec);
        evspike::engine_outputs out;
        out.record.assign(net.groups.size(), false);
        for (double t_stop : {1e19, 1e300, std::nextafter(evspike::max_time_ms, 1e300)}) {
            spec.t_stop_ms = t_stop;
            CAPTURE(t_stop);
            try {
                evspike::simulate(spec, net, out);
                FAIL("accepted");
            } catch (const evspike::config_error& e) {
                CHECK(e.key == "t_stop");
                CHECK(std::string(e.what()).find("4503599627370496") != std::string::npos);
            }
        }
    }
}
