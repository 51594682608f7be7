#pragma once
// The event-queue interface (a C++20 concept) and its implementations on Boost.Heap, in the
// manner of ns-3's scheduler: one small interface, several implementations, one behaviour test
// over all of them (tests/queue/event_queue_test.cpp), one benchmark over all of them
// (bench/queue_choice.cpp, which picked the default below).
//
// A queue holds events (queue/event.hpp) and pops them earliest first in the total order of
// event::operator<=>. Re-predicted threshold crossings are handled in one of two ways:
//   - in place (updates_in_place = true): reschedule(h, e) moves the entry behind handle h to e,
//     cancel(h) removes it; a handle stays valid until its entry is popped or cancelled;
//   - lazily (updates_in_place = false): reschedule pushes e and returns a fresh (empty) handle,
//     cancel does nothing; the old entry stays queued and the engine drops it when it surfaces,
//     recognising it by a per-neuron version number (event::aux).
// replace_top(e) is pop() then push(e) (without a handle): the engine re-queues a fan-out walk
// that way, and a heap can do it with one sift from the root.
// The engine is written once against the concept and works with both.
#include <boost/heap/d_ary_heap.hpp>
#include <boost/heap/pairing_heap.hpp>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "queue/event.hpp"

namespace evspike {

template <class Q>
concept event_queue = std::default_initializable<Q> &&
    requires(Q q, const Q cq, const event& e, typename Q::handle h, std::size_t n) {
    { Q::updates_in_place } -> std::convertible_to<bool>;
    { q.push(e) } -> std::same_as<typename Q::handle>;
    { q.reschedule(h, e) } -> std::same_as<typename Q::handle>;
    q.cancel(h);
    { cq.top() } -> std::same_as<const event&>;
    q.pop();
    q.replace_top(e);
    { cq.empty() } -> std::same_as<bool>;
    { cq.size() } -> std::same_as<std::size_t>;
    q.reserve(n);
};

// Lazy invalidation over an implicit d-ary heap: entries are 32-byte values in one array,
// no allocation per push, no handles.
template <unsigned Arity>
class lazy_d_ary_queue {
public:
    struct handle {};
    static constexpr bool updates_in_place = false;

    handle push(const event& e) {
        heap_.push(e);
        return {};
    }
    handle reschedule(handle, const event& e) { return push(e); }
    void cancel(handle) {}
    const event& top() const { return heap_.top(); }
    void pop() { heap_.pop(); }
    void replace_top(const event& e) {
        heap_.pop();
        heap_.push(e);
    }
    bool empty() const { return heap_.empty(); }
    std::size_t size() const { return heap_.size(); }
    void reserve(std::size_t n) { heap_.reserve(n); }

private:
    boost::heap::d_ary_heap<event, boost::heap::arity<Arity>, boost::heap::compare<later>> heap_;
};

// In-place updates over any Boost.Heap with mutable handles: the mutable d-ary heap (values in a
// node list, the heap array holds iterators to them: one allocation per push, one indirection
// per comparison) and the pairing heap (node based; O(1) push and decrease, amortised O(log n) pop).
template <class Heap>
class mutable_heap_queue {
public:
    using handle = typename Heap::handle_type;
    static constexpr bool updates_in_place = true;

    handle push(const event& e) { return heap_.push(e); }
    handle reschedule(handle h, const event& e) {
        heap_.update(h, e);
        return h;
    }
    void cancel(handle h) { heap_.erase(h); }
    const event& top() const { return heap_.top(); }
    void pop() { heap_.pop(); }
    void replace_top(const event& e) {
        heap_.pop();
        heap_.push(e);
    }
    bool empty() const { return heap_.empty(); }
    std::size_t size() const { return heap_.size(); }
    void reserve(std::size_t n) {
        if constexpr (requires(Heap& h) { h.reserve(n); }) heap_.reserve(n);
    }

private:
    Heap heap_;
};

template <unsigned Arity>
using mutable_d_ary_queue = mutable_heap_queue<boost::heap::d_ary_heap<
    event, boost::heap::arity<Arity>, boost::heap::compare<later>, boost::heap::mutable_<true>>>;
using pairing_queue = mutable_heap_queue<boost::heap::pairing_heap<event, boost::heap::compare<later>>>;

// In-place updates over an indexed implicit d-ary heap (not Boost): entries live in one array,
// a handle is a slot whose current array position is kept in a side table, so an update is a
// sift in place, with no allocation and no indirection per comparison. Written because Boost's
// mutable heaps allocate a list node per push (see bench/README.md, "Which event queue?").
template <unsigned Arity>
class indexed_d_ary_queue {
public:
    using handle = std::uint32_t;
    static constexpr bool updates_in_place = true;

