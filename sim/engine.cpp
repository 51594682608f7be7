// The event loop.
//
// Invariants, enforced here and checked by tests/sim/engine_test.cpp:
//
// 1. Epochs (conservative synchronisation, as NEST and Arbor). Time advances in epochs
//    [B_k, B_k+1) no longer than the smallest delay (B_k+1 = B_k + L, L = d_min (1 - 1e-12)). A
//    spike emitted in epoch k reaches its targets at >= B_k + d_min > B_k+1, so every input of an
//    epoch is known when it starts, and the neurons of one epoch are independent of each other:
//    each is brought through the epoch on its own, its inputs and its own threshold crossings in
//    time order. With MPI, a rank would own a set of neurons and the spikes of an epoch (the
//    outbox below) are what ranks exchange; no result depends on which neurons share a rank or
//    on the order neurons are processed in an epoch.
//
// 2. Fan-out walks (SPEC §3.3). A spike puts one entry in a calendar of epochs: (emission time,
//    source, position in its delay-sorted fan-out). In an epoch, each walk delivers the synapses
//    whose arrival falls in the epoch to per-target input lists and re-queues itself in the epoch
//    of its next arrival; so the calendar holds one entry per spike in flight, not one per synapse.
//
// 3. Event order and instants (SPEC §3.1, §3.2), per neuron. A neuron's events are its inputs
//    and its predicted threshold crossings. At one time T (an instant of that neuron): a crossing
//    comes first (it makes the neuron due: V is set to V_th, since re-evaluating the exponentials
//    at T can land a few ulps below), then every input at T in the order (source global id, older
//    spike first, fan-out position), lif_delta inputs summed into one jump; then the threshold is
//    tested once, the neuron fires at most once at T and its next crossing is predicted afresh.
//    So +w and -w arriving together cancel exactly (their sum is 0.0 before it touches V). The
//    order uses only times and global ids: it does not depend on insertion order or on the queue.
//
// 4. Lazy predictions. A neuron's queued crossing is never later than its exact prediction, but
//    may be earlier: when an input moves the crossing later (or not earlier than the queued
//    time), it is left alone (for lif_delta without even the log: the bound u_q below), and the
//    exact prediction is recomputed from the neuron's unchanged state when the early time comes,
//    which then only re-queues it without touching the neuron (lif_delta drifting up: when its
//    epoch starts, requeue_early, if the crossing is after the epoch). The exact prediction is the value
//    an eager scheme computes, so a neuron is due at exactly the same instants whatever the
//    queue. Predictions live in the neuron (its slot's pred_t); a queued entry only says in which epoch to
//    look at it: the calendar's ring within its horizon (~128 ms), the prediction queue
//    (`--queue`) beyond it.
//
// 5. Interval [0, t_stop) (SPEC §1): nothing at t >= t_stop is executed or reported. A voltage
//    sample at k * interval, k < sample_count(0, t_stop, interval) (so < t_stop), sees the state
//    after every event at its time (V is right-continuous), evaluated exactly from the state at
//    the neuron's last event.
//
// 6. Output order: the spikes of an epoch are reported sorted by (time, global id), so each
//    group's spikes come by time, ties by node id (SPEC §7.1 by_time).
//
// 7. Exponential time (lif_delta). Below, exp_time_state: V - v_inf is kept as
//    u = (V - v_inf) e^{(t - t_ref)/tau_m}, constant between inputs; an input's factor
//    e^{(T - t_ref)/tau_m} is computed once per delay group of a walk, as e^{(B_k - t_ref)/tau_m}
//    (once per epoch) times e^{(T - B_k)/tau_m} (small_exp when L <= tau_m / 16, else std::exp):
//    a function of T alone, the same value for every input at T, so +w and -w at one instant
//    still cancel exactly. lif_exp neurons are
//    advanced by the model's exact propagator (models/lif_exp.hpp) at each of their events.
//
// 8. Order-free epochs (lif_delta). When no threshold test of a neuron can succeed in an epoch
//    (no crossing due in it, and u plus every positive input of the epoch stays below
//    theta e^{(B_k+1 - t_ref)/tau_m} (1 + 1e-9) when v_inf > V_th, below
//    theta e^{(B_k - t_ref)/tau_m} when v_inf <= V_th, or it stays refractory through the
//    epoch), the order of its
//    inputs cannot change what happens: none fires it, none is lost by one and kept by another.
//    Its inputs are then not sorted: u takes their sum, accumulated in delivery order (walks in
//    calendar order, each walk by fan-out position), a function of the spikes alone, so still
//    independent of partitioning. Only the rounding of u differs from a time-ordered sum (~1e-16
//    relative). ~85 % of neuron-epochs on Benchmark 4 with delays in [1, 3] ms take this path.
//    The test is made as the inputs are delivered (absorb), and the sum waits in the neuron's
//    slot (pending_inputs) until it is next touched, so such a neuron is not swept at all. When
//    such inputs move the crossing of a neuron drifting up before its queued time (u + their sum
//    > u_q), it is queued again after the epoch (invariant 4: stale_bits_, requeue_if_stale),
//    still without time order.
//
// 10. Partitioned delivery (a rank owning more than 16384 neurons). Beyond the caches, a walk's
//    input to a random target and then that target's update cost a memory access each. So the
//    walks first append each input to the chunk list of its target's block (1024-8192 neurons,
//    in global id order); then block by block, the block's inputs are absorbed (invariant 8) or,
//    those of its active targets, filed into inboxes that only this block uses (one scratch
//    array, hot in L2; a target that takes inputs and then refuses one has them filed by a second
//    pass), and its active neurons are brought through the epoch.
//    A target's inputs keep their delivery order (a block's list is in delivery order), so the
//    sums of invariant 8 and everything else are the same as with one list: bit-identical.
#include "sim/engine.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstring>
#include <limits>
#include <memory>
#include <type_traits>
#include <variant>

#include <sys/mman.h>

#include "sim/connect.hpp"
#include "core/big_vector.hpp"
#include "core/error.hpp"
#include "core/sort_runs.hpp"
#include "sim/sources.hpp"
#include "core/comm.hpp"
#include "models/lif_delta.hpp"
#include "models/lif_exp.hpp"

namespace evspike {

namespace {

using model_variant = std::variant<lif_delta, lif_exp>;

constexpr std::uint32_t none = ~0u;
constexpr double inf = std::numeric_limits<double>::infinity();

// lif_delta neurons are kept in "exponential time" (docs/engine.md): with a reference time t_ref
// shared by the run, u = (V - v_inf) e^{(t - t_ref)/tau_m} does not change between inputs, so an
// input of w mV at T adds w e^{(T - t_ref)/tau_m} to u (the factor is computed once per delay
// group of a fan-out walk, not per target), the threshold V >= V_th reads u >= theta e^{...}
// (theta = V_th - v_inf), and the free crossing is t_ref + tau_m ln(u / theta): no exponential
// per input and no time since the last event. t_ref moves every 16 tau_m (all u rescaled) so
// that the factors stay below e^16 and keep ~1e-15 relative accuracy.
// (Whether u is current, `released`, is a flag of the neuron's slot.)
struct refractory_state {
    double held;       // V - v_inf while refractory, and from free_at until released
    sim_time free_at;  // end of refractoriness
};
// Inputs absorbed order-free (invariant 8) in epoch `epoch` and not yet added to u: they are
// added when the neuron is next touched (a later epoch's input, its own processing, the
// reference moving), so an absorbed neuron costs no visit in the epoch's sweep. The addition
// u + sum is the one an immediate one would make: the same value.
constexpr std::uint64_t no_epoch = ~std::uint64_t{0};
struct pending_inputs {
    double sum;             // in delivery order
    double rise;            // of the positive ones
    std::uint64_t epoch;    // absolute epoch index, or no_epoch (nothing pending)
};
struct exp_time_state {
    double u;          // (V - v_inf) e^{(t - t_ref)/tau_m} of the free neuron, less `pending`
    double u_q;        // u above which the free crossing comes before the queued time
    union {            // one cache line per neuron: a refractory neuron has nothing pending
        refractory_state refractory = {};  // while not released
        pending_inputs pending;            // while released
    };
};

// lif_exp neurons: the model's state at its last event (in the engine's gen_ array).
struct generic_state {
    lif_state s;
    sim_time t_last;  // the time `s` holds for
};

// One cache line per neuron: everything the epoch's sweep reads for a lif_delta neuron with
// inputs (its state, its predicted crossing, the flags), so that beyond the caches a neuron's
// epoch costs one miss, fetched ahead by the sweep. Colder per-neuron data (the prediction
// queue's versions and handles, probe chains, ring links, lif_exp state) is in other arrays.
struct alignas(64) neuron_slot {
    exp_time_state x;             // lif_delta (exponential time); unused for lif_exp (gen_)
    sim_time pred_t;              // its predicted crossing (invariant 4: <= the exact prediction)
    std::uint16_t model = 0;      // index into models_ (simulate() checks the population count)
    std::uint8_t released = 0;    // lif_delta: x.u is current (from its first instant from free_at on)
    std::uint8_t live = 0;        // pred_t holds a prediction
    std::uint8_t exact = 0;       // it is the exact prediction (else: earlier, recompute when due)
    std::uint8_t queued = 0;      // where its entry is: not_queued, in_ring or in_heap
    std::uint8_t moved = 0;       // pred_t changed since that entry was queued
    std::uint8_t probed = 0;      // it has voltage probe columns (probe_head_)
};
static_assert(sizeof(neuron_slot) == 64);
// absorb's fast path reads the flags as one little-endian word: released = 1, live = 1, probed = 0.
static_assert(std::endian::native == std::endian::little);
static_assert(offsetof(neuron_slot, model) == 56 && offsetof(neuron_slot, released) == 58 &&
              offsetof(neuron_slot, live) == 59 && offsetof(neuron_slot, probed) == 63);
constexpr std::uint64_t fast_flags_mask = 0xff000000ffff0000u, fast_flags = 0x0000000001010000u;

// Where a neuron's prediction is queued: in the calendar's ring (within its horizon) or in the
// prediction queue (`--queue`, beyond it).
enum : std::uint8_t { not_queued = 0, in_ring = 1, in_heap = 2 };

// A neuron's place in the calendar's prediction ring: its slot and its index in the slot's list
// of neurons, so that a prediction moves in O(1) (the slot's last neuron takes its place) and the
// ring never holds a superseded entry. (An array per slot, not a linked list: the due neurons of
// an epoch are read in a row, not chased through memory one miss after another.)
struct ring_link {
    std::uint32_t slot = none;
    std::uint32_t pos = 0;
};

// lif_delta: a prediction `ahead` ms away is queued slack_ms[k] earlier, the largest level below
// slack_frac * ahead, so that inputs moving it a little earlier cost no log and no queue
// operation (invariant 4). Levels tau_m/20 * 2^k. On Benchmark 4: ~2x fewer queue updates than
// no slack (bench/README.md, run 4); fractions 0.3 to 0.7 are within 1 % of instructions.
constexpr int slack_levels = 8;
constexpr double slack_frac = 0.3;

// A lif_delta population in exponential time.
struct exp_time_params {
    double v_inf, theta, tau, inv_tau, t_ref;
    double V_th, V_reset;
    bool hard_reset;
    bool drifts_up;  // v_inf > V_th: it crosses on its own
    std::uint32_t tau_class;  // index of its tau_m among the lif_delta populations'
    // u_q = u * slack_factor[k] for an entry queued slack_ms[k] early: e^{-slack/tau_m} times
    // (1 + 1e-9), so u_q is a hair more negative (a later crossing): rounding cannot make the
    // entry late.
    std::array<double, slack_levels> slack_ms, slack_factor;
};

constexpr std::uint32_t generic_class = none;  // class_of_ of a lif_exp neuron

// e^r for 0 <= r <= 1/16 (up to rounding): Taylor to degree 9, truncation < r^10 / 10! = 2.5e-19
// relative, by Estrin's scheme (independent pairs: a dependency chain of four multiply-adds
// instead of Horner's nine, and no call): the factor of an input within its epoch (invariant 7).
constexpr double small_exp_limit = 1.0 / 16.0;
[[gnu::always_inline]] inline double small_exp(double r) {
    const double r2 = r * r, r4 = r2 * r2;
    const double low = (1.0 + r) + r2 * (1.0 / 2 + r * (1.0 / 6));
    const double mid = (1.0 / 24 + r * (1.0 / 120)) + r2 * (1.0 / 720 + r * (1.0 / 5040));
    const double high = 1.0 / 40320 + r * (1.0 / 362880);
    return low + r4 * (mid + r4 * high);
}

// A spike in flight: its walk through the delay-sorted fan-out of `source` (invariant 2).
struct walk {
    sim_time t_emit;
    std::uint32_t source;
    std::uint32_t position;  // next synapse to deliver, from offsets[source]
};

// One synaptic input of the current epoch, chained per target (40 bytes).
struct input {
    sim_time t;
    double value;            // lif_delta: w e^{(t - t_ref)/tau_m}; lif_exp: w (pA)
    std::uint32_t target;
    std::uint32_t source;
    std::uint32_t position;
    std::uint32_t next;      // the target's previous input of the epoch (a chain), or none
};

// A neuron's inputs of the current epoch (of the current block, partitioned): how many, and the
// head of their chain. Current only when `stamp` is the engine's box_stamp_, so that the inboxes
// of the neurons that absorbed their inputs (not swept) need no reset.
struct inbox {
    std::uint32_t stamp = 0;
    std::uint32_t count = 0;
    std::uint32_t at = 0;  // its last input in inputs_ (the head of its chain)
};

// Input number r of the epoch chained into box (current from `stamp` on): returns the input's
// `next`.
// (Without branches: whether an inbox is fresh is as random as the targets, and compilers turn
// the selects into jumps.)
[[gnu::always_inline]] inline std::uint32_t chain_input(inbox& box, std::uint32_t r, std::uint32_t stamp) {
    const std::uint32_t fresh = box.stamp != stamp;
    const std::uint32_t next = box.at | (0u - fresh);  // none when fresh
    box = {stamp, (box.count & (fresh - 1u)) + 1, r};
    return next;
}

struct spike_out {
    sim_time t;
    std::uint32_t id;
    friend bool operator<(const spike_out& a, const spike_out& b) {
        return a.t != b.t ? a.t < b.t : a.id < b.id;
    }
};

// A per-neuron array holding only the rank's block of global ids [base, base + size): indexed by
// global id, so that a rank's memory is ~1/K of the neurons' (with one process: all of them).
template <class T>
class block_array {
public:
    void assign(std::size_t base, std::size_t size, const T& value) {
        base_ = base;
        v_.assign(size, value);
    }
    T& operator[](std::size_t id) { return v_[id - base_]; }
    const T& operator[](std::size_t id) const { return v_[id - base_]; }
    // For hot loops: the first element (global id base()) and the base.
    T* raw() { return v_.data(); }
    std::size_t base() const { return base_; }
    std::size_t size() const { return v_.size(); }

private:
    std::size_t base_ = 0;
    // Huge pages when large (core/big_vector.hpp): the sweep's random accesses miss the TLB less.
    std::conditional_t<std::is_trivially_copyable_v<T>, big_vector<T>, std::vector<T>> v_;
};

// How far ahead the epoch's neuron sweep prefetches (Benchmark 4, bench/README.md, Run 10), and
// how far ahead report_spikes fetches a spike's fan-out (twice that for its offset).
constexpr std::size_t prefetch_distance = 16;
constexpr std::size_t spike_prefetch_distance = 8;

// Partitioned delivery (invariant 10): target blocks of up to 8192 neurons (their inboxes, 96 KB,
// and an epoch's inputs to them stay in a 1 MB L2), used when a rank owns more than 16384.
// A block's slots touched by its inputs should still be in L2 when it is swept: at 4e5 neurons
// the run was fastest with ~400-1600 inputs per block and epoch, whatever the delays (bench/README.md,
// Run 15). The rate is not known before the run, so the block shrinks with the synapse-ms per
// neuron x (in-degree x epoch length) beyond Benchmark 4's 80 x 0.125 ms: halved
// round(log2(x / 10)) times (8192 up to x ~ 14.1, 4096 up to ~28.3, 2048 up to ~56.6), down to
// 1024 neurons (fewer was slower).
constexpr std::uint32_t default_block_shift = 13;
constexpr std::uint32_t min_block_shift = 10;
constexpr double block_synapse_ms = 10.0;
constexpr std::uint32_t partition_min_neurons = 2u << default_block_shift;
// A block's inputs go to chunks of 512 (20 KB), taken from 2 MB slabs (huge pages: the chunks
// of many blocks are written at once) of 102 chunks each.
constexpr std::uint32_t chunk_shift = 9;
constexpr std::uint32_t chunk_inputs = 1u << chunk_shift;
constexpr std::size_t slab_bytes = std::size_t{2} << 20;
// At most this many inputs (40 MB) are held at once: a larger epoch is delivered in slices of
// blocks (the initial synchronous burst of a network of millions of neurons).
constexpr std::uint64_t slice_inputs = std::uint64_t{1} << 20;

template <event_queue Q>
class engine {
public:
    engine(const simulation_spec& spec, const network& net, const engine_outputs& out, communicator& comm)
        : spec_(spec),
          net_(net),
          out_(out),
          comm_(comm),
          delay_(net.delays.data()),
          off_(net.offsets.data()),
          t_stop_(sim_time::from_ms(spec.t_stop_ms)) {
        choose_blocks();
        build_models();
        build_sources();
        build_probes();
        build_calendar();
        one_class_palette_ = net_.uses_palette() && class_tau_.size() == 1 &&
                             std::all_of(spec_.populations.begin(), spec_.populations.end(),
                                         [](const population_spec& p) { return p.model == model_kind::lif_delta; });
        // Per-neuron classes only for deliver<false> (a palette of one class needs none).
        if (!one_class_palette_) {
            class_of_.assign(net_.owned_begin, net_.owned_end - net_.owned_begin, generic_class);
            for (std::uint32_t id = net_.owned_begin; id < net_.owned_end; ++id)
                if (in_exp_time_[neurons_[id].model]) class_of_[id] = exp_time_[neurons_[id].model].tau_class;
        }
        for (std::uint32_t id = net_.owned_begin; id < net_.owned_end; ++id) sync(id, neurons_[id]);
        build_blocks();
        one_delay_ = !net_.delays.empty() && net_.min_delay_ms == net_.max_delay_ms;
    }

