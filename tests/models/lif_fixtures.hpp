#pragma once
// Parameters shared by the lif_delta and lif_exp tests.
#include "models/lif.hpp"

namespace evspike::test {

// NEST's test_iaf_ps_dc_accuracy setup: E_L 0, I_e 1000 pA, tau_m 10 ms, C_m 250 pF, V_m 0;
// V_th is the test's choice (2000: never fires; 15: first spike at 10 ln(1/0.625) ms).
inline lif_params dc_params(double V_th) {
    lif_params p;
    p.E_L = 0.0;
    p.I_e = 1000.0;
    p.tau_m = 10.0;
    p.C_m = 250.0;
    p.V_th = V_th;
    p.V_reset = 0.0;
    p.t_ref = 0.0;
    return p;
}

}  // namespace evspike::test
