#pragma once
// Dataset statistics on binned spike trains (`evspike info --bin MS`, SPEC issue 4):
// the Fano factor of the counts per bin and the Lempel-Ziv (LZ76) complexity of the binarised
// train (1 where a bin holds at least one spike).
//
// LZ76 counts phrases as Kaspar & Schuster (1987) do (the algorithm of antropy and Elephant):
// '1001111011000010' -> 6, '010101010101' -> 3, '11111' -> 2, '00' -> 2. Normalised complexity
// is c log2(n) / n, the ratio to the asymptotic phrase count of a random sequence. Cost: O(n)
// time through a suffix automaton (core/complexity.cpp), ~40 bytes of memory per symbol of a
// binary sequence, so binned_stats skips it above max_lz_bins (2.7 GB). Speed: bench/README.md,
// "LZ76 complexity in linear time".
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace evspike {

// Number of LZ76 phrases of a sequence of symbols (any byte values); 0 for an empty sequence.
std::uint64_t lz76_phrases(std::span<const std::uint8_t> symbols);
// c log2(n) / n; nullopt for n < 2 (log2(1) = 0 says nothing).
std::optional<double> lz76_normalised(std::span<const std::uint8_t> symbols);

// Fano factor var / mean of counts (population variance, as Elephant); nullopt if the mean is 0.
std::optional<double> fano_factor(std::span<const double> counts);

// Per-neuron Fano factor and normalised LZ76 over bins [k bin, (k + 1) bin), k < bins. Spikes must
// come in time order per neuron (any interleaving across neurons); spikes outside the bins are
// ignored. Memory: O(neurons + distinct occupied bins).
class binned_stats {
public:
    // Memory, not time, bounds it: 40 bytes per bin for the automaton of one binarised train.
    static constexpr std::uint64_t max_lz_bins = std::uint64_t{1} << 26;

    binned_stats(double bin_ms, std::uint64_t bins);
    void add(std::span<const double> timestamps_ms, std::span<const std::uint64_t> node_ids);

    struct result {
        std::uint64_t bins = 0;
        std::uint64_t neurons = 0;                // active neurons (>= 1 spike in the bins)
        std::optional<double> mean_fano;          // mean over active neurons
        std::optional<double> mean_lz;            // mean over active neurons; nullopt if bins > max_lz_bins
    };
    result finish() const;

private:
    struct neuron {
        std::uint64_t spikes = 0;
        double sum_sq = 0.0;                      // sum of squared counts of finished bins
        std::uint64_t current_bin = UINT64_MAX;
        std::uint64_t current_count = 0;
        std::vector<std::uint64_t> occupied;      // distinct bins with spikes, increasing
    };
    double bin_ms_;
    std::uint64_t bins_;
    std::vector<neuron> neurons_;
};

}  // namespace evspike
