#pragma once
// lif_delta (SPEC §4): tau_m dV/dt = -(V - E_L) + tau_m I_e / C_m, an input of weight w makes V
// jump by w mV. Between events V relaxes exponentially to v_inf = E_L + tau_m I_e / C_m, so both
// the propagation and the threshold crossing have closed forms (NEST iaf_psc_delta_ps):
//   V(h)  = V + (V - v_inf) expm1(-h / tau_m)           (expm1: exact to ~1 ulp for small h)
//   t_cross = tau_m ln((v_inf - V) / (v_inf - V_th))  = tau_m log1p((V_th - V) / (v_inf - V_th))
// the latter only when v_inf > V_th (otherwise V never reaches V_th from below).
// Contract and semantics: models/lif.hpp; equations, units and proofs: docs/models.md.
#include <cmath>

#include "models/lif.hpp"

namespace evspike {

class lif_delta {
public:
    explicit lif_delta(const lif_params& p);  // validates p (throws model_error)

    const lif_params& params() const { return p_; }
    double v_inf() const { return v_inf_; }  // mV, the potential I_e alone drives V to

    // Evolve by h >= 0 ms without input: V held while refractory, then free relaxation.
    void advance(lif_state& s, double h_ms) const {
        if (s.refractory_ms > 0) {
            if (s.refractory_ms - h_ms > refractory_tolerance_ms) {
                s.refractory_ms -= h_ms;
                return;
            }
            h_ms -= s.refractory_ms;
            s.refractory_ms = 0;
            if (h_ms <= 0) return;
        }
        s.V = relax(s.V, h_ms);
    }

    // One input of w mV at the current instant; discarded while refractory (NEST).
    void receive(lif_state& s, double w_mV) const {
        if (s.refractory_ms <= 0) s.V += w_mV;
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
        if (s.V >= p_.V_th) {
            // Held at or above threshold: fires as refractoriness ends. Free and above: upward
            // crossings only (lif.hpp), and V relaxes monotonically, so none.
            return (r > 0 && r <= horizon_ms) ? r : no_crossing;
        }
        if (!(v_inf_ > p_.V_th)) return no_crossing;
        const double t = r + p_.tau_m * std::log1p((p_.V_th - s.V) / (v_inf_ - p_.V_th));
        return t <= horizon_ms ? t : no_crossing;
    }

    double voltage_after(const lif_state& s, double h_ms) const {
        lif_state c = s;
        advance(c, h_ms);
        return c.V;
    }

private:
    double relax(double V, double h_ms) const { return V + (V - v_inf_) * std::expm1(-h_ms * inv_tau_m_); }

    lif_params p_;
    double v_inf_;      // mV
    double inv_tau_m_;  // 1/ms
};

inline lif_delta::lif_delta(const lif_params& p) : p_(p) {
    p_.validate();
    v_inf_ = p_.E_L + p_.tau_m * p_.I_e / p_.C_m;
    inv_tau_m_ = 1.0 / p_.tau_m;
}

}  // namespace evspike
