#include "models/hawkes.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <string>

#include "core/error.hpp"
#include "stats.hpp"
#include "support.hpp"

using namespace evspike;

namespace {

// Integral of phi over [0, t], written here from the definitions (SPEC §6), independently of
// hawkes_kernel::integral, so the compensator below checks the simulator and the kernel code.
double kernel_integral_reference(const hawkes_kernel& k, double t) {
    if (t <= 0.0) return 0.0;
    const auto phi = [](double x) { return 0.5 * (1.0 + std::erf(x / std::sqrt(2.0))); };
    switch (k.shape) {
        case kernel_shape::exponential: return k.norm * (1.0 - std::exp(-t / k.tau));
        case kernel_shape::truncated_exponential:
            return k.norm * (1.0 - std::exp(-std::min(t, k.support) / k.tau)) / (1.0 - std::exp(-k.support / k.tau));
        case kernel_shape::truncated_gaussian: {
            const double lo = phi(-k.mean / k.sigma);
            return k.norm * (phi((std::min(t, k.support) - k.mean) / k.sigma) - lo) /
                   (phi((k.support - k.mean) / k.sigma) - lo);
        }
        case kernel_shape::raised_cosine: {
            // integral of (1/w)(1 + cos(2 pi (s - a)/w - pi)) from a to t
            const double x = std::clamp(t - k.start, 0.0, k.width);
            return k.norm * (x / k.width + std::sin(2.0 * std::numbers::pi * x / k.width - std::numbers::pi) /
                                              (2.0 * std::numbers::pi) -
                             std::sin(-std::numbers::pi) / (2.0 * std::numbers::pi));
        }
    }
    return 0.0;
}

// Time after which a kernel's remaining mass is negligible (< e^-40 for exponentials).
double kernel_reach(const hawkes_kernel& k) {
    switch (k.shape) {
        case kernel_shape::exponential: return 40.0 * k.tau;
        case kernel_shape::truncated_exponential:
        case kernel_shape::truncated_gaussian: return k.support;
        case kernel_shape::raised_cosine: return k.start + k.width;
    }
    return 0.0;
}

hawkes_kernel make_kernel(kernel_shape shape, std::uint64_t source, std::uint64_t target, double norm) {
    hawkes_kernel k;
    k.source = source;
    k.target = target;
    k.norm = norm;
    k.shape = shape;
    k.tau = 5.0;
    k.support = 12.0;
    k.mean = 4.0;
    k.sigma = 3.0;
    k.start = 1.0;
    k.width = 8.0;
    return k;
}

// Two units, cross- and self-excitation, one shape for every kernel.
hawkes_params two_units(kernel_shape shape, std::uint64_t seed) {
    hawkes_params p;
    p.seed = seed;
    p.t_stop_ms = 200'000.0;
    p.burn_in_ms = 1000.0;
    p.baseline_hz = {20.0, 10.0};
    p.kernels = {make_kernel(shape, 0, 0, 0.3), make_kernel(shape, 1, 0, 0.2), make_kernel(shape, 0, 1, 0.25),
                 make_kernel(shape, 1, 1, 0.1)};
    return p;
}

constexpr kernel_shape all_shapes[] = {kernel_shape::exponential, kernel_shape::truncated_exponential,
                                       kernel_shape::truncated_gaussian, kernel_shape::raised_cosine};

}  // namespace

