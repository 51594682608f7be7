#pragma once
// lif_exp (SPEC §4): C_m dV/dt = -C_m (V - E_L)/tau_m + I_ex + I_in + I_e, tau_s dI_s/dt = -I_s
// (s = ex, in); an input w >= 0 adds w pA to I_ex, w < 0 to I_in, also while refractory.
//
// Propagation (exact, u = V - E_L, u_inf = tau_m I_e / C_m, d_s = 1/tau_m - 1/tau_s):
//   u(t) = u0 + (u0 - u_inf) expm1(-t/tau_m) + sum_s I_s0 P_s(t),   I_s(t) = I_s0 e^{-t/tau_s}
//   P_s(t) = (e^{-t/tau_s} - e^{-t/tau_m}) / (C_m d_s) = e^{-t/tau_m} t phi1(t d_s) / C_m
// with phi1(x) = expm1(x)/x (phi1(0) = 1). The phi1 form (Taylor series) is used for
// |t d_s| < 0.05: it has no cancellation, is continuous in d_s and gives the singular kernel
// t e^{-t/tau}/C_m for tau_s == tau_m exactly; beyond, the plain difference loses < 4.4 bits.
//
// Threshold crossing that cannot miss (the proof is in docs/models.md):
//   1. Provable early-out: u(t) <= u_inf + max(0, u0 - u_inf) + sum_s max(0, I_s0) max_t P_s(t)
//      for all t >= 0 (P_s >= 0, currents only decay). Below V_th: no crossing, a few flops.
//   2. Otherwise let w(t) = e^{t/tau_m} V'(t). Then w'(t) = -e^{t/tau_m} q(t)/C_m with
//      q(t) = I_ex0/tau_ex e^{-t/tau_ex} + I_in0/tau_in e^{-t/tau_in}, a two-term exponential sum
//      with at most one sign change, at t_q = ln(-B/A)/(1/tau_in - 1/tau_ex) in closed form.
//      So w is monotone on [0, t_q] and on [t_q, H]; on each piece V' (same sign as w) changes
//      sign at most once and V is monotone or unimodal there.
//   3. On each piece [a, b], in time order, the ends decide: V(a) < V_th <= V(b) brackets the
//      only upward crossing of the piece; a piece with an interior maximum and both ends below
//      needs the maximum: safeguarded Newton on w (bracketed, bisection fallback), stopped as
//      soon as a point above V_th is found or the tangent-line bound of the maximum is below
//      V_th; likewise an interior minimum when both ends are above. The first bracket found is
//      refined by safeguarded Halley steps on V - V_th to 1e-13 ms (or 8 ulp of the time).
//   4. The search ends where V provably stays on v_inf's side of V_th (transient bound), or at
//      the horizon; V' is evaluated term by term so its sign is exact there too.
// Decisions are exact up to rounding of V (~1e-14 mV at |V| ~ 70 mV): a peak 1e-9 mV above V_th
// spikes, 1e-9 mV below does not.
#include <algorithm>
#include <cmath>

#include "models/lif.hpp"

namespace evspike {

class lif_exp {
public:
    explicit lif_exp(const lif_params& p);  // validates p (throws model_error)

    const lif_params& params() const { return p_; }
    double v_inf() const { return p_.E_L + u_inf_; }  // mV, the potential I_e alone drives V to

    // Evolve by h >= 0 ms without input: while refractory V is held and the currents decay.
    void advance(lif_state& s, double h_ms) const {
        if (s.refractory_ms > 0) {
            if (s.refractory_ms - h_ms > refractory_tolerance_ms) {
                s.refractory_ms -= h_ms;
                decay_currents(s, h_ms);
                return;
            }
            const double held = std::min(s.refractory_ms, h_ms);
            decay_currents(s, held);
            h_ms -= held;
            s.refractory_ms = 0;
            if (h_ms <= 0) return;
        }
        evolve(s.V, s.I_ex, s.I_in, h_ms);
    }

