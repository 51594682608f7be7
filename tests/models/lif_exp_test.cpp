// lif_exp against closed forms and roots computed here, independently of the model: DC values
// of NEST's test_iaf_ps_dc_accuracy, PSP superposition at arbitrary real times, grazing peaks,
// several crossings between inputs, refractoriness, and a randomized no-miss check.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <utility>
#include <vector>

#include "models/lif_exp.hpp"
#include "lif_fixtures.hpp"

using evspike::lif_exp;
using evspike::lif_params;
using evspike::lif_state;
using evspike::no_crossing;
using evspike::reset_kind;

namespace {

using evspike::test::dc_params;

// The textbook solution: V relaxes to E_L + tau_m I_e / C_m, and a current I0 e^{-t/tau_s}
// adds I0 (e^{-t/tau_s} - e^{-t/tau_m}) / (C_m (1/tau_m - 1/tau_s)), or I0 t e^{-t/tau_m} / C_m
// when tau_s == tau_m.
struct reference {
    double tau_m = 10, C_m = 250, E_L = -70, I_e = 0, tau_ex = 2, tau_in = 2;

    explicit reference(const lif_params& p)
        : tau_m(p.tau_m), C_m(p.C_m), E_L(p.E_L), I_e(p.I_e), tau_ex(p.tau_syn_ex), tau_in(p.tau_syn_in) {}

    double kernel(double t, double tau_s) const {
        if (t < 0) return 0;
        if (tau_s == tau_m) return t * std::exp(-t / tau_m) / C_m;
        return (std::exp(-t / tau_s) - std::exp(-t / tau_m)) / (C_m * (1.0 / tau_m - 1.0 / tau_s));
    }
    double kernel_of(double t, double w) const { return kernel(t, w >= 0 ? tau_ex : tau_in); }

    // Free solution from (V0, I_ex0, I_in0) at time 0.
    double V(double t, double V0, double I_ex0, double I_in0) const {
        const double u_inf = tau_m * I_e / C_m;
        return E_L + u_inf + (V0 - E_L - u_inf) * std::exp(-t / tau_m) + I_ex0 * kernel(t, tau_ex) +
               I_in0 * kernel(t, tau_in);
    }
    // With refractoriness r: V held for r while the currents decay.
    double V_ref(double t, double V0, double I_ex0, double I_in0, double r) const {
        if (t < r) return V0;
        return V(t - r, V0, I_ex0 * std::exp(-r / tau_ex), I_in0 * std::exp(-r / tau_in));
    }
};

// Root of g in [lo, hi] with g(lo) < 0 <= g(hi), by bisection to 1e-14 ms.
template <class G>
double bisect(G g, double lo, double hi) {
    while (hi - lo > 1e-14) {
        const double mid = 0.5 * (lo + hi);
        if (mid <= lo || mid >= hi) break;
        (g(mid) >= 0 ? hi : lo) = mid;
    }
    return hi;
}

// First upward crossing of level by g after t0 (g(t0) < level), found by a scan then bisection.
template <class G>
double first_crossing(G g, double level, double t0, double t1, double step = 1e-3) {
    for (long k = 1; t0 + k * step <= t1; ++k) {
        const double a = t0 + (k - 1) * step;
        const double b = t0 + k * step;
        if (g(b) >= level) return bisect([&](double t) { return g(t) - level; }, a, b);
    }
    return no_crossing;
}

lif_params exp_params(double tau_ex, double tau_in, double V_th = 0.0) {
    lif_params p;  // NEST defaults: tau_m 10, C_m 250, E_L -70, V_reset -70
    p.tau_syn_ex = tau_ex;
    p.tau_syn_in = tau_in;
    p.V_th = V_th;
    return p;
}

const std::pair<double, double> tau_cases[] = {{2.0, 7.0}, {10.0, 10.0}, {10.0, 3.0}, {1.5, 10.0}, {0.5, 0.5}};

}  // namespace

