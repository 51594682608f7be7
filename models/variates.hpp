#pragma once
// Random variates and normal-distribution functions used by the generators, written out so that
// draws are identical on every platform (std:: distributions are implementation-defined).
#include <cmath>
#include <cstdint>
#include <numbers>

#include "core/random.hpp"

namespace evspike {

// Standard normal by Box-Muller (cosine branch only: one variate per two uniforms, no state).
inline double standard_normal(random_stream& rng) {
    const double r = std::sqrt(-2.0 * std::log(uniform_open0(rng)));
    return r * std::cos(2.0 * std::numbers::pi * uniform01(rng));
}

// Phi(x), accurate in both tails.
inline double normal_cdf(double x) { return 0.5 * std::erfc(-x / std::numbers::sqrt2); }
// 1 - Phi(x) without cancellation for large x.
inline double normal_sf(double x) { return 0.5 * std::erfc(x / std::numbers::sqrt2); }

// Phi^-1(p) for p in (0, 1): Acklam's rational approximation (relative error 1.15e-9) refined by
// one Halley step on erfc, which brings it to about machine precision.
inline double normal_quantile(double p) {
    static constexpr double a[] = {-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                                   1.383577518672690e+02,  -3.066479806614716e+01, 2.506628277459239e+00};
    static constexpr double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                                   6.680131188771972e+01,  -1.328068155288572e+01};
    static constexpr double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                                   -2.549732539343734e+00, 4.374664141464968e+00,  2.938163982698783e+00};
    static constexpr double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                                   3.754408661907416e+00};
    if (!(p > 0.0 && p < 1.0)) return p == 0.0 ? -INFINITY : (p == 1.0 ? INFINITY : NAN);
    constexpr double p_low = 0.02425;
    double x = 0.0;
    if (p < p_low) {
        const double q = std::sqrt(-2.0 * std::log(p));
        x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
            ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1.0);
    } else if (p <= 1.0 - p_low) {
        const double q = p - 0.5;
        const double r = q * q;
        x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
            (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1.0);
    } else {
        const double q = std::sqrt(-2.0 * std::log1p(-p));
        x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
            ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1.0);
    }
    // Halley step; in the upper tail compare survival functions to avoid cancellation in 1 - p.
    const double e = p < 0.5 ? normal_cdf(x) - p : (1.0 - p) - normal_sf(x);
    const double u = e * std::sqrt(2.0 * std::numbers::pi) * std::exp(0.5 * x * x);
    return x - u / (1.0 + 0.5 * x * u);
}

// Poisson(mean) by sequential inversion; means above 16 are split into equal parts (the sum of
// independent Poisson variates is Poisson), which keeps each search short and exp() away from
// underflow.
inline std::uint64_t poisson_variate(random_stream& rng, double mean) {
    std::uint64_t total = 0;
    int parts = 1;
    while (mean / parts > 16.0) parts *= 2;
    const double m = mean / parts;
    const double p0 = std::exp(-m);
    for (int part = 0; part < parts; ++part) {
        const double u = uniform01(rng);
        double p = p0, cumulative = p0;
        std::uint64_t k = 0;
        while (u >= cumulative && p > 0.0) {
            ++k;
            p *= m / static_cast<double>(k);
            cumulative += p;
        }
        total += k;
    }
    return total;
}

}  // namespace evspike