    // One input of w pA at the current instant, always (SPEC §3.5: currents keep receiving).
    void receive(lif_state& s, double w_pA) const {
        if (w_pA >= 0) {
            s.I_ex += w_pA;
        } else {
            s.I_in += w_pA;
        }
    }

    bool can_fire(const lif_state& s) const { return s.V >= p_.V_th && s.refractory_ms <= 0; }

    void fire(lif_state& s) const {
        if (p_.reset == reset_kind::hard) {
            s.V = p_.V_reset;
        } else {
            s.V -= p_.V_th - p_.V_reset;
        }
        s.refractory_ms = p_.t_ref;
    }

    void fire_predicted(lif_state& s) const {
        if (s.V < p_.V_th) s.V = p_.V_th;
        fire(s);
    }

    // Earliest h in (0, horizon] at which V reaches V_th with no further input, or no_crossing.
    double next_crossing(const lif_state& s, double horizon_ms) const {
        const double r = s.refractory_ms > 0 ? s.refractory_ms : 0.0;
        if (r > 0 && s.V >= p_.V_th) return r <= horizon_ms ? r : no_crossing;
        if (r >= horizon_ms) return no_crossing;
        if (stays_below(s.V, s.I_ex, s.I_in)) return no_crossing;
        return search_crossing(s, horizon_ms);
    }

    double voltage_after(const lif_state& s, double h_ms) const {
        lif_state c = s;
        advance(c, h_ms);
        return c.V;
    }

private:
    // Values of the free solution at time t after a state (V0, I_ex0, I_in0).
    struct point {
        double V;     // mV
        double dV;    // mV/ms
        double q;     // pA/ms, I_ex/tau_ex + I_in/tau_in: w' = -e^{t/tau_m} q / C_m
        double I_ex;  // pA
        double I_in;  // pA
    };

    // Provable: from this free state V stays below V_th for ever (step 1 above).
    bool stays_below(double V, double I_ex, double I_in) const {
        const double bound = u_inf_ + std::max(0.0, V - p_.E_L - u_inf_) + std::max(0.0, I_ex) * peak_ex_ +
                             std::max(0.0, I_in) * peak_in_;
        return p_.E_L + bound + 1e-12 * (std::abs(p_.E_L) + std::abs(bound)) < p_.V_th;
    }

    // e^{-t/tau_m} from em = expm1(-t/tau_m): 1 + em is exact to an ulp while em > -1/2, but
    // far out it would round to 0 and lose the tail that decides the sign of V'.
    double decay_m(double t, double em) const { return em > -0.5 ? 1.0 + em : std::exp(-t * inv_tau_m_); }

    // C_m P_s(t) given e_m = e^{-t/tau_m}, e_s = e^{-t/tau_s}, d = 1/tau_m - 1/tau_s. For
    // |x| = |t d| >= 0.05 the difference loses at most log2(1/|x|) < 4.4 bits (relative error
    // < 3e-15); below, e_m t phi1(x) with phi1 by its Taylor series (the first omitted term,
    // x^10/11!, is < 3e-21): no transcendental call beyond e_m and e_s.
    static double kernel_C(double t, double e_m, double e_s, double d) {
        const double x = t * d;
        if (std::abs(x) >= 0.05) return (e_s - e_m) / d;
        constexpr double c2 = 1.0 / 2, c3 = 1.0 / 3, c4 = 1.0 / 4, c5 = 1.0 / 5, c6 = 1.0 / 6,
                         c7 = 1.0 / 7, c8 = 1.0 / 8, c9 = 1.0 / 9, c10 = 1.0 / 10;
        const double phi =
            1 + x * c2 *
                    (1 + x * c3 *
                             (1 + x * c4 *
                                      (1 + x * c5 *
                                               (1 + x * c6 *
                                                        (1 + x * c7 * (1 + x * c8 * (1 + x * c9 * (1 + x * c10))))))));
        return e_m * t * phi;
    }

    // d/dt of C_m P_s(t), in whichever of its two exact forms does not cancel far out:
    // e_s - K/tau_m for tau_s <= tau_m, e_m - K/tau_s otherwise.
    static double kernel_C_slope(double e_m, double e_s, double K, double inv_tau_m, double inv_tau_s) {
        return inv_tau_s >= inv_tau_m ? e_s - K * inv_tau_m : e_m - K * inv_tau_s;
    }

