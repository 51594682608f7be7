// normal_quantile and poisson_variate (models/variates.hpp) against independent references:
// quantiles from Python's statistics.NormalDist (Wichura's AS241, ~1e-16), and Poisson draws
// against the distribution's mean, variance and probabilities (z-tests, chi-square; fixed seeds).
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <vector>

#include "core/random.hpp"
#include "models/variates.hpp"

using namespace evspike;

TEST_SUITE("models") {
    TEST_CASE("normal_quantile: known quantiles to 1e-12, across the central region and both tails") {
        // p, Phi^-1(p): Python 3.11 statistics.NormalDist().inv_cdf(p), independent of Acklam.
        const std::vector<std::pair<double, double>> known = {
            {0.5, 0.0},
            {0.975, 1.9599639845400536},
            {0.995, 2.5758293035489},
            {0.9, 1.2815515655446008},
            {0.05, -1.6448536269514726},
            {0.3, -0.5244005127080407},
            {0.02425, -1.9729610513118845},  // the boundary of Acklam's central region
            {0.999, 3.090232306167813},
            {1e-10, -6.361340902404056},
            {1.0 - 1e-12, 7.0344869100478356},
        };
        for (const auto& [p_known, x] : known) {
            const double p = p_known;  // clang 14 cannot capture a structured binding (CAPTURE)
            CAPTURE(p);
            CHECK(std::abs(normal_quantile(p) - x) <= 1e-12 * std::max(1.0, std::abs(x)));
        }
        CHECK(normal_quantile(0.0) == -INFINITY);
        CHECK(normal_quantile(1.0) == INFINITY);
        CHECK(std::isnan(normal_quantile(1.5)));
        // Inverse of erfc-based Phi on a fine grid, and odd: Phi^-1(1 - p) = -Phi^-1(p).
        double worst = 0.0;
        for (int k = 1; k < 1000; ++k) {
            const double p = k / 1000.0;
            worst = std::max(worst, std::abs(normal_cdf(normal_quantile(p)) - p) / std::min(p, 1 - p));
            CHECK(normal_quantile(p) == doctest::Approx(-normal_quantile(1.0 - p)).epsilon(1e-12));
        }
        CHECK(worst < 1e-13);
    }

    TEST_CASE("poisson_variate: mean and variance z-tests and a chi-square on the probabilities") {
        auto rng = make_stream(17, "test.poisson");
        // Means around the split point 16 (one part below, two above) and far beyond it.
        for (double mean : {0.05, 0.7, 3.0, 15.9, 16.1, 40.0, 1000.0}) {
            CAPTURE(mean);
            const int n = 40000;
            double sum = 0.0, sum_sq = 0.0;
            std::vector<double> counts(64, 0.0);  // counts[b] of the value b + offset
            const double offset = std::max(0.0, std::floor(mean) - 32.0);
            for (int i = 0; i < n; ++i) {
                const auto k = static_cast<double>(poisson_variate(rng, mean));
                sum += k;
                sum_sq += k * k;
                if (k >= offset && k < offset + 64) counts[static_cast<std::size_t>(k - offset)] += 1;
            }
            const double m = sum / n, var = sum_sq / n - m * m;
            // Mean: sd sqrt(mean / n). Variance: sd ~ sqrt((2 mean^2 + mean) / n) (4th central moment).
            CHECK(std::abs(m - mean) / std::sqrt(mean / n) < 4.0);
            CHECK(std::abs(var - mean) / std::sqrt((2 * mean * mean + mean) / n) < 4.0);
            if (mean > 100) continue;  // the window of 64 values no longer holds the mass
            // Chi-square over values with expected count >= 5 against e^-mu mu^k / k!.
            double chi2 = 0.0;
            int cells = 0;
            for (std::size_t b = 0; b < counts.size(); ++b) {
                const double value = static_cast<double>(b) + offset;
                const double p = std::exp(value * std::log(mean) - mean - std::lgamma(value + 1));
                const double expected = p * n;
                if (expected < 5) continue;
                chi2 += (counts[b] - expected) * (counts[b] - expected) / expected;
                ++cells;
            }
            REQUIRE(cells >= 1);
            // chi2 with `cells` degrees of freedom (about; the tail cells are dropped): mean cells,
            // sd sqrt(2 cells); 5 sd above the mean has probability < 1e-5.
            CHECK(chi2 < cells + 5.0 * std::sqrt(2.0 * cells) + 5.0);
        }
    }
}
