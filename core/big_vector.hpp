#pragma once
// big_vector<T>: a std::vector for arrays of hundreds of MB (the synapse arrays of
// core/network.hpp). Two differences from std::allocator, both for speed:
// - resize() leaves new elements uninitialised (trivial types only): the network builder writes
//   every element exactly once, so zero-filling first would touch the memory twice;
// - blocks of 2 MB and more are 2 MB-aligned and marked MADV_HUGEPAGE (Linux; Debian's default
//   transparent-huge-page mode is "madvise"), so the random writes of the build and the random
//   reads of the engine miss the TLB 512x less often.
#include <cstddef>
#include <cstdlib>
#include <new>
#include <type_traits>
#include <utility>
#include <vector>

#include <sys/mman.h>

namespace evspike {

template <class T>
struct big_allocator {
    static_assert(std::is_trivially_copyable_v<T>);
    using value_type = T;
    static constexpr std::size_t huge = std::size_t{2} << 20;

    big_allocator() = default;
    template <class U>
    big_allocator(const big_allocator<U>&) {}

    T* allocate(std::size_t n) {
        const std::size_t bytes = n * sizeof(T);
        if (bytes < huge) return std::allocator<T>{}.allocate(n);
        const std::size_t rounded = (bytes + huge - 1) / huge * huge;
        void* p = std::aligned_alloc(huge, rounded);
        if (p == nullptr) throw std::bad_alloc();
        ::madvise(p, rounded, MADV_HUGEPAGE);  // advice only: ignore a refusal
        return static_cast<T*>(p);
    }
    void deallocate(T* p, std::size_t n) {
        if (n * sizeof(T) < huge)
            std::allocator<T>{}.deallocate(p, n);
        else
            std::free(p);
    }
    // Default-initialisation: resize(n) does not zero the new elements.
    template <class U>
    void construct(U* p) noexcept(std::is_nothrow_default_constructible_v<U>) {
        ::new (static_cast<void*>(p)) U;
    }
    template <class U, class... Args>
    void construct(U* p, Args&&... args) {
        ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
    }
    template <class U>
    friend bool operator==(const big_allocator&, const big_allocator<U>&) {
        return true;
    }
};

template <class T>
using big_vector = std::vector<T, big_allocator<T>>;

}  // namespace evspike
