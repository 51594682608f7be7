// The event loop.
//
// Invariants, enforced here and checked by tests/core/engine_test.cpp:
//
// 1. Event order (SPEC §3.1). Queue entries are processed in the total order of
//    queue/event.hpp: time (sim_time, whole ms + fraction), then kind (source emission <
//    predicted crossing < synaptic delivery), then the global id of the node concerned, then
//    aux (crossing: the neuron's prediction version; delivery: the complement of the fan-out
//    position, i.e. the older spike first). A node has at most one live emission entry and at
//    most one current prediction, and two walks of one source can only be due together for
//    different delay groups, so live keys are unique: the order does not depend on insertion
//    order, on the queue implementation, or (later) on how neurons are split across ranks.
//
// 2. Instants and the same-time rule (SPEC §3.2). All entries due at one time T form an
//    instant, processed in two phases.
//    (a) Pop them in order. An emission reports a source's spike and queues its next one. A
//        current prediction marks its neuron due (a superseded one is dropped). A delivery
//        walks one group of equal delays of a source's fan-out: each target is advanced to T
//        (once per instant) and receives the weight, lif_delta into a per-instant sum applied
//        once in (b), lif_exp into its synaptic currents (which do not move V at T); then the
//        walk is re-queued at emission time + the next delay.
//    (b) For each neuron touched in (a), in first-touch order: a due neuron's V is set to V_th
//        (the prediction is exact; re-evaluating the exponentials at T can land a few ulps
//        below), the summed input is applied, the threshold is tested once, the neuron fires
//        at most once at T, and its next crossing is predicted afresh (version + 1), so a
//        prediction is always current whatever inputs arrived.
//    So all inputs of an instant are applied before any threshold test, and +w and -w at one
//    instant cancel exactly (their sum is 0.0 before it touches V).
//
// 3. Epochs (conservative synchronisation, as NEST and Arbor). Time advances in epochs as long
//    as the smallest delay. Spikes emitted in an epoch wait in an outbox and are queued (their
//    fan-out walks) at its end: since every delay >= the epoch length, no delivery falls in the
//    epoch that produced it. With MPI, the outbox is what ranks exchange. Empty stretches are
//    skipped (a rank would agree on the next busy epoch with one reduction).
//
// 4. Interval [0, t_stop) (SPEC §1): nothing at t >= t_stop is executed or reported. A voltage
//    sample at k * interval < t_stop sees the state after every event at its time (V is
//    right-continuous), evaluated exactly with voltage_after from the neuron's last event.
//
// 5. Lazy predictions. A queued crossing is never later than the neuron's exact prediction,
//    but may be earlier: when an input moves the crossing later (or not earlier than the queued
//    entry), the queue is left alone (for lif_delta usually without even the log: the bound g
//    below), and the exact prediction is recomputed from the neuron's unchanged state (its last
//    event) when the early entry pops, which then only re-queues it without touching the neuron.
//    The exact prediction is the same value the eager scheme computed, so a neuron is due at
//    exactly the same instants and every spike and voltage is bit-identical.
//
// 6. Output order: the spikes of one instant are reported sorted by global id, so each group's
//    spikes come by time, ties by node id (SPEC §7.1 by_time).
#include "core/engine.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <memory>
#include <variant>

#include "core/connect.hpp"
#include "core/error.hpp"
#include "core/sources.hpp"
#include "models/lif_delta.hpp"
#include "models/lif_exp.hpp"