    handle push(const event& e) {
        handle h = 0;
        if (free_.empty()) {
            h = static_cast<handle>(pos_.size());
            pos_.push_back(0);
        } else {
            h = free_.back();
            free_.pop_back();
        }
        heap_.push_back({e, h});
        sift_up(heap_.size() - 1);
        return h;
    }
    handle reschedule(handle h, const event& e) {
        const std::size_t i = pos_[h];
        const bool earlier = e < heap_[i].e;
        heap_[i].e = e;
        if (earlier)
            sift_up(i);
        else
            sift_down(i);
        return h;
    }
    void cancel(handle h) { remove_at(pos_[h]); }
    const event& top() const { return heap_.front().e; }
    void pop() { remove_at(0); }
    // The root's handle is reused for e: one sift down from the root.
    void replace_top(const event& e) {
        heap_.front().e = e;
        sift_down(0);
    }
    bool empty() const { return heap_.empty(); }
    std::size_t size() const { return heap_.size(); }
    void reserve(std::size_t n) {
        heap_.reserve(n);
        pos_.reserve(n);
    }

private:
    struct entry {
        event e;
        handle h;
    };
    static bool before(const event& a, const event& b) { return later{}(b, a); }

    void remove_at(std::size_t i) {
        free_.push_back(heap_[i].h);
        const std::size_t last = heap_.size() - 1;
        if (i != last) {
            heap_[i] = heap_[last];
            pos_[heap_[i].h] = i;
            heap_.pop_back();
            if (i > 0 && before(heap_[i].e, heap_[(i - 1) / Arity].e))
                sift_up(i);
            else
                sift_down(i);
        } else {
            heap_.pop_back();
        }
    }
    void sift_up(std::size_t i) {
        const entry x = heap_[i];
        while (i > 0) {
            const std::size_t parent = (i - 1) / Arity;
            if (!before(x.e, heap_[parent].e)) break;
            heap_[i] = heap_[parent];
            pos_[heap_[i].h] = i;
            i = parent;
        }
        heap_[i] = x;
        pos_[x.h] = i;
    }
    void sift_down(std::size_t i) {
        const entry x = heap_[i];
        const std::size_t n = heap_.size();
        for (;;) {
            const std::size_t first = Arity * i + 1;
            if (first >= n) break;
            std::size_t best = first;
            const std::size_t end = first + Arity < n ? first + Arity : n;
            for (std::size_t c = first + 1; c < end; ++c)
                if (before(heap_[c].e, heap_[best].e)) best = c;
            if (!before(heap_[best].e, x.e)) break;
            heap_[i] = heap_[best];
            pos_[heap_[i].h] = i;
            i = best;
        }
        heap_[i] = x;
        pos_[x.h] = i;
    }

    std::vector<entry> heap_;
    std::vector<std::size_t> pos_;  // per handle: index in heap_
    std::vector<handle> free_;
};

static_assert(event_queue<lazy_d_ary_queue<4>>);
static_assert(event_queue<indexed_d_ary_queue<4>>);
static_assert(event_queue<mutable_d_ary_queue<4>>);
static_assert(event_queue<pairing_queue>);

// The implementations the engine can be run with (`evspike simulate --queue NAME`).
enum class queue_kind { lazy_d_ary, mutable_d_ary, pairing, indexed_d_ary };

}  // namespace evspike
