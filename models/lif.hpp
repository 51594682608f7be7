#pragma once
// Leaky integrate-and-fire neurons integrated in closed form between events (SPEC §3, §4).
// Pure computation: times here are durations in ms relative to the state's last update; the
// engine owns absolute time.
//
// Contract used by the engine (per neuron, between two events it sees):
//   advance(s, h)        evolve the state by h >= 0 ms without input (refractoriness included)
//   receive(s, w)        apply one input of weight w at the current instant
//   can_fire(s)          V >= V_th and not refractory: the engine then calls fire(s)
//   fire(s)              reset (hard or soft) and start the refractory period
//   next_crossing(s, H)  earliest h in (0, H] at which V reaches V_th without further input, or
//                        +infinity; it never misses a crossing (SPEC §4)
//   fire_predicted(s)    fire at a time returned by next_crossing: V there equals V_th only up to
//                        rounding (can_fire may be false by one ulp), so the engine calls this
//                        instead of can_fire + fire when a still-valid prediction comes due
//   voltage_after(s, h)  V after h ms without input, without changing s (voltage reports)
//
// Semantics fixed here (docs/models.md has the details):
//   - V >= V_th counts as reaching threshold (equality fires).
//   - next_crossing returns upward crossings only, at strictly positive h: a free neuron already at
//     or above V_th (a soft reset with t_ref = 0 can leave it there) is not re-fired by prediction;
//     it fires again when an input arrives (the engine tests can_fire after deliveries) or after V
//     has dipped below V_th and crossed again. SPEC §3.2: at most one spike per instant.
//   - A refractory neuron whose held V is >= V_th (soft reset after a large jump) is predicted to
//     fire exactly when its refractoriness ends: h = refractory_ms.
//   - Refractoriness covers [spike, spike + t_ref): an input at exactly spike + t_ref counts.
//     advance() ends it when less than refractory_tolerance_ms remains, so rounding in the
//     engine's time differences (sim_time) cannot swallow such an input.
//   - The engine should test can_fire once on the initial state at t = 0 (V_m may start >= V_th).
#include <limits>

namespace evspike {

enum class reset_kind { hard, soft };

// NEST names, units and defaults (SPEC §4).
struct lif_params {
    double tau_m = 10.0;       // ms
    double C_m = 250.0;        // pF
    double E_L = -70.0;        // mV
    double V_th = -55.0;       // mV
    double V_reset = -70.0;    // mV
    double t_ref = 2.0;        // ms
    double I_e = 0.0;          // pA
    reset_kind reset = reset_kind::hard;
    double tau_syn_ex = 2.0;   // ms, lif_exp only
    double tau_syn_in = 2.0;   // ms, lif_exp only

    void validate() const;     // throws model_error naming the parameter
};

struct lif_state {
    double V = -70.0;          // mV
    double I_ex = 0.0;         // pA, lif_exp only
    double I_in = 0.0;         // pA, lif_exp only (<= 0)
    double refractory_ms = 0;  // refractory time still to run
};

inline constexpr double no_crossing = std::numeric_limits<double>::infinity();

// Below the 1e-9 ms resolution of SPEC §1, above the rounding of sim_time differences (~1e-15 ms).
inline constexpr double refractory_tolerance_ms = 1e-12;

}  // namespace evspike