    run_stats run() {
        for (;;) {
            // After an epoch with spikes (on any rank) the next one is run; else the ranks agree
            // on where the next work is (one collective) and skip to it (invariant 9).
            if (!had_spikes_ && !advance_to_work()) break;
            const sim_time B1 = bound(1);
            epoch(std::min(B1, t_stop_));
            if (!(B1 < t_stop_)) break;
            next_epoch();
            if (out_.progress && (++epochs_ & 1023) == 0) out_.progress(bound(0).ms());
        }
        samples_until(t_stop_);
        if (out_.progress) out_.progress(spec_.t_stop_ms);
        if (comm_.size() > 1) {
            std::uint64_t sums[] = {stats_.spikes, stats_.deliveries, stats_.events, stats_.stale, stats_.instants};
            comm_.allreduce_sum(sums);
            std::uint64_t peak[] = {stats_.peak_queue};
            comm_.allreduce_max(peak);
            stats_ = {sums[0], sums[1], sums[2], sums[3], sums[4], static_cast<std::size_t>(peak[0]), stats_.delivery_block};
        }
        return stats_;
    }

private:
    // --- set-up -------------------------------------------------------------------------------

    void build_models() {
        // Arrays for the rank's own neurons only (active_bits_: whole words around them).
        const std::uint32_t b = net_.owned_begin, n = net_.owned_end - b;
        neurons_.assign(b, n, neuron_slot{});
        versions_.assign(b, n, 0);
        handles_.assign(b, n, typename Q::handle{});
        // lif_exp state only when a population needs it (lif_delta lives in the slot).
        if (std::any_of(spec_.populations.begin(), spec_.populations.end(),
                        [](const population_spec& p) { return p.model != model_kind::lif_delta; }))
            gen_.assign(b, n, generic_state{});
        if (!partitioned_) {
            inbox_.assign(b, n, inbox{});  // else one block's (build_blocks)
            late_at_.assign(b, n, 0);
        }
        active_bits_.assign(b / 64, (net_.owned_end + 63) / 64 - b / 64, 0);
        stale_bits_.assign(b / 64, (net_.owned_end + 63) / 64 - b / 64, 0);
        for (std::size_t p = 0; p < spec_.populations.size(); ++p) {
            const auto& ps = spec_.populations[p];
            const std::string key = "population[" + std::to_string(p) + "]";
            try {
                if (ps.model == model_kind::lif_delta)
                    models_.emplace_back(lif_delta(ps.params));
                else
                    models_.emplace_back(lif_exp(ps.params));
            } catch (const model_error& e) {
                throw config_error(key + ".params", e.what());
            }
            exp_time_.push_back(exp_time_of(ps));
            in_exp_time_.push_back(ps.model == model_kind::lif_delta);
            const node_group& g = net_.groups[p];
            const std::uint64_t v_seed = stream_seed(spec_.seed, "population/" + ps.name + "/V_m");
            const std::uint32_t lo = std::max(g.first, net_.owned_begin);
            const std::uint32_t hi = std::min(g.first + g.size, net_.owned_end);
            for (std::uint32_t id = lo; id < hi; ++id) {
                const std::uint32_t i = id - g.first;
                neuron_slot& n = neurons_[id];
                n.model = static_cast<std::uint16_t>(p);
                auto rng = substream(v_seed, i);
                const double V = draw_value(ps.V_m, rng);
                if (!std::isfinite(V)) throw config_error(key + ".V_m", "initial potential is not finite");
                // First prediction; a neuron starting at or above threshold fires at 0.
                if (ps.model == model_kind::lif_delta) {
                    const exp_time_params& P = exp_time_.back();
                    n.x.u = V - P.v_inf;  // t_ref = 0: e^0 = 1
                    n.x.u_q = 0.0;
                    n.x.pending = {0.0, 0.0, no_epoch};
                    n.released = 1;
                    if (V >= P.V_th) {
                        schedule(id, sim_time{});
                        n.x.u_q = n.x.u;  // (exact: the prediction of this u, exact_now)
                    } else {
                        predict_exact_time(id, n, P, sim_time{}, false);
                    }
                } else {
                    const lif_exp& m = std::get<lif_exp>(models_.back());
                    generic_state& g = gen_[id];
                    g.s.V = V;
                    g.t_last = sim_time{};
                    if (m.can_fire(g.s)) {
                        schedule(id, sim_time{});
                    } else {
                        const double h = m.next_crossing(g.s, spec_.t_stop_ms);
                        if (h != no_crossing) schedule(id, sim_time{} + h);
                    }
                }
            }
        }
        if (!class_tau_.empty()) min_class_tau_ = *std::min_element(class_tau_.begin(), class_tau_.end());
        all_drift_up_ = true;
        for (std::size_t p = 0; p < exp_time_.size(); ++p)
            if (in_exp_time_[p] && !exp_time_[p].drifts_up) all_drift_up_ = false;
        class_group_.assign(class_tau_.size(), 0);
        class_factor_.assign(class_tau_.size(), 0.0);
        class_base_.assign(class_tau_.size(), 0.0);
        fire_u_.assign(exp_time_.size(), 0.0);
    }

    exp_time_params exp_time_of(const population_spec& ps) {
        exp_time_params P{};
        if (ps.model != model_kind::lif_delta) return P;
        const lif_params& q = ps.params;
        P.v_inf = q.E_L + q.tau_m * q.I_e / q.C_m;
        P.theta = q.V_th - P.v_inf;
        P.tau = q.tau_m;
        P.inv_tau = 1.0 / q.tau_m;
        P.t_ref = q.t_ref;
        P.V_th = q.V_th;
        P.V_reset = q.V_reset;
        P.hard_reset = q.reset == reset_kind::hard;
        P.drifts_up = P.v_inf > q.V_th;
        const auto it = std::find(class_tau_.begin(), class_tau_.end(), q.tau_m);
        P.tau_class = static_cast<std::uint32_t>(it - class_tau_.begin());
        if (it == class_tau_.end()) {
            class_tau_.push_back(q.tau_m);
            class_inv_tau_.push_back(P.inv_tau);
        }
        for (int k = 0; k < slack_levels; ++k) {
            P.slack_ms[k] = q.tau_m / 20 * (1 << k);
            P.slack_factor[k] = std::exp(-P.slack_ms[k] / q.tau_m) * (1.0 + 1e-9);
        }
        return P;
    }

    void build_sources() {
        for (std::size_t s = 0; s < spec_.sources.size(); ++s) {
            const node_group& g = net_.groups[spec_.populations.size() + s];
            sources_.emplace_back(spec_.sources[s], spec_.seed, spec_.t_stop_ms,
                                  "source[" + std::to_string(s) + "]");
            for (std::uint32_t i = 0; i < g.size; ++i)
                if (net_.owns_source(g.first + i)) queue_emission(s, i, 0);
        }
    }

    void build_probes() {
        for (std::size_t p = 0; p < out_.probes.size(); ++p) {
            const auto& pr = out_.probes[p];
            const std::string key = "output.voltage[" + std::to_string(p) + "]";
            if (pr.group >= net_.groups.size() || net_.groups[pr.group].is_source)
                throw config_error(key + ".population", "not a neuron population");
            if (!(pr.interval_ms > 0) || !std::isfinite(pr.interval_ms))
                throw config_error(key + ".interval", "must be finite and > 0 ms");
            for (std::size_t k = 0; k < pr.node_ids.size(); ++k)
                if (pr.node_ids[k] >= net_.groups[pr.group].size)
                    throw config_error(key + ".node_ids[" + std::to_string(k) + "]", "node id out of range");
        }
        next_sample_.assign(out_.probes.size(), 0);
        column_owner_.resize(out_.probes.size());
        for (std::size_t p = 0; p < out_.probes.size(); ++p)
            for (const std::uint64_t node : out_.probes[p].node_ids)
                column_owner_[p].push_back(
                    net_.neuron_owner(net_.groups[out_.probes[p].group].first + static_cast<std::uint32_t>(node)));
        samples_.resize(out_.probes.size());
        // Columns chained per neuron, so a neuron fills its own samples as it goes (invariant 5).
        for (std::size_t p = 0; p < out_.probes.size(); ++p) {
            const auto& pr = out_.probes[p];
            for (std::size_t k = pr.node_ids.size(); k-- > 0;) {
                const std::uint32_t id = net_.groups[pr.group].first + static_cast<std::uint32_t>(pr.node_ids[k]);
                if (!net_.owns_neuron(id)) continue;
                if (probe_head_.size() == 0) probe_head_.assign(net_.owned_begin, net_.owned_end - net_.owned_begin, none);
                columns_.push_back({static_cast<std::uint32_t>(p), static_cast<std::uint32_t>(k), id,
                                    probe_head_[id], 0});
                probe_head_[id] = static_cast<std::uint32_t>(columns_.size() - 1);
                neurons_[id].probed = 1;
            }
        }
    }

    // Epoch length L: just under the smallest delay (invariant 1); shorter with voltage probes,
    // so that an epoch buffers at most ~64 samples per probe. The calendar covers the largest
    // delay; a walk beyond it waits in far_.
    void build_calendar() {
        // The smallest and largest delay of the whole network, over every rank's synapses.
        double delay_range[] = {net_.delays.empty() ? inf : net_.min_delay_ms,
                                net_.delays.empty() ? inf : -net_.max_delay_ms};
        comm_.allreduce_min(delay_range);
        const bool no_synapses = delay_range[0] == inf;
        epoch_ms_ = no_synapses ? 1.0 : delay_range[0] * (1.0 - 1e-12);
        for (const auto& pr : out_.probes) epoch_ms_ = std::min(epoch_ms_, 64.0 * pr.interval_ms);
        // Exponential-time factors stay below e^(16 + 32) within an epoch (invariant 7).
        if (!class_tau_.empty()) epoch_ms_ = std::min(epoch_ms_, 32.0 * min_class_tau_);
        inv_epoch_ms_ = 1.0 / epoch_ms_;
        class_small_.assign(class_tau_.size(), 0);
        for (std::size_t c = 0; c < class_tau_.size(); ++c) class_small_[c] = epoch_ms_ * class_inv_tau_[c] <= small_exp_limit;
        const double span = no_synapses ? 0.0 : std::ceil(-delay_range[1] / epoch_ms_);
        // At least ~128 ms ahead, so that most predictions wait in the ring, not in a heap.
        const double pred_span = std::ceil(128.0 / epoch_ms_);
        const double slots = std::max(span + 3, pred_span);
        const std::size_t wanted = slots < max_ring ? static_cast<std::size_t>(slots) : max_ring;
        ring_ = std::max<std::size_t>(4, std::bit_ceil(wanted));
        mask_ = ring_ - 1;
        buckets_.resize(ring_);
        unsorted_.assign(ring_, 0);
        slot_ids_.resize(ring_);
        ring_links_.assign(net_.owned_begin, net_.owned_end - net_.owned_begin, ring_link{});
        bounds_.resize(ring_);
        start_calendar(sim_time{});
    }

