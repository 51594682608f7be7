#pragma once
// Scoring of motif detections against ground truth (issue 5, `evspike detect score`).
//
// Matching is one-to-one and per motif: a detection may only match a true occurrence of the same
// motif whose start time is within `tolerance_ms`. For each motif we take a maximum-cardinality
// matching: with both lists sorted by time, the two-pointer sweep (match the earliest unmatched
// pair within tolerance, otherwise drop the earlier of the two) is optimal for windows of equal
// width, so precision and recall cannot be improved by another one-to-one assignment.
//
// The exact-bin hit rate is the paper's "accuracy" (Perrinet, ICANN 2023): the fraction of true
// occurrences matched by a detection of the same motif at the same bin, i.e. the same matching at
// tolerance `exact_tolerance_ms` (default 1e-6 ms: detections and truth are both k * bin).
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace evspike {

// A list of motif events (true occurrences or detections), parallel arrays.
struct motif_events {
    std::vector<double> timestamps;  // ms, the motif's start
    std::vector<std::uint64_t> motif_ids;
    std::vector<float> scores;  // detections only (may be empty for truth)
    std::size_t size() const { return timestamps.size(); }
};

struct score_options {
    double tolerance_ms = 1.0;
    double exact_tolerance_ms = 1e-6;
};

struct score_result {
    std::size_t detections = 0;
    std::size_t occurrences = 0;
    std::size_t matched = 0;        // one-to-one matches within tolerance
    std::size_t exact_matched = 0;  // one-to-one matches at the same bin
    double precision = 0;           // matched / detections (1 when there are no detections)
    double recall = 0;              // matched / occurrences (1 when there are no occurrences)
    double f1 = 0;
    double exact_hit_rate = 0;  // exact_matched / occurrences
};

// Number of one-to-one matches between two time lists (each sorted ascending) within tolerance.
std::size_t count_matches(std::span<const double> truth_ms, std::span<const double> detected_ms,
                          double tolerance_ms);

score_result score_detections(const motif_events& truth, const motif_events& detections,
                              const score_options& options = {});

}  // namespace evspike
