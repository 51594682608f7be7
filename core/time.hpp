#pragma once
// Simulation time. A double alone resolves only ~1.5e-8 ms at 24 h (8.64e7 ms); SPEC §1 asks for
// 1e-9 ms or better. So a time is a whole number of milliseconds plus a fraction in [0, 1):
// the fraction keeps ~1e-16 ms resolution however long the run. Durations (delays, intervals
// between events of one neuron) are plain doubles in ms.
#include <cmath>
#include <compare>
#include <cstdint>
#include <limits>

namespace evspike {

// The largest time (and duration) evspike accepts: 2^52 ms, about 142,700 years. Below it a
// time is exact as whole ms + fraction (from_ms takes any double exactly), whole ms plus any
// accepted duration cannot overflow the int64, ms() is the nearest double, and the fraction keeps
// ~1.1e-16 ms resolution however late (SPEC §1 asks 1e-9 ms over 24 h = 8.64e7 ms). Beyond 2^53
// a double cannot even tell neighbouring milliseconds apart. Config and command-line times above
// it are refused naming this limit.
inline constexpr double max_time_ms = 4503599627370496.0;  // 2^52

struct sim_time {
    std::int64_t whole_ms = 0;  // floor of the time in ms
    double frac_ms = 0.0;       // in [0, 1)

    // Exact for |t| < 2^52 ms: t - floor(t) is representable, except that for t in
    // (-2^-54, 0) it rounds to 1.0, carried into whole_ms (the nearest time whose fraction is in
    // [0, 1) is then 0). Finite |t| <= max_time_ms only.
    static sim_time from_ms(double t_ms) {
        const double whole = std::floor(t_ms);
        return normalised(static_cast<std::int64_t>(whole), t_ms - whole);
    }
    static constexpr sim_time never() { return {std::numeric_limits<std::int64_t>::max(), 0.0}; }

    // Nearest double; files store float64 ms (SPEC §1).
    double ms() const { return static_cast<double>(whole_ms) + frac_ms; }
    bool is_never() const { return whole_ms == std::numeric_limits<std::int64_t>::max(); }

    sim_time operator+(double duration_ms) const {
        const double sum = frac_ms + duration_ms;
        // floor(sum), cheaper than std::floor on baseline x86-64 (no SSE4.1 round; the engine
        // adds a delay per synapse): truncate, then step down below zero. Same value as floor.
        std::int64_t whole = static_cast<std::int64_t>(sum);
        whole -= sum < static_cast<double>(whole);
        return normalised(whole_ms + whole, sum - static_cast<double>(whole));
    }
    sim_time& operator+=(double duration_ms) { return *this = *this + duration_ms; }
    // *this + delay_ms for a delay >= 0, the same value as +, in fewer steps (the engine adds a
    // delay per synapse): a sum >= 0 truncates to its floor, and sum - floor(sum) is in [0, 1).
    sim_time after(double delay_ms) const {
        const double sum = frac_ms + delay_ms;
        const auto whole = static_cast<std::int64_t>(sum);
        return {whole_ms + whole, sum - static_cast<double>(whole)};
    }

    // Ordered by whole ms, then fraction (the fields' order). The engine compares times in its
    // innermost loops: < and friends are spelled out so that they inline to two comparisons.
    friend auto operator<=>(const sim_time&, const sim_time&) = default;
    friend bool operator==(const sim_time&, const sim_time&) = default;
    friend bool operator<(const sim_time& a, const sim_time& b) {
        return a.whole_ms < b.whole_ms || (a.whole_ms == b.whole_ms && a.frac_ms < b.frac_ms);
    }
    friend bool operator>(const sim_time& a, const sim_time& b) { return b < a; }
    friend bool operator<=(const sim_time& a, const sim_time& b) { return !(b < a); }
    friend bool operator>=(const sim_time& a, const sim_time& b) { return !(a < b); }

private:
    // frac in [0, 1] from sum - floor(sum): it is 1.0 only when a tiny negative sum (> -2^-54
    // below a whole ms) rounded up; the nearest representable time is then the next whole ms.
    static sim_time normalised(std::int64_t whole, double frac) {
        if (frac >= 1.0) return {whole + 1, 0.0};
        return {whole, frac};
    }
};

// Rows of a regular sampling start + k * step, k = 0, 1, ..., n - 1, over [start, stop): the
// count a reader computes from (start, stop, step) alone, n = ceil(q (1 - 1e-12)) with
// q = (stop - start) / step. The tolerance makes a sample that falls on stop mathematically
// (stop 2.1, step 0.7: 3 * 0.7 = 2.0999999999999996 < 2.1) count as at stop, so not a row;
// 1e-12 q (steps) is ~4500 ulp of q, far above rounding and far below one step (docs/files.md).
inline std::uint64_t sample_count(double start_ms, double stop_ms, double step_ms) {
    if (!(stop_ms > start_ms) || !(step_ms > 0.0)) return 0;
    const double q = (stop_ms - start_ms) / step_ms;
    const double n = std::ceil(q - q * 1e-12);
    // More rows than a uint64 holds (or q = inf) saturate; callers refuse such sizes anyway.
    return n < 18446744073709551616.0 ? static_cast<std::uint64_t>(n) : std::numeric_limits<std::uint64_t>::max();
}

// Duration a - b in ms.
inline double operator-(const sim_time& a, const sim_time& b) {
    return static_cast<double>(a.whole_ms - b.whole_ms) + (a.frac_ms - b.frac_ms);
}

}  // namespace evspike
