// Question: which event queue should the engine use by default?
//
// Two measurements, each over every implementation of queue/event_queue.hpp:
//  1. A replay of the engine's own access pattern (a "hold model" with re-predictions): 4000
//     neurons each hold one prediction; each step pops the earliest entry and re-predicts 80
//     random neurons (each moved earlier or later, as excitatory or inhibitory inputs would),
//     then re-predicts the popped neuron. Lazy queues push instead of moving and drop
//     superseded entries when they surface, exactly as sim/engine.cpp does.
//  2. The engine itself on Benchmark 4 (data/bench4.toml and bench4_hetero.toml, 1 s simulated):
//     run `evspike simulate CONFIG --t-stop 1000 --queue NAME` (bench/README.md has the numbers).
// Reports the best of 5 repetitions in ns per operation (one operation = one pop or one
// re-prediction). Usage: queue_choice [steps]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/random.hpp"
#include "queue/event_queue.hpp"

using namespace evspike;

namespace {

template <class Q>
double hold_model(std::size_t steps) {
    constexpr std::uint32_t neurons = 4000;
    constexpr int fan_out = 80;
    random_stream rng(7);
    Q q;
    q.reserve(4 * neurons);
    std::vector<typename Q::handle> handles(neurons);
    std::vector<std::uint32_t> version(neurons, 0);
    std::vector<sim_time> predicted(neurons);
    for (std::uint32_t n = 0; n < neurons; ++n) {
        predicted[n] = sim_time::from_ms(100.0 * uniform01(rng));
        handles[n] = q.push(event::crossing(predicted[n], n, 0));
    }
    std::size_t ops = 0;
    const auto start = std::chrono::steady_clock::now();
    for (std::size_t step = 0; step < steps; ++step) {
        event e = q.top();
        q.pop();
        ++ops;
        if (e.aux != version[e.node()]) continue;  // superseded (lazy queues only)
        const sim_time now = e.time;
        for (int k = 0; k <= fan_out; ++k) {
            const std::uint32_t n = k == fan_out ? e.node() : static_cast<std::uint32_t>(rng() % neurons);
            if (k < fan_out && n == e.node()) continue;  // its entry was just popped
            // 80 % earlier by a little, 20 % later by more (bench4's +0.25 / -2.25 mV inputs).
            const double shift = (rng() % 5 != 0) ? -0.2 * uniform01(rng) : 5.0 * uniform01(rng);
            double dt = (predicted[n] - now) + shift;
            if (k == fan_out) dt = 5.0 + 100.0 * uniform01(rng);  // after its own spike
            if (dt <= 0) dt = 1e-3;
            predicted[n] = now + dt;
            const event moved = event::crossing(predicted[n], n, ++version[n]);
            if (k == fan_out)
                handles[n] = q.push(moved);
            else
                handles[n] = q.reschedule(handles[n], moved);
            ++ops;
        }
    }
    const double ns =
        std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count();
    return ns / static_cast<double>(ops);
}

template <class Q>
void report(const char* name, std::size_t steps) {
    double best = 1e300;
    for (int rep = 0; rep < 5; ++rep) best = std::min(best, hold_model<Q>(steps));
    std::printf("%-28s %8.1f ns/op\n", name, best);
}

}  // namespace

int main(int argc, char** argv) {
    const std::size_t steps = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 20000;
    std::printf("hold model: 4000 predictions, 80 re-predictions per pop, %zu pops, best of 5\n", steps);
    report<indexed_d_ary_queue<4>>("indexed_d_ary_queue<4>", steps);
    report<indexed_d_ary_queue<2>>("indexed_d_ary_queue<2>", steps);
    report<indexed_d_ary_queue<8>>("indexed_d_ary_queue<8>", steps);
    report<mutable_d_ary_queue<4>>("mutable_d_ary_queue<4>", steps);
    report<pairing_queue>("pairing_queue", steps);
    report<lazy_d_ary_queue<4>>("lazy_d_ary_queue<4>", steps);
    report<lazy_d_ary_queue<2>>("lazy_d_ary_queue<2>", steps);
    return 0;
}
