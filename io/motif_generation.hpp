#pragma once
// `evspike generate motifs` (SPEC §6, §7.3) as a library call, shared by the command
// (apps/cmd_generate_motifs.cpp) and the Python module: the raster of a motifs config, streamed
// in time order, and its ground truth; written, when asked, into one file with /motifs.
#include <cstdint>
#include <functional>
#include <span>
#include <string>

#include "io/generator_config.hpp"
#include "io/motif_truth.hpp"
#include "io/spike_file.hpp"

namespace evspike {

// Receives a generator's spikes batch by batch, in time order (ties by node id).
// hdsnn trials generated per batch: bounds memory while keeping append calls large.
inline constexpr std::uint64_t motif_trials_per_batch = 16;

using spike_batch_sink = std::function<void(std::span<const double> times_ms, std::span<const std::uint64_t> node_ids)>;

// Generates the raster and ground truth of `c`. With a non-empty `output`, writes both into that
// file, atomically (a failed or interrupted run leaves it as it was), with `command` as
// provenance. `batch` (if set) sees every spike; `progress` (if set) gets the fraction done and
// may throw to stop the run.
motif_truth generate_motifs(const motifs_config& c, const std::string& output, const std::string& command,
                            const spike_batch_sink& batch = {}, const std::function<void(double)>& progress = {});

}  // namespace evspike
