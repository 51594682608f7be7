// lif_delta against closed forms written here independently of the model (SPEC §4; NEST's
// test_iaf_ps_dc_accuracy values), plus reset, refractoriness and parameter validation.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "models/lif_delta.hpp"
#include "models/lif_exp.hpp"
#include "lif_fixtures.hpp"

using evspike::lif_delta;
using evspike::lif_params;
using evspike::lif_state;
using evspike::no_crossing;
using evspike::reset_kind;

namespace {

using evspike::test::dc_params;

// Uneven step lengths summing to exactly `total` ms (the last step takes the remainder).
std::vector<double> uneven_steps(double total) {
    std::vector<double> steps;
    double t = 0;
    for (int k = 1;; ++k) {
        const double h = 0.001 + 0.37 * std::fmod(k * 0.6180339887498949, 1.0);
        if (t + h >= total) break;
        steps.push_back(h);
        t += h;
    }
    steps.push_back(total - t);
    return steps;
}

}  // namespace

TEST_SUITE("models") {
    TEST_CASE("lif_delta: DC drive gives V(5 ms) = 15.7387736114947 mV in one step and in uneven steps") {
        const lif_delta m(dc_params(2000.0));
        lif_state s{.V = 0.0};
        m.advance(s, 5.0);
        CHECK(std::abs(s.V - 15.7387736114947) < 1e-12);
        CHECK(std::abs(m.voltage_after(lif_state{.V = 0.0}, 5.0) - 15.7387736114947) < 1e-12);

        lif_state u{.V = 0.0};
        const auto steps = uneven_steps(5.0);
        REQUIRE(steps.size() > 20);
        for (double h : steps) m.advance(u, h);
        CHECK(std::abs(u.V - 15.7387736114947) < 1e-12);
    }

    TEST_CASE("lif_delta: DC drive first reaches V_th = 15 mV at -10 ln(0.625) = 4.70003629245736 ms") {
        const lif_delta m(dc_params(15.0));
        lif_state s{.V = 0.0};
        const double t = m.next_crossing(s, 100.0);
        CHECK(std::abs(t - 4.70003629245736) < 1e-12);
        CHECK(m.next_crossing(s, 4.7) == no_crossing);  // horizon before the crossing
        m.advance(s, t);
        CHECK(std::abs(s.V - 15.0) < 1e-12);
        m.fire_predicted(s);
        CHECK(s.V == 0.0);
    }

    TEST_CASE("lif_delta: DC spike train period is t_ref + tau_m ln((v_inf - V_reset)/(v_inf - V_th))") {
        for (const auto reset : {reset_kind::hard, reset_kind::soft}) {
            lif_params p = dc_params(15.0);
            p.V_reset = 5.0;
            p.t_ref = 2.0;
            p.reset = reset;
            const lif_delta m(p);
            const double v_inf = 40.0;
            const double period = 2.0 + 10.0 * std::log((v_inf - 5.0) / (v_inf - 15.0));
            lif_state s{.V = 0.0};
            double t = 0;
            std::vector<double> spikes;
            for (int k = 0; k < 20; ++k) {
                const double h = m.next_crossing(s, 1e9);
                REQUIRE(h < no_crossing);
                m.advance(s, h);
                t += h;
                spikes.push_back(t);
                m.fire_predicted(s);
                CHECK(std::abs(s.V - 5.0) < 1e-12);
            }
            CHECK(std::abs(spikes[0] - 10.0 * std::log(v_inf / (v_inf - 15.0))) < 1e-12);
            for (std::size_t k = 1; k < spikes.size(); ++k) {
                CHECK(std::abs(spikes[k] - spikes[k - 1] - period) < 1e-12);
            }
        }
    }

    TEST_CASE("lif_delta: inputs jump V by w mV and are discarded while refractory, where V is held") {
        lif_params p;  // NEST defaults: E_L -70, V_th -55, V_reset -70, t_ref 2, I_e 0
        p.V_reset = -65.0;
        const lif_delta m(p);
        lif_state s{.V = -70.0};
        m.receive(s, 10.0);
        CHECK(s.V == -60.0);
        m.receive(s, 6.0);
        REQUIRE(m.can_fire(s));
        m.fire(s);
        CHECK(s.V == -65.0);
        CHECK(s.refractory_ms == 2.0);
        m.advance(s, 0.7);
        m.receive(s, 20.0);  // discarded
        CHECK(s.V == -65.0);
        CHECK_FALSE(m.can_fire(s));
        m.advance(s, 1.3);  // refractoriness ends exactly now
        CHECK(s.refractory_ms == 0.0);
        CHECK(s.V == -65.0);
        m.receive(s, 1.0);  // an input at exactly spike + t_ref counts
        CHECK(s.V == -64.0);
        // Free relaxation afterwards: V(t) = E_L + (V - E_L) e^{-t/tau_m}.
        m.advance(s, 3.0);
        CHECK(std::abs(s.V - (-70.0 + 6.0 * std::exp(-0.3))) < 1e-12);
    }

    TEST_CASE("lif_delta: rounding of a time difference cannot leave a sliver of refractoriness") {
        const lif_delta m(lif_params{});
        lif_state s{.V = -60.0};
        m.fire(s);
        CHECK(m.voltage_after(s, 1.0) == -70.0);  // held
        m.advance(s, 2.0 - 1e-15);                // what (t0 + 2) - t0 may give
        CHECK(s.refractory_ms == 0.0);
        m.receive(s, 1.0);
        CHECK(s.V == -69.0);
        lif_state t{.V = -60.0};
        m.fire(t);
        m.advance(t, 2.0 - 1e-9);  // a real 1e-9 ms before the end: still refractory
        CHECK(t.refractory_ms > 0.0);
        m.receive(t, 1.0);
        CHECK(t.V == -70.0);
    }

    TEST_CASE("lif_delta: advancing through the end of refractoriness relaxes only for the remaining time") {
        lif_params p;
        p.I_e = 500.0;  // v_inf = -70 + 10 * 500 / 250 = -50
        p.V_th = -40.0;
        const lif_delta m(p);
        lif_state s{.V = -60.0, .refractory_ms = 1.25};
        m.advance(s, 4.0);
        CHECK(std::abs(s.V - (-50.0 - 10.0 * std::exp(-2.75 / 10.0))) < 1e-12);
        // The prediction includes the remaining refractoriness.
        lif_params q = p;
        q.V_th = -55.0;
        const lif_delta n(q);
        const lif_state r{.V = -70.0, .refractory_ms = 0.5};
        CHECK(std::abs(n.next_crossing(r, 100.0) - (0.5 + 10.0 * std::log(20.0 / 5.0))) < 1e-12);
    }

    TEST_CASE("lif_delta: hard reset sets V_reset, soft reset subtracts V_th - V_reset") {
        lif_params p;
        p.t_ref = 0.0;
        lif_state s{.V = -52.0};
        lif_delta(p).fire(s);
        CHECK(s.V == -70.0);
        p.reset = reset_kind::soft;
        lif_state t{.V = -52.0};
        lif_delta(p).fire(t);
        CHECK(t.V == -67.0);
    }

    TEST_CASE("lif_delta: a soft reset left above threshold is never re-predicted at the same instant") {
        lif_params p;
        p.reset = reset_kind::soft;
        p.t_ref = 0.0;
        p.I_e = 1000.0;  // v_inf = -30 mV, above V_th
        const lif_delta m(p);
        lif_state s{.V = -70.0};
        m.receive(s, 50.0);  // V = -20: two thresholds' worth above reset
        REQUIRE(m.can_fire(s));
        m.fire(s);
        CHECK(s.V == -35.0);          // still >= V_th after one subtraction
        CHECK(m.next_crossing(s, 1e9) == no_crossing);  // upward crossings only, none at h = 0
        m.receive(s, 0.0);            // the next input finds it above threshold: it fires then
        CHECK(m.can_fire(s));

        p.t_ref = 0.5;  // with refractoriness it fires again exactly when refractoriness ends
        const lif_delta n(p);
        lif_state r{.V = -20.0};
        n.fire(r);
        CHECK(r.V == -35.0);
        CHECK(n.next_crossing(r, 1e9) == 0.5);
        CHECK(n.next_crossing(r, 0.4) == no_crossing);
    }

    TEST_CASE("lif_delta: no crossing when I_e cannot lift V to V_th") {
        lif_params p;
        p.I_e = 375.0;  // v_inf = -55 = V_th exactly: approached, never reached
        const lif_delta m(p);
        CHECK(m.next_crossing(lif_state{.V = -70.0}, 1e9) == no_crossing);
        CHECK(m.next_crossing(lif_state{.V = -60.0}, no_crossing) == no_crossing);
        p.I_e = 0.0;
        CHECK(lif_delta(p).next_crossing(lif_state{.V = -56.0}, no_crossing) == no_crossing);
    }

    TEST_CASE("lif_params: validate rejects bad values and names the parameter") {
        auto rejects = [](lif_params p, const std::string& name) {
            CHECK_THROWS_AS(p.validate(), evspike::model_error);
            CHECK_THROWS_AS(lif_delta{p}, evspike::model_error);
            CHECK_THROWS_AS(evspike::lif_exp{p}, evspike::model_error);
            try {
                p.validate();
            } catch (const evspike::model_error& e) {
                CHECK(std::string(e.what()).rfind(name + ":", 0) == 0);
            }
        };
        const double nan = std::nan("");
        const double inf = std::numeric_limits<double>::infinity();
        lif_params p;
        CHECK_NOTHROW(p.validate());
        p.tau_m = 0.0;
        rejects(p, "tau_m");
        p = {};
        p.tau_m = -1.0;
        rejects(p, "tau_m");
        p = {};
        p.C_m = 0.0;
        rejects(p, "C_m");
        p = {};
        p.tau_syn_ex = 0.0;
        rejects(p, "tau_syn_ex");
        p = {};
        p.tau_syn_in = -2.0;
        rejects(p, "tau_syn_in");
        p = {};
        p.t_ref = -0.1;
        rejects(p, "t_ref");
        p = {};
        p.V_reset = p.V_th;
        rejects(p, "V_reset");
        p = {};
        p.E_L = nan;
        rejects(p, "E_L");
        p = {};
        p.I_e = inf;
        rejects(p, "I_e");
        p = {};
        p.V_th = -inf;
        rejects(p, "V_th");
        p = {};
        p.t_ref = 0.0;  // allowed
        CHECK_NOTHROW(p.validate());
    }
}