namespace evspike {

namespace {

using model_variant = std::variant<lif_delta, lif_exp>;

// One cache line per neuron: the hot state of the delivery loop (model index and the "due"
// flag live in side arrays, read only where needed).
struct alignas(64) neuron_slot {
    lif_state s;
    sim_time t_last;            // the time `s` holds for
    double pending = 0.0;       // lif_delta: input summed over the current instant, mV
    std::uint32_t stamp = ~0u;  // instant (mod 2^32, see instant()) in which last touched
    std::uint32_t version = 0;  // of the current crossing prediction
};
static_assert(sizeof(neuron_slot) == 64);

// The queued crossing of a neuron (invariant 5): its time, which is <= the exact prediction.
struct queued_prediction {
    sim_time t;
    std::uint8_t live = 0;   // a current entry is in the prediction queue
    std::uint8_t exact = 0;  // t is the exact prediction (else: earlier, recompute on pop)
};

// lif_delta keeps its bound g in lif_state::I_ex, unused by that model (keeps one cache line per
// neuron). g = the distance v_inf - V below which, at the neuron's last event, its free crossing
// would come before the queued entry; it decays like V - v_inf. NaN: no bound (always exact).
inline double& bound_of(lif_state& s) { return s.I_ex; }
constexpr double no_bound = std::numeric_limits<double>::quiet_NaN();

// How far ahead the delivery loop prefetches target neurons (Benchmark 4, bench/README.md).
constexpr std::uint64_t prefetch_distance = 8;

// The spike-traffic queue (emissions and fan-out walks): an implicit 4-ary heap of bare events,
// without the handles the prediction queue needs. With heterogeneous delays every delay group
// re-queues its walk (replace_top), so this heap takes a sift per synaptic delivery group.
class traffic_heap {
public:
    void push(const event& e) {
        heap_.push_back(e);
        std::size_t i = heap_.size() - 1;
        while (i > 0) {
            const std::size_t parent = (i - 1) / 4;
            if (!before(e, heap_[parent])) break;
            heap_[i] = heap_[parent];
            i = parent;
        }
        heap_[i] = e;
    }
    const event& top() const { return heap_.front(); }
    void pop() {
        const event last = heap_.back();
        heap_.pop_back();
        if (!heap_.empty()) sift_down(last);
    }
    void replace_top(const event& e) { sift_down(e); }
    bool empty() const { return heap_.empty(); }
    std::size_t size() const { return heap_.size(); }
    void reserve(std::size_t n) { heap_.reserve(n); }

private:
    // The order of `later` (queue/event.hpp), the time part without branches: which of two
    // times is earlier is unpredictable, ties are rare.
    static bool before(const event& a, const event& b) {
        const bool whole_lt = a.time.whole_ms < b.time.whole_ms;
        const bool whole_eq = a.time.whole_ms == b.time.whole_ms;
        const bool frac_lt = a.time.frac_ms < b.time.frac_ms;
        const bool frac_eq = a.time.frac_ms == b.time.frac_ms;
        if (!(whole_eq & frac_eq)) [[likely]]
            return whole_lt | (whole_eq & frac_lt);
        if (a.tag != b.tag) return a.tag < b.tag;
        return a.aux < b.aux;
    }
    // Puts x at the root's place and sifts it down.
    void sift_down(const event& x) {
        const std::size_t n = heap_.size();
        std::size_t i = 0;
        for (;;) {
            const std::size_t first = 4 * i + 1;
            if (first >= n) break;
            std::size_t best = first;
            const std::size_t end = first + 4 < n ? first + 4 : n;
            for (std::size_t c = first + 1; c < end; ++c) best = before(heap_[c], heap_[best]) ? c : best;
            if (!before(heap_[best], x)) break;
            heap_[i] = heap_[best];
            i = best;
        }
        heap_[i] = x;
    }

    std::vector<event> heap_;
};

template <event_queue Q>
class engine {
public:
    engine(const simulation_spec& spec, const network& net, const engine_outputs& out)
        : spec_(spec),
          net_(net),
          out_(out),
          syn_(net.synapses.data()),
          off_(net.offsets.data()),
          t_stop_(sim_time::from_ms(spec.t_stop_ms)) {
        build_models();
        build_sources();
        build_probes();
    }

    run_stats run() {
        const double epoch_ms =
            net_.synapses.empty() ? std::numeric_limits<double>::infinity() : net_.min_delay_ms;
        sim_time epoch_start{};
        std::uint64_t epochs = 0;
        for (;;) {
            const sim_time epoch_end =
                std::isinf(epoch_ms) ? t_stop_ : std::min(epoch_start + epoch_ms, t_stop_);
            while (live_top_before(epoch_end)) instant();
            flush_outbox();
            drop_stale();
            if (epoch_end >= t_stop_ || empty()) break;
            epoch_start = std::max(epoch_end, top().time);
            if (out_.progress && (++epochs & 1023) == 0) out_.progress(epoch_start.ms());
        }
        samples_before(t_stop_);
        if (out_.progress) out_.progress(spec_.t_stop_ms);
        return stats_;
    }

private:
    // --- set-up -------------------------------------------------------------------------------

