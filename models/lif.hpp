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

}  // namespace evspike