    void decay_currents(lif_state& s, double t) const {
        const double e_ex = std::exp(-t * inv_tau_ex_);
        s.I_ex *= e_ex;
        s.I_in *= same_syn_ ? e_ex : std::exp(-t * inv_tau_in_);
    }

    void evolve(double& V, double& I_ex, double& I_in, double t) const {
        const double em = std::expm1(-t * inv_tau_m_);
        const double e_m = decay_m(t, em);
        const double e_ex = std::exp(-t * inv_tau_ex_);
        const double e_in = same_syn_ ? e_ex : std::exp(-t * inv_tau_in_);
        double syn = 0;
        if (I_ex != 0) syn += I_ex * kernel_C(t, e_m, e_ex, d_ex_);
        if (I_in != 0) syn += I_in * kernel_C(t, e_m, e_in, d_in_);
        const double u = V - p_.E_L;
        V = p_.E_L + (u + (u - u_inf_) * em + syn * inv_C_);
        I_ex *= e_ex;
        I_in *= e_in;
    }

    // Free solution at t after (u0 = V0 - E_L, I_ex0, I_in0). V' is summed from terms that each
    // carry their own exponential, never as (u_inf - u)/tau_m + I/C_m: far out u has rounded to
    // u_inf while the sign of V' still decides whether a piece holds an extremum.
    point at(double u0, double I_ex0, double I_in0, double t) const {
        const double em = std::expm1(-t * inv_tau_m_);
        const double e_m = decay_m(t, em);
        const double e_ex = std::exp(-t * inv_tau_ex_);
        const double e_in = same_syn_ ? e_ex : std::exp(-t * inv_tau_in_);
        double syn = 0, dsyn = 0;
        if (I_ex0 != 0) {
            const double K = kernel_C(t, e_m, e_ex, d_ex_);
            syn += I_ex0 * K;
            dsyn += I_ex0 * kernel_C_slope(e_m, e_ex, K, inv_tau_m_, inv_tau_ex_);
        }
        if (I_in0 != 0) {
            const double K = kernel_C(t, e_m, e_in, d_in_);
            syn += I_in0 * K;
            dsyn += I_in0 * kernel_C_slope(e_m, e_in, K, inv_tau_m_, inv_tau_in_);
        }
        const double u = u0 + (u0 - u_inf_) * em + syn * inv_C_;
        const double dV = (u_inf_ - u0) * e_m * inv_tau_m_ + dsyn * inv_C_;
        const double I_ex = I_ex0 * e_ex;
        const double I_in = I_in0 * e_in;
        return {p_.E_L + u, dV, I_ex * inv_tau_ex_ + I_in * inv_tau_in_, I_ex, I_in};
    }

    double slope_u(double u, double I_ex, double I_in) const {
        return (u_inf_ - u) * inv_tau_m_ + (I_ex + I_in) * inv_C_;
    }

    double search_crossing(const lif_state& s, double horizon_ms) const;  // lif.cpp
    double locate_extremum(double u0, double I_ex0, double I_in0, const point& pa, const point& pb,
                           double a, double b, bool maximum, point& ext) const;
    double locate_root(double u0, double I_ex0, double I_in0, double lo, double hi, const point& p_lo,
                       double f_hi) const;

    lif_params p_;
    double u_inf_;       // mV, tau_m I_e / C_m
    double inv_tau_m_;   // 1/ms
    double inv_tau_ex_;  // 1/ms
    double inv_tau_in_;  // 1/ms
    double inv_C_;       // 1/pF
    double d_ex_;        // 1/ms, 1/tau_m - 1/tau_syn_ex
    double d_in_;        // 1/ms
    double peak_ex_;     // mV/pA, max_t P_ex(t) (slightly enlarged: a safe bound)
    double peak_in_;     // mV/pA
    bool same_syn_;      // tau_syn_ex == tau_syn_in
};

}  // namespace evspike