    // Partitioned delivery (invariant 10) when the rank owns many neurons (or the caller asks for
    // a block size: tests); else one list of inputs (chunk_ptr_ = {inputs_}).
    void choose_blocks() {
        const std::uint32_t owned = net_.owned_end - net_.owned_begin;
        std::uint32_t shift = 0;
        if (out_.delivery_block == 0) {
            if (owned > partition_min_neurons) shift = default_block_shift;
        } else if (out_.delivery_block != 1) {
            if (out_.delivery_block < 64 || !std::has_single_bit(out_.delivery_block))
                throw internal_error("engine: delivery_block must be 0, 1 or a power of 2 >= 64");
            shift = static_cast<std::uint32_t>(std::countr_zero(out_.delivery_block));
        }
        partitioned_ = shift != 0 && owned > 0;
        block_shift_ = shift;
    }

    void build_blocks() {
        chunk_ptr_.assign(1, nullptr);
        boxes_ = inbox_.raw();
        box_first_ = static_cast<std::uint32_t>(inbox_.base());
        if (!partitioned_) return;
        if (out_.delivery_block == 0) {
            const double synapse_ms = static_cast<double>(net_.targets.size()) /
                                      static_cast<double>(net_.owned_end - net_.owned_begin) * epoch_ms_;
            const double halvings = std::clamp(std::round(std::log2(synapse_ms / block_synapse_ms)), 0.0,
                                               static_cast<double>(default_block_shift - min_block_shift));
            block_shift_ = default_block_shift - static_cast<std::uint32_t>(halvings);
        }
        const std::uint32_t shift = block_shift_;
        stats_.delivery_block = std::uint32_t{1} << shift;
        block_boxes_.assign(std::size_t{1} << shift, inbox{});
        block_late_at_.assign(std::size_t{1} << shift, 0);
        first_block_ = net_.owned_begin >> shift;
        const std::uint32_t blocks = ((net_.owned_end - 1) >> shift) - first_block_ + 1;
        block_cur_.assign(blocks, nullptr);
        block_end_.assign(blocks, nullptr);
        block_head_.assign(blocks, none);
        block_tail_.assign(blocks, none);
        for (std::size_t i = 0; i + 1 < net_.offsets.size(); ++i) max_fanout_ = std::max(max_fanout_, off_[i + 1] - off_[i]);
        if (out_.delivery_slice != 0) slice_inputs_ = out_.delivery_slice;
        chunk_ptr_.clear();
        chunk_shift_ = chunk_shift;
        chunk_mask_ = chunk_inputs - 1;
    }

    // --- the calendar of epochs ----------------------------------------------------------------

    // B_{k+j}, 0 <= j <= ring_.
    sim_time bound(std::size_t j) const { return j < ring_ ? bounds_[(k_ + j) & mask_] : horizon_; }

    void start_calendar(sim_time origin) {
        sim_time b = origin;
        for (std::size_t j = 0; j < ring_; ++j) {
            bounds_[(k_ + j) & mask_] = b;
            b += epoch_ms_;
        }
        horizon_ = b;
        if (!far_.empty()) rescan_far();
    }

    void next_epoch() {
        bounds_[k_ & mask_] = horizon_;
        horizon_ += epoch_ms_;
        ++k_;
        if (!far_.empty() && far_min_ < horizon_) rescan_far();
    }

    // Queues walk w, next due at a: in the slot of a's epoch, never the current one (an arrival
    // is >= the next epoch's start but for rounding), or beyond the calendar in far_.
    void queue_walk(const walk& w, sim_time a) {
        if (!(a < horizon_)) {
            far_.push_back({w, a});
            far_min_ = std::min(far_min_, a);
            return;
        }
        push_walk((k_ + std::max<std::size_t>(1, slot_of(a))) & mask_, w);
    }

    // Invariant 9: a bucket's walks are delivered in (emission time, source) order, whatever
    // order they were queued in (on a rank, a walk skips the epochs in which it has no synapse
    // there, so it reaches a bucket in another order than in one process). A bucket notes when a
    // walk arrives out of order and is sorted before its epoch only then, by merging its runs
    // (core/sort_runs.hpp: each epoch appends its re-queued walks, then its new spikes', each lot
    // in order; with spread delays nearly every bucket has a few runs).
    static bool walk_before(const walk& a, const walk& b) {
        return a.t_emit != b.t_emit ? a.t_emit < b.t_emit : a.source < b.source;
    }
    void push_walk(std::size_t slot, const walk& w) {
        auto& bucket = buckets_[slot];
        if (!bucket.empty()) {
            if (walk_before(w, bucket.back())) unsorted_[slot] = 1;
        } else if (bucket.capacity() == 0 && !spare_buckets_.empty()) {
            bucket.swap(spare_buckets_.back());  // the storage freed last: still in the caches
            spare_buckets_.pop_back();
        }
        bucket.push_back(w);
        ++ring_walks_;
    }

    void rescan_far() {
        std::size_t kept = 0;
        far_min_ = sim_time::never();
        for (const auto& f : far_) {
            if (f.a < horizon_) {
                // Called before epoch k_ runs (next_epoch, start_calendar): its slot is still open.
                // After a skip f.a may lie in it; slot 1 would deliver it late, before B_k.
                push_walk((k_ + slot_of(f.a)) & mask_, f.w);
            } else {
                far_[kept++] = f;
                far_min_ = std::min(far_min_, f.a);
            }
        }
        far_.resize(kept);
    }

    // What is next on this rank (invariant 9): combined over ranks, it says which epoch to run.
    struct outlook {
        sim_time next;       // the first source emission or queued prediction (t_stop if none)
        sim_time far;        // the first walk beyond the calendar
        std::uint64_t busy;  // the first epoch (absolute index) with a walk or a ring prediction
        std::uint64_t ring;  // walks or predictions in the ring
    };

    outlook local_outlook() {
        drop_stale();
        outlook o{t_stop_, far_.empty() ? sim_time::never() : far_min_, ~std::uint64_t{0},
                  ring_walks_ + ring_preds_ > 0};
        if (!emissions_.empty()) o.next = std::min(o.next, emissions_.top().time);
        if (!p_.empty()) o.next = std::min(o.next, p_.top().time);
        if (o.ring)
            for (std::size_t j = 0; j < ring_; ++j) {
                const std::size_t slot = (k_ + j) & mask_;
                if (!buckets_[slot].empty() || !slot_ids_[slot].empty()) {
                    o.busy = k_ + j;
                    break;
                }
            }
        return o;
    }

    // Every rank's outlook, combined exactly (sim_time is not a single MPI number): gathered.
    outlook global_outlook() {
        outlook o = local_outlook();
        if (comm_.size() == 1) return o;
        comm_.allgatherv(std::as_bytes(std::span(&o, 1)), bytes_, counts_);
        const std::span<const outlook> all(reinterpret_cast<const outlook*>(bytes_.data()),
                                           bytes_.size() / sizeof(outlook));
        for (const outlook& x : all) {
            o.next = std::min(o.next, x.next);
            o.far = std::min(o.far, x.far);
            o.busy = std::min(o.busy, x.busy);
            o.ring |= x.ring;
        }
        return o;
    }

    // Moves to the first epoch with something to do on any rank; false if nothing is left
    // before t_stop. Empty stretches are skipped: with the ring empty, the calendar restarts at
    // the next event; else it steps to the first busy epoch (a walk beyond the calendar joins the
    // ring as the horizon passes it).
    bool advance_to_work() {
        const outlook o = global_outlook();
        if (!o.ring) {
            const sim_time next = std::min(o.next, o.far);
            if (!(next < t_stop_)) return false;
            if (!(next < bound(1))) {
                samples_until(next);
                start_calendar(next);
            }
            return true;
        }
        while (k_ < o.busy && !(o.next < bound(1)) && !(o.far < bound(1))) {
            if (!(bound(1) < t_stop_)) return false;
            samples_until(bound(1));
            next_epoch();
        }
        return true;
    }

    // --- one epoch ------------------------------------------------------------------------------

    void epoch(sim_time T1) {
        n_inputs_ = 0;
        if (!class_tau_.empty() && bound(0) - t_ref_ > 16.0 * min_class_tau_) move_reference(bound(0));
        for (std::size_t c = 0; c < class_tau_.size(); ++c)
            class_base_[c] = std::exp((bound(0) - t_ref_) * class_inv_tau_[c]);
        for (std::size_t p = 0; p < exp_time_.size(); ++p)
            if (in_exp_time_[p] && exp_time_[p].drifts_up) fire_u_[p] = exp_time_[p].theta * factor(exp_time_[p], T1) * (1 + 1e-9);
        begin_samples(T1, std::numeric_limits<std::size_t>::max());

        while (!emissions_.empty() && emissions_.top().time < T1) {
            const event e = emissions_.top();
            emissions_.pop();
            ++stats_.events;
            ++stats_.instants;
            spikes_.push_back({e.time, e.node()});
            const std::size_t s = id_to_source(e.node());
            queue_emission(s, e.node() - net_.groups[spec_.populations.size() + s].first, e.aux + 1);
        }

        for (;;) {
            drop_stale();
            if (p_.empty() || !(p_.top().time < T1)) break;
            const std::uint32_t id = p_.top().node();
            p_.pop();
            ++stats_.events;
            neurons_[id].queued = not_queued;
            activate(id);
        }
        auto& due = slot_ids_[k_ & mask_];
        // Each entry leaves the ring (queued = not_queued); an early one whose crossing is after
        // the epoch is queued again at once (requeue_early), the others make their neurons due.
        // (Beyond the caches each neuron is a miss: fetched ahead.)
        constexpr std::size_t due_ahead = 8;
        for (std::size_t i = 0; i < due.size(); ++i) {
            if (partitioned_ && i + due_ahead < due.size()) __builtin_prefetch(&neurons_[due[i + due_ahead]]);
            const std::uint32_t id = due[i];
            neuron_slot& n = neurons_[id];
            n.queued = not_queued;
            if (!requeue_early(id, n, T1)) activate(id);
        }
        stats_.events += due.size();
        ring_preds_ -= due.size();
        if (due.capacity() > 2 * due.size() + 1024)
            std::vector<std::uint32_t>().swap(due);  // not a burst's capacity (as buckets_)
        else
            due.clear();

        auto& bucket = buckets_[k_ & mask_];
        if (unsorted_[k_ & mask_]) {
            sort_runs(bucket, walk_scratch_, walk_runs_, walk_before);
            unsorted_[k_ & mask_] = 0;
        }
        const std::size_t first_word = net_.owned_begin / 64, last_word = (net_.owned_end + 63) / 64;
        if (!partitioned_) {
            next_box_stamp();
            n_delivered_ = 0;
            deliver_bucket(bucket, T1, 0, 0, true);
            if (!late_.empty()) replay_late();
            walked_.clear();
            stats_.instants += n_delivered_;  // less those of the neurons swept (sweep)
            stats_.deliveries += n_delivered_;
            stats_.events += n_delivered_;
            sweep<false>(first_word, last_word, T1);
        } else {
            // Block by block (invariant 10): file the block's inputs into its inboxes, then bring
            // its neurons through the epoch, while the block's arrays are in the caches. An epoch
            // with more inputs than slice_inputs (the initial synchronous burst of a large
            // network) goes in slices of blocks, each slice's inputs delivered by a walk over the
            // bucket (the walks re-queued by the last), so the chunks hold one slice at a time.
            const std::uint32_t blocks = static_cast<std::uint32_t>(block_head_.size());
            std::uint64_t slices = 1;
            if (bucket.size() * max_fanout_ > slice_inputs_) {
                std::uint64_t most = 0;  // inputs the epoch can have at most
                for (const walk& w : bucket) most += off_[w.source + 1] - off_[w.source] - w.position;
                slices = std::clamp<std::uint64_t>((most + slice_inputs_ - 1) / slice_inputs_, 1, blocks);
            }
            boxes_ = block_boxes_.data();
            for (std::uint64_t sl = 0; sl < slices; ++sl) {
                const auto lo = static_cast<std::uint32_t>(blocks * sl / slices);
                const auto hi = static_cast<std::uint32_t>(blocks * (sl + 1) / slices);
                deliver_bucket(bucket, T1, lo, hi, sl + 1 == slices);
                for (std::uint32_t blk = lo; blk < hi; ++blk) {
                    box_first_ = (first_block_ + blk) << block_shift_;
                    next_box_stamp();
                    if (block_head_[blk] != none) file_block(blk, T1);
                    const std::size_t w0 = (std::size_t{first_block_ + blk} << block_shift_) / 64;
                    const std::size_t w1 = (std::size_t{first_block_ + blk + 1} << block_shift_) / 64;
                    sweep<true>(std::max(w0, first_word), std::min(w1, last_word), T1);
                }
                release_chunks();
            }
            stats_.deliveries += n_inputs_;
            stats_.events += n_inputs_;
        }
        ring_walks_ -= bucket.size();
        // The bucket's storage goes to the next bucket that is started (push_walk), not round the
        // ring with its slot, which kept every slot's capacity (-8 % peak RSS at 4e5 neurons with
        // delays in [1, 3) ms: bench/README.md, Run 16). A burst's capacity (the initial
        // synchronous firing) is given back, and so is storage the pool has no room for: peak
        // memory stays that of the current activity.
        if (bucket.capacity() > 2 * bucket.size() + 1024 || spare_buckets_.size() == max_spare_buckets) {
            std::vector<walk>().swap(bucket);
        } else if (bucket.capacity() != 0) {
            bucket.clear();
            spare_buckets_.emplace_back().swap(bucket);
        }
        end_samples();
        report_spikes();
        stats_.peak_queue = std::max(stats_.peak_queue, p_.size() + ring_preds_ + ring_walks_ + far_.size());
    }

    // Delivers the bucket's walks (invariant 2); partitioned, only to blocks [lo, hi), and the walks
    // are re-queued only when `last`.
    void deliver_bucket(const std::vector<walk>& bucket, sim_time T1, std::uint32_t lo, std::uint32_t hi, bool last) {
        const std::size_t size = bucket.size();
        if (!partitioned_) {
            for (std::size_t b = 0; b < size; ++b) {
                // Each walk reads a stretch of the CSR: start fetching the next walks' stretches.
                if (b + 2 < size) {
                    const std::uint32_t source = bucket[b + 2].source;
                    const std::uint64_t ahead = off_[source] + bucket[b + 2].position;
                    if (!one_delay_) {  // (else no delay is read)
                        __builtin_prefetch(delay_ + ahead);
                        __builtin_prefetch(delay_ + ahead + 8);
                        __builtin_prefetch(delay_ + off_[source + 1] - 1);
                    }
                    __builtin_prefetch(net_.targets.data() + ahead);
                }
                one_class_palette_ ? deliver<true, false>(bucket[b], T1, 0, 0, true)
                                   : deliver<false, false>(bucket[b], T1, 0, 0, true);
            }
        } else {
            deliver_partitioned(bucket, T1, lo, hi, last);
        }
    }

