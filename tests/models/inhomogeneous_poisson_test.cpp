#include "models/inhomogeneous_poisson.hpp"

#include <doctest/doctest.h>

#include <cmath>

#include "core/error.hpp"
#include "stats.hpp"

using namespace evspike;

namespace {

rate_profile steps() { return rate_profile{{0.0, 200.0, 500.0, 800.0}, {5.0, 40.0, 5.0, 0.0}}; }

// The steps repeated 50 times over 50 s: long trains, so dropping the interval censored by the end
// of the run does not bias the interval distribution.
rate_profile repeated_steps() {
    rate_profile p;
    for (int k = 0; k < 50; ++k)
        for (std::size_t s = 0; s < 4; ++s) {
            p.time_ms.push_back(1000.0 * k + steps().time_ms[s]);
            p.rate_hz.push_back(steps().rate_hz[s]);
        }
    return p;
}

// Integral of lambda = r / (1 - r d) over [a, b], written here from the profile directly.
double hazard(const rate_profile& p, double d, double a, double b) {
    double total = 0.0;
    for (std::size_t k = 0; k < p.time_ms.size(); ++k) {
        const double lo = std::max(a, p.time_ms[k]);
        const double hi = std::min(b, k + 1 < p.time_ms.size() ? p.time_ms[k + 1] : INFINITY);
        const double r = p.rate_hz[k] / 1000.0;
        if (hi > lo) total += r / (1.0 - r * d) * (hi - lo);
    }
    return total;
}

}  // namespace

TEST_SUITE("models") {

TEST_CASE("inhomogeneous poisson: time-rescaled intervals are Exp(1) (KS), with and without dead time, 3 seeds") {
    const auto p = repeated_steps();
    for (double d : {0.0, 3.0}) {
        for (std::uint64_t seed : {1u, 2u, 3u}) {
            CAPTURE(d);
            CAPTURE(seed);
            std::vector<double> rescaled;
            for (std::uint64_t n = 0; n < 10; ++n) {
                inhomogeneous_poisson_process train(p, d, 0.0, 50000.0, make_stream(seed, "train" + std::to_string(n)));
                double previous = -1.0;
                for (double t = train.next(); t != inhomogeneous_poisson_process::never; t = train.next()) {
                    CHECK(t < 50000.0);
                    if (previous >= 0.0) {
                        CHECK(t - previous >= d);
                        rescaled.push_back(hazard(p, d, previous + d, t));
                    } else {
                        rescaled.push_back(hazard(p, d, 0.0, t));
                    }
                    previous = t;
                }
            }
            REQUIRE(rescaled.size() > 1000);
            CHECK(test::ks_p_value(rescaled, test::exp1_cdf) > 1e-3);
        }
    }
}

TEST_CASE("inhomogeneous poisson: without dead time the count in each segment is Poisson(rate x length)") {
    const auto p = steps();
    double counts[4] = {0, 0, 0, 0};
    const double edges[5] = {0, 200, 500, 800, 1000};
    inhomogeneous_poisson_population trains(p, 0.0, 1000.0, 2000, 5, "stim");
    std::vector<double> t;
    std::vector<std::uint64_t> id;
    double last = -1.0;
    while (trains.next_batch(t, id, 1000))
        for (std::size_t k = 0; k < t.size(); ++k) {
            CHECK(t[k] >= last);
            last = t[k];
            for (int s = 0; s < 4; ++s)
                if (t[k] >= edges[s] && t[k] < edges[s + 1]) counts[s] += 1;
        }
    for (int s = 0; s < 4; ++s) {
        const double expected = 2000.0 * p.rate_hz[static_cast<std::size_t>(s)] / 1000.0 * (edges[s + 1] - edges[s]);
        CAPTURE(s);
        if (expected == 0.0) {
            CHECK(counts[s] == 0.0);
        } else {
            CHECK(std::abs(counts[s] - expected) / std::sqrt(expected) < 3.89);
        }
    }
}

TEST_CASE("inhomogeneous poisson: a constant profile gives the homogeneous rate, a late first row silence before it") {
    inhomogeneous_poisson_process late(rate_profile{{100.0}, {50.0}}, 0.0, 0.0, 1000.0, make_stream(1, "x"));
    CHECK(late.next() >= 100.0);
    CHECK(late.cumulative_hazard(300.0) == doctest::Approx(0.05 * 200.0));
}

TEST_CASE("inhomogeneous poisson: bad profiles are refused") {
    CHECK_THROWS_AS(validate_rate_profile(rate_profile{{0.0, 0.0}, {1.0, 2.0}}, 0.0), model_error);
    CHECK_THROWS_AS(validate_rate_profile(rate_profile{{0.0}, {-1.0}}, 0.0), model_error);
    CHECK_THROWS_AS(validate_rate_profile(rate_profile{{0.0}, {500.0}}, 2.0), model_error);  // r d = 1
    CHECK_THROWS_AS(validate_rate_profile(rate_profile{}, 0.0), model_error);
}

}  // TEST_SUITE
