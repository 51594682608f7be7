#pragma once
// `evspike detect train`, `detect run` and `detect discover` (issue 5, SPEC §7.4, §7.5, §9.2) as
// library calls, shared by the commands (apps/cmd_detect_*.cpp: option parsing and printing
// only) and the Python module, so both give the same files, numbers and messages. Each reads its
// inputs, runs, writes its outputs atomically (io/atomic_file.hpp: an interrupted or failed call
// leaves them as they were) and returns a summary. Options mirror the command's; an unset
// std::optional is an option not given (the command's default then applies). A wrong option
// throws option_error with the command's message ("--holdout must be in [0, 1)"); an output that
// is one of the call's inputs throws output_is_input.
//
//   detect_train_options o;
//   o.dataset = "train.h5";
//   o.output = "model.h5";
//   const detect_train_result r = detect_train(o);   // r.held_out.f1, r.threshold, ...
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "io/motif_truth.hpp"
#include "io/spike_file.hpp"
#include "motifs/detector.hpp"
#include "motifs/scoring.hpp"

namespace evspike {

// --- helpers shared with `detect score` ----------------------------------------------------------

// The population named `requested`, else the one named by the ground truth's `population`
// attribute, else the file's only population.
std::string pick_detect_population(const spike_reader& reader, const std::string& requested,
                                   const motif_truth* truth = nullptr);
// A numeric attribute of /motifs, if present.
std::optional<double> truth_number(const motif_truth& truth, const std::string& key);
// The occurrences of a ground truth as events (no scores).
motif_events occurrences_of(const motif_truth& truth);
// The population binned (io_error naming the file and dataset for ids or times that do not fit).
binned_raster load_binned(const spike_reader& reader, const std::string& population, double bin_ms,
                          std::size_t neurons, std::int64_t bins);

// Called with the estimated bytes a call will hold and a description of the sizes, before it
// allocates them; may throw to refuse (the command's --max-memory check).
using memory_check = std::function<void(double bytes, const std::string& detail)>;

// --- detect train --------------------------------------------------------------------------------

struct detect_train_options {
    std::string dataset;    // raster with /motifs ground truth; "" with `templates`
    std::string templates;  // build from these known templates instead of learning
    std::string output;     // the detector model (.h5), required
    std::string population;                    // "" = the truth's, else the only one
    std::optional<std::uint64_t> delays;       // default: the dataset's `delays`, else 31
    std::optional<double> bin_ms;              // default: the dataset's `bin`, else 1
    std::uint64_t epochs = 4;
    double learning_rate = 1e-3;
    std::uint64_t batch_trials = 8;
    std::optional<std::int64_t> trial_bins;    // default: the dataset's bins + delays, else 1000
    double l1 = 0.0;
    double pos_weight = 1.0;
    std::string init = "naive-bayes";          // or "zero"
    double prior_strength = 1.0;
    std::optional<double> tolerance_ms;        // calibration; default one bin
    std::uint64_t refractory_bins = 0;         // 0: one motif length
    std::string rule = "first-crossing";       // or "peak"
    double prune = 1.0;                        // fraction of weights kept, in (0, 1]
    double holdout = 0.2;                      // in [0, 1)
    std::uint64_t seed = 1;
    std::string command;                       // provenance (evspike_command)
    std::function<void(const train_progress&)> progress;  // may throw to stop (nothing written)
    std::function<void(const std::string&)> warn;         // optional: each warning as it happens
    memory_check check_memory;  // optional; the command's --max-memory (motifs/estimate.hpp)
};

struct detect_train_result {
    std::string output;
    std::size_t motifs = 0, neurons = 0, delays = 0;
    double bin_ms = 0, threshold = 0, tolerance_ms = 0;
    std::string calibrated_on;  // "whole raster (templates: nothing learned)", "held-out part" or "training data"
    score_result train, held_out;  // held_out meaningful when holdout > 0
    double holdout = 0, holdout_from_ms = 0;
    double seconds = 0;  // training, calibration and writing
    std::vector<std::string> warnings;  // e.g. unit ids that do not cover the templates' neurons
};

detect_train_result detect_train(const detect_train_options& options);

// --- detect run ----------------------------------------------------------------------------------

struct detect_run_options {
    std::string model;   // detector model (.h5)
    std::string raster;  // SONATA spike file
    std::string output;  // detections (.h5); may be "" with keep_in_memory (nothing written)
    std::string population;
    double prune = 1.0;                            // fraction of weights kept, in (0, 1]
    std::optional<std::uint64_t> expected_count;   // set the threshold for this many detections
    std::optional<double> threshold;               // override the model's
    std::optional<std::uint64_t> refractory_bins;  // >= 1; default the model's, or 1 with expected_count
    std::optional<std::string> rule;               // override the model's: first-crossing or peak
    bool keep_in_memory = false;                   // also return the detections
    std::string command;
    // Called with the pass ("detect run", or "detect run (collect)" with expected_count, once per
    // pass), the spikes scanned and the raster's spikes; may throw to stop (nothing written).
    std::function<void(const char* pass, double done, double total)> progress;
    std::function<void(const std::string&)> warn;  // optional: each warning as it happens
    memory_check check_memory;  // optional; the command's --max-memory
};

struct detect_run_result {
    std::string output;
    std::string population;
    std::uint64_t detections = 0;
    std::uint64_t spikes = 0;  // input spikes scanned (the last pass's)
    double threshold = 0;      // used (float precision, as stored)
    std::size_t kept_weights = 0;
    std::int64_t refractory_bins = 0;
    std::string rule;
    double seconds = 0, cpu_seconds = 0;
    // Warnings (the command prints "warning: " + each at once, through `warn`): the model and the
    // raster name their neurons differently (unit ids, io/detector_file.hpp map_neurons), or, in
    // online runs, the detection rate is far from the calibration's ("r.h5: 0 detections in 3 s
    // (0/s) where the calibration gave 2.1/s: the threshold ... may not suit this raster (try
    // --expected-count or --threshold)").
    std::vector<std::string> warnings;
    motif_events events;  // keep_in_memory: the detections, as written
};

detect_run_result detect_run(const detect_run_options& options);

// --- detect discover -----------------------------------------------------------------------------

struct detect_discover_options {
    std::string raster;       // SONATA spike file (no labels)
    std::string output;       // the detector model (.h5), required
    std::string occurrences;  // "" or also write where each motif was found (detections file)
    std::string population;
    std::uint64_t motifs = 0;        // K >= 1
    double duration_ms = 0;          // a motif's window, > 0
    double bin_ms = 1.0;
    std::uint64_t iterations = 40;
    double significance = 0.01;      // in (0, 1)
    std::uint64_t seed = 1;
    std::string command;
    std::function<void(double iteration, double iterations)> progress;  // may throw to stop
    memory_check check_memory;  // optional; the command's --max-memory
};

struct detect_discover_result {
    std::string output, occurrences_output, population;
    std::size_t motifs = 0, neurons = 0, delays = 0;
    double bin_ms = 0, threshold = 0;
    std::size_t iterations = 0;
    std::vector<std::size_t> counts;  // occurrences per motif
    motif_events occurrences;         // where each motif was found
    double seconds = 0;
};

detect_discover_result detect_discover(const detect_discover_options& options);

}  // namespace evspike