    [[gnu::noinline]] void deliver_partitioned(const std::vector<walk>& bucket, sim_time T1, std::uint32_t lo, std::uint32_t hi, bool last) {
        const std::size_t size = bucket.size();
        // Partitioned (beyond the caches): each walk's offsets, a random read, fetched 16 walks
        // ahead; then its stretch of the CSR (up to 96 targets and 48 delays) and its last delay
        // (read once per walk: a constant delay makes one group) four walks ahead. (A pass fetching
        // a batch's offsets first, and one line of the stretch two walks ahead, left the loop
        // waiting on them: bench/README.md, Run 15.)
        constexpr std::size_t offsets_ahead = 16, row_ahead = 4;
        for (std::size_t j = 0; j < size && j < offsets_ahead; ++j) __builtin_prefetch(off_ + bucket[j].source);
        for (std::size_t b = 0; b < size; ++b) {
            if (b + offsets_ahead < size) __builtin_prefetch(off_ + bucket[b + offsets_ahead].source);
            if (b + row_ahead < size) {
                const std::uint32_t source = bucket[b + row_ahead].source;
                const std::uint64_t ahead = off_[source] + bucket[b + row_ahead].position;
                const std::uint64_t row_end = std::min<std::uint64_t>(off_[source + 1], ahead + 96);
                for (std::uint64_t q = ahead; q < row_end; q += 16) __builtin_prefetch(net_.targets.data() + q);
                if (!one_delay_) {
                    for (std::uint64_t q = ahead; q < std::min<std::uint64_t>(row_end, ahead + 48); q += 8) __builtin_prefetch(delay_ + q);
                    __builtin_prefetch(delay_ + off_[source + 1] - 1);
                }
            }
            one_class_palette_ ? deliver<true, true>(bucket[b], T1, lo, hi, last)
                               : deliver<false, true>(bucket[b], T1, lo, hi, last);
        }
    }

    // Brings the active neurons of active_bits_ words [w0, w1) through the epoch, in id order
    // (invariant 1 lets them go in any order): their arrays are swept, not hopped through, and the
    // next few are fetched ahead. A lif_delta neuron whose inputs cannot make it fire in the epoch
    // takes their sum (invariant 8); the others take their inputs in time order (gather: a lone
    // input where it is, several copied out of the target's chain and sorted). One pass, so each
    // neuron's arrays are touched once per epoch (beyond the caches that is a miss each).
    template <bool Partitioned>
    void sweep(std::size_t w0, std::size_t w1, sim_time T1) {
        // The active ids, in id order: a word's first two written whether they exist or not (and
        // counted only if they do), so that the loop has no branch on how many bits a word holds
        // (mostly 0 to 2, at random: a loop over them mispredicted once a word).
        if (active_.size() < 64 * (w1 - w0) + 2) active_.resize(64 * (w1 - w0) + 2);
        std::uint32_t* const out = active_.data();
        std::size_t n_active = 0;
        stale_.clear();
        for (std::size_t w = w0; w < w1; ++w) {
            std::uint64_t bits = active_bits_[w];
            active_bits_[w] = 0;
            // The neurons that took their inputs order-free but moved their crossings before
            // their queued times (the active ones go through the epoch anyway).
            for (std::uint64_t stale = stale_bits_[w] & ~bits; stale != 0; stale &= stale - 1)
                stale_.push_back(static_cast<std::uint32_t>(64 * w) + static_cast<std::uint32_t>(std::countr_zero(stale)));
            stale_bits_[w] = 0;
            // (| the top bit: countr_zero of a word known not to be 0 has no branch for 0.)
            constexpr std::uint64_t top = std::uint64_t{1} << 63;
            const auto id0 = static_cast<std::uint32_t>(64 * w);
            out[n_active] = id0 + static_cast<std::uint32_t>(std::countr_zero(bits | top));
            n_active += bits != 0;
            bits &= bits - 1;
            out[n_active] = id0 + static_cast<std::uint32_t>(std::countr_zero(bits | top));
            n_active += bits != 0;
            bits &= bits - 1;
            for (; bits != 0; bits &= bits - 1) out[n_active++] = id0 + static_cast<std::uint32_t>(std::countr_zero(bits));
        }
        for (std::size_t a = 0; a < n_active && a < prefetch_distance; ++a) __builtin_prefetch(&neurons_[active_[a]]);
        for (std::size_t a = 0; a < n_active; ++a) {
            if (a + prefetch_distance < n_active) {
                const std::uint32_t ahead = active_[a + prefetch_distance];
                __builtin_prefetch(&neurons_[ahead]);
                if (gen_.size() != 0) __builtin_prefetch(&gen_[ahead]);
            }
            const std::uint32_t id = active_[a];
            neuron_slot& n = neurons_[id];
            if (in_exp_time_[n.model]) {  // class_of_[id] != generic_class, without its cache line
                const exp_time_params& P = exp_time_[n.model];
                if (n.probed && order_free_in_epoch(n, T1)) {
                    sample_order_free(id, n);
                    requeue_if_stale(id, n, P, T1);
                } else {
                    stats_.instants -= inputs_of(id);  // counted per instant instead
                    settle_pending(n, P);
                    process_exp_time(id, n, P, T1);
                }
            } else {
                stats_.instants -= inputs_of(id);
                process(id, n, std::get<lif_exp>(models_[n.model]), T1);
            }
            if (n.moved | (n.live != (n.queued != not_queued))) {
                if constexpr (Partitioned)
                    moved_.push_back(id);
                else
                    sync(id, n);
            }
        }
        for (const std::uint32_t id : stale_) {
            neuron_slot& n = neurons_[id];
            requeue_if_stale(id, n, exp_time_[n.model], T1);
            if (n.moved | (n.live != (n.queued != not_queued))) {
                if constexpr (Partitioned)
                    moved_.push_back(id);
                else
                    sync(id, n);
            }
        }
        if constexpr (Partitioned) sync_moved();
    }

    // An early (lazy) ring entry of a free lif_delta neuron drifting up, come due at the start of
    // the epoch ending at T1: when its exact crossing, from its state now (an earlier epoch's
    // pending sum added to u), is after the epoch, it is queued again from T1 and not swept, so
    // this epoch's inputs find it as any neuron not due (invariant 8). (The sweep would find the
    // same crossing at the queued time, the neuron's state being the same then but for this
    // epoch's inputs, which the new entry's u_q bounds.) Returns whether it was.
    bool requeue_early(std::uint32_t id, neuron_slot& n, sim_time T1) {
        // (A probed neuron too, so that a probe does not change the simulation: its inputs of the
        // epoch are then decided by absorb as any other's, and its samples taken by the sweep.)
        if (exact_now(n) || !n.released || !in_exp_time_[n.model]) return false;
        const exp_time_params& P = exp_time_[n.model];
        if (!P.drifts_up) return false;
        add_pending(n, true);
        const sim_time t = crossing_time(P, n);
        if (t.is_never() || t < bound(1)) return false;  // (then due_at's check in the sweep)
        schedule_exact_time(id, n, P, t, T1);
        sync(id, n);
        return true;
    }

    // A lif_delta neuron drifting up that took its inputs of the epoch order-free (invariant 8:
    // they cannot make it reach V_th before T1) but whose crossing they moved before its queued
    // time (u + their sum > u_q): invariant 4 is restored before the next epoch, from u with the
    // sum (as its next touch would take it) and a prediction made at T1. Its crossing is after T1
    // (fire_u's margin), so the entry goes to a later epoch.
    void requeue_if_stale(std::uint32_t id, neuron_slot& n, const exp_time_params& P, sim_time T1) {
        if (!in_exp_time_[n.model] || !n.released || !P.drifts_up || !(n.x.u + n.x.pending.sum > n.x.u_q)) return;
        add_pending(n, true);
        predict_exact_time(id, n, P, T1, false);
    }

    // Partitioned: the block's moved predictions are queued after its sweep, not one by one in
    // it, so that the ring links (beyond the caches: a miss each) and the ring slots' entries they
    // point to are fetched ahead. (No result depends on the order of the neurons in a ring slot.)
    void sync_moved() {
        const std::size_t count = moved_.size();
        constexpr std::size_t ahead = 8;
        for (std::size_t i = 0; i < count && i < 2 * ahead; ++i) __builtin_prefetch(&ring_links_[moved_[i]]);
        for (std::size_t i = 0; i < count; ++i) {
            if (i + 2 * ahead < count) __builtin_prefetch(&ring_links_[moved_[i + 2 * ahead]]);
            if (i + ahead < count) {
                const std::uint32_t next = moved_[i + ahead];
                if (neurons_[next].queued == in_ring) {
                    const ring_link l = ring_links_[next];
                    __builtin_prefetch(slot_ids_[l.slot].data() + l.pos, 1);
                }
            }
            const std::uint32_t id = moved_[i];
            sync(id, neurons_[id]);
        }
        moved_.clear();
    }

    // Partitioned delivery, second pass: block blk's inputs, in delivery order, absorbed by their
    // targets or marking them active (their slots fetched ahead: beyond the caches a miss each).
    // As in the unpartitioned delivery (take_fast, take_slow), only the inputs of active targets
    // are chained into their inboxes; a target that takes inputs and then refuses a later one has
    // those chained afterwards (a second pass over the block's inputs, up to the last such
    // refusal).
    void file_block(std::uint32_t blk, sim_time T1) {
        inbox* const boxes = boxes_;
        const std::uint32_t box_base = box_first_, stamp = box_stamp_;
        std::uint64_t* const bits = active_bits_.raw();
        const std::uint32_t bits_base = static_cast<std::uint32_t>(active_bits_.base());
        std::uint64_t* const stale_bits = stale_bits_.raw();
        neuron_slot* const slots = neurons_.raw();
        const std::uint32_t slot_base = static_cast<std::uint32_t>(neurons_.base());
        constexpr std::uint32_t ahead = 32;
        const absorb_rule rule = absorb_rule_for(T1);
        std::uint32_t* const late_at = block_late_at_.data();
        for (std::uint32_t c = block_head_[blk]; c != none; c = chunk_next_[c]) {
            input* const in = chunk_ptr_[c];
            const std::uint32_t n = c == block_tail_[blk] ? static_cast<std::uint32_t>(block_cur_[blk] - in) : chunk_inputs;
            const std::uint32_t r0 = c << chunk_shift;
            for (std::uint32_t j = 0; j < n && j < ahead; ++j) __builtin_prefetch(&slots[in[j].target - slot_base]);
            for (std::uint32_t j = 0; j < n; ++j) {
                if (j + ahead < n) __builtin_prefetch(&slots[in[j + ahead].target - slot_base]);
                input& x = in[j];
                const std::uint32_t target = x.target;
                neuron_slot& s = slots[target - slot_base];
                // As in the unpartitioned delivery: take_fast, then take_slow's decision.
                const bool exp_time = in_exp_time_[s.model];
                absorbed result = exp_time ? take_fast(rule, s, bits, stale_bits, bits_base, target, x.value) : not_tried;
                if (result == taken) [[likely]] continue;
                std::uint64_t& word = bits[(target >> 6) - bits_base];
                const std::uint64_t bit = std::uint64_t{1} << (target & 63);
                const bool before = (word & bit) != 0;
                if (result == not_tried) {
                    bool stale = false;
                    result = exp_time ? absorb(rule, s, x.value, stale) : refused;
                    if (result == taken && !before) {
                        mark_stale(stale_bits, bits_base, target, stale);
                        continue;
                    }
                }
                x.next = chain_input(boxes[target - box_base], r0 + j, stamp);
                if (!before) {
                    word |= bit;
                    if (result == refused_late) [[unlikely]] late_.push_back({target, r0 + j});
                }
            }
            stats_.instants += n;  // less those of the neurons swept (sweep)
        }
        if (!late_.empty()) {
            for (const late_target& l : late_) late_at[l.id - box_base] = l.refused_at;
            const std::uint32_t late_end = late_.back().refused_at;  // (in input order)
            for (std::uint32_t c = block_head_[blk]; c != none && (c << chunk_shift) < late_end; c = chunk_next_[c]) {
                input* const in = chunk_ptr_[c];
                const std::uint32_t n = c == block_tail_[blk] ? static_cast<std::uint32_t>(block_cur_[blk] - in) : chunk_inputs;
                const std::uint32_t r0 = c << chunk_shift;
                for (std::uint32_t j = 0; j < n && r0 + j < late_end; ++j) {
                    const std::uint32_t target = in[j].target;
                    if (!(r0 + j < late_at[target - box_base])) [[likely]] continue;
                    in[j].next = chain_input(boxes[target - box_base], r0 + j, stamp);
                }
            }
            for (const late_target& l : late_) late_at[l.id - box_base] = 0;
            late_.clear();
        }
        block_head_[blk] = block_tail_[blk] = none;
        block_cur_[blk] = block_end_[blk] = nullptr;
    }

    // A new box_stamp_: every inbox is empty (on wrap-around, after 2^32 stamps, reset for real).
    void next_box_stamp() {
        if (++box_stamp_ != 0) return;
        std::fill(inbox_.raw(), inbox_.raw() + inbox_.size(), inbox{});
        std::fill(block_boxes_.begin(), block_boxes_.end(), inbox{});
        box_stamp_ = 1;
    }

    // Partitioned delivery: a new chunk at the end of block blk's list (its current one is full).
    [[gnu::noinline]] input* new_chunk(std::uint32_t blk) {
        const std::uint32_t c = chunks_used_++;
        if (c == chunk_ptr_.size()) {
            constexpr std::size_t per_slab = slab_bytes / (chunk_inputs * sizeof(input));
            if (c > (std::numeric_limits<std::uint32_t>::max() >> chunk_shift) - per_slab)
                throw error("engine: more than 2^32 synaptic inputs arrive in one epoch on one rank (run on more ranks)");
            void* p = std::aligned_alloc(slab_bytes, slab_bytes);
            if (p == nullptr) throw std::bad_alloc();
            ::madvise(p, slab_bytes, MADV_HUGEPAGE);  // advice only: ignore a refusal
            slabs_.emplace_back(p);
            for (std::size_t j = 0; j < per_slab; ++j) chunk_ptr_.push_back(static_cast<input*>(p) + j * chunk_inputs);
            chunk_next_.resize(chunk_ptr_.size(), none);
        }
        chunk_next_[c] = none;
        if (block_tail_[blk] == none)
            block_head_[blk] = c;
        else
            chunk_next_[block_tail_[blk]] = c;
        block_tail_[blk] = c;
        block_end_[blk] = chunk_ptr_[c] + chunk_inputs;
        return chunk_ptr_[c];
    }

    // After a partitioned epoch: the chunks are free again; slabs beyond twice this epoch's need
    // (a burst's) are returned to the system.
    void release_chunks() {
        constexpr std::size_t per_slab = slab_bytes / (chunk_inputs * sizeof(input));
        const std::size_t keep = 2 * ((chunks_used_ + per_slab - 1) / per_slab) + 2;
        if (slabs_.size() > keep) {
            slabs_.resize(keep);
            chunk_ptr_.resize(keep * per_slab);
            chunk_next_.resize(keep * per_slab);
        }
        chunks_used_ = 0;
    }