    void build_models() {
        neurons_.resize(net_.neuron_count);
        model_of_.assign(net_.neuron_count, 0);
        due_.assign(net_.neuron_count, 0);
        last_spike_.assign(net_.neuron_count, sim_time::never());
        if constexpr (Q::updates_in_place) handles_.resize(net_.neuron_count);
        pred_.assign(net_.neuron_count, queued_prediction{});
        q_.reserve(1024);
        p_.reserve(2 * static_cast<std::size_t>(net_.neuron_count) + 1024);
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
            // Skip the exact prediction only when the bound says "later" by a margin far above
            // the rounding of g, of the log and of the time sum (docs/engine.md).
            const double tau = ps.params.tau_m;
            bound_rel_.push_back(1.0 + 1e-9 + 1e-11 / tau);
            slack_ms_.emplace_back();
            slack_factor_.emplace_back();
            for (int k = 0; k < slack_levels; ++k) {
                slack_ms_.back()[k] = tau / 20 * (1 << k);
                slack_factor_.back()[k] = std::exp(-slack_ms_.back()[k] / tau);
            }
            bound_abs_.push_back(1e-9 * (std::abs(ps.params.V_th) + std::abs(ps.params.E_L) +
                                         std::abs(tau * ps.params.I_e / ps.params.C_m)));
            const node_group& g = net_.groups[p];
            const std::uint64_t v_seed = stream_seed(spec_.seed, "population/" + ps.name + "/V_m");
            for (std::uint32_t i = 0; i < g.size; ++i) {
                neuron_slot& n = neurons_[g.first + i];
                model_of_[g.first + i] = static_cast<std::uint32_t>(p);
                auto rng = substream(v_seed, i);
                n.s.V = draw_value(ps.V_m, rng);
                if (!std::isfinite(n.s.V))
                    throw config_error(key + ".V_m", "initial potential is not finite");
                // First prediction; a neuron starting at or above threshold fires at 0.
                visit(model_of_[g.first + i], [&](const auto& m) {
                    if constexpr (std::is_same_v<std::decay_t<decltype(m)>, lif_delta>) bound_of(n.s) = no_bound;
                    if (m.can_fire(n.s)) {
                        schedule(g.first + i, n, sim_time{});
                    } else {
                        const double h = m.next_crossing(n.s, spec_.t_stop_ms);
                        if (h != no_crossing) schedule_exact(g.first + i, n, m, sim_time{} + h, sim_time{});
                    }
                });
            }
        }
    }

