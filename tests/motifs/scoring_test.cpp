#include "motifs/scoring.hpp"

#include <doctest/doctest.h>

#include "core/error.hpp"

using namespace evspike;

TEST_SUITE("motifs") {
    TEST_CASE("scoring: perfect detections give precision, recall and F1 of 1") {
        motif_events truth{{10.0, 50.0, 20.0}, {0, 0, 1}, {}};
        motif_events found{{20.0, 10.0, 50.0}, {1, 0, 0}, {1, 1, 1}};
        const auto r = score_detections(truth, found);
        CHECK(r.matched == 3);
        CHECK(r.precision == 1.0);
        CHECK(r.recall == 1.0);
        CHECK(r.f1 == 1.0);
        CHECK(r.exact_hit_rate == 1.0);
    }

    TEST_CASE("scoring: a detection of another motif or outside tolerance does not match") {
        motif_events truth{{10.0, 30.0}, {0, 0}, {}};
        // 11.0 is within 1 ms of 10 (match, not exact); 30.0 but motif 1 (no match); 45.0 too far.
        motif_events found{{11.0, 30.0, 45.0}, {0, 1, 0}, {}};
        const auto r = score_detections(truth, found, {1.0, 1e-6});
        CHECK(r.matched == 1);
        CHECK(r.exact_matched == 0);
        CHECK(r.precision == doctest::Approx(1.0 / 3.0));
        CHECK(r.recall == doctest::Approx(0.5));
        CHECK(r.f1 == doctest::Approx(0.4));
        CHECK(r.exact_hit_rate == 0.0);
    }

    TEST_CASE("scoring: matching is one-to-one and maximal") {
        // Two detections near one occurrence: only one matches.
        const auto one = score_detections({{10.0}, {0}, {}}, {{9.5, 10.5}, {0, 0}, {}}, {1.0, 1e-6});
        CHECK(one.matched == 1);
        CHECK(one.precision == 0.5);
        // Truth 10, 11; detections 10.9, 11.9: greedy nearest (10.9 -> 11) would leave one unmatched;
        // the maximum matching pairs 10 -> 10.9 and 11 -> 11.9.
        const auto two =
            score_detections({{10.0, 11.0}, {3, 3}, {}}, {{10.9, 11.9}, {3, 3}, {}}, {1.0, 1e-6});
        CHECK(two.matched == 2);
        CHECK(count_matches(std::vector<double>{10.0, 11.0}, std::vector<double>{10.9, 11.9}, 1.0) == 2);
    }

    TEST_CASE("scoring: empty inputs and bad inputs") {
        const auto none = score_detections({}, {});
        CHECK(none.f1 == 1.0);
        const auto missed = score_detections({{1.0}, {0}, {}}, {});
        CHECK(missed.recall == 0.0);
        CHECK(missed.f1 == 0.0);
        CHECK_THROWS_AS(score_detections({{1.0, 2.0}, {0}, {}}, {}), error);
        CHECK_THROWS_AS(score_detections({}, {}, {-1.0, 0.0}), error);
    }
}