    // Delivers walk w's synapses that arrive before T1 (invariant 2) and re-queues it at its next
    // arrival. OnePalette: every neuron is lif_delta of one tau_m class and the weights come from
    // the palette, so a delay group's value per synapse is palette weight x one factor, with no
    // per-target class look-up (the same products as the general path: bit-identical inputs).
    // Partitioned (invariant 10): each input is appended to its target block's chunk, and taken
    // or filed later (file_block); else it is taken by its target at once (take_fast) or
    // recorded into the one list and the target's inbox (take_slow).
    template <bool OnePalette, bool Partitioned>
    void deliver(walk w, sim_time T1, std::uint32_t lo, std::uint32_t hi, bool requeue) {
        const std::uint64_t base = off_[w.source], end = off_[w.source + 1];
        std::uint64_t k = base + w.position;
        // Room for every synapse left in the walk, so the loop below needs no capacity check.
        if (!Partitioned && n_inputs_ + (end - k) > inputs_.size()) {
            inputs_.resize(2 * inputs_.size() + (end - k) + 1024);
            chunk_ptr_[0] = inputs_.data();
        }
        input** const cur = block_cur_.data();
        input* const* const cur_end = block_end_.data();
        const std::uint32_t block_shift = block_shift_, first_block = first_block_;
        // Indexed by global id minus the rank's first (block_array).
        neuron_slot* const slots = neurons_.raw();
        const std::uint32_t slot_base = static_cast<std::uint32_t>(neurons_.base());
        const std::uint64_t* const bits = active_bits_.raw();
        const auto bits_base = static_cast<std::uint32_t>(active_bits_.base());
        std::uint64_t* const stale_bits = stale_bits_.raw();
        const std::uint32_t* const tg = net_.targets.data();
        const double* const palette = net_.weight_palette.data();
        const double* const delay = delay_;
        const absorb_rule rule = absorb_rule_for(T1);
        std::size_t r = n_inputs_;  // (partitioned: the inputs written)
        // Unpartitioned: synapse k's input is the epoch's input number q0 + k (its delivery
        // index), and take_slow records inputs at n_inputs_ (room checked above).
        const std::uint64_t q0 = n_delivered_ - k;
        // epoch_factor(0, a) with its operands in registers (the stores below are doubles too, so
        // the compiler could not keep them there): the same expression, the same value.
        const sim_time B0 = bound(0);
        const double inv_tau0 = OnePalette ? class_inv_tau_[0] : 0.0;
        const double base0 = OnePalette ? class_base_[0] : 0.0;
        const bool small0 = OnePalette && class_small_[0];
        // One delay in the whole network (min = max: every stored delay is that double): no reads.
        double d = one_delay_ ? net_.min_delay_ms : delay_[k];
        const double last_delay = one_delay_ ? d : delay_[end - 1];
        sim_time a = w.t_emit.after(d);
        // Unpartitioned: the rest of the fan-out from synapse k arrives at once (f: its factor,
        // OnePalette), delivered by deliver_at_once after the loops.
        bool at_once = false;
        double f = 0.0;
        const std::uint64_t first = k;
        if constexpr (OnePalette && !Partitioned) {
            // Synapse by synapse while the delays differ (the factor is a function of the arrival
            // time alone, so equal delays get equal values without a group).
            while (a < T1) {
                const double x = (a - B0) * inv_tau0;
                f = base0 * (small0 ? small_exp(x) : std::exp(x));
                if (last_delay == d) {
                    at_once = true;
                    break;
                }
                __builtin_prefetch(&slots[(tg[std::min(k + 16, end - 1)] & network::target_mask) - slot_base]);
                const std::uint32_t t = tg[k];
                const std::uint32_t target = t & network::target_mask;
                const double value = palette[t >> 24] * f;
                const absorbed result = take_fast(rule, slots[target - slot_base], bits, stale_bits, bits_base, target, value);
                if (result != taken) [[unlikely]]
                    take_slow(rule, result, true, a, value, target, w.source, static_cast<std::uint32_t>(k - base), q0 + k);
                d = delay[++k];  // (a later delay, last_delay, is still ahead)
                a = w.t_emit.after(d);
            }
        } else {
            while (a < T1) {
                // One delay group: one arrival time, so one factor e^{(a - t_ref)/tau_m} per
                // tau_m class of lif_delta targets (invariant 7).
                if constexpr (!OnePalette) ++group_;  // (the class factors' validity)
                if constexpr (OnePalette) {
                    const double x = (a - B0) * inv_tau0;
                    f = base0 * (small0 ? small_exp(x) : std::exp(x));
                }
                // The fan-out is sorted by delay: when its last delay is d, so is every one left,
                // and the group needs no delay read per synapse (a constant delay: one group per
                // walk).
                const bool rest = last_delay == d;
                if (!Partitioned && rest) {  // (then a < T1 for all of them)
                    at_once = true;
                    break;
                }
                do {
                    std::uint32_t target;
                    bool exp_time;
                    const double value = synapse_input<OnePalette>(k, a, f, tg, palette, target, exp_time);
                    const auto position = static_cast<std::uint32_t>(k - base);
                    if constexpr (Partitioned) {
                        const std::uint32_t blk = (target >> block_shift) - first_block;
                        if (blk - lo < hi - lo) {  // in this slice's blocks
                            input* p = cur[blk];
                            if (p == cur_end[blk]) [[unlikely]] p = new_chunk(blk);
                            *p = {a, value, target, w.source, position, none};
                            // Each block's chunk is a stream of stores (hundreds at once, too many
                            // for the hardware's stream prefetchers): its line two ahead is
                            // fetched, else a store that misses stalls the loop once the store
                            // buffer is full (at 4e5 neurons, 1,024-neuron blocks: bench/README.md,
                            // Run 16). (The baseline x86-64 build emits PREFETCHT0 for this; with
                            // -mprfchw, PREFETCHW ran the same. Past a chunk's end: an unused fetch.)
                            __builtin_prefetch(reinterpret_cast<const char*>(p) + 128, 1);
                            cur[blk] = p + 1;
                            ++r;
                        }
                    } else {
                        const absorbed result = exp_time ? take_fast(rule, slots[target - slot_base], bits, stale_bits, bits_base, target, value) : not_tried;
                        if (result != taken) take_slow(rule, result, exp_time, a, value, target, w.source, position, q0 + k);
                    }
                    ++k;
                } while (k < end && (rest || delay[k] == d));
                if (k == end) break;
                d = delay[k];
                a = w.t_emit.after(d);
            }
        }
        if constexpr (Partitioned) {
            n_inputs_ = r;
        } else {
            // The stretch walked, for replay_late (deliver_at_once notes its own).
            if (k > first) walked_.push_back({w.t_emit, w.source, first, k, q0 + first});
            if (at_once) k = deliver_at_once<OnePalette>(w, base, k, end, a, f, rule, q0);
            n_delivered_ = q0 + k;
        }
        if (requeue && k < end && a < t_stop_) {
            w.position = static_cast<std::uint32_t>(k - base);
            queue_walk(w, a);
        }
    }

    // Unpartitioned delivery: the inputs that the late targets took before refusing one and that
    // were not recorded, recorded now (the unrecorded stretches of the epoch's walks again; each
    // input's time and value computed by the same expressions as deliver's). A target's inputs
    // are sorted when gathered, so the order of its chain does not matter.
    [[gnu::noinline]] void replay_late() {
        std::uint64_t q_end = 0;  // nothing to record from the last refusal on
        for (const late_target& l : late_) {
            late_at_[l.id] = l.refused_at;
            q_end = std::max<std::uint64_t>(q_end, l.refused_at);
        }
        if (inputs_.size() < n_delivered_) {  // (at most every input of the epoch is recorded)
            inputs_.resize(n_delivered_);
            chunk_ptr_[0] = inputs_.data();
        }
        const std::uint32_t stamp = box_stamp_;
        const std::uint32_t* const tg = net_.targets.data();
        const std::uint32_t mask = net_.uses_palette() ? network::target_mask : ~0u;
        const std::uint32_t* const late_at = late_at_.raw();
        const std::uint32_t late_base = static_cast<std::uint32_t>(late_at_.base());
        for (const walked& w : walked_) {
            if (w.q_first >= q_end) break;  // (walked_ is in delivery order)
            const std::uint32_t* const stretch = tg + w.first;
            const std::uint64_t count = std::min(w.end - w.first, q_end - w.q_first), q_first = w.q_first;
            for (std::uint64_t i = 0; i < count; ++i) {
                const std::uint32_t target = stretch[i] & mask;
                if (!(q_first + i < late_at[target - late_base])) [[likely]] continue;
                const std::uint64_t k = w.first + i;
                const sim_time a = w.t_emit.after(one_delay_ ? net_.min_delay_ms : delay_[k]);
                const std::uint32_t c = one_class_palette_ ? 0 : class_of_[target];
                const double value = net_.weight(k) * epoch_factor(c, a);
                const std::uint32_t next = chain_input(box_of(target), static_cast<std::uint32_t>(n_inputs_), stamp);
                inputs_[n_inputs_++] = {a, value, target, w.source, static_cast<std::uint32_t>(k - off_[w.source]), next};
            }
        }
        for (const late_target& l : late_) late_at_[l.id] = 0;
        late_.clear();
    }

    void activate(std::uint32_t id) { active_bits_[id >> 6] |= std::uint64_t{1} << (id & 63); }

    // Invariant 3: inputs of one time by source global id, then the older spike (the longer
    // delay), then fan-out position.
    bool input_before(const input& a, const input& b) const {
        if (a.t != b.t) return a.t < b.t;
        if (a.source != b.source) return a.source < b.source;
        const double da = delay_[off_[a.source] + a.position];
        const double db = delay_[off_[b.source] + b.position];
        if (da != db) return da > db;
        return a.position < b.position;
    }

    // Neuron id's inputs of the epoch, sorted (invariant 3): usually zero to two of them.
    std::span<const input> gather(std::uint32_t id) {
        const inbox& box = box_of(id);
        if (box.stamp != box_stamp_) return {};
        if (box.count == 1) return {&input_at(box.at), 1};
        // Several: copied out of their chain and sorted (a total order, so the chain's order
        // does not matter).
        if (grouped_.size() < box.count) grouped_.resize(2 * box.count);
        std::size_t j = 0;
        for (std::uint32_t r = box.at; r != none; r = input_at(r).next) grouped_[j++] = input_at(r);
        return sorted_inputs(grouped_.data(), box.count);
    }

    inbox& box_of(std::uint32_t id) { return boxes_[id - box_first_]; }
    std::uint32_t inputs_of(std::uint32_t id) {
        const inbox& box = box_of(id);
        return box.count & (0u - static_cast<std::uint32_t>(box.stamp == box_stamp_));  // (no branch)
    }

    // Input r of the epoch: inputs_[r], or with partitioned delivery entry r % 512 of chunk r / 512.
    input& input_at(std::uint64_t r) { return chunk_ptr_[r >> chunk_shift_][r & chunk_mask_]; }

    [[gnu::noinline]] std::span<const input> sorted_inputs(input* in, std::size_t count) const {
        const auto before = [this](const input& x, const input& y) { return input_before(x, y); };
        if (count <= 16) {
            for (std::size_t i = 1; i < count; ++i)
                for (std::size_t j = i; j > 0 && before(in[j], in[j - 1]); --j) std::swap(in[j], in[j - 1]);
        } else {
            std::sort(in, in + count, before);
        }
        return {in, count};
    }

    // An early entry came due at q and the exact prediction from the state is t: is the neuron
    // due at q? (Re-evaluating a prediction can differ from the value first computed by a few
    // ulps, e.g. after the reference time moved: within 1e-12 ms it is the same crossing.)
    bool due_at(sim_time t, sim_time q) const {
        if (t == q) return true;
        if (t < q) {
            if (q - t > 1e-12) throw internal_error("engine: a lazy prediction was queued too late");
            return true;
        }
        return false;
    }

    // The neuron's next instant in the epoch (invariant 3): its queued crossing when that comes
    // first, else its next input; false when the epoch holds nothing more for it. An early entry
    // is settled first (invariant 4): `exact()` recomputes the prediction from the neuron's state;
    // the neuron is due at the queued time if that is it, else `requeue(t)` queues it again. At
    // the instant found, the neuron's voltage samples up to it are taken.
    template <class IsExact, class Exact, class Requeue>
    bool next_instant(std::uint32_t id, neuron_slot& n, const sim_time& qt, std::span<const input> in, std::size_t i, sim_time T1,
                      IsExact&& is_exact, Exact&& exact, Requeue&& requeue, sim_time& T, bool& due) {
        for (;;) {
            const bool has_input = i < in.size();
            if (n.live && qt < T1 && (!has_input || !(in[i].t < qt))) {
                if (!is_exact()) {
                    const sim_time t = exact();
                    if (t.is_never()) {
                        n.live = 0;
                        continue;
                    }
                    if (!due_at(t, qt)) {
                        requeue(t);
                        continue;
                    }
                }
                T = qt;
                due = true;
                n.live = 0;
            } else {
                if (!has_input) return false;
                T = in[i].t;
                due = false;
            }
            if (n.probed) fill_samples(probe_head_[id], T);
            ++stats_.instants;
            return true;
        }
    }

    // --- lif_exp: the model's own propagation ----------------------------------------------------

    // Brings neuron id through the epoch: its inputs and its own crossings, in time order.
    template <class M>
    void process(std::uint32_t id, neuron_slot& n, const M& m, sim_time T1) {
        sim_time& qt = n.pred_t;
        generic_state& g = gen_[id];
        const std::span<const input> in = gather(id);
        const std::size_t count = in.size();
        // An early entry: the exact prediction from the neuron's last event.
        const auto exact = [&] {
            const double h = m.next_crossing(g.s, t_stop_ - g.t_last);
            return h == no_crossing ? sim_time::never() : g.t_last + h;
        };
        // Its spike of this epoch, if any (it fires at most once per instant; an earlier
        // epoch's spike is before every instant of this one).
        sim_time fired = sim_time::never();
        const auto requeue = [&](sim_time t) { schedule(id, t); };
        std::size_t i = 0;
        sim_time T;
        bool due = false;
        const auto is_exact = [&] { return n.exact != 0; };
        while (next_instant(id, n, qt, in, i, T1, is_exact, exact, requeue, T, due)) {
            const double h = T - g.t_last;
            if (h > 0) m.advance(g.s, h);
            g.t_last = T;
            if (due && g.s.refractory_ms <= 0 && g.s.V < m.params().V_th) g.s.V = m.params().V_th;
            for (; i < count && in[i].t == T; ++i) m.receive(g.s, in[i].value);
            if (m.can_fire(g.s) && fired != T) {
                m.fire(g.s);
                fired = T;
                spikes_.push_back({T, id});
            }
            const double h_next = m.next_crossing(g.s, t_stop_ - T);
            if (h_next != no_crossing) {
                const sim_time t = T + h_next;
                if (n.live && !(t < qt))
                    n.exact = t == qt;  // not earlier: the queued time stays
                else
                    schedule(id, t);
            } else {
                n.live = 0;
            }
        }
    }