TEST_SUITE("models") {
    TEST_CASE("lif_exp: DC drive gives V(5 ms) = 15.7387736114947 mV in one step and in uneven steps") {
        const lif_exp m(dc_params(2000.0));
        lif_state s{.V = 0.0};
        m.advance(s, 5.0);
        CHECK(std::abs(s.V - 15.7387736114947) < 1e-12);
        lif_state u{.V = 0.0};
        double t = 0;
        for (int k = 1; t < 5.0; ++k) {
            const double h = std::min(5.0 - t, 0.001 + 0.29 * std::fmod(k * 0.7548776662466927, 1.0));
            m.advance(u, h);
            t += h;
        }
        CHECK(std::abs(u.V - 15.7387736114947) < 1e-12);
    }

    TEST_CASE("lif_exp: DC drive first reaches V_th = 15 mV at 4.70003629245736 ms") {
        const lif_exp m(dc_params(15.0));
        lif_state s{.V = 0.0};
        const double t = m.next_crossing(s, no_crossing);
        CHECK(std::abs(t - 4.70003629245736) < 1e-12);
        m.advance(s, t);
        CHECK(std::abs(s.V - 15.0) < 1e-12);
    }

    TEST_CASE("lif_exp: DC spike train period is t_ref + tau_m ln((v_inf - V_reset)/(v_inf - V_th))") {
        lif_params p = dc_params(15.0);
        p.V_reset = 5.0;
        p.t_ref = 1.5;
        const lif_exp m(p);
        const double period = 1.5 + 10.0 * std::log((40.0 - 5.0) / (40.0 - 15.0));
        lif_state s{.V = 0.0};
        double last = 0;
        for (int k = 0; k < 20; ++k) {
            const double h = m.next_crossing(s, 1e9);
            REQUIRE(h < no_crossing);
            if (k > 0) CHECK(std::abs(h - period) < 1e-12);
            m.advance(s, h);
            last += h;
            m.fire_predicted(s);
        }
        CHECK(std::abs(last - (10.0 * std::log(1.6) + 19 * period)) < 1e-11);
    }

    TEST_CASE("lif_exp: PSPs from inputs at arbitrary real times sum to the closed form within 1e-12 mV") {
        const std::pair<double, double> inputs[] = {
            {0.3137, 350.0}, {1.00000001, -220.0}, {2.71828, 180.0}, {2.71828, -60.0}, {4.4, 90.0}};
        for (const auto& taus : tau_cases) {
            const double tau_ex = taus.first;
            const double tau_in = taus.second;
            CAPTURE(tau_ex);
            CAPTURE(tau_in);
            lif_params p = exp_params(tau_ex, tau_in);
            p.I_e = 120.0;
            const lif_exp m(p);
            const reference ref(p);
            const double V0 = -66.0;
            auto expected = [&](double t) {
                double v = ref.V(t, V0, 0, 0);
                for (const auto& [tk, w] : inputs) v += w * ref.kernel_of(t - tk, w);
                return v;
            };
            lif_state s{.V = V0};
            double now = 0;
            for (const auto& [tk, w] : inputs) {
                m.advance(s, tk - now);
                now = tk;
                CHECK(std::abs(s.V - expected(now)) < 1e-12);
                m.receive(s, w);
            }
            double I_ex = 0, I_in = 0;
            for (const auto& [tk, w] : inputs) {
                (w >= 0 ? I_ex : I_in) += w * std::exp(-(7.5 - tk) / (w >= 0 ? tau_ex : tau_in));
            }
            for (double t : {4.5, 5.0, 6.123456789, 9.99, 17.0, 43.0}) {
                CHECK(std::abs(m.voltage_after(s, t - now) - expected(t)) < 1e-12);
            }
            lif_state stepped = s;
            m.advance(stepped, 1.1);
            m.advance(stepped, 7.5 - now - 1.1);
            CHECK(std::abs(stepped.V - expected(7.5)) < 1e-12);
            CHECK(std::abs(stepped.I_ex - I_ex) < 1e-12);
            CHECK(std::abs(stepped.I_in - I_in) < 1e-12);
        }
    }

    TEST_CASE("lif_exp: near-equal tau_m and tau_syn lose no precision (series reference)") {
        for (double rel : {1e-13, -1e-11, 1e-9, 1e-7, -1e-5}) {
            CAPTURE(rel);
            const double tau_s = 10.0 * (1.0 + rel);
            const lif_params p = exp_params(tau_s, tau_s);
            const lif_exp m(p);
            const double d = (tau_s - 10.0) / (10.0 * tau_s);  // 1/tau_m - 1/tau_s
            for (double t : {0.5, 3.0, 10.0, 31.0}) {
                const double x = t * d;
                const double series = 1 + x / 2 + x * x / 6 + x * x * x / 24 + x * x * x * x / 120;
                const double expected = -70.0 + 1500.0 * std::exp(-t / 10.0) * t * series / 250.0;
                CHECK(std::abs(m.voltage_after(lif_state{.V = -70.0, .I_ex = 1500.0}, t) - expected) < 1e-12);
            }
        }
    }

    TEST_CASE("lif_exp: first crossing after inputs at real times matches a root of the closed form") {
        const std::pair<double, double> inputs[] = {{0.3137, 1000.0}, {1.00000001, -300.0}, {2.71828, 2000.0}};
        for (const auto& taus : tau_cases) {
            const double tau_ex = taus.first;
            const double tau_in = taus.second;
            CAPTURE(tau_ex);
            CAPTURE(tau_in);
            lif_params p = exp_params(tau_ex, tau_in);
            p.I_e = 50.0;
            const reference ref(p);
            auto V = [&](double t) {
                double v = ref.V(t, -70.0, 0, 0);
                for (const auto& [tk, w] : inputs) v += w * ref.kernel_of(t - tk, w);
                return v;
            };
            // Threshold 0.5 mV above everything V reaches before the last input.
            double v_max = -70.0;
            for (int k = 0; k * 1e-3 <= inputs[2].first; ++k) v_max = std::max(v_max, V(k * 1e-3));
            p.V_th = v_max + 0.5;
            const lif_exp m(p);
            lif_state s{.V = -70.0};
            double now = 0;
            for (const auto& [tk, w] : inputs) {
                REQUIRE(m.next_crossing(s, tk - now) == no_crossing);
                m.advance(s, tk - now);
                now = tk;
                m.receive(s, w);
            }
            REQUIRE(V(now) < p.V_th);
            const double expected = first_crossing(V, p.V_th, now, 100.0);
            REQUIRE(expected < no_crossing);
            const double got = now + m.next_crossing(s, 100.0);
            CHECK(std::abs(got - expected) < 1e-13);
            CHECK(m.next_crossing(s, expected - now - 1e-6) == no_crossing);
        }
    }

    TEST_CASE("lif_exp: grazing peak 1e-9 mV above threshold spikes, 1e-9 mV below does not") {
        for (double tau_s : {2.0, 10.0, 10.5, 25.0}) {
            CAPTURE(tau_s);
            lif_params p = exp_params(tau_s, tau_s, -55.0);
            const lif_exp m(p);
            // Peak of the PSP kernel: t_p = ln(tau_s/tau_m)/(1/tau_m - 1/tau_s), or tau_m if equal.
            const reference ref(p);
            const double t_p =
                tau_s == 10.0 ? 10.0 : std::log(tau_s / 10.0) / (1.0 / 10.0 - 1.0 / tau_s);
            const double k_peak = ref.kernel(t_p, tau_s);
            for (double margin : {1e-9, -1e-9}) {
                CAPTURE(margin);
                const double w = (p.V_th - p.E_L + margin) / k_peak;
                const lif_state s{.V = -70.0, .I_ex = w};
                for (double horizon : {no_crossing, 1e6, 2 * t_p}) {
                    const double t = m.next_crossing(s, horizon);
                    if (margin > 0) {
                        CHECK(t < t_p);
                        CHECK(t > t_p - 1e-3);
                    } else {
                        CHECK(t == no_crossing);
                    }
                }
                // Inhibition through the other synapse, also grazing (peak of a negative current).
                lif_params q = exp_params(tau_s == 2.0 ? 3.0 : 2.0, tau_s, -85.0);
                q.V_reset = -90.0;
                const lif_state neg{.V = -70.0, .I_in = -w};
                const lif_exp mi(q);
                // V dips to -85 - margin and recovers towards E_L = -70: only a dip that went
                // below V_th gives an upward crossing, just after the trough.
                const double t_up = mi.next_crossing(neg, no_crossing);
                if (margin > 0) {
                    CHECK(t_up > t_p);
                    CHECK(t_up < t_p + 1e-3);
                } else {
                    CHECK(t_up == no_crossing);
                }
            }
        }
    }

    TEST_CASE("lif_exp: grazing peaks and troughs +-1e-9 mV are decided right for random taus") {
        // Peaks far from the end of the search and near-equal taus exposed two rounding traps
        // (e^{-t/tau_m} as 1 + expm1, V' as a difference of rounded terms): keep them covered.
        std::mt19937_64 rng(7);
        std::uniform_real_distribution<double> uni(0.0, 1.0);
        for (int n = 0; n < 300; ++n) {
            lif_params p;
            p.tau_m = 1.0 + 30.0 * uni(rng);
            p.tau_syn_ex = n % 10 == 0 ? p.tau_m : 0.2 + 40.0 * uni(rng);
            p.tau_syn_in = 0.2 + 40.0 * uni(rng);
            p.V_th = -69.0 + 30.0 * uni(rng);
            p.V_reset = -100.0;
            const reference ref(p);
            const double tm = p.tau_m, ts = p.tau_syn_ex;
            const double t_p = ts == tm ? tm : std::log(ts / tm) / (1.0 / tm - 1.0 / ts);
            const double k_peak = ref.kernel(t_p, ts);
            CAPTURE(n);
            for (double margin : {1e-9, -1e-9}) {
                const double w = (p.V_th - p.E_L + margin) / k_peak;
                const double t = lif_exp(p).next_crossing(lif_state{.V = -70.0, .I_ex = w}, no_crossing);
                // The mirror image: a trough below V_th' = E_L - (V_th - E_L), then recovery.
                lif_params q = p;
                std::swap(q.tau_syn_ex, q.tau_syn_in);
                q.V_th = -70.0 - (p.V_th + 70.0);
                q.V_reset = q.V_th - 10.0;
                const double t_up = lif_exp(q).next_crossing(lif_state{.V = -70.0, .I_in = -w}, no_crossing);
                if (margin > 0) {
                    CHECK((t < t_p && t > 0.99 * t_p));
                    CHECK((t_up > t_p && t_up < 1.01 * t_p));
                } else {
                    CHECK(t == no_crossing);
                    CHECK(t_up == no_crossing);
                }
            }
        }
    }

    TEST_CASE("lif_exp: a crossing between two instants where V is below threshold is found") {
        // NEST's _ps models test V only at the ends of an interval and miss this peak.
        lif_params p = exp_params(2.0, 5.0, -55.0);
        const lif_exp m(p);
        const reference ref(p);
        const lif_state s{.V = -66.0, .I_ex = 2600.0, .I_in = -100.0};
        auto V = [&](double t) { return ref.V(t, s.V, s.I_ex, s.I_in); };
        REQUIRE(V(0) < p.V_th);
        REQUIRE(V(30) < p.V_th);
        const double expected = first_crossing(V, p.V_th, 0, 30);
        REQUIRE(expected < 30);
        CHECK(std::abs(m.next_crossing(s, 30.0) - expected) < 1e-13);
    }

    TEST_CASE("lif_exp: two crossings between consecutive inputs are both found") {
        // Fast excitation overshoots, slow inhibition pulls V back below V_th, I_e lifts it again:
        // V crosses up (~0.25 ms), down (~6.7 ms) and up (~53.6 ms) with no input in between.
        lif_params p = exp_params(0.5, 20.0, -55.0);
        p.I_e = 500.0;  // v_inf = -50 mV
        const lif_exp m(p);
        const reference ref(p);
        const lif_state s0{.V = -70.0, .I_ex = 20000.0, .I_in = -1000.0};
        auto V = [&](double t) { return ref.V(t, s0.V, s0.I_ex, s0.I_in); };

        const double t1 = first_crossing(V, p.V_th, 0, 5);
        const double t_down = first_crossing([&](double t) { return -V(t); }, -p.V_th, 1, 20);
        const double t2 = first_crossing(V, p.V_th, t_down + 1e-3, 200);
        REQUIRE(t1 < t_down);
        REQUIRE(t_down < t2);
        REQUIRE(t2 < 200);
        CHECK(std::abs(m.next_crossing(s0, 200.0) - t1) < 1e-13);

        // Re-asked from inside the dip (no spike emitted), the second crossing is found.
        lif_state mid = s0;
        m.advance(mid, 20.0);
        CHECK(std::abs(20.0 + m.next_crossing(mid, 200.0) - t2) < 1e-13);
        // Re-asked just after the downward crossing, too.
        lif_state after = s0;
        m.advance(after, t_down + 1e-6);
        CHECK(std::abs(t_down + 1e-6 + m.next_crossing(after, 200.0) - t2) < 1e-13);

        // Engine-like: fire at the first crossing, reset and refractoriness, then ask again.
        lif_state s = s0;
        const double h1 = m.next_crossing(s, 200.0);
        m.advance(s, h1);
        m.fire_predicted(s);
        CHECK(s.V == -70.0);
        CHECK(s.refractory_ms == 2.0);
        const double I_ex1 = s0.I_ex * std::exp(-h1 / 0.5);
        const double I_in1 = s0.I_in * std::exp(-h1 / 20.0);
        auto W = [&](double t) { return ref.V_ref(t, -70.0, I_ex1, I_in1, 2.0); };
        const double expected = first_crossing(W, p.V_th, 2.0, 300.0);
        REQUIRE(expected < 300.0);
        CHECK(std::abs(m.next_crossing(s, 300.0) - expected) < 1e-13);
    }

    TEST_CASE("lif_exp: while refractory V is held but currents still decay and receive inputs") {
        lif_params p = exp_params(2.0, 5.0, -55.0);
        p.V_reset = -65.0;
        const lif_exp m(p);
        const reference ref(p);
        lif_state s{.V = -54.0, .I_ex = 100.0};
        REQUIRE(m.can_fire(s));
        m.fire(s);
        CHECK(s.V == -65.0);
        m.advance(s, 0.5);
        m.receive(s, 300.0);
        m.advance(s, 0.25);
        m.receive(s, -100.0);
        CHECK(s.V == -65.0);
        CHECK_FALSE(m.can_fire(s));
        lif_state one_step = s;
        m.advance(s, 1.25);  // refractoriness ends exactly here, at t = 2
        CHECK(s.V == -65.0);
        CHECK(s.refractory_ms == 0.0);
        const double I_ex2 = 100.0 * std::exp(-2.0 / 2.0) + 300.0 * std::exp(-1.5 / 2.0);
        const double I_in2 = -100.0 * std::exp(-1.25 / 5.0);
        CHECK(std::abs(s.I_ex - I_ex2) < 1e-12);
        CHECK(std::abs(s.I_in - I_in2) < 1e-12);
        m.advance(s, 3.0);
        const double expected = ref.V(3.0, -65.0, I_ex2, I_in2);
        CHECK(std::abs(s.V - expected) < 1e-12);
        m.advance(one_step, 4.25);  // across the end of refractoriness in one call
        CHECK(std::abs(one_step.V - expected) < 1e-12);
    }

    TEST_CASE("lif_exp: hard reset sets V_reset, soft reset subtracts V_th - V_reset") {
        lif_params p = exp_params(2.0, 2.0, -55.0);
        lif_state s{.V = -54.5, .I_ex = 10.0};
        lif_exp(p).fire(s);
        CHECK(s.V == -70.0);
        CHECK(s.I_ex == 10.0);
        p.reset = reset_kind::soft;
        lif_state t{.V = -54.5};
        lif_exp(p).fire(t);
        CHECK(t.V == -69.5);
    }

    TEST_CASE("lif_exp: a soft reset left above threshold is never re-predicted at the same instant") {
        lif_params p = exp_params(2.0, 2.0, -55.0);
        p.reset = reset_kind::soft;
        p.t_ref = 0.0;
        const lif_exp m(p);
        lif_state s{.V = -20.0, .I_ex = 5000.0};
        m.fire(s);
        CHECK(s.V == -35.0);
        CHECK(m.next_crossing(s, 1e9) == no_crossing);  // stays above, then decays: no upward crossing
        // Dips below with inhibition, then recovers through I_e: the upward crossing is positive.
        p.I_e = 1000.0;
        const lif_exp n(p);
        const lif_state dip{.V = -50.0, .I_in = -8000.0};
        const double t = n.next_crossing(dip, 1e9);
        CHECK(t > 0.1);
        CHECK(t < no_crossing);
        p.t_ref = 0.5;
        const lif_exp r(p);
        lif_state held{.V = -20.0};
        r.fire(held);
        CHECK(r.next_crossing(held, 1e9) == 0.5);
    }

    TEST_CASE("lif_exp: randomized states never hide a crossing from next_crossing") {
        std::mt19937_64 rng(20261127);
        std::uniform_real_distribution<double> uni(0.0, 1.0);
        const double tau_choices[] = {0.5, 2.0, 10.0, 20.0};
        int with_crossing = 0;
        for (int n = 0; n < 400; ++n) {
            lif_params p = exp_params(tau_choices[n % 4], tau_choices[(n / 4) % 4], -55.0);
            p.I_e = 450.0 * uni(rng);
            const lif_exp m(p);
            const reference ref(p);
            const lif_state s{.V = -75.0 + 25.0 * uni(rng), .I_ex = 3000.0 * uni(rng) * uni(rng),
                              .I_in = -3000.0 * uni(rng) * uni(rng), .refractory_ms = n % 3 == 0 ? 2.0 * uni(rng) : 0.0};
            CAPTURE(n);
            const double horizon = 25.0;
            auto V = [&](double t) { return ref.V_ref(t, s.V, s.I_ex, s.I_in, s.refractory_ms); };
            // Brute force: first grid point at or above V_th after having been below.
            const double step = 5e-3;
            bool below = s.V < p.V_th;
            double grid_hit = no_crossing;
            if (!below && s.refractory_ms > 0) grid_hit = s.refractory_ms;
            for (int k = 1; grid_hit == no_crossing && k * step <= horizon; ++k) {
                const double t = k * step;
                const double v = V(t);
                if (v >= p.V_th && below) grid_hit = t;
                if (v < p.V_th) below = true;
            }
            const double got = m.next_crossing(s, horizon);
            if (grid_hit < no_crossing) {
                ++with_crossing;
                REQUIRE(got < no_crossing);
                CHECK(got <= grid_hit + 1e-9);
            }
            if (got < no_crossing) {
                CHECK(got > 0);
                if (got != s.refractory_ms) CHECK(std::abs(V(got) - p.V_th) < 1e-9);
                // No earlier grid point was an upward crossing.
                bool was_below = s.V < p.V_th;
                bool earlier = false;
                for (int k = 1; k * step < got - 1e-9; ++k) {
                    const double v = V(k * step);
                    earlier = earlier || (v >= p.V_th + 1e-9 && was_below);
                    if (v < p.V_th) was_below = true;
                }
                CHECK_FALSE(earlier);
            }
        }
        CHECK(with_crossing > 40);
    }
}