TEST_SUITE("models") {

TEST_CASE("hawkes: every kernel shape integrates to its norm and its density is the derivative of its integral") {
    for (auto shape : all_shapes) {
        const std::string shape_name = to_string(shape);
        CAPTURE(shape_name);
        const auto k = make_kernel(shape, 0, 0, 0.7);
        CHECK(k.integral(1e6) == doctest::Approx(0.7).epsilon(1e-12));
        // trapezoid rule of the density against the closed-form integral
        double sum = 0.0;
        const double h = 1e-3;
        for (int step = 0; step < 30000; ++step) {
            const double t = step * h;
            sum += 0.5 * h * (k.density(t) + k.density(t + h));
        }
        CHECK(sum == doctest::Approx(k.integral(30.0)).epsilon(1e-4));  // h * jump at a truncation
        for (double t : {0.5, 2.0, 4.0, 7.5, 11.0}) CHECK(k.integral(t) == doctest::Approx(kernel_integral_reference(k, t)).epsilon(1e-12));
    }
}

TEST_CASE("hawkes: sampled delays follow phi / norm (KS) for every shape") {
    for (auto shape : all_shapes) {
        const std::string shape_name = to_string(shape);
        CAPTURE(shape_name);
        const auto k = make_kernel(shape, 0, 0, 0.5);
        auto rng = make_stream(11, "delays");
        std::vector<double> d(20000);
        for (auto& x : d) x = k.sample_delay(rng);
        CHECK(test::ks_p_value(d, [&](double t) { return kernel_integral_reference(k, t) / k.norm; }) > 1e-3);
    }
    // a truncated Gaussian with little mass on [0, support] takes the inverse-CDF path
    auto k = make_kernel(kernel_shape::truncated_gaussian, 0, 0, 1.0);
    k.mean = -6.0;
    k.sigma = 2.0;
    k.support = 5.0;
    auto rng = make_stream(12, "delays");
    std::vector<double> d(20000);
    for (auto& x : d) x = k.sample_delay(rng);
    CHECK(*std::min_element(d.begin(), d.end()) >= 0.0);
    CHECK(*std::max_element(d.begin(), d.end()) <= 5.0);
    CHECK(test::ks_p_value(d, [&](double t) { return kernel_integral_reference(k, t); }) > 1e-3);
}

TEST_CASE("hawkes: spectral radius is right for periodic, triangular and reducible matrices") {
    CHECK(spectral_radius(std::vector<double>{0.0, 2.0, 0.5, 0.0}, 2) == doctest::Approx(1.0).epsilon(1e-9));
    CHECK(spectral_radius(std::vector<double>{0.0, 0.5, 0.5, 0.0}, 2) == doctest::Approx(0.5).epsilon(1e-9));
    CHECK(spectral_radius(std::vector<double>{0.5, 100.0, 0.0, 0.5}, 2) == doctest::Approx(0.5).epsilon(1e-9));
    CHECK(spectral_radius(std::vector<double>{0.0, 1.0, 0.0, 0.0}, 2) == 0.0);
    CHECK(spectral_radius(std::vector<double>{0.3, 0.2, 0.25, 0.1}, 2) ==
          doctest::Approx(0.2 + std::sqrt(0.01 + 0.05)).epsilon(1e-9));
}

// `copies` independent copies of the two-unit process (block diagonal G, the same radius).
hawkes_params copies_of_two_units(std::size_t copies) {
    const hawkes_params two = two_units(kernel_shape::exponential, 1);
    hawkes_params p = two;
    p.baseline_hz.clear();
    p.kernels.clear();
    for (std::size_t c = 0; c < copies; ++c) {
        p.baseline_hz.insert(p.baseline_hz.end(), two.baseline_hz.begin(), two.baseline_hz.end());
        for (hawkes_kernel k : two.kernels) {
            k.source += 2 * c;
            k.target += 2 * c;
            p.kernels.push_back(k);
        }
    }
    return p;
}

// A ring of n units, unit i exciting unit i + 1 mod n with `norm`: G is a cyclic permutation
// times norm (periodic: every eigenvalue has modulus norm), the radius is `norm`.
hawkes_params ring(std::size_t n, double norm) {
    hawkes_params p;
    p.baseline_hz.assign(n, 1.0);
    for (std::size_t i = 0; i < n; ++i) p.kernels.push_back(make_kernel(kernel_shape::exponential, i, (i + 1) % n, norm));
    return p;
}

TEST_CASE("hawkes: stability of many units is decided from the kernel list with bounds that hold") {
    REQUIRE(1000 > dense_stability_units);
    const double radius = 0.2 + std::sqrt(0.01 + 0.05);  // of the two-unit process
    const auto blocks = kernel_stability(copies_of_two_units(500));
    CHECK(blocks.decided);
    CHECK(blocks.stable);
    CHECK(blocks.upper < 1.0);
    CHECK(blocks.upper >= radius * (1 - 1e-12));
    CHECK(blocks.lower <= radius * (1 + 1e-12));
    CHECK_NOTHROW(copies_of_two_units(500).validate());
    // Periodic (plain power iteration on G would oscillate): just below and just above 1.
    CHECK(kernel_stability(ring(1000, 0.999)).stable);
    const auto above = kernel_stability(ring(1000, 1.001));
    CHECK(above.decided);
    CHECK_FALSE(above.stable);
    CHECK(above.lower >= 1.0);
    CHECK(above.lower <= 1.001 * (1 + 1e-12));
    // Reducible: a self-exciting pair (radius 1.2) upstream of a chain of 700 stable units and
    // downstream of 300 units that nothing drives: unstable, and the bound says so.
    hawkes_params r;
    r.baseline_hz.assign(1002, 1.0);
    r.kernels.push_back(make_kernel(kernel_shape::exponential, 0, 1, 1.2));
    r.kernels.push_back(make_kernel(kernel_shape::exponential, 1, 0, 1.2));
    for (std::size_t i = 2; i < 702; ++i) r.kernels.push_back(make_kernel(kernel_shape::exponential, i - 1, i, 0.5));
    for (std::size_t i = 702; i < 1002; ++i) r.kernels.push_back(make_kernel(kernel_shape::exponential, i, 0, 0.9));
    const auto reducible = kernel_stability(r);
    CHECK(reducible.decided);
    CHECK_FALSE(reducible.stable);
    CHECK(reducible.lower >= 1.0);
    CHECK(reducible.lower <= 1.2 * (1 + 1e-12));
    try {
        r.validate();
        FAIL("accepted an unstable process");
    } catch (const config_error& e) {
        CHECK(e.key == "kernel");
        CHECK(std::string(e.what()).find("spectral radius") != std::string::npos);
    }
    // No kernel at all: radius 0.
    hawkes_params quiet;
    quiet.baseline_hz.assign(5000, 1.0);
    CHECK(kernel_stability(quiet).stable);
}

TEST_CASE("hawkes: stationary rates of many units solve (I - G) lambda = mu") {
    // Copies of the two-unit process: each pair has the two-unit closed form.
    const auto two = two_units(kernel_shape::exponential, 1);
    const auto expected = stationary_rates_hz(two);  // dense elimination (2 units)
    const auto rates = stationary_rates_hz(copies_of_two_units(400));
    REQUIRE(rates.size() == 800);
    for (std::size_t i = 0; i < rates.size(); ++i) CHECK(rates[i] == doctest::Approx(expected[i % 2]).epsilon(1e-12));
    // A random sparse process (in-degree 4, radius 0.8 by row sums), by its residual.
    hawkes_params p;
    auto rng = make_stream(5, "sparse");
    const std::size_t n = 3000;
    for (std::size_t i = 0; i < n; ++i) p.baseline_hz.push_back(1.0 + 10.0 * uniform01(rng));
    for (std::size_t i = 0; i < n; ++i)
        for (int k = 0; k < 4; ++k) p.kernels.push_back(make_kernel(kernel_shape::exponential, static_cast<std::uint64_t>(uniform01(rng) * n), i, 0.2));
    const auto lambda = stationary_rates_hz(p);
    std::vector<double> residual(p.baseline_hz);
    for (std::size_t i = 0; i < n; ++i) residual[i] -= lambda[i];
    for (const auto& k : p.kernels) residual[k.target] += k.norm * lambda[k.source];
    double worst = 0.0;
    for (std::size_t i = 0; i < n; ++i) worst = std::max(worst, std::abs(residual[i]) / lambda[i]);
    CHECK(worst < 1e-12);
    // Row sums 0.8 and baselines >= 1: every rate is at least 5 Hz (1 / (1 - 0.8)).
    CHECK(*std::min_element(lambda.begin(), lambda.end()) >= 5.0 * (1 - 1e-12));
}

TEST_CASE("hawkes: an unstable kernel matrix is refused with its spectral radius in the message") {
    auto p = two_units(kernel_shape::exponential, 1);
    p.kernels[0].norm = 0.9;
    p.kernels[3].norm = 0.9;
    try {
        p.validate();
        FAIL("accepted an unstable process");
    } catch (const config_error& e) {
        CHECK(e.key == "kernel");
        CHECK(std::string(e.what()).find("spectral radius") != std::string::npos);
        CHECK(std::string(e.what()).find("1.1") != std::string::npos);  // 0.9 + sqrt(0.05) = 1.1236
    }
}

TEST_CASE("hawkes: bad parameters name their key") {
    auto p = two_units(kernel_shape::exponential, 1);
    auto q = p;
    q.kernels[1].norm = -0.1;
    test::check_rejected_key(q, "kernel[1].norm");
    q = p;
    q.kernels[2].tau = 0.0;
    test::check_rejected_key(q, "kernel[2].tau");
    q = p;
    q.kernels[0].target = 2;
    test::check_rejected_key(q, "kernel[0].target");
    q = p;
    q.baseline_hz[1] = -1.0;
    test::check_rejected_key(q, "baseline[1]");
    q = p;
    q.burn_in_ms = -5.0;
    test::check_rejected_key(q, "burn_in");
    q = two_units(kernel_shape::raised_cosine, 1);
    q.kernels[3].width = -1.0;
    test::check_rejected_key(q, "kernel[3].width");
    q = two_units(kernel_shape::truncated_gaussian, 1);
    q.kernels[0].sigma = 0.0;
    test::check_rejected_key(q, "kernel[0].sigma");
    kernel_shape s{};
    CHECK_FALSE(parse_kernel_shape("gamma", s));
    CHECK(parse_kernel_shape("raised_cosine", s));
    CHECK(s == kernel_shape::raised_cosine);
}

TEST_CASE("hawkes: streamed output is sorted by time then unit, inside [0, t_stop), and reproducible") {
    auto p = two_units(kernel_shape::truncated_gaussian, 3);
    p.t_stop_ms = 20'000.0;
    std::vector<double> t;
    std::vector<std::uint64_t> u;
    std::size_t batches = 0;
    simulate_hawkes(p, [&](std::span<const double> times, std::span<const std::uint64_t> units) {
        CHECK(times.size() <= 100);
        ++batches;
        t.insert(t.end(), times.begin(), times.end());
        u.insert(u.end(), units.begin(), units.end());
    }, 100);
    REQUIRE(t.size() > 1000);
    CHECK(batches == (t.size() + 99) / 100);
    CHECK(t.front() >= 0.0);
    CHECK(t.back() < p.t_stop_ms);
    for (std::size_t k = 1; k < t.size(); ++k) CHECK((t[k - 1] < t[k] || (t[k - 1] == t[k] && u[k - 1] < u[k])));
    // Reproducible: another batch size gives the same events.
    std::vector<double> t_again;
    simulate_hawkes(p, [&](std::span<const double> times, std::span<const std::uint64_t>) {
        t_again.insert(t_again.end(), times.begin(), times.end());
    }, 7);
    CHECK(t_again == t);
    // The cluster structure, checked against the kernels' definitions (not against the stream):
    // a child comes from a kernel whose source is its parent's unit and whose target is its own,
    // after its parent by a delay inside that truncated Gaussian's support [0, 12] ms; immigrants
    // span the burn-in too.
    const auto g = simulate_hawkes_genealogy(p);
    std::size_t bad = 0, children = 0;
    for (std::size_t k = 0; k < g.time_ms.size(); ++k) {
        if (g.parent[k] < 0) continue;
        ++children;
        const auto parent = static_cast<std::size_t>(g.parent[k]);
        const auto& kernel = p.kernels[g.kernel[k]];
        const double delay = g.time_ms[k] - g.time_ms[parent];
        bad += kernel.source != g.unit[parent] || kernel.target != g.unit[k] || !(delay >= 0.0) || delay > 12.0;
    }
    CHECK(children > 100);
    CHECK(bad == 0);
    CHECK(std::any_of(g.time_ms.begin(), g.time_ms.end(), [](double x) { return x < 0.0; }));  // burn-in ran
    CHECK(std::count_if(g.time_ms.begin(), g.time_ms.end(), [](double x) { return x >= 0.0; }) ==
          static_cast<std::ptrdiff_t>(t.size()));
}

TEST_CASE("hawkes: stationary rates (I - G)^-1 mu, count z-test with the Hawkes variance, every shape") {
    for (auto shape : all_shapes) {
        const std::string shape_name = to_string(shape);
        CAPTURE(shape_name);
        auto p = two_units(shape, 5);
        p.t_stop_ms = 1'000'000.0;
        const auto rates = stationary_rates_hz(p);
        // (I - G)^-1 for the 2 x 2 case
        const auto g = branching_matrix(p);
        const double a = 1 - g[0], b = -g[1], c = -g[2], d = 1 - g[3], det = a * d - b * c;
        const double inv[4] = {d / det, -b / det, -c / det, a / det};
        CHECK(rates[0] == doctest::Approx(inv[0] * 20.0 + inv[1] * 10.0));
        CHECK(rates[1] == doctest::Approx(inv[2] * 20.0 + inv[3] * 10.0));
        std::uint64_t count[2] = {0, 0};
        simulate_hawkes(p, [&](std::span<const double>, std::span<const std::uint64_t> units) {
            for (auto x : units) ++count[x];
        });
        const double seconds = p.t_stop_ms / 1000.0;
        for (int i = 0; i < 2; ++i) {
            // variance per unit time: [(I - G)^-1 diag(Lambda) (I - G)^-T]_ii
            const double var = inv[i * 2] * inv[i * 2] * rates[0] + inv[i * 2 + 1] * inv[i * 2 + 1] * rates[1];
            const double z = (static_cast<double>(count[i]) - rates[i] * seconds) / std::sqrt(var * seconds);
            CAPTURE(i);
            CAPTURE(z);
            CHECK(std::abs(z) < 3.89);
        }
    }
}

TEST_CASE("hawkes: time-rescaled intervals are Exp(1) (KS, compensator computed here), every shape, 3 seeds") {
    for (auto shape : all_shapes) {
        for (std::uint64_t seed : {1u, 2u, 3u}) {
            const std::string shape_name = to_string(shape);
        CAPTURE(shape_name);
            CAPTURE(seed);
            auto p = two_units(shape, seed);
            p.t_stop_ms = 200'000.0;
            const auto g = simulate_hawkes_genealogy(p);
            const double t0 = -p.burn_in_ms;
            for (std::uint64_t i = 0; i < 2; ++i) {
                // Lambda_i(t) = mu_i (t - t0) + sum over kernels k -> i, events e of source(k) before t
                std::vector<double> compensator;
                std::vector<std::size_t> first(p.kernels.size(), 0);  // first event still inside the reach
                std::vector<double> saturated(p.kernels.size(), 0.0);
                for (std::size_t e = 0; e < g.time_ms.size(); ++e) {
                    if (g.unit[e] != i) continue;
                    const double t = g.time_ms[e];
                    double lambda = p.baseline_hz[i] / 1000.0 * (t - t0);
                    for (std::size_t k = 0; k < p.kernels.size(); ++k) {
                        const auto& kern = p.kernels[k];
                        if (kern.target != i) continue;
                        const double reach = kernel_reach(kern);
                        auto& f = first[k];
                        while (f < e && g.time_ms[f] < t - reach) {
                            if (g.unit[f] == kern.source) saturated[k] += kern.norm;
                            ++f;
                        }
                        lambda += saturated[k];
                        for (std::size_t s = f; s < e; ++s)
                            if (g.unit[s] == kern.source) lambda += kernel_integral_reference(kern, t - g.time_ms[s]);
                    }
                    compensator.push_back(lambda);
                }
                REQUIRE(compensator.size() > 500);
                std::vector<double> intervals;
                for (std::size_t k = 1; k < compensator.size(); ++k) intervals.push_back(compensator[k] - compensator[k - 1]);
                CAPTURE(i);
                CHECK(test::ks_p_value(intervals, test::exp1_cdf) > 1e-3);
            }
        }
    }
}

TEST_CASE("hawkes: mean offspring per parent equals G_ij for every kernel (cluster genealogy), every shape") {
    for (auto shape : all_shapes) {
        const std::string shape_name = to_string(shape);
        CAPTURE(shape_name);
        auto p = two_units(shape, 9);
        p.t_stop_ms = 100'000.0;
        const auto g = simulate_hawkes_genealogy(p);
        for (std::size_t k = 0; k < p.kernels.size(); ++k) {
            const auto& kern = p.kernels[k];
            const double horizon = p.t_stop_ms - kernel_reach(kern);
            std::vector<std::uint64_t> children(g.time_ms.size(), 0);
            for (std::size_t e = 0; e < g.time_ms.size(); ++e)
                if (g.parent[e] >= 0 && g.kernel[e] == k) ++children[static_cast<std::size_t>(g.parent[e])];
            double parents = 0.0, total = 0.0;
            for (std::size_t e = 0; e < g.time_ms.size(); ++e) {
                if (g.unit[e] != kern.source || g.time_ms[e] >= horizon) continue;
                parents += 1.0;
                total += static_cast<double>(children[e]);
            }
            const double z = (total / parents - kern.norm) / std::sqrt(kern.norm / parents);
            CAPTURE(k);
            CAPTURE(z);
            CHECK(std::abs(z) < 3.89);
        }
    }
}

TEST_CASE("hawkes: mean_delay is the first moment of phi / norm for every shape, tails included") {
    // E[d] = integral over [0, reach] of (1 - F(t)), F from the reference integral above (not from
    // hawkes_kernel's density or integral), by Simpson's rule on 2e5 intervals.
    auto check = [](const hawkes_kernel& k) {
        const double reach = kernel_reach(k);
        const int n = 200'000;
        const double h = reach / n;
        double sum = 0.0;
        for (int i = 0; i <= n; ++i) {
            const double w = (i == 0 || i == n) ? 1.0 : (i % 2 == 1 ? 4.0 : 2.0);
            sum += w * (1.0 - kernel_integral_reference(k, i * h) / k.norm);
        }
        const double reference = sum * h / 3.0;
        CAPTURE(to_string(k.shape));
        CAPTURE(reference);
        CHECK(k.mean_delay() == doctest::Approx(reference).epsilon(1e-7));
    };
    for (auto shape : all_shapes) check(make_kernel(shape, 0, 0, 0.5));
    auto tail = make_kernel(kernel_shape::truncated_gaussian, 0, 0, 0.5);  // most mass cut off at 0
    tail.mean = -6.0;
    tail.sigma = 1.5;
    check(tail);
    auto steep = make_kernel(kernel_shape::truncated_exponential, 0, 0, 0.5);  // support << tau
    steep.tau = 100.0;
    steep.support = 0.5;
    check(steep);
}

TEST_CASE("hawkes: estimate_hawkes predicts the events emitted and the children pending (Little's law), every shape") {
    for (auto shape : all_shapes) {
        const std::string shape_name = to_string(shape);
        CAPTURE(shape_name);
        auto p = two_units(shape, 21);
        p.t_stop_ms = 400'000.0;
        const hawkes_estimate e = estimate_hawkes(p);
        const auto g = simulate_hawkes_genealogy(p);
        // Events in [0, t_stop): within 5 % (the count z-test above tests the rates themselves).
        double emitted = 0.0;
        for (double t : g.time_ms) emitted += t >= 0.0 ? 1.0 : 0.0;
        CHECK(emitted == doctest::Approx(e.events).epsilon(0.05));
        // Children waiting in the heap, averaged over [0, t_stop): each child waits from its
        // parent's emission to its own.
        double waiting = 0.0;
        for (std::size_t c = 0; c < g.time_ms.size(); ++c) {
            if (g.parent[c] < 0) continue;
            const double from = std::max(g.time_ms[static_cast<std::size_t>(g.parent[c])], 0.0);
            const double to = std::min(g.time_ms[c], p.t_stop_ms);
            waiting += std::max(to - from, 0.0);
        }
        const double pending_children = e.pending - static_cast<double>(p.units());
        CAPTURE(pending_children);
        CHECK(waiting / p.t_stop_ms == doctest::Approx(pending_children).epsilon(0.08));
        CHECK(e.memory_bytes > hawkes_validation_bytes(p));
    }
}

}  // TEST_SUITE