    // --- lif_delta: exponential time (invariant 7) -------------------------------------------------

    // e^{(t - t_ref)/tau_m}.
    double factor(const exp_time_params& P, sim_time t) const { return std::exp((t - t_ref_) * P.inv_tau); }

    // e^{(t - t_ref)/tau_m} for t in the current epoch [B_k, B_k+1), computed as
    // e^{(B_k - t_ref)/tau_m} e^{(t - B_k)/tau_m} with the second factor by small_exp when the
    // epoch is short against tau_m (invariant 7): a function of t alone, whoever asks.
    [[gnu::always_inline]] double epoch_factor(std::uint32_t c, sim_time t) const {
        const double x = (t - bound(0)) * class_inv_tau_[c];
        return class_base_[c] * (class_small_[c] ? small_exp(x) : std::exp(x));
    }

    double voltage(const exp_time_params& P, const neuron_slot& n, sim_time t) const {
        const exp_time_state& x = n.x;
        // (pending: an earlier epoch's sum, or this epoch's when t is after its last input, as
        // end_samples asks after sample_order_free.)
        if (n.released) return P.v_inf + (x.pending.epoch == no_epoch ? x.u : x.u + x.pending.sum) / factor(P, t);
        if (x.refractory.free_at - t > refractory_tolerance_ms) return P.v_inf + x.refractory.held;
        return P.v_inf + x.refractory.held * std::exp(-(t - x.refractory.free_at) * P.inv_tau);
    }

    // At the neuron's first instant T from the end of its refractoriness on: u from the held
    // value. (Not at the spike: free_at may be many tau_m after t_ref, where the factor would
    // overflow; by T the reference has caught up.)
    void release(const exp_time_params& P, neuron_slot& n, sim_time T) const {
        exp_time_state& x = n.x;
        if (n.released || x.refractory.free_at - T > refractory_tolerance_ms) return;
        x.u = x.refractory.held * factor(P, x.refractory.free_at);
        // The queued crossing, computed from `held`, is that of this u; but a neuron held at or
        // above V_th fires as soon as it is free (at the instant T, which may precede free_at by
        // the tolerance): no u_q, so the threshold is tested at T whatever the inputs.
        x.u_q = x.refractory.held >= P.theta ? -std::numeric_limits<double>::infinity() : x.u;
        x.pending = {0.0, 0.0, no_epoch};
        n.released = 1;
    }

    // The exact crossing from the state at `now`, or never() (none before t_stop).
    sim_time crossing_time(const exp_time_params& P, const neuron_slot& n) const {
        const exp_time_state& x = n.x;
        sim_time t;
        if (!n.released) {
            if (x.refractory.held >= P.theta) {
                t = x.refractory.free_at;  // held above threshold: fires when free
            } else {
                if (!P.drifts_up) return sim_time::never();
                t = x.refractory.free_at + P.tau * std::log(x.refractory.held / P.theta);
            }
        } else {
            if (!P.drifts_up) return sim_time::never();
            // u < theta e^{...} < 0 here (below threshold, v_inf above it): the ratio is > 1.
            const double ahead = P.tau * std::log(x.u / P.theta);  // (< 0 only at or above V_th)
            t = ahead >= 0 ? t_ref_.after(ahead) : t_ref_ + ahead;
        }
        return t < t_stop_ ? t : sim_time::never();
    }

    // Queues the exact crossing t, computed at `now`: a slack early when far ahead, with the u_q
    // that goes with the queued time (invariant 4).
    void schedule_exact_time(std::uint32_t id, neuron_slot& n, const exp_time_params& P, sim_time t, sim_time now) {
        const double ahead = t - now;
        // The largest level below slack_frac * ahead (the levels increase): counted without a
        // loop whose exit would mispredict.
        int k = -1;
        for (int j = 0; j < slack_levels; ++j) k += slack_frac * ahead > P.slack_ms[j];
        if (k >= 0 && n.released) {
            schedule(id, now.after(ahead - P.slack_ms[k]));  // (> 0: the slack is < 0.3 ahead)
            n.exact = 0;
            n.x.u_q = n.x.u * P.slack_factor[k];
        } else {
            schedule(id, t);
            n.x.u_q = n.x.u;
        }
    }

    // fired_now: the neuron has fired at `now`.
    void predict_exact_time(std::uint32_t id, neuron_slot& n, const exp_time_params& P, sim_time now, bool fired_now) {
        sim_time t = crossing_time(P, n);
        // At or above threshold at `now` (the closed form gives a time <= now): if it has fired
        // at `now` (a soft reset or an input left V >= V_th with t_ref = 0), there is no upward
        // crossing to predict (docs/models.md); else it is due at `now` (rounding put the log a
        // hair early), never in the past.
        if (!(now < t)) t = fired_now ? sim_time::never() : now;
        if (t.is_never()) {
            n.live = 0;
            return;
        }
        if (n.live && !(t < n.pred_t)) {
            n.exact = t == n.pred_t;  // not earlier: the queued time stays
            n.x.u_q = n.x.u;             // crossings of any u' <= u come at t or later
            return;
        }
        schedule_exact_time(id, n, P, t, now);
    }

    // The common case (invariant 8), decided input by input as the epoch's inputs are delivered:
    // no crossing due in the epoch and no threshold test that can succeed in it, so the order of
    // the inputs does not matter and they are not sorted. Either the neuron stays refractory
    // through the epoch (the input is lost), or it is free and u plus all its positive inputs so
    // far stays below what could fire it, so every partial sum does, in any order; then the input
    // joins its pending sum. What could fire it: with v_inf > V_th, u above u_q (the queued
    // crossing would come earlier; at or below u_q it stays valid and nothing is re-predicted);
    // with v_inf <= V_th (no crossing on its own), u >= theta e^{(T - t_ref)/tau_m} at an input
    // time T, whose smallest value in the epoch is at its start (theta >= 0). The positive part
    // only grows, so once false for an input the test is false for every later one of the epoch,
    // and the decision is that of the epoch's whole sum. False: the neuron goes through the epoch
    // in time order (its inputs are chained in its inbox), and this epoch's pending sum is
    // dropped (settle_pending).
    //
    // absorb_rule: what absorb needs, copied out of the engine into the hot loops' registers (a
    // uint8_t store to a slot's flags could alias any member, so the compiler reloads members
    // after it).
    struct absorb_rule {
        sim_time T1;                    // the epoch's end
        std::uint64_t epoch;            // k_
        bool all_drift_up;              // all_drift_up_: no look-up of the parameters
        const exp_time_params* params;  // exp_time_, by population
        const double* class_base;       // class_base_
        // Per population drifting up: a u below which the neuron cannot reach V_th before T1,
        // theta e^{(T1 - t_ref)/tau_m} (1 + 1e-9) (theta < 0: the threshold in u falls with time,
        // so T1 is where it is lowest; the 1e-9 puts the exact crossing of such a u at least
        // ~1e-9 tau_m after T1, far beyond the rounding of the log and the exponentials).
        const double* fire_u;
    };
    absorb_rule absorb_rule_for(sim_time T1) const {
        return {T1, k_, all_drift_up_, exp_time_.data(), class_base_.data(), fire_u_.data()};
    }

    // A neuron not released (refractory) stays so through the epoch ending at T1: its inputs in
    // the epoch are lost.
    [[gnu::always_inline]] static bool refractory_through(const neuron_slot& n, sim_time T1) {
        return n.x.refractory.free_at - T1 > refractory_tolerance_ms;
    }

    // What absorb says of an input: taken into the pending sum, or not (the neuron goes through
    // the epoch in time order), and then whether it had taken earlier inputs of the epoch (which
    // the unpartitioned delivery did not record: replay_late).
    enum absorbed : int { taken = 0, refused = 1, refused_late = 2, not_tried = 3 };

    // absorb's common case: a free, live neuron of a population drifting up, not probed, and
    // not due in the epoch (its crossing is not before T1; in deliver, its active bit is clear).
    [[gnu::always_inline]] static bool fast_case(const absorb_rule& rule, const neuron_slot& n) {
        std::uint64_t flags;
        std::memcpy(&flags, reinterpret_cast<const std::byte*>(&n) + offsetof(neuron_slot, model), sizeof flags);
        return rule.all_drift_up && (flags & fast_flags_mask) == fast_flags;
    }

    // The common case without branches on the data (they mispredict). An earlier epoch's pending
    // sum goes into u (add_pending; with nothing pending its sum is 0.0, and u + 0.0 is u but for
    // the sign of a zero u). The prediction's exactness needs no update: it is read as "exact
    // and u still u_q" (exact_now).
    [[gnu::always_inline]] static absorbed absorb_fast(const absorb_rule& rule, neuron_slot& n, double value, bool& stale) {
        exp_time_state& x = n.x;
        pending_inputs& p = x.pending;
        const bool same = p.epoch == rule.epoch;
        // (The selects as masks: compilers turn them into jumps, which mispredict. u + 0.0 is u
        // but for a zero u, which a neuron drifting up to a threshold below v_inf never has.)
        const std::uint64_t keep = 0 - static_cast<std::uint64_t>(same);
        const auto masked = [](double v, std::uint64_t mask) { return std::bit_cast<double>(std::bit_cast<std::uint64_t>(v) & mask); };
        const double u = x.u + masked(p.sum, ~keep);
        x.u = u;
        const double sum = masked(p.sum, keep) + value;  // as sums from 0.0
        const double rise = masked(p.rise, keep) + (value > 0.0 ? value : 0.0);
        p = {sum, rise, rule.epoch};
        const double top = u + rise;
        const bool free = top < rule.fire_u[n.model];
        stale = top > x.u_q;
        return static_cast<absorbed>(!free + (!free & same));
    }

    [[gnu::always_inline]] static absorbed absorb(const absorb_rule& rule, neuron_slot& n, double value, bool& stale) {
        stale = false;
        if (fast_case(rule, n) && !(n.pred_t < rule.T1)) return absorb_fast(rule, n, value, stale);
        // (A probed neuron is decided as any other, so that a probe does not change the
        // simulation, but always swept: its samples in the epoch need its inputs in time order.
        // A failed test leaves an infinite rise, which tells the sweep: order_free_in_epoch.)
        if (n.live && n.pred_t < rule.T1) return refused;
        exp_time_state& x = n.x;
        if (!n.released) return !n.probed && refractory_through(n, rule.T1) ? taken : refused;  // lost
        const exp_time_params* const P = rule.all_drift_up ? nullptr : rule.params + n.model;
        const bool drifts_up = rule.all_drift_up || P->drifts_up;
        if (drifts_up != static_cast<bool>(n.live)) return refused;
        pending_inputs& p = x.pending;
        const double rise = value > 0.0 ? value : 0.0;
        const bool same = p.epoch == rule.epoch;
        if (!same) {
            add_pending(n, drifts_up);
            p = {0.0 + value, 0.0 + rise, rule.epoch};  // as sums from 0.0 (-0.0 + 0.0 is +0.0)
        } else {
            p.sum += value;
            p.rise += rise;
        }
        const bool order_free = x.u + p.rise < (drifts_up ? rule.fire_u[n.model] : P->theta * rule.class_base[P->tau_class]);
        stale = drifts_up && x.u + p.rise > x.u_q;
        if (!n.probed) return order_free ? taken : same ? refused_late : refused;
        if (!order_free) p.rise = inf;
        return refused;
    }

    // Marks a target that absorb said is stale (its crossing moved before its queued time), without
    // a branch: for the sweep's requeue_if_stale. (stale_bits_ has active_bits_'s base.)
    [[gnu::always_inline]] static void mark_stale(std::uint64_t* stale_bits, std::uint32_t bits_base, std::uint32_t target, bool stale) {
        stale_bits[(target >> 6) - bits_base] |= std::uint64_t{stale} << (target & 63);
    }

    // An unpartitioned input that absorb_fast did not take (`result`: refused, refused_late) or
    // that it was not tried on (not_tried: the target is active already, not in absorb's common
    // case, or not lif_delta): recorded, chained into its target's inbox, and the target marked
    // active, unless absorb takes it. A target that refuses an input after taking others is
    // noted for replay_late.
    [[gnu::noinline]] void take_slow(const absorb_rule& rule, absorbed result, bool exp_time, sim_time a, double value,
                                     std::uint32_t target, std::uint32_t source, std::uint32_t position, std::uint64_t q) {
        std::uint64_t& word = active_bits_[target >> 6];
        const std::uint64_t bit = std::uint64_t{1} << (target & 63);
        const bool before = (word & bit) != 0;
        if (result == not_tried) {
            bool stale = false;
            result = exp_time ? absorb(rule, neurons_[target], value, stale) : refused;
            if (result == taken && !before) {
                mark_stale(stale_bits_.raw(), static_cast<std::uint32_t>(stale_bits_.base()), target, stale);
                return;
            }
        }
        const std::uint32_t r = static_cast<std::uint32_t>(n_inputs_++);
        inputs_[r] = {a, value, target, source, position, chain_input(box_of(target), r, box_stamp_)};
        if (!before) {
            word |= bit;
            if (result == refused_late) late_.push_back({target, static_cast<std::uint32_t>(q)});
        }
    }

    // Synapse k's target and input value for an arrival at a (f: the group's factor, OnePalette).
    template <bool OnePalette>
    [[gnu::always_inline]] double synapse_input(std::uint64_t k, sim_time a, double f, const std::uint32_t* tg, const double* palette,
                                                std::uint32_t& target, bool& exp_time) {
        exp_time = true;  // a lif_delta target
        if constexpr (OnePalette) {
            const std::uint32_t t = tg[k];
            target = t & network::target_mask;
            return palette[t >> 24] * f;
        } else {
            target = net_.target(k);
            double value = net_.weight(k);
            const std::uint32_t c = class_of_[target];
            if (c != generic_class) {
                if (class_group_[c] != group_) {
                    class_group_[c] = group_;
                    class_factor_[c] = epoch_factor(c, a);
                }
                value *= class_factor_[c];
            } else {
                exp_time = false;
            }
            return value;
        }
    }

