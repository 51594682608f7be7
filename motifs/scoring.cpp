#include "motifs/scoring.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include "core/error.hpp"

namespace evspike {

std::size_t count_matches(std::span<const double> truth_ms, std::span<const double> detected_ms,
                          double tolerance_ms) {
    std::size_t i = 0;
    std::size_t j = 0;
    std::size_t matched = 0;
    while (i < truth_ms.size() && j < detected_ms.size()) {
        const double diff = detected_ms[j] - truth_ms[i];
        if (diff < -tolerance_ms) {
            ++j;  // detection too early for this and every later occurrence
        } else if (diff > tolerance_ms) {
            ++i;  // occurrence too early for this and every later detection
        } else {
            ++matched;
            ++i;
            ++j;
        }
    }
    return matched;
}

namespace {

std::map<std::uint64_t, std::vector<double>> by_motif(const motif_events& events, const char* what) {
    if (events.motif_ids.size() != events.timestamps.size())
        throw error(std::string(what) + ": timestamps and motif_ids differ in length");
    std::map<std::uint64_t, std::vector<double>> groups;
    for (std::size_t k = 0; k < events.size(); ++k) {
        if (!std::isfinite(events.timestamps[k]))
            throw error(std::string(what) + ": non-finite timestamp at index " + std::to_string(k));
        groups[events.motif_ids[k]].push_back(events.timestamps[k]);
    }
    for (auto& [id, times] : groups) std::sort(times.begin(), times.end());
    return groups;
}

double ratio(std::size_t num, std::size_t den) {
    return den == 0 ? 1.0 : static_cast<double>(num) / static_cast<double>(den);
}

}  // namespace

score_result score_detections(const motif_events& truth, const motif_events& detections,
                              const score_options& options) {
    if (!(options.tolerance_ms >= 0) || !(options.exact_tolerance_ms >= 0))
        throw error("score: tolerance must be >= 0");
    const auto true_groups = by_motif(truth, "ground truth");
    const auto detected_groups = by_motif(detections, "detections");
    score_result r;
    r.occurrences = truth.size();
    r.detections = detections.size();
    for (const auto& [id, times] : true_groups) {
        const auto it = detected_groups.find(id);
        if (it == detected_groups.end()) continue;
        r.matched += count_matches(times, it->second, options.tolerance_ms);
        r.exact_matched += count_matches(times, it->second, options.exact_tolerance_ms);
    }
    r.precision = ratio(r.matched, r.detections);
    r.recall = ratio(r.matched, r.occurrences);
    r.f1 = (r.precision + r.recall) > 0 ? 2 * r.precision * r.recall / (r.precision + r.recall) : 0.0;
    r.exact_hit_rate = ratio(r.exact_matched, r.occurrences);
    return r;
}

}  // namespace evspike
