#pragma once
// Statistical helpers for generator tests (fixed seeds; thresholds chosen so a correct generator
// fails with negligible probability).
#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

namespace evspike::test {

// Kolmogorov-Smirnov statistic D of a sample against a continuous CDF.
template <class Cdf>
double ks_statistic(std::vector<double> sample, Cdf cdf) {
    std::sort(sample.begin(), sample.end());
    const double n = static_cast<double>(sample.size());
    double d = 0.0;
    for (std::size_t k = 0; k < sample.size(); ++k) {
        const double f = cdf(sample[k]);
        d = std::max({d, f - static_cast<double>(k) / n, static_cast<double>(k + 1) / n - f});
    }
    return d;
}

// Asymptotic KS critical value at p = 1e-3: sqrt(-ln(p/2)/2) / sqrt(n) = 1.9495 / sqrt(n).
inline double ks_critical_1e3(std::size_t n) { return 1.9495 / std::sqrt(static_cast<double>(n)); }

// Kolmogorov-Smirnov p-value of a sample against a continuous CDF (asymptotic Kolmogorov
// distribution with Stephens' small-sample correction).
template <class Cdf>
double ks_p_value(std::vector<double> sample, Cdf cdf) {
    const double n = static_cast<double>(sample.size());
    const double d = ks_statistic(std::move(sample), cdf);
    const double lambda = (std::sqrt(n) + 0.12 + 0.11 / std::sqrt(n)) * d;
    double p = 0.0;
    for (int k = 1; k <= 100; ++k) p += 2.0 * ((k % 2) ? 1.0 : -1.0) * std::exp(-2.0 * k * k * lambda * lambda);
    return std::clamp(p, 0.0, 1.0);
}

inline double exp1_cdf(double x) { return x <= 0.0 ? 0.0 : -std::expm1(-x); }

// z-score of `successes` out of `trials` independent Bernoulli(p) draws (normal approximation).
inline double binomial_z(double successes, double trials, double p) {
    return (successes - trials * p) / std::sqrt(trials * p * (1 - p));
}

}  // namespace evspike::test
