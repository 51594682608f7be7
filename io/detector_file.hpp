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
// Both are written under a temporary name beside the target and renamed when complete.
#include <memory>
#include <string>

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
};
detections_meta read_detections_meta(const std::string& path);

// What an HDF5 file holds, by its top-level groups: spikes first, then a detector model, then
// detections (for `info` and `plot`, which accept all three).
enum class evspike_file_kind { spikes, detector_model, detections, other };
evspike_file_kind file_kind(const std::string& path);

}  // namespace evspike
