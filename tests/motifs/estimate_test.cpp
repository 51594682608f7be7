// Up-front sizes of the motif generators and the detector (motifs/estimate.hpp): the expected
// counts they use are the means of what the generators draw (z-tests, fixed seeds).
#include <doctest/doctest.h>

#include <cmath>

#include "motifs/estimate.hpp"
#include "motifs/hdsnn.hpp"
#include "motifs/jittered.hpp"

using namespace evspike;

TEST_SUITE("motifs") {
    TEST_CASE("estimate_jittered: occurrences and spikes are the means of what generate_jittered draws") {
        jittered_params p;
        p.motif_rate_hz = 20.0;  // 5 motifs x 20 Hz x 10 s = 1000 occurrences (sd 31.6)
        const auto e = estimate_jittered(p);
        CHECK(e.occurrences == doctest::Approx(1000.0));
        CHECK(e.spikes == doctest::Approx(1000.0 * 20 * 0.9 + 100 * 5.0 * 10));
        CHECK(e.memory_bytes == doctest::Approx(e.spikes * 48 + e.occurrences * 64));
        for (std::uint64_t seed : {1, 2, 3}) {
            p.seed = seed;
            const auto r = generate_jittered(p, make_jittered_templates(p));
            CAPTURE(seed);
            CHECK(std::abs(static_cast<double>(r.occurrence_times_ms.size()) - e.occurrences) < 4 * std::sqrt(1000.0));
            // sd: 18 spikes per occurrence x sqrt(1000) occurrences, and the background's sqrt(5000).
            CHECK(std::abs(static_cast<double>(r.spike_times_ms.size()) - e.spikes) <
                  4 * std::sqrt(18.0 * 18.0 * 1000 + 1000 * 20 * 0.9 * 0.1 + 5000));
        }
    }

    TEST_CASE("estimate_hdsnn: occurrences are the mean over the candidate start bins") {
        hdsnn_params p;
        p.trials = 20;  // 20 trials x (1024 - 2 x 15) starts x 233 motifs x 0.001 = 4632 (sd 68)
        const auto e = estimate_hdsnn(p, 16);
        CHECK(e.occurrences == doctest::Approx(20.0 * 994 * 233 * 0.001));
        const auto r = generate_hdsnn(p, make_hdsnn_kernel(p));
        CHECK(std::abs(static_cast<double>(r.occurrence_bins.size()) - e.occurrences) < 4 * std::sqrt(e.occurrences));
        // Background spikes alone are trials x T x N x p_background; motif spikes come on top.
        CHECK(e.spikes > 20.0 * 1024 * 128 * 0.001);
        // Memory: the dense kernel of M x N x D doubles dominates at these sizes.
        CHECK(e.memory_bytes > 233.0 * 128 * 31 * 8);
    }

    TEST_CASE("estimate_detector_training: tensors per cell, trials by ceil, the --delays 100000 case") {
        // 4 motifs x 32 neurons x 1e5 delays (detect train --delays 100000 on a small raster):
        // 1.28e7 cells x 24 B = 307 MB (measured peak RSS 401 MB with the rest of the process).
        const auto e = estimate_detector_training(4, 32, 100000, 1000, 10220, 511, 4);
        CHECK(e.cells == 1.28e7);
        CHECK(e.trials == 20);
        CHECK(e.memory_bytes == doctest::Approx(1.28e7 * 24 + 1000 * 12 + 20 * 8 + 511 * 4 * 4));
        // --bin 1e-6 ms on a 1e6 ms raster: 1e12 bins in trials of 1031 bins, 7.8 GB of starts.
        const auto fine = estimate_detector_training(16, 128, 31, 1e6, 1e12, 1031, 4);
        CHECK(fine.trials == std::ceil(1e12 / 1031));
        CHECK(fine.memory_bytes > 7.7e9);
    }
}