    // An input to a lif_delta target (deliver, deliver_at_once, file_block): taken by it
    // order-free without a record in the common case (absorb_fast, or lost while refractory),
    // which returns taken; else what the caller passes on to take_slow's decision (refused,
    // refused_late, or not_tried).
    // (bits, bits_base: active_bits_'s, hoisted by the caller: the stores to the slots could alias
    // the array's members, which the loop would then reload per input.)
    [[gnu::always_inline]] static absorbed take_fast(const absorb_rule& rule, neuron_slot& s, const std::uint64_t* bits,
                                                     std::uint64_t* stale_bits, std::uint32_t bits_base, std::uint32_t target,
                                                     double value) {
        const std::uint64_t word = bits[(target >> 6) - bits_base];
        const bool before = (word >> (target & 63)) & 1;
        if (!before && fast_case(rule, s)) [[likely]] {
            bool stale;
            const absorbed result = absorb_fast(rule, s, value, stale);
            mark_stale(stale_bits, bits_base, target, stale);
            return result;
        }
        if (!before && !s.released && !s.probed && refractory_through(s, rule.T1)) return taken;  // lost (absorb's answer)
        return not_tried;
    }

    // Unpartitioned: synapses [k, end) of walk w, all arriving at a (the rest of the fan-out has
    // one delay: a constant delay, or a walk's tail), absorbed at once (invariant 8): the common
    // case inline (take_fast), the rest (recorded for the sweep, the target marked active) out of
    // line, in take_slow. The inputs taken are not recorded: the stretch is noted for replay_late,
    // which records them when a target refuses an input after taking others (deliver's loop for
    // spread delays does the same, synapse by synapse). Returns end.
    template <bool OnePalette>
    std::uint64_t deliver_at_once(const walk& w, std::uint64_t base, std::uint64_t k, const std::uint64_t end, sim_time a,
                                  double f, const absorb_rule& rule, std::uint64_t q0) {
        neuron_slot* const slots = neurons_.raw();
        const std::uint32_t slot_base = static_cast<std::uint32_t>(neurons_.base());
        const std::uint32_t* const tg = net_.targets.data();
        const double* const palette = net_.weight_palette.data();
        const std::uint64_t* const bits = active_bits_.raw();
        const auto bits_base = static_cast<std::uint32_t>(active_bits_.base());
        const std::uint64_t first = k;
        std::uint64_t* const stale_bits = stale_bits_.raw();
        for (; k < end; ++k) {
            // (The last 16 fetch the last slot again: no branch.)
            if (OnePalette) __builtin_prefetch(&slots[(tg[std::min(k + 16, end - 1)] & network::target_mask) - slot_base]);
            std::uint32_t target;
            bool exp_time;
            const double value = synapse_input<OnePalette>(k, a, f, tg, palette, target, exp_time);
            const absorbed result = exp_time ? take_fast(rule, slots[target - slot_base], bits, stale_bits, bits_base, target, value) : not_tried;
            if (result != taken) [[unlikely]]
                take_slow(rule, result, exp_time, a, value, target, w.source, static_cast<std::uint32_t>(k - base), q0 + k);
        }
        walked_.push_back({w.t_emit, w.source, first, end, q0 + first});
        return end;
    }

    // A probed lif_delta neuron swept in the epoch: did it take its inputs order-free (absorb)?
    bool order_free_in_epoch(const neuron_slot& n, sim_time T1) const {
        if (n.live && n.pred_t < T1) return false;
        if (!n.released) return refractory_through(n, T1);
        return n.x.pending.epoch == k_ && n.x.pending.rise != inf;
    }

    // Its samples in the epoch, from its inputs in time order (the state keeps their order-free
    // sum, pending, as an unprobed neuron's: the samples after the last input see that state).
    void sample_order_free(std::uint32_t id, neuron_slot& n) {
        if (!n.released) return;  // refractory through the epoch: held, the inputs lost
        exp_time_state& x = n.x;
        const double u = x.u;
        const pending_inputs p = x.pending;
        x.pending = {0.0, 0.0, no_epoch};
        const std::span<const input> in = gather(id);
        for (std::size_t i = 0; i < in.size();) {
            const sim_time T = in[i].t;
            fill_samples(probe_head_[id], T);
            double at_T = 0.0;
            for (; i < in.size() && in[i].t == T; ++i) at_T += in[i].value;
            x.u += at_T;
        }
        x.u = u;
        x.pending = p;
    }

    // Is a lif_delta neuron's queued crossing its exact prediction? `exact` says it was for the u
    // of that prediction, which u_q then took (schedule_exact_time, predict_exact_time): so it
    // still is while u == u_q. (absorb_fast adds to u without clearing `exact`; a u_q of -inf
    // (held at or above V_th when released) always re-predicts at the neuron's next instant.)
    static bool exact_now(const neuron_slot& n) {
        return n.exact && (!n.released || n.x.u == n.x.u_q || n.x.u_q == -inf);
    }

    // A released neuron's pending sum (of an earlier epoch) goes into u. (absorb's common case
    // does the same without branches.)
    static void add_pending(neuron_slot& n, bool drifts_up) {
        pending_inputs& p = n.x.pending;
        if (p.epoch == no_epoch) return;
        n.x.u += p.sum;
        if (drifts_up && n.x.u != n.x.u_q) n.exact = 0;
        p = {0.0, 0.0, no_epoch};
    }

    // Before a lif_delta neuron's own processing in the epoch: an earlier epoch's pending sum goes
    // into u; this epoch's is dropped, as its inputs are processed in time order (chained).
    void settle_pending(neuron_slot& n, const exp_time_params& P) {
        if (!n.released) return;
        if (n.x.pending.epoch == k_)
            n.x.pending = {0.0, 0.0, no_epoch};
        else
            add_pending(n, P.drifts_up);
    }

    void process_exp_time(std::uint32_t id, neuron_slot& n, const exp_time_params& P, sim_time T1) {
        exp_time_state& x = n.x;
        sim_time& qt = n.pred_t;
        const std::span<const input> in = gather(id);
        const std::size_t count = in.size();
        const auto exact = [&] { return crossing_time(P, n); };
        // Its spike of this epoch, if any (it fires at most once per instant; an earlier
        // epoch's spike is before every instant of this one).
        sim_time fired = sim_time::never();
        const auto requeue = [&](sim_time t) { schedule_exact_time(id, n, P, t, qt); };
        std::size_t i = 0;
        sim_time T;
        bool due = false;
        const auto is_exact = [&] { return exact_now(n); };
        while (next_instant(id, n, qt, in, i, T1, is_exact, exact, requeue, T, due)) {
            double pending = 0.0;
            for (; i < count && in[i].t == T; ++i) pending += in[i].value;
            bool predict = due || !n.live;
            bool fire = false;
            double E = 0.0;
            release(P, n, T);
            if (n.released) {  // free (inputs while refractory are lost)
                if (due) {
                    // The prediction is exact: V = V_th (re-evaluating u against the factor at T
                    // can land a few ulps below), then the inputs of the instant.
                    E = epoch_factor(P.tau_class, T);
                    const double at_threshold = P.theta * E;
                    if (x.u < at_threshold) x.u = at_threshold;
                    if (pending != 0.0) x.u += pending;
                    fire = x.u >= at_threshold;
                } else {
                    if (pending != 0.0) x.u += pending;
                    if (!n.live || x.u > x.u_q || !P.drifts_up) {
                        E = epoch_factor(P.tau_class, T);
                        fire = x.u >= P.theta * E;
                        predict = true;
                    } else if (x.u != x.u_q) {
                        n.exact = 0;  // inhibited: the crossing moved later, the entry is early
                    }
                }
            }
            if (fire && fired != T) {
                const double D = P.hard_reset ? P.V_reset - P.v_inf : x.u / E - (P.V_th - P.V_reset);
                x.refractory.held = D;
                x.refractory.free_at = T.after(P.t_ref);
                n.released = 0;
                fired = T;
                spikes_.push_back({T, id});
                predict = true;
            }
            if (predict) predict_exact_time(id, n, P, T, fired == T);
        }
    }

    // Moves t_ref to T (every 16 tau_m): every u is rescaled, so the factors stay small.
    void move_reference(sim_time T) {
        std::vector<double> scale(class_tau_.size());
        for (std::size_t c = 0; c < class_tau_.size(); ++c) scale[c] = std::exp(-(T - t_ref_) / class_tau_[c]);
        for (std::uint32_t id = net_.owned_begin; id < net_.owned_end; ++id) {
            if (!in_exp_time_[neurons_[id].model] || !neurons_[id].released) continue;
            add_pending(neurons_[id], exp_time_[neurons_[id].model].drifts_up);  // in the old reference's terms
            neurons_[id].exact = exact_now(neurons_[id]);  // (rescaling could make u == u_q)
            const std::uint32_t c = exp_time_[neurons_[id].model].tau_class;
            neurons_[id].x.u *= scale[c];
            neurons_[id].x.u_q *= scale[c];
        }
        t_ref_ = T;
    }

    void schedule(std::uint32_t id, sim_time t) {
        neuron_slot& n = neurons_[id];
        n.pred_t = t;
        n.live = 1;
        n.exact = 1;
        n.moved = 1;
    }

    // Queues the neuron's prediction after its epoch: in the ring slot of its epoch when within
    // the calendar's horizon (O(1)), else in the prediction queue, where a new version makes an
    // older entry stale (the lazy queue drops stale entries when they surface).
    void sync(std::uint32_t id, neuron_slot& n) {
        n.moved = 0;
        const sim_time t = n.pred_t;
        if (n.queued == in_ring) unlink(id);
        if (n.live && t < horizon_) {
            if (n.queued == in_heap) {
                ++versions_[id];
                if constexpr (Q::updates_in_place) p_.cancel(handles_[id]);
            }
            link(id, static_cast<std::uint32_t>((k_ + slot_of(t)) & mask_));
            n.queued = in_ring;
        } else if (n.live) {
            const event e = event::crossing(t, id, ++versions_[id]);
            handles_[id] = n.queued == in_heap ? p_.reschedule(handles_[id], e) : p_.push(e);
            n.queued = in_heap;
        } else {
            if (n.queued == in_heap) {
                ++versions_[id];
                if constexpr (Q::updates_in_place) p_.cancel(handles_[id]);
            }
            n.queued = not_queued;
        }
    }

    // (flatten: g++ keeps vector::push_back out of line here, a call per queued prediction;
    // inlined, Benchmark 4 runs 0.9 % fewer instructions.)
    [[gnu::flatten]] void link(std::uint32_t id, std::uint32_t slot) {
        auto& ids = slot_ids_[slot];
        ring_links_[id] = {slot, static_cast<std::uint32_t>(ids.size())};
        ids.push_back(id);
        ++ring_preds_;
    }

    void unlink(std::uint32_t id) {
        const ring_link l = ring_links_[id];
        auto& ids = slot_ids_[l.slot];
        const std::uint32_t last = ids.back();
        ids[l.pos] = last;
        ring_links_[last].pos = l.pos;
        ids.pop_back();
        --ring_preds_;
    }

    // The ring slot j (epoch k_ + j) holding time t, for bound(0) <= t < horizon_.
    std::size_t slot_of(sim_time t) const {
        const double guess = (t - bounds_[k_ & mask_]) * inv_epoch_ms_;  // corrected below
        std::size_t j = guess <= 0 ? 0 : std::min(static_cast<std::size_t>(guess), ring_ - 1);
        // (bound(j) for j < ring_, read directly.)
        while (j > 0 && t < bounds_[(k_ + j) & mask_]) --j;
        while (j + 1 < ring_ && !(t < bounds_[(k_ + j + 1) & mask_])) ++j;
        return j;
    }

    // Drops superseded predictions (lazy queues).
    void drop_stale() {
        if constexpr (!Q::updates_in_place) {
            while (!p_.empty()) {
                const event& e = p_.top();
                if (e.aux == versions_[e.node()]) break;
                p_.pop();
                ++stats_.stale;
                ++stats_.events;
            }
        }
    }

    std::size_t id_to_source(std::uint32_t id) const {
        std::size_t s = 0;
        const std::size_t first = spec_.populations.size();
        while (s + 1 < sources_.size() && id >= net_.groups[first + s + 1].first) ++s;
        return s;
    }

    void queue_emission(std::size_t s, std::uint32_t local, std::uint32_t index) {
        const double t = sources_[s].next(local);
        if (t < spec_.t_stop_ms)
            emissions_.push(event::emission(sim_time::from_ms(t),
                                            net_.groups[spec_.populations.size() + s].first + local, index));
    }

    // The epoch's spikes, by (time, global id): exchanged between ranks (the exchange point of
    // docs/engine.md: every rank gets every spike), reported (by rank 0 with several ranks), and
    // their walks queued on each rank over its own synapses.
    void report_spikes() {
        stats_.spikes += spikes_.size();
        if (spikes_.size() > 1) std::sort(spikes_.begin(), spikes_.end());
        if (comm_.size() > 1) {
            comm_.allgatherv(std::as_bytes(std::span(spikes_)), bytes_, counts_);
            spikes_.resize(bytes_.size() / sizeof(spike_out));
            if (!bytes_.empty()) std::memcpy(spikes_.data(), bytes_.data(), bytes_.size());
            // Each rank's part is sorted: merge them.
            std::size_t done = counts_[0] / sizeof(spike_out);
            for (std::size_t r = 1; r < counts_.size(); ++r) {
                const std::size_t more = counts_[r] / sizeof(spike_out);
                std::inplace_merge(spikes_.begin(), spikes_.begin() + static_cast<std::ptrdiff_t>(done),
                                   spikes_.begin() + static_cast<std::ptrdiff_t>(done + more));
                done += more;
            }
        }
        had_spikes_ = !spikes_.empty();
        if (spikes_.empty()) return;
        // Each spike reads its fan-out's offsets and first delay: fetched a few spikes ahead
        // (beyond the caches, partitioned, the offsets further ahead than the delay they locate).
        // (A pass fetching a whole epoch's offsets first left the first spikes waiting for it.)
        const std::size_t count = spikes_.size();
        for (std::size_t i = 0; i < count && i < 2 * spike_prefetch_distance && partitioned_; ++i)
            __builtin_prefetch(off_ + spikes_[i].id);
        for (std::size_t i = 0; i < count && i < spike_prefetch_distance && !one_delay_; ++i)
            __builtin_prefetch(delay_ + off_[spikes_[i].id]);
        for (std::size_t i = 0; i < count; ++i) {
            const auto [t, id] = spikes_[i];
            if (partitioned_ && i + 2 * spike_prefetch_distance < count)
                __builtin_prefetch(off_ + spikes_[i + 2 * spike_prefetch_distance].id);
            if (!one_delay_ && i + spike_prefetch_distance < count)
                __builtin_prefetch(delay_ + off_[spikes_[i + spike_prefetch_distance].id]);
            if (out_.spikes != nullptr) {
                const std::size_t g = group_index(id);
                if (g < out_.record.size() && out_.record[g]) out_.spikes->on_spike(g, id - net_.groups[g].first, t.ms());
            }
            if (off_[id] == off_[id + 1]) continue;
            const sim_time a = t + (one_delay_ ? net_.min_delay_ms : delay_[off_[id]]);
            if (!(a < t_stop_)) continue;
            queue_walk({t, id, 0}, a);
        }
        spikes_.clear();
    }

