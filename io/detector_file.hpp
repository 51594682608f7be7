#pragma once
// Files of the motif detector (issue 5):
// - the detector model (SPEC §7.5): /detector/weights float32 [motifs x neurons x delays] (delay
//   index = lag in bins from the spike to the detection bin, see motifs/detector.hpp),
//   /detector/bias float32 [motifs], attributes `bin` (ms), `threshold` (logit units), `delays`,
//   `refractory` (bins), `rule` ("first-crossing" or "peak"; absent: first-crossing),
//   `origin` (supervised | templates | discovered), `calibration_rate` (detections per second at
//   the threshold on the calibration data), and the training settings as attributes
//   (`train_epochs`, ...);
// - detections (SPEC §7.4): /detections/{timestamps float64 (ms, the motif's start), motif_ids
//   uint64, scores float32 (bias + evidence, logit units)}, streamed in chunks.
// - both carry `unit_ids` uint64 [neurons] (/detector/unit_ids, /detections/unit_ids) when the
//   raster was an imported recording: the unit id of each model neuron (docs/files.md).
// Both are written under a temporary name beside the target and renamed when complete.
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "motifs/detector.hpp"
#include "motifs/scoring.hpp"

namespace evspike {

void write_detector_model(const std::string& path, const detector_model& model, const std::string& command);

// io_error naming file and dataset when missing, of the wrong shape or type; model_error for
// inconsistent values (non-finite weights, ...).
detector_model read_detector_model(const std::string& path);

class detections_writer {
public:
    detections_writer(std::string path, const std::string& command);
    ~detections_writer();  // without commit(): the temporary file is removed
    detections_writer(const detections_writer&) = delete;
    detections_writer& operator=(const detections_writer&) = delete;

    void append(double timestamp_ms, std::uint64_t motif_id, float score);
    // An attribute of /detections (run settings: threshold, prune, model path, ...).
    void set_attribute(const std::string& name, const std::string& value);
    void set_attribute(const std::string& name, double value);
    // /detections/unit_ids: the unit id of each neuron of the model that made the detections
    // (SPEC §9.1); nothing is written for an empty span.
    void set_unit_ids(std::span<const std::uint64_t> unit_ids);
    void commit();

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

void write_detections(const std::string& path, const motif_events& detections, const std::string& command);
motif_events read_detections(const std::string& path);

// The attributes of /detections that `detect run` and `detect discover` write (absent: empty or 0).
struct detections_meta {
    std::string model, raster, population, rule;
    double bin_ms = 0, delays = 0, threshold = 0;
    std::vector<std::uint64_t> unit_ids;  // /detections/unit_ids, empty when absent
};
detections_meta read_detections_meta(const std::string& path);

// How the node ids of a raster map to the neurons of a model, through the recordings' unit ids
// (SPEC §9.1; docs/detection.md): when both name their units and the lists differ, a raster node
// goes to the model neuron with the same unit id, or nowhere (-1: ignored); a model unit the
// raster lacks never fires. Identical lists, or neither side with unit ids: identity (empty
// model_neuron). One side only: identity with a warning. No unit in common: io_error naming
// the raster's unit_ids.
struct neuron_mapping {
    std::vector<std::int64_t> model_neuron;  // [raster node id] -> model neuron or -1; empty: identity
    std::size_t matched = 0;                  // raster units found in the model (when mapped)
    std::string warning;                      // non-empty: print it to stderr
};
neuron_mapping map_neurons(const detector_model& model, const std::string& model_path,
                           const std::optional<std::vector<std::uint64_t>>& raster_units,
                           const std::string& raster_path, const std::string& population);

// What an HDF5 file holds, by its top-level groups: spikes first, then a detector model, then
// detections (for `info` and `plot`, which accept all three).
enum class evspike_file_kind { spikes, detector_model, detections, other };
evspike_file_kind file_kind(const std::string& path);

}  // namespace evspike
