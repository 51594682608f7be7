#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/error.hpp"
#include "core/random.hpp"
#include "models/poisson_process.hpp"
#include "stats.hpp"

using evspike::make_stream;
using evspike::poisson_params;
using evspike::poisson_process;
using evspike::test::binomial_z;
using evspike::test::ks_critical_1e3;
using evspike::test::ks_statistic;

namespace {

std::vector<double> train(const poisson_params& params, std::uint64_t seed, const char* name) {
    poisson_process p(params, make_stream(seed, name));
    std::vector<double> times;
    for (double t = p.next(); std::isfinite(t); t = p.next()) times.push_back(t);
    return times;
}

}  // namespace

TEST_SUITE("models") {
    TEST_CASE("poisson: invalid parameters are refused with model_error") {
        auto make = [](poisson_params p) { return poisson_process(p, make_stream(1, "x")); };
        CHECK_THROWS_AS(make({-1.0, 0.0}), evspike::model_error);
        CHECK_THROWS_AS(make({NAN, 0.0}), evspike::model_error);
        CHECK_THROWS_AS(make({10.0, -1.0}), evspike::model_error);
        CHECK_THROWS_AS(make({100.0, 10.0}), evspike::model_error);  // r d = 1
        CHECK_THROWS_AS(make({200.0, 10.0}), evspike::model_error);  // r d = 2
        CHECK_THROWS_AS(make({10.0, 0.0, 5.0, 4.0}), evspike::model_error);
        CHECK_NOTHROW(make({99.0, 10.0}));
        try {
            make({100.0, 10.0});
        } catch (const evspike::model_error& e) {
            CHECK(std::string(e.what()).find("dead_time") != std::string::npos);
        }
    }

    TEST_CASE("poisson: times are increasing, inside [start, stop), then +inf for ever") {
        poisson_params params{300.0, 1.5, 10.0, 60.0};
        poisson_process p(params, make_stream(3, "w/0"));
        double previous = -1;
        std::size_t count = 0;
        for (double t = p.next(); std::isfinite(t); t = p.next()) {
            CHECK(t >= 10.0);
            CHECK(t < 60.0);
            CHECK(t > previous);
            previous = t;
            ++count;
        }
        CHECK(count > 0);
        CHECK(std::isinf(p.next()));
        CHECK(std::isinf(p.next()));
        poisson_process silent({0.0, 0.0}, make_stream(3, "w/1"));
        CHECK(std::isinf(silent.next()));
    }

    TEST_CASE("poisson: the dead time holds exactly between consecutive spikes, even late in a long run") {
        const double d = 2.0;
        poisson_params params{400.0, d, 1e7, 1e7 + 20000.0};  // r d = 0.8, times near 1e7 ms
        const auto t = train(params, 5, "dead/0");
        REQUIRE(t.size() > 5000);
        double smallest = INFINITY;
        for (std::size_t i = 1; i < t.size(); ++i) smallest = std::min(smallest, t[i] - t[i - 1]);
        CHECK(smallest >= d);
        CHECK(smallest < d + 0.01);  // the shortest interval is close to d, as Exp(lambda) is tiny often
    }

    TEST_CASE("poisson: same stream repeats the train, another stream differs") {
        poisson_params params{50.0, 1.0, 0.0, 1000.0};
        CHECK(train(params, 9, "p/3") == train(params, 9, "p/3"));
        CHECK(train(params, 9, "p/3") != train(params, 9, "p/4"));
        CHECK(train(params, 9, "p/3") != train(params, 10, "p/3"));
        CHECK(evspike::poisson_stream_name("stim", 42) == "stim/42");
    }

    TEST_CASE("poisson: spike count over many neurons passes a z-test (|z| < 3.89), with and without dead time") {
        for (double d : {0.0, 4.0}) {
            CAPTURE(d);
            const double rate_hz = 25.0, t_stop = 20000.0;
            const int neurons = 100;
            double count = 0;
            for (int i = 0; i < neurons; ++i)
                count += static_cast<double>(
                    train({rate_hz, d, 0.0, t_stop}, 11, evspike::poisson_stream_name("z", static_cast<std::uint64_t>(i)).c_str())
                        .size());
            const double mean = neurons * rate_hz / 1000.0 * t_stop;
            // Renewal count variance for long windows: mean * CV^2, CV = 1 - r d.
            const double cv = 1.0 - rate_hz / 1000.0 * d;
            const double z = (count - mean) / std::sqrt(mean * cv * cv);
            CAPTURE(count);
            CHECK(std::abs(z) < 3.89);
        }
    }

    TEST_CASE("poisson: stationary start: a window shorter than the dead time right after start has mean count r w") {
        // Without the forward-recurrence start, no spike could fall in [start, start + d).
        const double rate_hz = 100.0, d = 5.0, start = 10.0, w = 2.0;  // r d = 0.5
        const int neurons = 20000;
        double count = 0;
        for (int i = 0; i < neurons; ++i) {
            poisson_process p({rate_hz, d, start, start + w}, make_stream(12, evspike::poisson_stream_name("s", static_cast<std::uint64_t>(i))));
            while (std::isfinite(p.next())) ++count;
        }
        const double q = rate_hz / 1000.0 * w;  // at most one spike per neuron (w < d): Bernoulli(q)
        const double z = binomial_z(count, neurons, q);
        CAPTURE(count);
        CHECK(std::abs(z) < 3.89);
    }

    TEST_CASE("poisson: ISIs follow d + Exp(r / (1 - r d)) by a KS test at p = 1e-3, and CV = 1 - r d") {
        struct setting {
            double rate_hz, d;
        };
        for (setting s : {setting{40.0, 0.0}, setting{50.0, 5.0}, setting{20.0, 30.0}}) {
            CAPTURE(s.rate_hz);
            CAPTURE(s.d);
            const double r = s.rate_hz / 1000.0;
            const auto t = train({s.rate_hz, s.d, 0.0, 400000.0}, 21, "ks/0");
            std::vector<double> isi;
            for (std::size_t i = 1; i < t.size(); ++i) isi.push_back(t[i] - t[i - 1]);
            REQUIRE(isi.size() > 5000);
            const double lambda = r / (1 - r * s.d);
            const double ks = ks_statistic(isi, [&](double x) { return x < s.d ? 0.0 : -std::expm1(-lambda * (x - s.d)); });
            CAPTURE(ks);
            CHECK(ks < ks_critical_1e3(isi.size()));

            double mean = 0, m2 = 0;
            for (double x : isi) mean += x;
            mean /= static_cast<double>(isi.size());
            for (double x : isi) m2 += (x - mean) * (x - mean);
            const double cv = std::sqrt(m2 / static_cast<double>(isi.size())) / mean;
            CHECK(mean == doctest::Approx(1 / r).epsilon(0.04));
            CHECK(cv == doctest::Approx(1 - r * s.d).epsilon(0.04));
        }
    }
}