    std::size_t group_index(std::uint32_t id) const {
        return static_cast<std::size_t>(&net_.group_of(id) - net_.groups.data());
    }

    // --- voltage samples (invariant 5) ----------------------------------------------------------

    // The sample times of every probe before T (at most `cap` each); true if a probe has more.
    bool begin_samples(sim_time T, std::size_t cap) {
        bool more = false;
        for (std::size_t p = 0; p < out_.probes.size(); ++p) {
            auto& sp = samples_[p];
            sp.t.clear();
            sp.t_ms.clear();
            // Rows as a report reader counts them from (0, t_stop, interval) (core/time.hpp).
            const std::uint64_t rows = sample_count(0.0, spec_.t_stop_ms, out_.probes[p].interval_ms);
            for (std::uint64_t k = next_sample_[p]; k < rows; ++k) {
                const double s_ms = static_cast<double>(k) * out_.probes[p].interval_ms;
                const sim_time s = sim_time::from_ms(s_ms);
                if (!(s < T)) break;
                if (sp.t.size() == cap) {
                    more = true;
                    break;
                }
                sp.t.push_back(s);
                sp.t_ms.push_back(s_ms);
            }
            sp.V.resize(sp.t.size() * out_.probes[p].node_ids.size());
        }
        for (auto& c : columns_) c.filled = 0;
        return more;
    }

    // Fills the samples before T of the columns chained from `first` (one neuron's).
    void fill_samples(std::uint32_t first, sim_time T) {
        for (std::uint32_t c = first; c != none; c = columns_[c].next) {
            probe_column& col = columns_[c];
            auto& sp = samples_[col.probe];
            const std::size_t width = out_.probes[col.probe].node_ids.size();
            for (; col.filled < sp.t.size() && sp.t[col.filled] < T; ++col.filled)
                sp.V[col.filled * width + col.column] = voltage_of(col.neuron, sp.t[col.filled]);
        }
    }

    // V of neuron id at t, exactly, from its state at its last event (no event in between).
    double voltage_of(std::uint32_t id, sim_time t) const {
        const neuron_slot& n = neurons_[id];
        if (in_exp_time_[n.model]) return voltage(exp_time_[n.model], n, t);
        return std::get<lif_exp>(models_[n.model]).voltage_after(gen_[id].s, t - gen_[id].t_last);
    }

    void end_samples() {
        if (out_.probes.empty()) return;
        for (const auto& c : columns_) {
            if (c.filled == samples_[c.probe].t.size()) continue;
            fill_samples(probe_head_[c.neuron], sim_time::never());
        }
        if (comm_.size() > 1) gather_samples();
        for (std::size_t p = 0; p < out_.probes.size(); ++p) {
            const auto& sp = samples_[p];
            const std::size_t width = out_.probes[p].node_ids.size();
            for (std::size_t k = 0; k < sp.t.size(); ++k)
                if (out_.voltages != nullptr)
                    out_.voltages->on_sample(p, sp.t_ms[k], std::span<const double>(sp.V.data() + k * width, width));
            next_sample_[p] += sp.t.size();
        }
    }

    // With several ranks, each has filled the columns of its own neurons: rank 0 collects the
    // others' (one gather), in the order (probe, sample, column) on both sides.
    void gather_samples() {
        const std::uint32_t me = net_.rank;
        std::vector<double> mine;
        for (std::size_t p = 0; p < out_.probes.size(); ++p) {
            const auto& sp = samples_[p];
            const auto& owner = column_owner_[p];
            for (std::size_t k = 0; k < sp.t.size(); ++k)
                for (std::size_t c = 0; c < owner.size(); ++c)
                    if (owner[c] == me) mine.push_back(sp.V[k * owner.size() + c]);
        }
        comm_.gatherv(std::as_bytes(std::span(mine)), bytes_, counts_);
        if (me != 0) return;
        std::size_t at = 0;
        for (std::uint32_t r = 0; r < counts_.size(); ++r) {
            const std::size_t end = at + counts_[r];
            if (r == 0) {
                at = end;
                continue;
            }
            for (std::size_t p = 0; p < out_.probes.size(); ++p) {
                auto& sp = samples_[p];
                const auto& owner = column_owner_[p];
                for (std::size_t k = 0; k < sp.t.size(); ++k)
                    for (std::size_t c = 0; c < owner.size(); ++c)
                        if (owner[c] == r) {
                            std::memcpy(&sp.V[k * owner.size() + c], bytes_.data() + at, sizeof(double));
                            at += sizeof(double);
                        }
            }
            if (at != end) throw internal_error("engine: voltage samples from rank " + std::to_string(r) + " do not add up");
        }
    }

    // Samples before T of neurons with no event before T (skipped stretches, the end).
    void samples_until(sim_time T) {
        if (out_.probes.empty()) return;
        for (;;) {
            const bool more = begin_samples(T, 4096);
            end_samples();
            if (!more) break;
        }
    }

    const simulation_spec& spec_;
    const network& net_;
    const engine_outputs& out_;
    communicator& comm_;
    const double* delay_;  // the CSR's delays (targets and weights: net_.target(k), net_.weight(k))
    const std::uint64_t* off_;
    sim_time t_stop_;

    std::vector<model_variant> models_;
    block_array<neuron_slot> neurons_;
    block_array<generic_state> gen_;         // per neuron: lif_exp state (empty without lif_exp)
    block_array<std::uint32_t> versions_;   // per neuron: of its entry in the prediction queue
    block_array<std::uint32_t> probe_head_; // per neuron: its first voltage probe column (a chain), or none (empty without probes)
    Q p_;  // which neurons have a prediction due when (one entry per predicting neuron)
    block_array<typename Q::handle> handles_;
    std::vector<exp_time_params> exp_time_;   // per population (lif_delta ones)
    std::vector<std::uint8_t> in_exp_time_;    // per population: lif_delta (exponential time)
    block_array<std::uint32_t> class_of_;      // per neuron: its tau_m class, or generic_class (deliver<false> only)
    std::vector<double> class_tau_, class_inv_tau_;  // per class
    double min_class_tau_ = 0.0;
    sim_time t_ref_;                           // the reference time of exponential time
    // Per class: the factor of the current delay group (computed once per group and class).
    std::vector<std::uint64_t> class_group_;
    std::vector<double> class_factor_;
    // Per class: e^{(B_k - t_ref)/tau_m} of the current epoch, and whether small_exp covers the
    // epoch (L / tau_m <= 1/16).
    std::vector<double> class_base_;
    std::vector<std::uint8_t> class_small_;
    std::uint64_t group_ = 0;
    bool one_class_palette_ = false;  // deliver<true>: every neuron lif_delta of one class, palette weights
    // Every synapse of the rank has the same delay, net_.min_delay_ms: walks and spikes read no
    // delay (beyond the caches a random line each).
    bool one_delay_ = false;
    std::vector<source_group> sources_;
    lazy_d_ary_queue<4> emissions_;  // the sources' next spikes (no handles needed)

    // The calendar: epoch k_ is [bound(0), bound(1)); bucket (k_ + j) & mask_ holds the walks
    // next due in epoch k_ + j.
    static constexpr std::size_t max_ring = std::size_t{1} << 16;
    double epoch_ms_ = 1.0;
    double inv_epoch_ms_ = 1.0;  // slot_of's first guess only
    std::size_t ring_ = 4, mask_ = 3;
    std::uint64_t k_ = 0;
    std::vector<sim_time> bounds_;
    sim_time horizon_;  // bound(ring_)
    std::vector<std::vector<walk>> buckets_;
    // Storage of delivered buckets for the next ones started, the last freed on top (epoch()).
    static constexpr std::size_t max_spare_buckets = 16;
    std::vector<std::vector<walk>> spare_buckets_;
    std::vector<std::size_t> walk_runs_;   // sort_runs' scratch
    std::vector<walk> walk_scratch_;
    std::vector<std::uint8_t> unsorted_;    // per ring slot: a walk came out of order (invariant 9)
    std::vector<std::vector<std::uint32_t>> slot_ids_;  // per ring slot: the neurons predicted to cross in it
    block_array<ring_link> ring_links_;     // per neuron
    std::size_t ring_preds_ = 0;
    std::size_t ring_walks_ = 0;
    struct far_walk {
        walk w;
        sim_time a;
    };
    std::vector<far_walk> far_;  // walks due beyond the calendar
    sim_time far_min_ = sim_time::never();
    std::uint64_t epochs_ = 0;

    // The current epoch.
    block_array<std::uint64_t> active_bits_;  // neurons to sweep: an input not absorbed, or a crossing
    block_array<std::uint64_t> stale_bits_;   // took inputs that moved its crossing before its queued time
    std::vector<double> fire_u_;              // per population: absorb_rule::fire_u
    std::vector<std::uint32_t> stale_;        // the sweep's stale neurons (stale_bits_ less the active)
    std::vector<std::uint32_t> active_;       // the same, as a list in id order
    std::vector<std::uint32_t> moved_;        // partitioned: the block's neurons to sync (sync_moved)
    std::vector<input> inputs_;               // the first n_inputs_ are this epoch's, by walk
    std::size_t n_inputs_ = 0;
    // Unpartitioned: the epoch's inputs delivered (n_inputs_ counts those recorded), the stretches
    // of walks delivered without records, and the targets that refused an input after taking
    // others (with the delivery index of that input; replay_late records the ones before it).
    // Partitioned, late_ and block_late_at_ serve file_block's second pass, for one block at a
    // time, with the inputs' chunk-numbered indices instead.
    std::uint64_t n_delivered_ = 0;
    struct walked {
        sim_time t_emit;
        std::uint32_t source;
        std::uint64_t first, end;  // synapses [first, end) of the source's fan-out, unrecorded
        std::uint64_t q_first;     // the delivery index of the first
    };
    std::vector<walked> walked_;
    struct late_target {
        std::uint32_t id, refused_at;
    };
    std::vector<late_target> late_;
    block_array<std::uint32_t> late_at_;  // per neuron: refused_at of a late target, else 0
    std::vector<std::uint32_t> block_late_at_;  // partitioned: the same for the block being filed
    std::uint32_t box_stamp_ = 0;             // inboxes with this stamp are current (inbox)
    bool all_drift_up_ = false;               // every lif_delta population has v_inf > V_th
    std::vector<input> grouped_;              // one neuron's inputs, sorted (gather)
    // Partitioned delivery (invariant 10): block b holds global ids from (first_block_ + b) <<
    // block_shift_; its inputs are in a list of chunks (block_head_ .. block_tail_, linked by
    // chunk_next_), the next one going to block_cur_[b] (block_end_[b]: the end of its chunk).
    bool partitioned_ = false;
    std::uint32_t block_shift_ = 0, first_block_ = 0;
    std::uint64_t max_fanout_ = 0;  // the largest fan-out on this rank
    std::uint64_t slice_inputs_ = slice_inputs;
    std::vector<input*> block_cur_, block_end_;
    std::vector<std::uint32_t> block_head_, block_tail_;
    std::vector<std::uint32_t> chunk_next_;
    std::vector<input*> chunk_ptr_;  // per chunk: its first input; unpartitioned: {inputs_.data()}
    std::uint32_t chunk_shift_ = 32;  // input r is chunk_ptr_[r >> chunk_shift_][r & chunk_mask_]
    std::uint64_t chunk_mask_ = 0xffffffffu;
    std::uint32_t chunks_used_ = 0;
    struct free_slab {
        void operator()(void* p) const { std::free(p); }
    };
    std::vector<std::unique_ptr<void, free_slab>> slabs_;  // the chunks' memory, 2 MB each
    block_array<inbox> inbox_;                // per neuron (unpartitioned delivery)
    // The inboxes in use: inbox_, or with partitioned delivery one block's (block_boxes_, reused
    // by every block, so they stay in the caches); box_of(id) = boxes_[id - box_first_].
    std::vector<inbox> block_boxes_;
    inbox* boxes_ = nullptr;
    std::uint32_t box_first_ = 0;
    std::vector<spike_out> spikes_;
    bool had_spikes_ = false;  // the last epoch had a spike on some rank
    std::vector<std::byte> bytes_;  // exchange buffers
    std::vector<std::size_t> counts_;

    struct probe_column {
        std::uint32_t probe, column, neuron;
        std::uint32_t next;          // the neuron's next column, or none
        std::size_t filled;          // samples of the epoch filled
    };
    std::vector<probe_column> columns_;
    struct probe_samples {
        std::vector<sim_time> t;
        std::vector<double> t_ms, V;  // V: sample-major, one row per sample time
    };
    std::vector<probe_samples> samples_;
    std::vector<std::uint64_t> next_sample_;
    std::vector<std::vector<std::uint32_t>> column_owner_;  // per probe and column: its rank
    run_stats stats_;
};

template <event_queue Q>
run_stats run_with(const simulation_spec& spec, const network& net, const engine_outputs& out, communicator& comm) {
    // Set-up errors (a bad parameter, probe or source) are the same on every rank: agreed on
    // before the first exchange, so that each rank stops and one reports (core/comm.hpp).
    std::unique_ptr<engine<Q>> e;
    all_or_none(comm, [&] { e = std::make_unique<engine<Q>>(spec, net, out, comm); });
    return e->run();
}

}  // namespace

run_stats simulate(const simulation_spec& spec, const network& net, const engine_outputs& outputs,
                   queue_kind queue, communicator& comm) {
    // A neuron's slot holds its population's index in 16 bits (neuron_slot::model).
    if (spec.populations.size() > 65536)
        throw config_error("population", "more than 65536 populations (" + std::to_string(spec.populations.size()) + ")");
    if (!(spec.t_stop_ms >= 0) || !(spec.t_stop_ms <= max_time_ms))
        throw config_error("t_stop", "must be >= 0 ms and at most the time limit 2^52 = 4503599627370496 ms");
    if (net.groups.size() != spec.populations.size() + spec.sources.size())
        throw internal_error("simulate: the network was not built from this spec");
    switch (queue) {
        case queue_kind::lazy_d_ary:
            return run_with<lazy_d_ary_queue<4>>(spec, net, outputs, comm);
        case queue_kind::mutable_d_ary:
            return run_with<mutable_d_ary_queue<4>>(spec, net, outputs, comm);
        case queue_kind::pairing:
            return run_with<pairing_queue>(spec, net, outputs, comm);
        case queue_kind::indexed_d_ary:
            return run_with<indexed_d_ary_queue<4>>(spec, net, outputs, comm);
    }
    throw internal_error("simulate: unknown queue kind");
}

}  // namespace evspike