    void build_sources() {
        for (std::size_t s = 0; s < spec_.sources.size(); ++s) {
            const node_group& g = net_.groups[spec_.populations.size() + s];
            sources_.emplace_back(spec_.sources[s], spec_.seed, spec_.t_stop_ms,
                                  "source[" + std::to_string(s) + "]");
            for (std::uint32_t i = 0; i < g.size; ++i) queue_emission(s, i, 0);
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
    }

    // --- the loop -----------------------------------------------------------------------------

    template <class F>
    void visit(std::uint32_t model, F&& f) {
        model_variant& m = models_[model];
        if (auto* d = std::get_if<lif_delta>(&m))
            f(*d);
        else
            f(*std::get_if<lif_exp>(&m));
    }

    // Two queues hold the entries: q_ the spike traffic (emissions, fan-out walks: few entries,
    // always a traffic_heap) and p_ the predictions (about one per neuron, of the chosen kind
    // Q: handles or versions are only needed there). Popping the earlier
    // top of the two yields exactly the total order of invariant 1, while the walks, popped and
    // re-pushed for every delay group, sift through a small heap (bench/README.md).
    bool empty() const { return q_.empty() && p_.empty(); }
    bool prediction_first() const {
        if (p_.empty()) return false;
        if (q_.empty()) return true;
        return later{}(q_.top(), p_.top());
    }
    const event& top() const { return prediction_first() ? p_.top() : q_.top(); }

    // Drops superseded predictions (lazy queues), so they cost no instant.
    void drop_stale() {
        if constexpr (!Q::updates_in_place) {
            while (!p_.empty()) {
                const event& e = p_.top();
                if (e.aux == neurons_[e.node()].version) break;
                p_.pop();
                ++stats_.stale;
                ++stats_.events;
            }
        }
    }

    bool live_top_before(sim_time limit) {
        drop_stale();
        return !empty() && top().time < limit;
    }

    void instant() {
        const sim_time T = top().time;
        if (!out_.probes.empty()) samples_before(T);
        // Stamps are 32-bit to keep a neuron in one cache line; on wrap-around all are reset so
        // that an old stamp can never equal a new instant.
        if (++instant_ == ~0u) {
            for (auto& n : neurons_) n.stamp = ~0u;
            instant_ = 0;
        }
        ++stats_.instants;
        stats_.peak_queue = std::max(stats_.peak_queue, q_.size() + p_.size());
        do {
            event ev;
            ++stats_.events;
            if (prediction_first()) {
                ev = p_.top();
                p_.pop();
                crossing(ev, T);
            } else {
                ev = q_.top();
                // A walk stays on top while it delivers, then is re-queued in place (deliver).
                if (ev.kind() == event_kind::delivery) {
                    deliver(ev, T);
                } else {
                    q_.pop();
                    emission(ev, T);
                }
            }
            drop_stale();
        } while (!empty() && top().time == T);
        finish(T);
    }

    void touch(std::uint32_t id, neuron_slot& n, sim_time T) {
        if (n.stamp == instant_) return;
        n.stamp = instant_;
        const double h = T - n.t_last;
        if (h > 0) {
            visit(model_of_[id], [&](const auto& m) {
                if constexpr (std::is_same_v<std::decay_t<decltype(m)>, lif_delta>) {
                    if (n.s.refractory_ms <= 0) {
                        const double em1 = m.advance_free(n.s, h);  // exactly advance()
                        bound_of(n.s) += bound_of(n.s) * em1;
                    } else {
                        m.advance(n.s, h);
                        bound_of(n.s) = no_bound;
                    }
                } else {
                    m.advance(n.s, h);
                }
            });
        }
        n.t_last = T;
        touched_.push_back(id);
    }

    // One group of equal delays of a fan-out walk.
    void deliver(const event& ev, sim_time T) {
        const std::uint32_t src = ev.node();
        const std::uint64_t base = off_[src], end = off_[src + 1];
        std::uint64_t k = base + ev.position();
        const double d = syn_[k].delay_ms;
        do {
            const synapse& sy = syn_[k];
            // Targets are scattered: fetch a few synapses ahead (harmless past the group's end).
            if (k + prefetch_distance < end) __builtin_prefetch(&neurons_[syn_[k + prefetch_distance].target]);
            neuron_slot& n = neurons_[sy.target];
            touch(sy.target, n, T);
            model_variant& m = models_[model_of_[sy.target]];
            if (std::holds_alternative<lif_delta>(m))
                n.pending += static_cast<double>(sy.weight);
            else
                std::get_if<lif_exp>(&m)->receive(n.s, static_cast<double>(sy.weight));
            ++k;
        } while (k < end && syn_[k].delay_ms == d);
        stats_.deliveries += k - base - ev.position();
        if (k < end) {
            // The walk resumes after other events: start fetching its next target now.
            __builtin_prefetch(&neurons_[syn_[k].target]);
            q_.replace_top(event::delivery(slot_time_[ev.slot] + syn_[k].delay_ms, src,
                                           static_cast<std::uint32_t>(k - base), ev.slot));
        } else {
            q_.pop();
            free_slots_.push_back(ev.slot);
        }
    }

    void crossing(const event& ev, sim_time T) {
        const std::uint32_t id = ev.node();
        neuron_slot& n = neurons_[id];
        if (ev.aux != n.version) {
            ++stats_.stale;
            return;
        }
        queued_prediction& q = pred_[id];
        q.live = 0;
        if (!q.exact) {
            // Queued early (invariant 5): the exact prediction from the neuron's last event, the
            // value the eager scheme queued then. Not due now: re-queue, leave the neuron alone.
            bool due_now = false;
            visit(model_of_[id], [&](const auto& m) {
                const double h = m.next_crossing(n.s, t_stop_ - n.t_last);
                if (h == no_crossing) {
                    ++n.version;
                    return;
                }
                const sim_time t = n.t_last + h;
                if (t == T) {
                    due_now = true;
                    return;
                }
                if (t < T) throw internal_error("engine: a lazy prediction was queued too late");
                schedule_exact(id, n, m, t, T);
            });
            if (!due_now) return;
        }
        touch(id, n, T);
        due_[id] = 1;
    }

    void emission(const event& ev, sim_time) {
        const std::uint32_t id = ev.node();
        fired_.push_back(id);
        const std::size_t s = id_to_source(id);
        queue_emission(s, id - net_.groups[spec_.populations.size() + s].first, ev.aux + 1);
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
            q_.push(event::emission(sim_time::from_ms(t),
                                    net_.groups[spec_.populations.size() + s].first + local, index));
    }

    // Phase (b) of an instant: inputs, threshold, reset, new prediction.
    void finish(sim_time T) {
        for (const std::uint32_t id : touched_) {
            neuron_slot& n = neurons_[id];
            visit(model_of_[id], [&](const auto& m) {
                using model = std::decay_t<decltype(m)>;
                if (due_[id] && n.s.refractory_ms <= 0 && n.s.V < m.params().V_th) n.s.V = m.params().V_th;
                due_[id] = 0;
                if constexpr (std::is_same_v<model, lif_delta>) {
                    if (n.pending != 0.0) m.receive(n.s, n.pending);
                    n.pending = 0.0;
                }
                if (m.can_fire(n.s) && last_spike_[id] != T) {
                    m.fire(n.s);
                    last_spike_[id] = T;
                    fired_.push_back(id);
                }
                queued_prediction& q = pred_[id];
                if constexpr (std::is_same_v<model, lif_delta>) {
                    // Later than the queued entry for sure: no log, no queue operation.
                    if (q.live && n.s.refractory_ms <= 0 && n.s.V < m.params().V_th) {
                        const std::uint32_t p = model_of_[id];
                        if (m.v_inf() - n.s.V > bound_of(n.s) * bound_rel_[p] + bound_abs_[p]) {
                            q.exact = 0;
                            return;
                        }
                    }
                }
                const double h = m.next_crossing(n.s, t_stop_ - T);
                if (h != no_crossing) {
                    const sim_time t = T + h;
                    if (q.live && !(t < q.t)) {
                        q.exact = t == q.t;  // not earlier: the queued entry stays
                    } else {
                        schedule_exact(id, n, m, t, T);
                    }
                } else {
                    ++n.version;
                    if constexpr (Q::updates_in_place) {
                        if (q.live) p_.cancel(handles_[id]);
                    }
                    q.live = 0;
                }
            });
        }
        touched_.clear();
        if (fired_.empty()) return;
        if (fired_.size() > 1) std::sort(fired_.begin(), fired_.end());
        for (const std::uint32_t id : fired_) {
            ++stats_.spikes;
            if (out_.spikes != nullptr) {
                const std::size_t g = group_index(id);
                if (g < out_.record.size() && out_.record[g])
                    out_.spikes->on_spike(g, id - net_.groups[g].first, T.ms());
            }
            if (off_[id] != off_[id + 1]) outbox_.push_back({id, T});
        }
        fired_.clear();
    }

    std::size_t group_index(std::uint32_t id) const {
        return static_cast<std::size_t>(&net_.group_of(id) - net_.groups.data());
    }

    void schedule(std::uint32_t id, neuron_slot& n, sim_time t) {
        const event e = event::crossing(t, id, ++n.version);
        queued_prediction& q = pred_[id];
        if constexpr (Q::updates_in_place) {
            if (q.live) {
                handles_[id] = p_.reschedule(handles_[id], e);
            } else {
                handles_[id] = p_.push(e);
            }
        } else {
            p_.push(e);
        }
        q.t = t;
        q.live = 1;
        q.exact = 1;
    }

    // Queues the exact prediction t computed from the neuron's current state, and for lif_delta
    // the bound that goes with it (invariant 5).
    template <class M>
    void schedule_exact(std::uint32_t id, neuron_slot& n, const M& m, sim_time t, sim_time now) {
        if constexpr (std::is_same_v<M, lif_delta>) {
            if (n.s.refractory_ms <= 0 && n.s.V < m.params().V_th) {
                const std::uint32_t p = model_of_[id];
                const double ahead = t - now;
                int k = -1;
                while (k + 1 < slack_levels && slack_frac * ahead > slack_ms_[p][k + 1]) ++k;
                if (k >= 0) {
                    schedule(id, n, now + (ahead - slack_ms_[p][k]));
                    pred_[id].exact = 0;
                    bound_of(n.s) = (m.v_inf() - n.s.V) * slack_factor_[p][k];
                } else {
                    schedule(id, n, t);
                    bound_of(n.s) = m.v_inf() - n.s.V;
                }
            } else {
                schedule(id, n, t);
                bound_of(n.s) = no_bound;
            }
        } else {
            schedule(id, n, t);
        }
    }

    // End of epoch: queue the first delay group of every spike's fan-out.
    void flush_outbox() {
        for (const auto& [id, t] : outbox_) {
            std::uint32_t slot = 0;
            if (free_slots_.empty()) {
                slot = static_cast<std::uint32_t>(slot_time_.size());
                slot_time_.push_back(t);
            } else {
                slot = free_slots_.back();
                free_slots_.pop_back();
                slot_time_[slot] = t;
            }
            q_.push(event::delivery(t + syn_[off_[id]].delay_ms, id, 0, slot));
        }
        outbox_.clear();
    }

    // Voltage samples at times < T (all events before them are done).
    void samples_before(sim_time T) {
        for (std::size_t p = 0; p < out_.probes.size(); ++p) {
            const auto& pr = out_.probes[p];
            for (;;) {
                const double s_ms = static_cast<double>(next_sample_[p]) * pr.interval_ms;
                const sim_time s = sim_time::from_ms(s_ms);
                if (!(s < T) || !(s < t_stop_)) break;
                sample_buffer_.resize(pr.node_ids.size());
                const std::uint32_t first = net_.groups[pr.group].first;
                for (std::size_t k = 0; k < pr.node_ids.size(); ++k) {
                    const std::uint32_t id = first + static_cast<std::uint32_t>(pr.node_ids[k]);
                    const neuron_slot& n = neurons_[id];
                    visit(model_of_[id],
                          [&](const auto& m) { sample_buffer_[k] = m.voltage_after(n.s, s - n.t_last); });
                }
                if (out_.voltages != nullptr) out_.voltages->on_sample(p, s_ms, sample_buffer_);
                ++next_sample_[p];
            }
        }
    }

    const simulation_spec& spec_;
    const network& net_;
    const engine_outputs& out_;
    const synapse* syn_;
    const std::uint64_t* off_;
    sim_time t_stop_;

    traffic_heap q_;  // emissions and fan-out walks
    Q p_;  // threshold-crossing predictions
    std::vector<model_variant> models_;
    std::vector<neuron_slot> neurons_;
    std::vector<std::uint32_t> model_of_;  // per neuron: index into models_
    std::vector<std::uint8_t> due_;        // per neuron: its current prediction is due now
    std::vector<sim_time> last_spike_;
    std::vector<typename Q::handle> handles_;  // in-place queues: each neuron's prediction
    std::vector<queued_prediction> pred_;  // per neuron
    std::vector<double> bound_rel_, bound_abs_;
    // lif_delta: a prediction `ahead` ms away is queued slack_ms_[k] earlier, the largest level
    // below slack_frac * ahead, so that inputs moving it a little earlier cost no log and no
    // queue operation (invariant 5). Levels tau_m/20 * 2^k; slack_factor_ = exp(-slack / tau_m).
    // Measured on Benchmark 4 (bench/README.md): ~2x fewer queue updates than no slack.
    static constexpr int slack_levels = 8;
    static constexpr double slack_frac = 0.3;
    std::vector<std::array<double, slack_levels>> slack_ms_, slack_factor_;  // per population: margins of the lif_delta bound
    std::vector<source_group> sources_;

    std::uint32_t instant_ = 0;
    std::vector<std::uint32_t> touched_;
    std::vector<std::uint32_t> fired_;
    struct outgoing {
        std::uint32_t id;
        sim_time t;
    };
    std::vector<outgoing> outbox_;
    std::vector<sim_time> slot_time_;  // emission times of spikes whose walk is under way
    std::vector<std::uint32_t> free_slots_;
    std::vector<std::uint64_t> next_sample_;
    std::vector<double> sample_buffer_;
    run_stats stats_;
};

template <event_queue Q>
run_stats run_with(const simulation_spec& spec, const network& net, const engine_outputs& out) {
    auto e = std::make_unique<engine<Q>>(spec, net, out);
    return e->run();
}

}  // namespace

run_stats simulate(const simulation_spec& spec, const network& net, const engine_outputs& outputs,
                   queue_kind queue) {
    if (!(spec.t_stop_ms >= 0) || !std::isfinite(spec.t_stop_ms))
        throw config_error("t_stop", "must be finite and >= 0 ms");
    if (net.groups.size() != spec.populations.size() + spec.sources.size())
        throw internal_error("simulate: the network was not built from this spec");
    switch (queue) {
        case queue_kind::lazy_d_ary:
            return run_with<lazy_d_ary_queue<4>>(spec, net, outputs);
        case queue_kind::mutable_d_ary:
            return run_with<mutable_d_ary_queue<4>>(spec, net, outputs);
        case queue_kind::pairing:
            return run_with<pairing_queue>(spec, net, outputs);
        case queue_kind::indexed_d_ary:
            return run_with<indexed_d_ary_queue<4>>(spec, net, outputs);
    }
    throw internal_error("simulate: unknown queue kind");
}

}  // namespace evspike