#include <tuple>

#include "models/poisson_population.hpp"

TEST_SUITE("models") {
    TEST_CASE("poisson_population: windows merge the per-neuron trains exactly, sorted by time then id") {
        const poisson_params params{80.0, 2.0, 5.0, 3000.0};
        const std::uint64_t neurons = 300;  // ~7e4 spikes: several windows of 2^16
        std::vector<std::tuple<double, std::uint64_t>> expected;
        for (std::uint64_t i = 0; i < neurons; ++i)
            for (double t : train(params, 4, evspike::poisson_stream_name("pop", i).c_str())) expected.emplace_back(t, i);
        std::sort(expected.begin(), expected.end());

        evspike::poisson_population trains(params, neurons, 4, "pop");
        std::vector<std::tuple<double, std::uint64_t>> got;
        std::vector<double> t;
        std::vector<std::uint64_t> id;
        int windows = 0;
        while (trains.next_window(t, id)) {
            ++windows;
            REQUIRE(t.size() == id.size());
            for (std::size_t k = 0; k < t.size(); ++k) got.emplace_back(t[k], id[k]);
        }
        CHECK(windows > 1);
        CHECK(t.empty());
        CHECK(trains.time_reached() == 3000.0);
        CHECK(got == expected);
    }

    TEST_CASE("poisson_population: a silent population produces no window") {
        evspike::poisson_population trains({0.0, 0.0, 0.0, 100.0}, 10, 1, "quiet");
        std::vector<double> t;
        std::vector<std::uint64_t> id;
        CHECK(!trains.next_window(t, id));
    }
}

#include "models/exponential.hpp"

TEST_SUITE("models") {
    TEST_CASE("standard_exponential (ziggurat): KS against Exp(1) at p = 1e-3, mean 1, tail beyond R reached") {
        auto rng = make_stream(5, "zig");
        std::vector<double> sample(200000);
        double sum = 0, largest = 0;
        for (double& x : sample) {
            x = evspike::standard_exponential(rng);
            sum += x;
            largest = std::max(largest, x);
        }
        const double ks = ks_statistic(sample, [](double x) { return -std::expm1(-x); });
        CHECK(ks < ks_critical_1e3(sample.size()));
        CHECK(std::abs(sum / 2e5 - 1.0) < 3.89 / std::sqrt(2e5));
        CHECK(largest > 7.7);  // P(max of 2e5 > R = 7.697) = 1 - (1 - e^-7.697)^2e5 ~ 1
        for (double x : sample) REQUIRE(x >= 0);
    }
}

TEST_SUITE("models") {
    TEST_CASE("poisson: emit_until emits and returns what next() gives, across windows and the stop") {
        for (const poisson_params& params :
             {poisson_params{300.0, 0.0, 0.0, 200.0}, poisson_params{300.0, 1.5, 2.0, 200.0}}) {
            poisson_process by_next(params, make_stream(3, "emit"));
            poisson_process by_emit(params, make_stream(3, "emit"));
            std::vector<double> expected, got;
            for (double t = by_next.next(); t < poisson_process::never; t = by_next.next())
                expected.push_back(t);
            by_emit.next();
            // Windows of 7 ms, the last one past the stop: each returns the first spike after it.
            for (double t1 = 7.0; t1 < 220.0; t1 += 7.0) {
                const double after = by_emit.emit_until(t1, [&](double t) { got.push_back(t); });
                CHECK(!(after < t1));
                CHECK(after == by_emit.last());
                if (after < poisson_process::never) CHECK(after == expected[got.size()]);
            }
            CHECK(expected.size() > 50);
            CHECK(got == expected);
            CHECK(by_emit.next() == poisson_process::never);  // ended, as next() would be
        }
    }
}
