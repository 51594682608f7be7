#pragma once
// The engine's queue entry (SPEC §3.1): a small value type with a total, defaulted-style order.
//
// Order: time, then kind, then node (a global id), then aux. Keys of live entries are unique by
// construction (see sim/engine.cpp), so the order never depends on insertion order: no
// sequence number is needed, and the order stays the same whichever queue implementation holds
// the entries or however neurons are later partitioned across ranks (a sequence number would
// depend on both).
#include <compare>
#include <cstdint>

#include "core/time.hpp"

namespace evspike {

// At one instant: source emissions, then predicted threshold crossings, then synaptic
// deliveries. (All inputs of an instant are applied before any threshold test, so this order
// only fixes the order in which inputs are summed and spikes are reported.)
enum class event_kind : std::uint8_t { emission = 0, crossing = 1, delivery = 2 };

struct event {
    sim_time time;
    // kind in the top byte, node (global id: the emitting source, the crossing neuron, the
    // source whose fan-out is walked) in the low 32 bits: one integer comparison for both.
    std::uint64_t tag = 0;
    // emission: index of the emission in the source's train; crossing: the neuron's prediction
    // version (stale if it differs from the neuron's current one); delivery: ~position in the
    // source's delay-sorted fan-out, so that two walks of one source due at the same instant run
    // in emission order (the older spike has the longer delay, hence the larger position).
    std::uint32_t aux = 0;
    // Payload, not part of the order. delivery: slot holding the spike's emission time, so each
    // group of the walk is due at exactly emission time + its delay.
    std::uint32_t slot = 0;

    static constexpr std::uint64_t make_tag(event_kind k, std::uint32_t node) {
        return (static_cast<std::uint64_t>(k) << 56) | node;
    }
    static event emission(sim_time t, std::uint32_t source, std::uint32_t index) {
        return {t, make_tag(event_kind::emission, source), index};
    }
    static event crossing(sim_time t, std::uint32_t neuron, std::uint32_t version) {
        return {t, make_tag(event_kind::crossing, neuron), version};
    }
    static event delivery(sim_time t, std::uint32_t source, std::uint32_t position, std::uint32_t slot = 0) {
        return {t, make_tag(event_kind::delivery, source), ~position, slot};
    }

    event_kind kind() const { return static_cast<event_kind>(tag >> 56); }
    std::uint32_t node() const { return static_cast<std::uint32_t>(tag); }
    std::uint32_t position() const { return ~aux; }  // delivery only

    friend bool operator==(const event&, const event&) = default;
    // The order ignores the payload: keys of live entries are unique without it.
    friend std::strong_ordering operator<=>(const event& a, const event& b) {
        if (a.time.whole_ms != b.time.whole_ms) return a.time.whole_ms <=> b.time.whole_ms;
        if (a.time.frac_ms != b.time.frac_ms)
            return a.time.frac_ms < b.time.frac_ms ? std::strong_ordering::less
                                                   : std::strong_ordering::greater;
        if (a.tag != b.tag) return a.tag <=> b.tag;
        return a.aux <=> b.aux;
    }
};

// Strict "a is later than b": Boost.Heap keeps the greatest element on top, so ordering by
// "later" puts the earliest event on top.
struct later {
    bool operator()(const event& a, const event& b) const {
        if (a.time.whole_ms != b.time.whole_ms) return a.time.whole_ms > b.time.whole_ms;
        if (a.time.frac_ms != b.time.frac_ms) return a.time.frac_ms > b.time.frac_ms;
        if (a.tag != b.tag) return a.tag > b.tag;
        return a.aux > b.aux;
    }
};

static_assert(sizeof(event) == 32, "an event fills half a cache line");

}  // namespace evspike
