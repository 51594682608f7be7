// Question: what does one neuron update cost in the exact models, i.e. ns per advance + receive
// and per next_crossing, for lif_delta (closed form) and lif_exp (no-miss search), in the regimes
// an engine meets: quiescent (early-out bound), input-driven near threshold (full search), and
// suprathreshold DC drive? Answers bench/README.md "Neuron model update cost".
#include <benchmark/benchmark.h>

#include <cstddef>
#include <random>
#include <vector>

#include "models/lif_delta.hpp"
#include "models/lif_exp.hpp"

namespace {

using evspike::lif_delta;
using evspike::lif_exp;
using evspike::lif_params;
using evspike::lif_state;

constexpr std::size_t table_size = 4096;  // power of two

struct inputs {
    std::vector<double> h_ms;  // inter-input intervals
    std::vector<double> w;     // weights
};

// Poisson-like input: mean interval 0.1 ms (10 kHz total input), weights of both signs.
inputs make_inputs(double w_exc, double w_inh) {
    std::mt19937_64 rng(42);
    std::exponential_distribution<double> interval(10.0);
    std::uniform_real_distribution<double> uni(0.0, 1.0);
    inputs in;
    for (std::size_t k = 0; k < table_size; ++k) {
        in.h_ms.push_back(interval(rng));
        in.w.push_back(uni(rng) < 0.8 ? w_exc : w_inh);
    }
    return in;
}

lif_params brette_bench4() {  // Brette et al. 2007 benchmark 4 neuron
    lif_params p;
    p.tau_m = 20.0;
    p.E_L = -49.0;
    p.V_th = -50.0;
    p.V_reset = -60.0;
    p.t_ref = 5.0;
    return p;
}

lif_params exp_neuron() {
    lif_params p;  // NEST defaults, tau_syn_ex 2, tau_syn_in 5
    p.tau_syn_in = 5.0;
    p.I_e = 300.0;  // v_inf = -58 mV: fluctuation-driven firing
    return p;
}

// Engine-like loop: advance to the next input, receive it, fire if due.
template <class Model>
void advance_receive(benchmark::State& state, const Model& m, const inputs& in, lif_state s) {
    std::size_t k = 0;
    for (auto _ : state) {
        m.advance(s, in.h_ms[k]);
        m.receive(s, in.w[k]);
        if (m.can_fire(s)) m.fire(s);
        k = (k + 1) & (table_size - 1);
    }
    benchmark::DoNotOptimize(s);
}

// States sampled along a driven trajectory, then next_crossing on each.
template <class Model>
std::vector<lif_state> sample_states(const Model& m, const inputs& in, lif_state s) {
    std::vector<lif_state> states;
    for (std::size_t k = 0; k < table_size; ++k) {
        m.advance(s, in.h_ms[k]);
        m.receive(s, in.w[k]);
        if (m.can_fire(s)) m.fire(s);
        states.push_back(s);
    }
    return states;
}

template <class Model>
void next_crossing(benchmark::State& state, const Model& m, const std::vector<lif_state>& states,
                   double horizon_ms) {
    std::size_t k = 0;
    std::size_t found = 0;
    for (auto _ : state) {
        const double t = m.next_crossing(states[k], horizon_ms);
        found += t < evspike::no_crossing;
        benchmark::DoNotOptimize(t);
        k = (k + 1) & (table_size - 1);
    }
    state.counters["crossing_fraction"] =
        static_cast<double>(found) / static_cast<double>(state.iterations());
}

void bm_lif_delta_advance_receive(benchmark::State& state) {
    const lif_delta m(brette_bench4());
    advance_receive(state, m, make_inputs(0.25, -2.25), lif_state{.V = -55.0});
}

void bm_lif_delta_next_crossing(benchmark::State& state) {
    const lif_delta m(brette_bench4());  // v_inf = E_L = -49 > V_th: every state has a crossing
    const auto states = sample_states(m, make_inputs(0.25, -2.25), lif_state{.V = -55.0});
    next_crossing(state, m, states, evspike::no_crossing);
}

void bm_lif_exp_advance_receive(benchmark::State& state) {
    const lif_exp m(exp_neuron());
    advance_receive(state, m, make_inputs(40.0, -60.0), lif_state{.V = -65.0});
}

void bm_lif_exp_next_crossing_quiescent(benchmark::State& state) {
    lif_params p = exp_neuron();
    p.I_e = 0.0;
    const lif_exp m(p);  // weak input far below threshold: the early-out bound decides
    const auto states = sample_states(m, make_inputs(10.0, -40.0), lif_state{.V = -70.0});
    next_crossing(state, m, states, evspike::no_crossing);
}

void bm_lif_exp_next_crossing_driven(benchmark::State& state) {
    const lif_exp m(exp_neuron());  // near threshold: the full search runs on most states
    const auto states = sample_states(m, make_inputs(40.0, -60.0), lif_state{.V = -65.0});
    next_crossing(state, m, states, static_cast<double>(state.range(0)));
}

void bm_lif_exp_next_crossing_dc(benchmark::State& state) {
    lif_params p = exp_neuron();
    p.I_e = 1000.0;  // v_inf = -30 mV, strong input: crossings are frequent
    const lif_exp m(p);
    const auto states = sample_states(m, make_inputs(40.0, -160.0), lif_state{.V = -65.0});
    next_crossing(state, m, states, evspike::no_crossing);
}

}  // namespace

BENCHMARK(bm_lif_delta_advance_receive);
BENCHMARK(bm_lif_delta_next_crossing);
BENCHMARK(bm_lif_exp_advance_receive);
BENCHMARK(bm_lif_exp_next_crossing_quiescent);
BENCHMARK(bm_lif_exp_next_crossing_driven)->Arg(1)->Arg(1000000);
BENCHMARK(bm_lif_exp_next_crossing_dc);

BENCHMARK_MAIN();
